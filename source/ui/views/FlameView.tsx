/**
 * The flame graph screen: header, flame rows (or the top / callers tables), status, search and
 * key lines. Drawn as ONE Ink <Text> holding SGR-styled lines: Ink's per-frame cost grows with
 * text nodes and characters, so cells are ASCII and a cell is one style run.
 *
 * Without colour, cells read like renderFlameText's (`[name---]`, `|` for one column, '=' fill on
 * the ancestor rows of a zoom, '*' fill on search matches, '+' for merged narrow frames) and the
 * selection is inverse video, the only escape sequence then. With colour, a cell is a coloured
 * block (by frame kind, a stable shade per name) followed by a one-column gap.
 */
import React from 'react';
import {Text} from 'ink';
import {escapeText} from '../../lib/escape.js';
import {formatBytes, padEnd, padStart, truncate} from '../../lib/format.js';
import {displayName, fitLabel, layoutFlame, type FlameCell} from '../../profile/flame-layout.js';
import {currentZoom, flameSearch, flameTable, type FlameViewState} from '../../profile/flame-nav.js';
import {frameKind, frameKindOf, kindColorIndex, type FrameKind} from '../../profile/frame-kind.js';
import type {SearchOutcome} from '../../profile/search.js';
import {functionTotal, type CallRow, type TopRow} from '../../profile/top.js';
import {ROOT_ID, isWithin, nameOf, type FlameTree} from '../../profile/tree.js';
import {KEYMAP, SCOPES_BY_VIEW, footerItems, prettyKey} from '../keymap.js';
import type {Theme} from '../theme.js';

export type FlameHeader = {
	/** What is shown: 'perf worker-1', a file name. Escaped here. */
	title: string;
	node?: string;
	pid?: number;
	/** Recorded seconds. */
	seconds?: number;
	samples: number;
	/** What the counts are (default 'samples'; jeprof profiles: 'bytes'). */
	unit?: string;
	lostSamples?: number;
	/** One line under the header (partial capture, a status message). Escaped here. */
	note?: string;
};

/** The view's state; `searchDraft` (flame-keys' FlameUiState) is the search prompt being typed. */
export type FlameViewInput = FlameViewState & {readonly searchDraft?: string | null};

export type FlameViewProps = {
	tree: FlameTree;
	state: FlameViewInput;
	width: number;
	height: number;
	theme: Theme;
	header: FlameHeader;
};

/** Below this the view says so instead of drawing a garbled frame. */
export const FLAME_MIN_WIDTH = 40;
export const FLAME_MIN_HEIGHT = 8;

const RESET = '\u001b[0m';
const INVERSE = '\u001b[7m';

/** xterm-256 backgrounds per kind, 8 shades each (kindColorIndex picks one per name). */
const PALETTE: Record<FrameKind, readonly number[]> = {
	zeek: [160, 161, 166, 167, 196, 197, 202, 203],
	kernel: [172, 173, 178, 179, 208, 209, 214, 215],
	runtime: [142, 143, 148, 149, 184, 185, 186, 190],
	script: [30, 31, 36, 37, 42, 43, 44, 73],
	unknown: [242, 243, 244, 245, 246, 247, 248, 249],
};
const MATCH_BG = 201;
const ANCESTOR_BG = 238;
const KIND_FG: Record<FrameKind, number> = {zeek: 31, kernel: 33, runtime: 32, script: 36, unknown: 90};
const KIND_LABEL: Record<FrameKind, string> = {zeek: 'zeek', kernel: 'kernel', runtime: 'runtime', script: 'script', unknown: '?'};

function styled(text: string, codes: string, color: boolean): string {
	return color && text.length > 0 ? `\u001b[${codes}m${text}${RESET}` : text;
}

function inverse(text: string): string {
	return text.length > 0 ? `${INVERSE}${text}${RESET}` : text;
}

/** A count with its unit: bytes as 1.5M (jeprof profiles), anything else as a number. */
function amount(n: number, unit: string): string {
	return unit === 'bytes' ? `${formatBytes(n)} bytes` : `${formatSamples(n)} ${unit}`;
}

function formatSamples(n: number): string {
	return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

function formatShare(part: number, whole: number): string {
	return whole > 0 ? ((part * 100) / whole).toFixed(2) : '0.00';
}

// --- the flame rows ---

export type FlameRowsOptions = {
	width: number;
	/** Lines available for the graph (a note about cut rows takes one of them). */
	rows: number;
	theme: Theme;
	/** The active search (flameSearch); null for none. */
	search?: SearchOutcome | null;
};

/**
 * The flame graph body: exactly `rows` lines, none wider than `width`. Rows that do not fit are
 * cut on the leaf side, except that the window always includes the selected frame's row.
 */
export function flameRowLines(tree: FlameTree, state: FlameViewState, options: FlameRowsOptions): string[] {
	const width = Math.max(1, Math.floor(options.width));
	const height = Math.max(1, Math.floor(options.rows));
	const color = options.theme.color;
	const matched = options.search?.ok ? options.search.matched : undefined;
	const zoom = currentZoom(state);
	const layout = layoutFlame(tree, {width, zoomId: zoom, rootAtTop: true});
	if (layout.rows.length === 0) return fill(['(no samples)'], height, state.rootAtTop);

	// Depth window: like layoutFlame's own cut (zoomed frame plus about half a screen below it),
	// moved so that the selected frame stays on screen.
	const total = layout.rows.length;
	let first = 0;
	let last = total - 1;
	let note = '';
	if (total > height) {
		const keep = Math.max(1, height - 1);
		const zoomDepth = tree.depth[layout.zoomId]!;
		const selectedDepth = tree.depth[state.selectedId] ?? zoomDepth;
		const want = Math.min(total - 1 - zoomDepth, Math.floor((keep - 1) / 2));
		first = Math.min(zoomDepth, Math.max(0, zoomDepth + 1 + want - keep));
		if (selectedDepth > first + keep - 1) first = selectedDepth - keep + 1;
		if (selectedDepth < first) first = selectedDepth;
		first = Math.max(0, Math.min(first, total - keep));
		last = first + keep - 1;
		const parts: string[] = [];
		if (first > 0) parts.push(`${first} outer`);
		if (last < total - 1) parts.push(`${total - 1 - last} deeper`);
		note = fitLabel(`(${parts.join(', ')} rows not shown)`, width);
	}
	const lines: string[] = [];
	for (let d = first; d <= last; d++) lines.push(rowLine(tree, layout.rows[d]!, state.selectedId, matched, color));
	if (note !== '') lines.push(note);
	return fill(state.rootAtTop ? lines : lines.reverse(), height, state.rootAtTop);
}

/** Pad to `height` lines: blank lines below an icicle, above a flame (it stands on the status line). */
function fill(lines: string[], height: number, rootAtTop: boolean): string[] {
	const blanks = Array.from({length: Math.max(0, height - lines.length)}, () => '');
	return rootAtTop ? [...lines, ...blanks].slice(0, height) : [...blanks, ...lines].slice(-height);
}

function rowLine(tree: FlameTree, row: readonly FlameCell[], selected: number, matched: Uint8Array | undefined, color: boolean): string {
	let line = '';
	let x = 0;
	for (const cell of row) {
		if (cell.x > x) line += ' '.repeat(cell.x - x);
		line += cellText(tree, cell, cell.id === selected && cell.id >= 0, matched, color);
		x = cell.x + cell.width;
	}
	return line;
}

function cellText(tree: FlameTree, cell: FlameCell, selected: boolean, matched: Uint8Array | undefined, color: boolean): string {
	const w = cell.width;
	const isMatch = matched !== undefined && cell.id >= 0 && matched[cell.id] === 1;
	if (!color) {
		let text: string;
		if (cell.kind === 'merged') text = '+'.repeat(w);
		else {
			const fillChar = cell.kind === 'ancestor' ? '=' : isMatch ? '*' : '-';
			if (w === 1) text = cell.kind === 'ancestor' ? '=' : isMatch ? '*' : '|';
			else {
				const label = fitLabel(displayName(nameOf(tree, cell.id)), w - 2);
				text = '[' + label + fillChar.repeat(w - 2 - label.length) + ']';
			}
		}
		return selected ? inverse(text) : text;
	}
	if (cell.kind === 'merged') return styled('+'.repeat(w), '2', true);
	// A coloured block and a one-column gap, so that neighbours of one shade stay apart.
	const inner = w === 1 ? 1 : w - 1;
	const name = nameOf(tree, cell.id);
	const label = w === 1 ? ' ' : padEnd(fitLabel(displayName(name), inner), inner);
	let codes: string;
	if (cell.kind === 'ancestor') codes = `97;48;5;${ANCESTOR_BG}`;
	else if (isMatch) codes = `30;48;5;${MATCH_BG}`;
	else {
		const kind = frameKindOf(tree, cell.id);
		codes = `30;48;5;${PALETTE[kind][kindColorIndex(name, 8)]!}`;
	}
	if (selected) codes = `1;7;${codes}`;
	return `\u001b[${codes}m${label}${RESET}${w === 1 ? '' : ' '}`;
}

// --- the tables ---

type TableLines = {lines: string[]; status: string};

function windowAround<T>(items: readonly T[], cursor: number, visible: number): {start: number; items: T[]} {
	const start = Math.max(0, cursor - visible + 1);
	return {start, items: items.slice(start, start + Math.max(0, visible))};
}

function kindCell(name: string, color: boolean): string {
	const kind = frameKind(name);
	return styled(padEnd(KIND_LABEL[kind], 7), String(KIND_FG[kind]), color);
}

/** SELF% TOTAL% [SELF TOTAL] KIND FUNCTION; the sort column marked with 'v' (or '^' for name). */
function topLines(rows: readonly TopRow[], state: FlameViewState, width: number, height: number, color: boolean): TableLines {
	const samples = width >= 110;
	const mark = (title: string, sort: string) => (state.sort === sort ? `${title}${sort === 'name' ? '^' : 'v'}` : title);
	const prefix = (self: string, total: string, selfN: string, totalN: string, kind: string) =>
		`${padStart(self, 7)} ${padStart(total, 7)} ${samples ? `${padStart(selfN, 9)} ${padStart(totalN, 9)} ` : ''}${kind} `;
	const fixed = prefix('', '', '', '', padEnd('', 7)).length;
	const nameWidth = Math.max(8, width - fixed);
	const header = `${prefix(mark('SELF%', 'self'), mark('TOTAL%', 'total'), 'SELF', 'TOTAL', padEnd('KIND', 7))}${mark('FUNCTION', 'name')}`;
	const lines = [styled(truncate(header, width), '1', color)];
	if (rows.length === 0) {
		lines.push('(no functions)');
		return {lines, status: ''};
	}
	const cursor = Math.min(state.tableRow, rows.length - 1);
	const shown = windowAround(rows, cursor, height - 1);
	shown.items.forEach((row, i) => {
		const name = fitLabel(displayName(row.function), nameWidth);
		const selected = shown.start + i === cursor;
		const text = prefix(row.selfPercent.toFixed(2), row.totalPercent.toFixed(2), formatSamples(row.selfSamples), formatSamples(row.totalSamples), selected ? padEnd(KIND_LABEL[frameKind(row.function)], 7) : kindCell(row.function, color)) + name;
		lines.push(selected ? inverse(padEnd(text, width)) : text);
	});
	const at = rows[cursor]!;
	return {
		lines,
		status: statusText(at.function, `self ${formatSamples(at.selfSamples)} (${at.selfPercent.toFixed(2)}%)  total ${formatSamples(at.totalSamples)} (${at.totalPercent.toFixed(2)}%)  row ${cursor + 1}/${rows.length}`, width),
	};
}

function callersLines(
	tree: FlameTree,
	state: FlameViewState,
	table: {function: string; callers: CallRow[]; callees: CallRow[]},
	width: number,
	height: number,
	color: boolean,
	unit: string,
): TableLines {
	const fn = table.function;
	if (fn === '' || state.selectedId === ROOT_ID) {
		return {lines: ['Select a function in the flame graph (g) or the top table (t) to see its callers and callees.'.slice(0, width)], status: ''};
	}
	const zoom = currentZoom(state);
	const fnTotal = functionTotal(tree, fn, {zoomId: zoom});
	const title = `${displayName(fn)}: ${amount(fnTotal, unit)}, ${formatShare(fnTotal, tree.total[zoom]!)}% of ${zoom === ROOT_ID ? 'all' : 'the zoomed frame'}`;
	type Entry = {text: string; row?: number; fn?: string};
	const entries: Entry[] = [];
	const nameWidth = Math.max(8, width - 20);
	const section = (label: string, rows: CallRow[], offset: number, none: string) => {
		entries.push({text: styled(`${padStart('SAMPLES', 9)} ${padStart('%', 7)}  ${label}`, '1', color)});
		if (rows.length === 0) entries.push({text: `  ${none}`});
		rows.forEach((r, i) => {
			entries.push({
				text: `${padStart(formatSamples(r.samples), 9)} ${padStart(r.percent.toFixed(2), 7)}  ${fitLabel(displayName(r.function), nameWidth)}`,
				row: offset + i,
				fn: r.function,
			});
		});
	};
	section('CALLERS (who calls it)', table.callers, 0, '(none: it is where its stacks start)');
	section('CALLEES (what it calls)', table.callees, table.callers.length, '(none: all its samples are its own)');
	const count = table.callers.length + table.callees.length;
	const cursor = count === 0 ? -1 : Math.min(state.tableRow, count - 1);
	const cursorLine = Math.max(0, entries.findIndex(e => e.row === cursor));
	const shown = windowAround(entries, cursorLine, height - 1);
	const lines = [styled(truncate(title, width), '1', color)];
	for (const e of shown.items) lines.push(e.row !== undefined && e.row === cursor ? inverse(padEnd(truncate(e.text, width), width)) : truncate(e.text, width));
	const at = entries.find(e => e.row === cursor);
	const rows = cursor < table.callers.length ? table.callers : table.callees;
	const r = at ? rows[cursor < table.callers.length ? cursor : cursor - table.callers.length] : undefined;
	return {
		lines,
		status: r ? statusText(r.function, `${cursor < table.callers.length ? 'calls it' : 'called by it'}: ${amount(r.samples, unit)} (${r.percent.toFixed(2)}%)  Enter: make it the subject`, width) : '',
	};
}

/** "<full name>  <numbers>", the name cut so that the numbers always show. */
function statusText(name: string, numbers: string, width: number): string {
	const room = Math.max(10, width - numbers.length - 2);
	return truncate(`${truncate(escapeText(name), room)}  ${numbers}`, width);
}

// --- the whole screen ---

function headerText(header: FlameHeader, state: FlameViewInput, width: number): string {
	const parts = [escapeText(header.title)];
	if (header.node !== undefined) parts.push(escapeText(header.node));
	if (header.pid !== undefined) parts.push(`pid ${header.pid}`);
	if (header.seconds !== undefined) parts.push(`${header.seconds.toFixed(1)} s`);
	parts.push(`${amount(header.samples, header.unit ?? 'samples')}`);
	if (header.lostSamples !== undefined) parts.push(`${formatSamples(header.lostSamples)} lost`);
	const left = parts.join('  ');
	const zoomDepth = state.zoomStack.length;
	const right = `[${state.mode === 'top' ? `top by ${state.sort}` : state.mode}${zoomDepth > 0 ? `, zoom ${zoomDepth}` : ''}]`;
	if (left.length + 2 + right.length <= width) return left + ' '.repeat(width - left.length - right.length) + right;
	return truncate(left, width);
}

function searchText(state: FlameViewInput, search: SearchOutcome | null, zoomed: boolean, width: number): string | undefined {
	if (state.searchDraft !== undefined && state.searchDraft !== null) {
		return truncate(`/${escapeText(state.searchDraft)}_   Enter search  Esc cancel`, width);
	}
	if (state.search === null) return undefined;
	const pattern = `/${escapeText(state.search.pattern)}/`;
	if (state.search.error !== undefined) return truncate(`${pattern}  ${escapeText(state.search.error)}`, width);
	if (search === null || !search.ok) return truncate(pattern, width);
	if (search.matchedFrames === 0) return truncate(`${pattern}  no frame matches   Esc clears`, width);
	const zoomPart = zoomed ? `, ${search.percentOfZoom.toFixed(2)}% of the zoomed frame` : '';
	return truncate(
		`${pattern}  ${search.matchedFrames} frames, ${search.percentOfTotal.toFixed(2)}% of all samples${zoomPart}   n/N next/prev  Esc clears`,
		width,
	);
}

function footerText(state: FlameViewInput, width: number): string {
	const view = state.searchDraft !== undefined && state.searchDraft !== null ? 'flameSearch' : 'flame';
	return truncate(footerItems(SCOPES_BY_VIEW[view]).map(i => `${i.keys} ${i.label}`).join('  '), width);
}

/**
 * Every line of the flame screen: never more than `height` lines nor wider than `width` columns
 * (SGR sequences aside). Pure, for frame tests and for FlameView.
 */
export function flameFrameLines(props: FlameViewProps): string[] {
	const width = Math.floor(props.width);
	const height = Math.floor(props.height);
	const {tree, state, theme} = props;
	const color = theme.color;
	const unit = props.header.unit ?? 'samples';
	if (width < FLAME_MIN_WIDTH || height < FLAME_MIN_HEIGHT) {
		return [truncate(`The flame view needs at least ${FLAME_MIN_WIDTH}x${FLAME_MIN_HEIGHT}; it has ${width}x${height}.`, Math.max(1, width))].slice(0, Math.max(0, height));
	}
	const top: string[] = [styled(headerText(props.header, state, width), '1;36', color)];
	if (props.header.note) top.push(styled(truncate(escapeText(props.header.note), width), '33', color));
	const zoom = currentZoom(state);
	const search = flameSearch(tree, state);
	const searchLine = searchText(state, search, zoom !== ROOT_ID, width);
	const bottomCount = 2 + (searchLine === undefined ? 0 : 1);
	const bodyRows = Math.max(1, height - top.length - bottomCount);

	let body: string[];
	let status: string;
	if (state.mode === 'flame') {
		body = flameRowLines(tree, state, {width, rows: bodyRows, theme, search});
		const sel = state.selectedId;
		if (sel === ROOT_ID) {
			status = truncate(`all: ${amount(tree.totalSamples, unit)}, ${tree.stackCount} stacks, depth ${tree.maxDepth}   arrows move, Enter zooms`, width);
		} else {
			const zoomPart = zoom === ROOT_ID || !isWithin(tree, sel, zoom) ? '' : `, ${formatShare(tree.total[sel]!, tree.total[zoom]!)}% of zoom`;
			status = statusText(
				nameOf(tree, sel),
				`${amount(tree.total[sel]!, unit)} (${formatShare(tree.total[sel]!, tree.totalSamples)}% of all${zoomPart})  self ${formatSamples(tree.self[sel]!)}`,
				width,
			);
		}
	} else {
		const table = flameTable(tree, state);
		const result = table.kind === 'top'
			? topLines(table.rows, state, width, bodyRows, color)
			: table.kind === 'callers'
				? callersLines(tree, state, table, width, bodyRows, color, unit)
				: {lines: [], status: ''};
		body = fill(result.lines.slice(0, bodyRows), bodyRows, true);
		status = result.status;
	}
	const bottom = [status];
	if (searchLine !== undefined) bottom.push(styled(searchLine, state.search?.error ? '31' : '35', color));
	bottom.push(styled(footerText(state, width), '2', color));
	return [...top, ...body, ...bottom].slice(0, height);
}

/** The keys of the flame view (global, flame, search prompt), generated from the keymap. */
export function flameHelpLines(width: number): string[] {
	const lines = ['flame graph keys (any key closes)', ''];
	for (const scope of ['global', 'flame', 'flameSearch'] as const) {
		lines.push(scope === 'flameSearch' ? '[search prompt]' : `[${scope}]`);
		for (const b of KEYMAP) {
			if (b.scope === scope) lines.push(truncate(`  ${padEnd(b.keys.map(prettyKey).join(' '), 22)} ${b.help}`, width));
		}
	}
	return lines;
}

export const FlameView = React.memo(function FlameView(props: FlameViewProps) {
	return <Text wrap="truncate">{flameFrameLines(props).join('\n')}</Text>;
});
