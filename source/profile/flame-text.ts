/**
 * Plain-ASCII flame graph and top table, for `zeektop flame FILE --print`, headless `zeektop perf`
 * and frame tests. No colour, no escape sequences; one character is one column.
 *
 * A frame of w columns prints as `[label---]` (w ≥ 2; label cut with '..' when it does not fit)
 * or `|` (w = 1). Ancestor rows of a zoomed view use '=' as fill (`[all=====]`), frames matched by
 * a search use '*' (`[read****]`), and a run of frames each narrower than one column prints as
 * '+' characters.
 */
import {displayName, fitLabel, layoutFlame, type FlameCell} from './flame-layout.js';
import type {TopRow} from './top.js';
import type {FlameTree} from './tree.js';

export type FlameTextOptions = {
	width: number;
	/** Lines of output at most, including the note about cut rows. */
	height: number;
	rootAtTop?: boolean;
	zoomId?: number;
	/** Per node id, 1 = matched by a search (SearchResult.matched). */
	matched?: Uint8Array;
};

export function renderFlameText(tree: FlameTree, options: FlameTextOptions): string {
	const width = Math.max(1, Math.floor(options.width));
	const height = Math.max(1, Math.floor(options.height));
	const base = {width, zoomId: options.zoomId, rootAtTop: options.rootAtTop ?? false};
	let layout = layoutFlame(tree, {...base, maxRows: height});
	if (layout.rows.length === 0) return '(no samples)';
	let note = '';
	if (layout.cutRows > 0 || layout.cutAncestorRows > 0) {
		layout = layoutFlame(tree, {...base, maxRows: Math.max(1, height - 1)});
		const parts: string[] = [];
		if (layout.cutAncestorRows > 0) parts.push(`${layout.cutAncestorRows} outer`);
		if (layout.cutRows > 0) parts.push(`${layout.cutRows} deeper`);
		note = fitLabel(`(${parts.join(', ')} rows not shown)`, width);
	}
	const lines = layout.rows.map(row => renderRow(tree, row, width, options.matched));
	if (note !== '' && height > 1) {
		// The note goes on the leaf side, where the rows were cut.
		if (layout.rootAtTop) lines.push(note);
		else lines.unshift(note);
	}
	return lines.join('\n');
}

function renderRow(tree: FlameTree, row: readonly FlameCell[], width: number, matched?: Uint8Array): string {
	let line = '';
	for (const cell of row) {
		if (cell.x > line.length) line += ' '.repeat(cell.x - line.length);
		line += renderCell(tree, cell, matched);
	}
	return line.length > width ? line.slice(0, width) : line;
}

function renderCell(tree: FlameTree, cell: FlameCell, matched?: Uint8Array): string {
	const w = cell.width;
	if (cell.kind === 'merged') return '+'.repeat(w);
	const fill = cell.kind === 'ancestor' ? '=' : matched !== undefined && matched[cell.id] === 1 ? '*' : '-';
	if (w === 1) return cell.kind === 'ancestor' ? '=' : fill === '*' ? '*' : '|';
	const inner = w - 2;
	const label = fitLabel(displayName(tree.names[tree.nameId[cell.id]!] ?? ''), inner);
	return '[' + label + fill.repeat(inner - label.length) + ']';
}

export type TopTableOptions = {
	/** Rows at most; a final "... N more" line says how many were left out. Default: all. */
	limit?: number;
	/** Line width; the FUNCTION column gets what is left after the two percent columns. */
	width: number;
};

const PERCENT_COLUMNS = 16; // "100.00  100.00  "

/** SELF% TOTAL% FUNCTION, one line per row, in the order given. */
export function renderTopTable(rows: readonly TopRow[], options: TopTableOptions): string {
	const limit = options.limit === undefined ? rows.length : Math.max(0, Math.floor(options.limit));
	const nameWidth = Math.max(0, Math.floor(options.width) - PERCENT_COLUMNS);
	const lines = [`${'SELF%'.padStart(6)}  ${'TOTAL%'.padStart(6)}  ${fitLabel('FUNCTION', nameWidth)}`.trimEnd()];
	for (const row of rows.slice(0, limit)) {
		const name = fitLabel(displayName(row.function), nameWidth);
		lines.push(`${formatPercent(row.selfPercent)}  ${formatPercent(row.totalPercent)}  ${name}`.trimEnd());
	}
	if (rows.length > limit) lines.push(`... ${rows.length - limit} more`);
	return lines.join('\n');
}

function formatPercent(value: number): string {
	return (Number.isFinite(value) ? value : 0).toFixed(2).padStart(6);
}
