/**
 * The differential flame graph and the change table as text, for `zeektop diff --print/--top`,
 * the diff export and frame tests. One character is one column; colour is optional SGR.
 *
 * With colour a frame is a block: background red where its self samples grew in B, blue where
 * they shrank, five strengths up to the largest change of one stack (flamegraph.pl's scale), a
 * light grey when unchanged; frames that only one profile has are underlined. Without colour
 * (NO_COLOR, a pipe) the same facts are in the characters:
 *   [++read-----]  self grew (+ / ++ / +++ by strength)     [-write-----]  self shrank
 *   [main#######]  only in the drawn profile (new in B; gone from B with --negate)
 *   |  +  -        one-column frames (unchanged / grew / shrank); ++ -- two-column ones that changed
 *   ~~~            frames too narrow to draw
 */
import {displayName, fitLabel, layoutFlame, type FlameCell} from './flame-layout.js';
import {diffLevel, normalizationNote, type DiffTopRow, type DiffTree} from './diff.js';
import {nameOf} from './tree.js';

export type DiffTextOptions = {
	width: number;
	/** Lines of graph at most, a note about cut rows included. */
	height: number;
	color?: boolean;
	rootAtTop?: boolean;
	zoomId?: number;
	/** Per node id, 1 = the selected frame (inverse video); for the TUI. */
	selectedId?: number;
};

const RESET = '\u001b[0m';
/** xterm-256 backgrounds, weakest first: white → red and white → blue as flamegraph.pl's ramp. */
export const GREW_BG = [224, 217, 210, 203, 196] as const;
export const SHRANK_BG = [189, 147, 105, 63, 21] as const;
export const SAME_BG = 252;
const ANCESTOR_BG = 238;
const COLOR_LEVELS = GREW_BG.length;
const PLAIN_LEVELS = 3;

/** The legend printed above a diff graph (two lines, under 90 columns). */
export function diffLegend(diff: DiffTree, color: boolean, unit = 'samples'): string[] {
	const side = diff.negate ? 'A (before)' : 'B (after)';
	const onlyWhat = diff.negate ? 'gone from B' : 'new in B';
	const first = `widths: ${side}; colour: change of self ${unit} (largest, one stack: ${formatCount(diff.maxDelta)})`;
	if (color) return [first, `red: grew in B  blue: shrank  (stronger = larger)  underlined: ${onlyWhat}`];
	return [first, `[+f] grew in B  [-f] shrank  (more +/- = larger)  [f###] ${onlyWhat}  ~ narrow`];
}

/** Header lines for a diff: what A and B are, normalization, the legend. Caller escapes labels. */
export function diffHeaderLines(diff: DiffTree, labels: {before: string; after: string}, color: boolean, unit = 'samples'): string[] {
	const lines = [
		`A (before): ${labels.before}  ${formatCount(diff.totalBefore)} ${unit}`,
		`B (after):  ${labels.after}  ${formatCount(diff.totalAfter)} ${unit}`,
	];
	const note = normalizationNote(diff, unit);
	if (note) lines.push(note);
	lines.push(...diffLegend(diff, color, unit));
	return lines;
}

export function renderDiffFlameText(diff: DiffTree, options: DiffTextOptions): string {
	return diffFlameLines(diff, options).join('\n');
}

/** The graph's lines (at most `height`), root at the bottom unless rootAtTop. */
export function diffFlameLines(diff: DiffTree, options: DiffTextOptions): string[] {
	const width = Math.max(1, Math.floor(options.width));
	const height = Math.max(1, Math.floor(options.height));
	const base = {width, zoomId: options.zoomId, rootAtTop: options.rootAtTop ?? false};
	let layout = layoutFlame(diff.tree, {...base, maxRows: height});
	if (layout.rows.length === 0) return ['(no samples)'];
	let note = '';
	if (layout.cutRows > 0 || layout.cutAncestorRows > 0) {
		layout = layoutFlame(diff.tree, {...base, maxRows: Math.max(1, height - 1)});
		const parts: string[] = [];
		if (layout.cutAncestorRows > 0) parts.push(`${layout.cutAncestorRows} outer`);
		if (layout.cutRows > 0) parts.push(`${layout.cutRows} deeper`);
		note = fitLabel(`(${parts.join(', ')} rows not shown)`, width);
	}
	const color = options.color === true;
	const lines = layout.rows.map(row => diffRowLine(diff, row, color, options.selectedId ?? -1));
	if (note !== '' && height > 1) {
		if (layout.rootAtTop) lines.push(note);
		else lines.unshift(note);
	}
	return lines;
}

/**
 * One row of cells as a line (SGR included when `color`). `matched` (a search's per-node flags)
 * draws matches as the flame view does: '*' fill without colour, a magenta block with it.
 */
export function diffRowLine(diff: DiffTree, row: readonly FlameCell[], color: boolean, selectedId = -1, matched?: Uint8Array): string {
	let line = '';
	let x = 0;
	for (const cell of row) {
		if (cell.x > x) line += ' '.repeat(cell.x - x);
		const isMatch = matched !== undefined && cell.id >= 0 && matched[cell.id] === 1;
		line += diffCellText(diff, cell, color, cell.id >= 0 && cell.id === selectedId, isMatch);
		x = cell.x + cell.width;
	}
	return line;
}

const MATCH_BG = 201;

function diffCellText(diff: DiffTree, cell: FlameCell, color: boolean, selected: boolean, isMatch = false): string {
	const w = cell.width;
	if (!color) {
		const text = plainCell(diff, cell, isMatch);
		return selected ? `\u001b[7m${text}${RESET}` : text;
	}
	if (cell.kind === 'merged') return `\u001b[2m${'~'.repeat(w)}${RESET}`;
	const inner = w === 1 ? 1 : w - 1;
	const label = w === 1 ? ' ' : fitLabel(displayName(nameOf(diff.tree, cell.id)), inner).padEnd(inner);
	let codes: string;
	if (cell.kind === 'ancestor') codes = `97;48;5;${ANCESTOR_BG}`;
	else if (isMatch) codes = `30;48;5;${MATCH_BG}`;
	else {
		const level = diffLevel(diff, cell.id, COLOR_LEVELS);
		const bg = level > 0 ? GREW_BG[level - 1]! : level < 0 ? SHRANK_BG[-level - 1]! : SAME_BG;
		// Dark text on the light shades, white on the two strongest.
		const fg = Math.abs(level) >= 4 ? 97 : 30;
		codes = `${fg};48;5;${bg}`;
		if (diff.onlyHere[cell.id] === 1) codes = `4;${codes}`;
	}
	if (selected) codes = `1;7;${codes}`;
	return `\u001b[${codes}m${label}${RESET}${w === 1 ? '' : ' '}`;
}

/** The NO_COLOR cell (see the file comment). */
export function plainCell(diff: DiffTree, cell: FlameCell, isMatch = false): string {
	const w = cell.width;
	if (cell.kind === 'merged') return '~'.repeat(w);
	if (cell.kind === 'ancestor') {
		if (w === 1) return '=';
		const label = fitLabel(displayName(nameOf(diff.tree, cell.id)), w - 2);
		return '[' + label + '='.repeat(w - 2 - label.length) + ']';
	}
	const level = diffLevel(diff, cell.id, PLAIN_LEVELS);
	if (w === 1) return level > 0 ? '+' : level < 0 ? '-' : '|';
	// Two columns: no room for a label, so the change alone.
	if (w === 2 && level !== 0) return level > 0 ? '++' : '--';
	const inner = w - 2;
	let mark = level > 0 ? '+'.repeat(level) : '-'.repeat(-level);
	if (mark.length > inner) mark = mark.slice(0, inner);
	const label = fitLabel(displayName(nameOf(diff.tree, cell.id)), inner - mark.length);
	const fill = isMatch ? '*' : diff.onlyHere[cell.id] === 1 ? '#' : '-';
	return '[' + mark + label + fill.repeat(inner - mark.length - label.length) + ']';
}

// ---------------------------------------------------------------------------------------------
// the change table

export type DiffTableOptions = {
	width: number;
	/** Rows at most; a final "... N more" line says how many were left out. */
	limit?: number;
	unit?: string;
};

/** `SELF A  SELF B  CHANGE  TOTAL A  TOTAL B  CHANGE  FUNCTION`, rows in the order given. */
export function renderDiffTable(rows: readonly DiffTopRow[], options: DiffTableOptions): string {
	return diffTableLines(rows, options).join('\n');
}

export function diffTableLines(rows: readonly DiffTopRow[], options: DiffTableOptions): string[] {
	const unit = options.unit ?? 'samples';
	const limit = options.limit === undefined ? rows.length : Math.max(0, Math.floor(options.limit));
	const n = (v: number) => formatAmount(v, unit).padStart(9);
	const c = (v: number) => formatChange(v, unit).padStart(10);
	const prefixWidth = 9 * 4 + 10 * 2 + 7;
	const nameWidth = Math.max(8, Math.floor(options.width) - prefixWidth);
	const header = `${'SELF A'.padStart(9)} ${'SELF B'.padStart(9)} ${'CHANGE'.padStart(10)}  ${'TOTAL A'.padStart(9)} ${'TOTAL B'.padStart(9)} ${'CHANGE'.padStart(10)}  FUNCTION`;
	const lines = [header];
	for (const row of rows.slice(0, limit)) {
		const tag = row.presence === 'after' ? ' (new)' : row.presence === 'before' ? ' (gone)' : '';
		const name = fitLabel(displayName(row.function) + tag, nameWidth);
		lines.push(
			`${n(row.selfBefore)} ${n(row.selfAfter)} ${c(row.selfAfter - row.selfBefore)}  ${n(row.totalBefore)} ${n(row.totalAfter)} ${c(row.totalAfter - row.totalBefore)}  ${name}`,
		);
	}
	if (rows.length > limit) lines.push(`... ${rows.length - limit} more`);
	return lines;
}

function formatCount(n: number): string {
	return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** A count compactly: samples as 1234 or 12.5, bytes as 1.5M. */
export function formatAmount(v: number, unit: string): string {
	if (unit === 'bytes') return formatBytesShort(v);
	if (Math.abs(v) >= 1e7) return `${(v / 1e6).toFixed(1)}M`;
	return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

export function formatChange(v: number, unit: string): string {
	const rounded = Math.abs(v) < 0.05 ? 0 : v;
	if (rounded === 0) return '0';
	return `${rounded > 0 ? '+' : '-'}${formatAmount(Math.abs(rounded), unit)}`;
}

function formatBytesShort(v: number): string {
	const a = Math.abs(v);
	const sign = v < 0 ? '-' : '';
	if (a < 1024) return `${sign}${Math.round(a)}B`;
	const units = ['K', 'M', 'G', 'T'];
	let x = a / 1024;
	let i = 0;
	while (x >= 1024 && i < units.length - 1) {
		x /= 1024;
		i++;
	}
	return `${sign}${x.toFixed(1)}${units[i]}`;
}
