/**
 * Flame graph layout in terminal columns: which frame occupies which cells of which row.
 *
 * Widths are proportional to samples relative to the zoomed frame. Cell edges are the rounded
 * sample positions (x0 = round(start * scale), x1 = round(end * scale)), so children always nest
 * inside their parent's columns and a parent keeps its own width whatever happens to its children.
 * A frame narrower than one column is not drawn on its own: a run of adjacent narrow siblings
 * becomes one `merged` cell when the run rounds to at least one column, and their descendants are
 * never visited, so the cost is bounded by what fits on screen, not by the profile size.
 */
import {escapeText} from '../lib/escape.js';
import {ROOT_ID, type FlameTree} from './tree.js';

export type FlameCellKind =
	/** A frame in the zoomed subtree (or the zoomed frame itself). */
	| 'frame'
	/** An ancestor of the zoomed frame, drawn full width as flamegraph.pl does when zoomed. */
	| 'ancestor'
	/** Adjacent sibling frames each narrower than one column, drawn as one cell; id is -1. */
	| 'merged';

export type FlameCell = {
	/** Node id; -1 for a merged cell. */
	id: number;
	/** First column, 0-based. */
	x: number;
	/** Columns, ≥ 1. */
	width: number;
	depth: number;
	/** The frame name made safe (ASCII, escaped) and cut to `width` columns; '' for merged cells. */
	label: string;
	kind: FlameCellKind;
	/** Frames covered: 1 for a frame, the run length for a merged cell. */
	frames: number;
};

export type FlameLayoutOptions = {
	width: number;
	/** Zoomed frame; the root (no zoom) by default. An invalid id falls back to the root. */
	zoomId?: number;
	/** Icicle orientation (root on the first row). Default false: root at the bottom, as flamegraph.pl. */
	rootAtTop?: boolean;
	/** Rows to keep; deeper rows are cut first (see cutRows). */
	maxRows?: number;
};

export type FlameLayout = {
	width: number;
	zoomId: number;
	rootAtTop: boolean;
	/** Rows in display order: rows[0] is the top line of the view. */
	rows: FlameCell[][];
	/** Depth shown on each display row (parallel to rows). */
	rowDepths: number[];
	/** Rows deeper than the kept window (leaf side) that were not returned. */
	cutRows: number;
	/**
	 * Ancestor rows nearest the root that were dropped because the zoomed frame sits deeper than
	 * maxRows allows (the zoomed frame and about half the window of its descendants stay visible).
	 */
	cutAncestorRows: number;
	/** Samples represented by one column. */
	samplesPerColumn: number;
};

/** Relative slack so that a frame of exactly one column is not lost to floating-point error. */
const EPSILON = 1e-9;

export function layoutFlame(tree: FlameTree, options: FlameLayoutOptions): FlameLayout {
	const width = Math.max(0, Math.floor(options.width));
	const rootAtTop = options.rootAtTop ?? false;
	let zoomId = options.zoomId ?? ROOT_ID;
	if (!Number.isInteger(zoomId) || zoomId < 0 || zoomId >= tree.size) zoomId = ROOT_ID;
	const zoomTotal = tree.total[zoomId]!;
	const empty: FlameLayout = {
		width,
		zoomId,
		rootAtTop,
		rows: [],
		rowDepths: [],
		cutRows: 0,
		cutAncestorRows: 0,
		samplesPerColumn: width > 0 ? zoomTotal / width : 0,
	};
	if (width === 0 || !(zoomTotal > 0)) return empty;

	const {total, firstChild, nextSibling, parent, depth} = tree;
	const scale = width / zoomTotal;
	const threshold = zoomTotal * (1 - EPSILON);
	const byDepth: FlameCell[][] = [];
	const zoomDepth = depth[zoomId]!;

	for (let a = zoomId; a >= 0; a = parent[a]!) {
		byDepth[depth[a]!] = [
			{id: a, x: 0, width, depth: depth[a]!, label: '', kind: a === zoomId ? 'frame' : 'ancestor', frames: 1},
		];
	}

	// Depth-first, left to right: children are pushed in reverse so that parents on a row are
	// expanded left to right, which emits every row's cells already sorted by x.
	let deepest = zoomDepth;
	const stackId: number[] = [zoomId];
	const stackPos: number[] = [0];
	const visible: number[] = [];
	const visiblePos: number[] = [];
	const rowAt = (d: number): FlameCell[] => {
		let row = byDepth[d];
		if (row === undefined) {
			row = [];
			byDepth[d] = row;
		}
		return row;
	};
	const pushMerged = (d: number, start: number, stop: number, frames: number) => {
		const x0 = Math.round(start * scale);
		const x1 = Math.round(stop * scale);
		if (x1 <= x0) return;
		rowAt(d).push({id: -1, x: x0, width: x1 - x0, depth: d, label: '', kind: 'merged', frames});
		if (d > deepest) deepest = d;
	};
	while (stackId.length > 0) {
		const p = stackId.pop()!;
		const pos = stackPos.pop()!;
		const d = depth[p]! + 1;
		let runStart = 0;
		let runFrames = 0;
		let cpos = pos;
		visible.length = 0;
		visiblePos.length = 0;
		for (let c = firstChild[p]!; c >= 0; c = nextSibling[c]!) {
			const t = total[c]!;
			if (t * width >= threshold) {
				if (runFrames > 0) {
					pushMerged(d, runStart, cpos, runFrames);
					runFrames = 0;
				}
				const x0 = Math.round(cpos * scale);
				const x1 = Math.round((cpos + t) * scale);
				rowAt(d).push({id: c, x: x0, width: x1 - x0, depth: d, label: '', kind: 'frame', frames: 1});
				if (d > deepest) deepest = d;
				visible.push(c);
				visiblePos.push(cpos);
			} else {
				if (runFrames === 0) runStart = cpos;
				runFrames++;
			}
			cpos += t;
		}
		if (runFrames > 0) pushMerged(d, runStart, cpos, runFrames);
		for (let i = visible.length - 1; i >= 0; i--) {
			stackId.push(visible[i]!);
			stackPos.push(visiblePos[i]!);
		}
	}

	// Window of depths to keep.
	const totalRows = deepest + 1;
	let firstDepth = 0;
	let lastDepth = deepest;
	const maxRows = options.maxRows === undefined ? Infinity : Math.max(1, Math.floor(options.maxRows));
	if (totalRows > maxRows) {
		const below = deepest - zoomDepth;
		const want = Math.min(below, Math.floor((maxRows - 1) / 2));
		firstDepth = Math.min(zoomDepth, Math.max(0, zoomDepth + 1 + want - maxRows));
		lastDepth = firstDepth + maxRows - 1;
	}

	const rows: FlameCell[][] = [];
	const rowDepths: number[] = [];
	for (let d = firstDepth; d <= lastDepth; d++) {
		const row = byDepth[d] ?? [];
		for (const cell of row) {
			if (cell.kind !== 'merged') cell.label = fitLabel(displayName(tree.names[tree.nameId[cell.id]!] ?? ''), cell.width);
		}
		rows.push(row);
		rowDepths.push(d);
	}
	if (!rootAtTop) {
		rows.reverse();
		rowDepths.reverse();
	}
	return {
		...empty,
		rows,
		rowDepths,
		cutRows: deepest - lastDepth,
		cutAncestorRows: firstDepth,
	};
}

/**
 * Whether the layout at `width` columns zoomed on `zoomId` draws frame `id` as its own cell: the
 * zoomed frame's ancestors and itself always, a frame inside the zoomed subtree when it is at
 * least one column wide. Navigation uses this so that the cursor never lands on a hidden frame.
 * Without a width every frame of the zoomed subtree counts as drawn.
 */
export function isDrawn(tree: FlameTree, zoomId: number, id: number, width?: number): boolean {
	if (id < 0 || id >= tree.size) return false;
	if (zoomId >= id && zoomId < tree.end[id]!) return true;
	if (id < zoomId || id >= tree.end[zoomId]!) return false;
	if (width === undefined) return true;
	return tree.total[id]! * Math.floor(width) >= tree.total[zoomId]! * (1 - EPSILON);
}

/** The cell showing `id`, if it is drawn. */
export function findCell(layout: FlameLayout, id: number): FlameCell | undefined {
	for (const row of layout.rows) {
		for (const cell of row) if (cell.id === id) return cell;
	}
	return undefined;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * A symbol made safe for a terminal cell: control characters escaped (lib/escape), anything else
 * outside printable ASCII shown as '?', so that one character is one column and Ink never has to
 * measure wide characters. The full name is still available from the tree for a detail line.
 */
export function displayName(name: string): string {
	if (PRINTABLE_ASCII.test(name)) return name;
	return escapeText(name).replace(/[^\x20-\x7e]/gu, '?');
}

/** Marker for a cut label; ASCII on purpose. */
export const TRUNCATION_MARKER = '..';

/**
 * Cut `text` to `columns`: unchanged if it fits, else its start plus '..' (flamegraph.pl's rule);
 * '' when fewer than 3 columns would leave no room for a useful prefix.
 */
export function fitLabel(text: string, columns: number): string {
	if (text.length <= columns) return text;
	if (columns < 3) return '';
	return text.slice(0, columns - TRUNCATION_MARKER.length) + TRUNCATION_MARKER;
}
