/**
 * Top-functions table and the "who calls this / what does it call" views, aggregated by function
 * name over the call tree (optionally only inside a zoomed subtree).
 *
 * Total samples count a function once per stack even when it recurses: a frame adds its inclusive
 * samples only when no ancestor on its path (inside the subtree) has the same name. Caller/callee
 * edges are likewise counted once per stack per edge.
 */
import {buildTree, ROOT_ID, type FlameTree} from './tree.js';

export type TopRow = {
	function: string;
	selfSamples: number;
	totalSamples: number;
	/** Percent of the samples of the zoomed frame (all samples when not zoomed). */
	selfPercent: number;
	totalPercent: number;
};

export type TopSort = 'self' | 'total' | 'name';

export type CallRow = {
	function: string;
	samples: number;
	/** Percent of the subject function's own total (once-per-stack) samples. */
	percent: number;
};

export type ProfileSource = FlameTree | Iterable<readonly [string, number]>;

export type TopOptions = {
	/** Only the subtree of this frame (the frame itself included). Default: whole profile. */
	zoomId?: number;
	sort?: TopSort;
};

function isTree(source: ProfileSource): source is FlameTree {
	return (source as FlameTree).nameId instanceof Int32Array && (source as FlameTree).end instanceof Int32Array;
}

function toTree(source: ProfileSource): FlameTree {
	return isTree(source) ? source : buildTree(source);
}

function zoomOf(tree: FlameTree, zoomId: number | undefined): number {
	return zoomId !== undefined && Number.isInteger(zoomId) && zoomId >= 0 && zoomId < tree.size ? zoomId : ROOT_ID;
}

/**
 * Walk the subtree of `zoom` in pre-order, calling enter(id) on the way down and leave(id) on the
 * way up, so per-path counters can be kept without recursion. The root itself (the synthetic "all")
 * is never entered.
 */
function walk(tree: FlameTree, zoom: number, enter: (id: number) => void, leave: (id: number) => void): void {
	const {parent, end} = tree;
	const stop = end[zoom]!;
	const path: number[] = [];
	for (let id = zoom === ROOT_ID ? 1 : zoom; id < stop; id++) {
		const p = parent[id]!;
		while (path.length > 0 && path[path.length - 1] !== p) leave(path.pop()!);
		enter(id);
		path.push(id);
	}
	while (path.length > 0) leave(path.pop()!);
}

export function topFunctions(source: ProfileSource, options: TopOptions = {}): TopRow[] {
	const tree = toTree(source);
	const zoom = zoomOf(tree, options.zoomId);
	const base = tree.total[zoom]!;
	const n = tree.names.length;
	const self = new Float64Array(n);
	const total = new Float64Array(n);
	const onPath = new Int32Array(n);
	const seen = new Uint8Array(n);
	const {nameId} = tree;
	walk(
		tree,
		zoom,
		id => {
			const name = nameId[id]!;
			seen[name] = 1;
			self[name] = self[name]! + tree.self[id]!;
			if (onPath[name] === 0) total[name] = total[name]! + tree.total[id]!;
			onPath[name] = onPath[name]! + 1;
		},
		id => {
			const name = nameId[id]!;
			onPath[name] = onPath[name]! - 1;
		},
	);
	const rows: TopRow[] = [];
	for (let name = 1; name < n; name++) {
		if (seen[name] === 0) continue;
		rows.push({
			function: tree.names[name]!,
			selfSamples: self[name]!,
			totalSamples: total[name]!,
			selfPercent: percent(self[name]!, base),
			totalPercent: percent(total[name]!, base),
		});
	}
	return sortTopRows(rows, options.sort ?? 'self');
}

function percent(part: number, whole: number): number {
	return whole > 0 ? (part * 100) / whole : 0;
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Sort a copy: 'self' and 'total' descending (ties: the other count descending, then name),
 * 'name' ascending in code-unit order.
 */
export function sortTopRows(rows: readonly TopRow[], by: TopSort): TopRow[] {
	const out = rows.slice();
	if (by === 'name') out.sort((a, b) => byName(a.function, b.function));
	else if (by === 'total') {
		out.sort(
			(a, b) => b.totalSamples - a.totalSamples || b.selfSamples - a.selfSamples || byName(a.function, b.function),
		);
	} else {
		out.sort(
			(a, b) => b.selfSamples - a.selfSamples || b.totalSamples - a.totalSamples || byName(a.function, b.function),
		);
	}
	return out;
}

export type CallOptions = {zoomId?: number};

/**
 * Functions that call `fn` directly, with the samples of stacks where that caller calls `fn`
 * (once per stack per caller). A frame whose parent is outside the zoomed subtree (or is the
 * synthetic root) has no caller here. Sorted by samples descending, then name.
 */
export function callers(source: ProfileSource, fn: string, options: CallOptions = {}): CallRow[] {
	return edges(toTree(source), fn, options, 'callers');
}

/** Functions that `fn` calls directly, counted like callers. */
export function callees(source: ProfileSource, fn: string, options: CallOptions = {}): CallRow[] {
	return edges(toTree(source), fn, options, 'callees');
}

/** Once-per-stack total samples of `fn` inside the zoomed subtree (0 if absent). */
export function functionTotal(source: ProfileSource, fn: string, options: CallOptions = {}): number {
	const tree = toTree(source);
	const target = tree.names.indexOf(fn, 1);
	if (target < 0) return 0;
	let sum = 0;
	let depthOnPath = 0;
	walk(
		tree,
		zoomOf(tree, options.zoomId),
		id => {
			if (tree.nameId[id] !== target) return;
			if (depthOnPath === 0) sum += tree.total[id]!;
			depthOnPath++;
		},
		id => {
			if (tree.nameId[id] === target) depthOnPath--;
		},
	);
	return sum;
}

function edges(tree: FlameTree, fn: string, options: CallOptions, direction: 'callers' | 'callees'): CallRow[] {
	const target = tree.names.indexOf(fn, 1);
	if (target < 0) return [];
	const zoom = zoomOf(tree, options.zoomId);
	const {nameId, parent} = tree;
	const n = tree.names.length;
	const samples = new Float64Array(n);
	const active = new Int32Array(n);
	const seen = new Uint8Array(n);
	let fnTotal = 0;
	let fnOnPath = 0;
	// The other end of an edge that `id` closes, or -1.
	const other = (id: number): number => {
		if (id === zoom) return -1;
		const p = parent[id]!;
		if (p === ROOT_ID) return -1;
		if (direction === 'callers') return nameId[id] === target ? nameId[p]! : -1;
		return nameId[p] === target ? nameId[id]! : -1;
	};
	walk(
		tree,
		zoom,
		id => {
			if (nameId[id] === target) {
				if (fnOnPath === 0) fnTotal += tree.total[id]!;
				fnOnPath++;
			}
			const o = other(id);
			if (o < 0) return;
			seen[o] = 1;
			if (active[o] === 0) samples[o] = samples[o]! + tree.total[id]!;
			active[o] = active[o]! + 1;
		},
		id => {
			if (nameId[id] === target) fnOnPath--;
			const o = other(id);
			if (o >= 0) active[o] = active[o]! - 1;
		},
	);
	const rows: CallRow[] = [];
	for (let name = 1; name < n; name++) {
		if (seen[name] === 0) continue;
		rows.push({function: tree.names[name]!, samples: samples[name]!, percent: percent(samples[name]!, fnTotal)});
	}
	rows.sort((a, b) => b.samples - a.samples || byName(a.function, b.function));
	return rows;
}
