/**
 * The differential flame screen: the flame view's layout and keys (flame-keys' reduceFlameKey with
 * diffTables as its table provider) over a diff tree. What differs from FlameView: cells coloured
 * by the change (profile/diff-text), a line saying whether counts are normalized, the status line
 * with before/after/change of the selected frame, and the change table instead of the top table.
 * Drawn as one <Text> of SGR-styled lines, like FlameView.
 */
import React from 'react';
import {Text} from 'ink';
import {escapeText} from '../../lib/escape.js';
import {padEnd, truncate} from '../../lib/format.js';
import {normalizationNote, type DiffTree} from '../../profile/diff.js';
import {diffTable, type DiffCallRow} from '../../profile/diff-nav.js';
import {diffLegend, diffRowLine, diffTableLines, formatAmount, formatChange} from '../../profile/diff-text.js';
import {displayName, fitLabel, layoutFlame} from '../../profile/flame-layout.js';
import {currentZoom, flameSearch, type FlameViewState} from '../../profile/flame-nav.js';
import type {SearchOutcome} from '../../profile/search.js';
import {ROOT_ID, nameOf} from '../../profile/tree.js';
import {SCOPES_BY_VIEW, footerItems} from '../keymap.js';
import type {Theme} from '../theme.js';
import type {FlameViewInput} from './FlameView.js';

export type DiffHeader = {
	/** What A and B are: `worker-1 06:15:00`, a file name. Escaped here. */
	before: string;
	after: string;
	/** 'samples' (perf) or 'bytes' (heap). */
	unit?: string;
	/** One more line (a note from loading). Escaped here. */
	note?: string;
};

export type DiffViewProps = {
	diff: DiffTree;
	state: FlameViewInput;
	width: number;
	height: number;
	theme: Theme;
	header: DiffHeader;
};

export const DIFF_MIN_WIDTH = 40;
export const DIFF_MIN_HEIGHT = 10;

const RESET = '\u001b[0m';

function styled(text: string, codes: string, color: boolean): string {
	return color && text.length > 0 ? `\u001b[${codes}m${text}${RESET}` : text;
}

function inverse(text: string): string {
	return text.length > 0 ? `\u001b[7m${text}${RESET}` : text;
}

function share(part: number, whole: number): string {
	return whole > 0 ? `${((part * 100) / whole).toFixed(2)}%` : '0.00%';
}

/** The graph body: exactly `rows` lines; the window follows the selection as in FlameView. */
export function diffBodyLines(diff: DiffTree, state: FlameViewState, width: number, rows: number, color: boolean, search: SearchOutcome | null = flameSearch(diff.tree, state)): string[] {
	const tree = diff.tree;
	const layout = layoutFlame(tree, {width, zoomId: currentZoom(state), rootAtTop: true});
	const pad = (lines: string[]) => {
		const blanks = Array.from({length: Math.max(0, rows - lines.length)}, () => '');
		return state.rootAtTop ? [...lines, ...blanks].slice(0, rows) : [...blanks, ...lines].slice(-rows);
	};
	if (layout.rows.length === 0) return pad(['(no samples in the drawn profile)']);
	const matched = search?.ok ? search.matched : undefined;
	const total = layout.rows.length;
	let first = 0;
	let last = total - 1;
	let note = '';
	if (total > rows) {
		const keep = Math.max(1, rows - 1);
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
	for (let d = first; d <= last; d++) lines.push(diffRowLine(diff, layout.rows[d]!, color, state.selectedId, matched));
	if (note !== '') lines.push(note);
	return pad(state.rootAtTop ? lines : lines.reverse());
}

/** Before, after and change of the selected frame (self and total). */
function frameStatus(diff: DiffTree, id: number, unit: string, width: number): string {
	const t = diff.tree;
	if (id === ROOT_ID) {
		return truncate(`all: A ${formatAmount(diff.beforeTotal[0]!, unit)}  B ${formatAmount(diff.afterTotal[0]!, unit)}   arrows move, Enter zooms, Tab: change table`, width);
	}
	const only = diff.onlyHere[id] === 1 ? (diff.negate ? '  (gone from B)' : '  (new in B)') : '';
	const hidden = diff.hiddenOther[id]! > 0 ? `  ${formatAmount(diff.hiddenOther[id]!, unit)} under frames ${diff.negate ? 'only B has' : 'gone from B'}` : '';
	const numbers =
		`total A ${formatAmount(diff.beforeTotal[id]!, unit)} B ${formatAmount(diff.afterTotal[id]!, unit)} ${formatChange(diff.afterTotal[id]! - diff.beforeTotal[id]!, unit)}` +
		`  self A ${formatAmount(diff.beforeSelf[id]!, unit)} B ${formatAmount(diff.afterSelf[id]!, unit)} ${formatChange(diff.afterSelf[id]! - diff.beforeSelf[id]!, unit)}` +
		`  (${share(t.total[id]!, t.totalSamples)} of ${diff.negate ? 'A' : 'B'})${only}${hidden}`;
	const room = Math.max(10, width - numbers.length - 2);
	return truncate(`${truncate(escapeText(nameOf(t, id)), room)}  ${numbers}`, width);
}

function windowAround<T>(items: readonly T[], cursor: number, visible: number): {start: number; items: T[]} {
	const start = Math.max(0, cursor - visible + 1);
	return {start, items: items.slice(start, start + Math.max(0, visible))};
}

function tableBody(diff: DiffTree, state: FlameViewState, width: number, rows: number, color: boolean, unit: string): {lines: string[]; status: string} {
	const table = diffTable(diff, state);
	if (table.kind === 'top') {
		// Only the visible rows are formatted: a profile has thousands of functions.
		const cursor = Math.max(0, Math.min(state.tableRow, table.rows.length - 1));
		const shown = windowAround(table.rows, cursor, rows - 1);
		const [header, ...body] = diffTableLines(shown.items, {width, unit});
		if (table.rows.length === 0) return {lines: [styled(header!, '1', color), '(no functions)'], status: ''};
		const lines = [styled(truncate(header!, width), '1', color)];
		body.forEach((l, i) => lines.push(shown.start + i === cursor ? inverse(padEnd(truncate(l, width), width)) : truncate(l, width)));
		const r = table.rows[cursor]!;
		return {lines, status: truncate(`${escapeText(r.function)}  row ${cursor + 1}/${table.rows.length}  Enter: select it in the graph`, width)};
	}
	if (table.kind === 'callers') {
		if (table.function === '') return {lines: ['Select a function in the graph (g) or the change table (t) to see its callers and callees.'.slice(0, width)], status: ''};
		const entries: Array<{text: string; row?: number}> = [];
		const nameWidth = Math.max(8, width - 34);
		const section = (label: string, list: DiffCallRow[], offset: number) => {
			entries.push({text: styled(`${'A'.padStart(9)} ${'B'.padStart(9)} ${'CHANGE'.padStart(10)}  ${label}`, '1', color)});
			if (list.length === 0) entries.push({text: '  (none)'});
			list.forEach((r, i) => entries.push({text: `${formatAmount(r.before, unit).padStart(9)} ${formatAmount(r.after, unit).padStart(9)} ${formatChange(r.after - r.before, unit).padStart(10)}  ${fitLabel(displayName(r.function), nameWidth)}`, row: offset + i}));
		};
		section('CALLERS (who calls it)', table.callers, 0);
		section('CALLEES (what it calls)', table.callees, table.callers.length);
		const count = table.callers.length + table.callees.length;
		const cursor = count === 0 ? -1 : Math.min(state.tableRow, count - 1);
		const at = Math.max(0, entries.findIndex(e => e.row === cursor));
		const shown = windowAround(entries, at, rows - 1);
		const lines = [styled(truncate(displayName(table.function), width), '1', color)];
		for (const e of shown.items) lines.push(e.row !== undefined && e.row === cursor ? inverse(padEnd(truncate(e.text, width), width)) : truncate(e.text, width));
		return {lines, status: cursor >= 0 ? 'Enter: make it the subject' : ''};
	}
	return {lines: [], status: ''};
}

/**
 * Every line of the diff screen: at most `height` lines, none wider than `width` (SGR aside).
 * Pure, for frame tests and DiffView.
 */
export function diffFrameLines(props: DiffViewProps): string[] {
	const width = Math.floor(props.width);
	const height = Math.floor(props.height);
	const {diff, state, theme} = props;
	const color = theme.color;
	const unit = props.header.unit ?? 'samples';
	if (width < DIFF_MIN_WIDTH || height < DIFF_MIN_HEIGHT) {
		return [truncate(`The diff view needs at least ${DIFF_MIN_WIDTH}x${DIFF_MIN_HEIGHT}; it has ${width}x${height}.`, Math.max(1, width))].slice(0, Math.max(0, height));
	}
	const mode = state.mode === 'top' ? 'changes' : state.mode;
	const right = `[diff ${mode}${state.zoomStack.length > 0 ? `, zoom ${state.zoomStack.length}` : ''}]`;
	const left = truncate(`A ${escapeText(props.header.before)} -> B ${escapeText(props.header.after)}`, Math.max(10, width - right.length - 2));
	const top = [styled(left + ' '.repeat(Math.max(1, width - left.length - right.length)) + right, '1;36', color)];
	// Normalization is always stated when the totals differ: the numbers mean different things.
	const norm = normalizationNote(diff, unit);
	if (norm) top.push(styled(truncate(norm, width), '33', color));
	if (props.header.note) top.push(styled(truncate(escapeText(props.header.note), width), '33', color));
	if (state.mode === 'flame') top.push(styled(truncate(diffLegend(diff, color, unit)[1]!, width), '2', color));

	const search = flameSearch(diff.tree, state);
	let searchLine: string | undefined;
	if (state.searchDraft !== undefined && state.searchDraft !== null) searchLine = truncate(`/${escapeText(state.searchDraft)}_   Enter search  Esc cancel`, width);
	else if (state.search !== null) {
		const pattern = `/${escapeText(state.search.pattern)}/`;
		searchLine = truncate(state.search.error ? `${pattern}  ${escapeText(state.search.error)}` : search?.ok ? `${pattern}  ${search.matchedFrames} frames   n/N next/prev  Esc clears` : pattern, width);
	}
	const bottomCount = 2 + (searchLine === undefined ? 0 : 1);
	const bodyRows = Math.max(1, height - top.length - bottomCount);
	let body: string[];
	let status: string;
	if (state.mode === 'flame') {
		body = diffBodyLines(diff, state, width, bodyRows, color, search);
		status = frameStatus(diff, state.selectedId, unit, width);
	} else {
		const t = tableBody(diff, state, width, bodyRows, color, unit);
		body = [...t.lines.slice(0, bodyRows), ...Array.from({length: Math.max(0, bodyRows - t.lines.length)}, () => '')];
		status = t.status;
	}
	const view = state.searchDraft !== undefined && state.searchDraft !== null ? 'flameSearch' : 'flame';
	const footer = truncate(footerItems(SCOPES_BY_VIEW[view]).map(i => `${i.keys} ${i.label}`).join('  '), width);
	const bottom = [status];
	if (searchLine !== undefined) bottom.push(styled(searchLine, state.search?.error ? '31' : '35', color));
	bottom.push(styled(footer, '2', color));
	return [...top, ...body, ...bottom].slice(0, height);
}

export const DiffView = React.memo(function DiffView(props: DiffViewProps) {
	return <Text wrap="truncate">{diffFrameLines(props).join('\n')}</Text>;
});
