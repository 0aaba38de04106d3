// Drop-in for ink/build/output.js (Ink 6.8) with a fast path. Ink's Output.get() builds a
// width x height grid of per-character objects on every frame and runs every written line through
// ansi-tokenize (grapheme segmentation, one style array per character), then turns the grid back
// into strings: on a 200x50 terminal that is most of a key press's time in the flame view.
//
// The fast path places each written line as a string, unchanged, when it can prove that the
// result looks the same on the terminal as what Ink's grid gives:
// - no clip() in the frame (zeektop sets no overflow; clipping needs slice-ansi);
// - every write at an integer x in [0, width] and integer y (rows outside [0, height) are dropped,
//   as Ink does);
// - every line (after the transformers, applied exactly as Ink does: per line, with its index,
//   only for rows that exist) made of printable characters one column wide that never join with a
//   neighbour into one grapheme, and SGR sequences of a known set (colours, 256/true colour,
//   bold, dim, italic, underline, inverse, hidden, strikethrough, overline and their ends);
//   no character drawn both bold and dim (Ink's style diff drops one of the two when only one of
//   them ends: not reproduced here);
// - no two writes covering the same cell of a row (writes side by side on one row are fine).
// Each row's SGR codes are kept as written (Ink re-encodes them: `\e[1;36m` becomes `\e[1m\e[36m`),
// with `\e[0m` added where a line leaves a style open, so every row ends with no style set; trailing
// blanks that carry no style are dropped, as Ink's trimEnd() does. Anything else falls back to
// Ink's own Output, imported below by its path (the resolve hook and the bundle plugin leave an
// import of ink/build/output.js from this directory alone).
//
// ZEEKTOP_INK_OUTPUT=original: no fast path (and the resolve hook does not install this module).
// ZEEKTOP_INK_OUTPUT_STATS=FILE: frame counts (fast, fallback, by reason) written to FILE as JSON
// (on exit, on every fallback, every 100 fast frames); `{pid}` in FILE is the process id.
import {writeFileSync} from 'node:fs';
import stringWidth from 'string-width';
import InkOutput from '../../node_modules/ink/build/output.js';

type Transformer = (line: string, index: number) => string;
type Clip = {x1: number | undefined; x2: number | undefined; y1: number | undefined; y2: number | undefined};
type Operation =
	| {type: 'write'; x: number; y: number; text: string; transformers: Transformer[]}
	| {type: 'clip'; clip: Clip}
	| {type: 'unclip'};

export type OutputStats = {fast: number; fallback: number; reasons: Record<string, number>};

const MARKER = 'zeektop-ink-output-fast-path';
const RESET = '\u001b[0m';
const ORIGINAL_ONLY = process.env.ZEEKTOP_INK_OUTPUT === 'original';
const STATS_FILE = process.env.ZEEKTOP_INK_OUTPUT_STATS?.replaceAll('{pid}', String(process.pid)) || undefined;

const stats: OutputStats = {fast: 0, fallback: 0, reasons: {}};

/** Frames drawn by the fast path and by Ink's own Output (with why) in this process. */
export function outputStats(): OutputStats {
	return {fast: stats.fast, fallback: stats.fallback, reasons: {...stats.reasons}};
}

function saveStats(): void {
	if (STATS_FILE === undefined) return;
	try {
		writeFileSync(STATS_FILE, JSON.stringify({pid: process.pid, ...stats}) + '\n');
	} catch {
		// a debug aid: never break the TUI over it
	}
}
if (STATS_FILE !== undefined) process.on('exit', saveStats);

function count(reason: string | undefined): void {
	if (reason === undefined) stats.fast++;
	else {
		stats.fallback++;
		stats.reasons[reason] = (stats.reasons[reason] ?? 0) + 1;
	}
	if (STATS_FILE !== undefined && (reason !== undefined || stats.fast % 100 === 1)) saveStats();
}

// --- one line: checked and measured in one pass ---

const BOLD = 1;
const DIM = 2;
const ITALIC = 4;
const UNDERLINE = 8;
const INVERSE = 16;
const HIDDEN = 32;
const STRIKE = 64;
const OVERLINE = 128;

// SGR state of the line being scanned: is a foreground / background colour set, which attributes.
let fg = false;
let bg = false;
let attrs = 0;
const params: number[] = [];

/** Applies the SGR sequence at s[i] (ESC); the index after it, or -1 if it is not one we know. */
function sgr(s: string, i: number): number {
	const len = s.length;
	if (s.charCodeAt(i + 1) !== 0x5b) return -1; // '['
	let j = i + 2;
	let n = 0;
	for (;;) {
		const start = j;
		let v = 0;
		while (j < len) {
			const c = s.charCodeAt(j);
			if (c < 0x30 || c > 0x39) break;
			v = v * 10 + (c - 0x30);
			j++;
		}
		const digits = j - start;
		// No empty parameters (`\e[m`, `\e[1;;2m`), no leading zeros: ansi-tokenize reads those its own way.
		if (digits === 0 || digits > 3 || (digits > 1 && s.charCodeAt(start) === 0x30) || n >= 32) return -1;
		params[n++] = v;
		if (j >= len) return -1;
		const c = s.charCodeAt(j);
		if (c === 0x6d) break; // 'm'
		if (c !== 0x3b) return -1; // ';'
		j++;
	}
	for (let p = 0; p < n; p++) {
		const v = params[p]!;
		if (v === 0) {
			fg = false;
			bg = false;
			attrs = 0;
		} else if (v === 1) attrs |= BOLD;
		else if (v === 2) attrs |= DIM;
		else if (v === 3) attrs |= ITALIC;
		else if (v === 4) attrs |= UNDERLINE;
		else if (v === 7) attrs |= INVERSE;
		else if (v === 8) attrs |= HIDDEN;
		else if (v === 9) attrs |= STRIKE;
		else if (v === 53) attrs |= OVERLINE;
		else if (v === 22) attrs &= ~(BOLD | DIM);
		else if (v === 23) attrs &= ~ITALIC;
		else if (v === 24) attrs &= ~UNDERLINE;
		else if (v === 27) attrs &= ~INVERSE;
		else if (v === 28) attrs &= ~HIDDEN;
		else if (v === 29) attrs &= ~STRIKE;
		else if (v === 55) attrs &= ~OVERLINE;
		else if ((v >= 30 && v <= 37) || (v >= 90 && v <= 97)) fg = true;
		else if (v === 39) fg = false;
		else if ((v >= 40 && v <= 47) || (v >= 100 && v <= 107)) bg = true;
		else if (v === 49) bg = false;
		else if (v === 38 || v === 48) {
			// 38;5;N and 38;2;R;G;B (and 48;...), as ansi-tokenize keeps them together.
			const mode = params[p + 1];
			if (mode === 5 && p + 2 < n && params[p + 2]! <= 255) p += 2;
			else if (mode === 2 && p + 4 < n && params[p + 2]! <= 255 && params[p + 3]! <= 255 && params[p + 4]! <= 255) p += 4;
			else return -1;
			if (v === 38) fg = true;
			else bg = true;
		} else return -1;
	}
	return j + 1;
}

const segmenter = new Intl.Segmenter(undefined, {granularity: 'grapheme'});
const narrowCache = new Map<number, boolean>();

function graphemes(s: string): number {
	let k = 0;
	for (const _ of segmenter.segment(s)) k++;
	return k;
}

/**
 * A non-ASCII code point the fast path takes: one column wide for string-width (what Ink measures
 * with) and a grapheme of its own whatever stands beside it (no combining mark, no prepended
 * mark, no regional indicator, no joiner or variation selector), so that Ink's grid would hold it
 * in one cell of its own.
 */
function narrow(cp: number): boolean {
	let ok = narrowCache.get(cp);
	if (ok === undefined) {
		const ch = String.fromCodePoint(cp);
		ok = stringWidth(ch) === 1 && graphemes('a' + ch) === 2 && graphemes('m' + ch) === 2 && graphemes(ch + 'a') === 2 && graphemes(ch + ch) === 2;
		if (narrowCache.size >= 4096) narrowCache.clear(); // bounded, as every cache here (ink#986)
		narrowCache.set(cp, ok);
	}
	return ok;
}

/** What String.prototype.trimEnd() removes (controls never get this far). */
function blank(cp: number): boolean {
	return cp === 0x20 || cp === 0xa0 || cp === 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp === 0x2028 || cp === 0x2029 || cp === 0x202f || cp === 0x205f || cp === 0x3000 || cp === 0xfeff;
}

// Results of scan().
let scanWidth = 0;
/** Index after the last character that trimEnd() would keep (not blank, or drawn with a style). */
let scanKeep = 0;
/** A style is set at scanKeep. */
let scanKeepOpen = false;
/** A style is set at the end of the line. */
let scanEndOpen = false;

/** One line: true if the fast path can place it (results in scan*), false to fall back. */
function scan(s: string): boolean {
	fg = false;
	bg = false;
	attrs = 0;
	let width = 0;
	let keep = 0;
	let keepOpen = false;
	const len = s.length;
	let i = 0;
	while (i < len) {
		let c = s.charCodeAt(i);
		if (c === 0x1b) {
			const next = sgr(s, i);
			if (next < 0) return false;
			i = next;
			continue;
		}
		let size = 1;
		if (c < 0x20 || c === 0x7f) return false;
		if (c > 0x7e) {
			if (c >= 0xd800 && c <= 0xdbff) {
				const low = s.charCodeAt(i + 1);
				if (!(low >= 0xdc00 && low <= 0xdfff)) return false;
				c = (c - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
				size = 2;
			} else if (c >= 0xdc00 && c <= 0xdfff) return false;
			if (!narrow(c)) return false;
		}
		if ((attrs & (BOLD | DIM)) === (BOLD | DIM)) return false;
		const styled = fg || bg || attrs !== 0;
		i += size;
		width++;
		if (styled || !blank(c)) {
			keep = i;
			keepOpen = styled;
		}
	}
	scanWidth = width;
	scanKeep = keep;
	scanKeepOpen = keepOpen;
	scanEndOpen = fg || bg || attrs !== 0;
	return true;
}

// --- the frame ---

type Segment = {x: number; width: number; line: string; keep: number; keepOpen: boolean; endOpen: boolean};

/** The segment as it ends a row: trailing unstyled blanks dropped, styles closed. */
function tail(s: Segment): string {
	return (s.keep === s.line.length ? s.line : s.line.slice(0, s.keep)) + (s.keepOpen ? RESET : '');
}

const byX = (a: Segment, b: Segment) => a.x - b.x;

export default class Output {
	/** Seen in the one-file bundle and through the resolve hook: this module, not Ink's. */
	static readonly zeektopPatch = MARKER;

	width: number;
	height: number;
	private readonly operations: Operation[] = [];
	private clipped = false;

	constructor(options: {width: number; height: number}) {
		const {width, height} = options;
		this.width = width;
		this.height = height;
	}

	write(x: number, y: number, text: string, options: {transformers: Transformer[]}): void {
		const {transformers} = options;
		if (!text) return;
		this.operations.push({type: 'write', x, y, text, transformers});
	}

	clip(clip: Clip): void {
		this.clipped = true;
		this.operations.push({type: 'clip', clip});
	}

	unclip(): void {
		this.operations.push({type: 'unclip'});
	}

	get(): {output: string; height: number} {
		if (ORIGINAL_ONLY) return this.original('disabled', []);
		if (this.clipped) return this.original('clip', []);
		const {width, height} = this;
		if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) return this.original('size', []);
		// Lines after the transformers, per write: given to Ink's Output if this falls back, so
		// that no transformer runs twice for one line.
		const done: Array<string[] | undefined> = [];
		const rows: Array<Segment[] | undefined> = new Array(height);
		const ops = this.operations;
		for (let k = 0; k < ops.length; k++) {
			const op = ops[k]!;
			if (op.type !== 'write') continue;
			const {x, y, text, transformers} = op;
			if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0) return this.original('position', done);
			// Ink: a row that does not exist ends the write (no transformer runs for it).
			if (y < 0 || y >= height) continue;
			if (x > width) return this.original('position', done);
			const lines = text.split('\n');
			const n = Math.min(lines.length, height - y);
			let results: string[] | undefined;
			if (transformers.length > 0) done[k] = results = [];
			for (let i = 0; i < n; i++) {
				let line = lines[i]!;
				for (const transformer of transformers) line = transformer(line, i);
				if (results) results.push(line);
				if (!scan(line)) return this.original('text', done);
				if (scanWidth === 0) continue; // nothing drawn
				const segment: Segment = {x, width: scanWidth, line, keep: scanKeep, keepOpen: scanKeepOpen, endOpen: scanEndOpen};
				const row = rows[y + i];
				if (row === undefined) rows[y + i] = [segment];
				else row.push(segment);
			}
		}
		const out: string[] = new Array(height);
		for (let r = 0; r < height; r++) {
			const row = rows[r];
			if (row === undefined) {
				out[r] = '';
				continue;
			}
			if (row.length === 1) {
				const s = row[0]!;
				out[r] = s.keep === 0 ? '' : ' '.repeat(s.x) + tail(s);
				continue;
			}
			row.sort(byX);
			let last = -1;
			for (let i = 0; i < row.length; i++) {
				const s = row[i]!;
				if (i + 1 < row.length && s.x + s.width > row[i + 1]!.x) return this.original('overlap', done);
				if (s.keep > 0) last = i;
			}
			let line = '';
			let at = 0;
			for (let i = 0; i <= last; i++) {
				const s = row[i]!;
				line += ' '.repeat(s.x - at) + (i === last ? tail(s) : s.endOpen ? s.line + RESET : s.line);
				at = s.x + s.width;
			}
			out[r] = line;
		}
		count(undefined);
		return {output: out.join('\n'), height};
	}

	/** Ink's own Output on the same operations. */
	private original(reason: string, done: Array<string[] | undefined>): {output: string; height: number} {
		count(reason);
		const ink = new InkOutput({width: this.width, height: this.height});
		const ops = this.operations;
		for (let k = 0; k < ops.length; k++) {
			const op = ops[k]!;
			if (op.type === 'clip') ink.clip(op.clip);
			else if (op.type === 'unclip') ink.unclip();
			else {
				const results = done[k];
				if (results === undefined || results.length === 0) ink.write(op.x, op.y, op.text, {transformers: op.transformers});
				else {
					// No clip in this frame (done is empty otherwise): Ink hands the transformers the
					// same lines with the same indexes.
					const {transformers} = op;
					const memo = (line: string, index: number): string => {
						if (index < results.length) return results[index]!;
						for (const transformer of transformers) line = transformer(line, index);
						return line;
					};
					ink.write(op.x, op.y, op.text, {transformers: [memo]});
				}
			}
		}
		return ink.get();
	}
}
