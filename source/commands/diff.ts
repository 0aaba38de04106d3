/**
 * `zeektop diff A B`: what changed from profile A (before) to profile B (after).
 *
 *   --folded [--normalize] [--strip-hex] [--output FILE]   difffolded.pl's output (`stack a b`),
 *                                                           the input of flamegraph.pl
 *   --print [--width N] [--height N] [--negate]             differential ASCII flame graph
 *   --top (default) / --json                                per-function before, after, change
 *
 * A and B: folded files, `perf script` text, `jeprof --collapsed` output, capture directories
 * (perf or heap) or raw heap dumps (with --binary). In the views CPU profiles are normalized when
 * the totals differ (--no-normalize: raw), heap profiles are not (--normalize: they are), and the
 * output says which; --folded follows difffolded.pl (raw unless --normalize, with its truncation).
 *
 * Exit status: 0 done, 2 bad input (one line on stderr naming the problem and the fix).
 */
import {linkSync, renameSync, unlinkSync, writeFileSync} from 'node:fs';
import {dirname, basename, join} from 'node:path';
import {readHeapDumpInput} from '../capture/heap-input.js';
import {looksLikeHeapDump, ProfileInputError, readProfileInput, type ProfileInput, type ReadPurpose} from '../collect/profile-input.js';
import {escapeText} from '../lib/escape.js';
import {buildDiffTree, diffFolded, diffTopFunctions, foldedDiffOf, formatFoldedDiff, selfDelta, totalDelta, type DiffTopRow, type DiffTree} from '../profile/diff.js';
import {diffFlameLines, diffHeaderLines, diffTableLines} from '../profile/diff-text.js';
import {pathOf} from '../profile/tree.js';

export type DiffMode = 'folded' | 'print' | 'json' | 'top';

export type DiffOptions = {
	a: string;
	b: string;
	mode: DiffMode;
	/**
	 * Default: on for CPU profiles in print/top/json when the totals differ; off for heap profiles
	 * (bytes: the growth is the point) and for folded (as difffolded.pl).
	 */
	normalize?: boolean;
	stripHex?: boolean;
	/** print: widths from A instead of B. */
	negate?: boolean;
	/** Columns (print, top); default 120. */
	width?: number;
	/** Lines of flame graph (print); default 40. */
	height?: number;
	/** SGR colour in print/top (the caller decides from NO_COLOR and the TTY). */
	color?: boolean;
	/** folded: write here (atomically, 0644) instead of stdout. */
	output?: string;
	/** Rows of the change table (top, print); default 30, json: all. */
	limit?: number;
	/** For raw heap dumps: the program that wrote them. */
	binary?: string;
	jeprofPath?: string;
	/** Cache jeprof's output here (the heap view's cache: state/heap-session jeprofCacheDir). */
	jeprofCacheDir?: string;
};

export type Writer = {write(chunk: string | Uint8Array): unknown};
export type DiffIo = {stdout: Writer; stderr: Writer};

export class DiffUsageError extends Error {}

function check(options: DiffOptions): void {
	const whole = (v: number | undefined, flag: string, min: number) => {
		if (v !== undefined && (!Number.isInteger(v) || v < min || v > 10_000)) {
			throw new DiffUsageError(`--${flag} must be a whole number from ${min} to 10000 (got ${v})`);
		}
	};
	whole(options.width, 'width', 20);
	whole(options.height, 'height', 3);
	if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 1)) {
		throw new DiffUsageError(`--limit must be a whole number of rows, at least 1 (got ${options.limit})`);
	}
	if (options.output !== undefined && options.mode !== 'folded') throw new DiffUsageError('--output writes the folded diff: use it with --folded');
	if (options.negate && options.mode === 'folded') {
		throw new DiffUsageError('--negate is for the drawn graph; for flamegraph.pl --negate, swap the files: zeektop diff --folded B A');
	}
}

async function readInput(path: string, purpose: ReadPurpose, options: DiffOptions): Promise<ProfileInput> {
	if (looksLikeHeapDump(path)) {
		return readHeapDumpInput(path, {binary: options.binary, purpose, stripHex: options.stripHex, jeprofPath: options.jeprofPath, cacheDir: options.jeprofCacheDir});
	}
	return readProfileInput(path, purpose, {stripHex: options.stripHex});
}

function sameKind(a: ProfileInput, b: ProfileInput): void {
	if (a.unit !== b.unit) {
		const what = (p: ProfileInput) => (p.unit === 'bytes' ? 'a heap profile (bytes)' : 'a CPU profile (samples)');
		throw new DiffUsageError(`A (${escapeText(a.label)}) is ${what(a)} and B (${escapeText(b.label)}) is ${what(b)}: diff two profiles of the same kind`);
	}
}

/** Write `data` to `path` through a temporary file in the same directory, then rename. */
function writeAtomically(path: string, data: Buffer): void {
	const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
	try {
		writeFileSync(tmp, data, {mode: 0o644, flag: 'wx'});
		renameSync(tmp, path);
	} catch (error) {
		try {
			unlinkSync(tmp);
		} catch {
			// nothing was written
		}
		throw new DiffUsageError(`cannot write ${escapeText(path)}: ${escapeText((error as NodeJS.ErrnoException).code ?? (error as Error).message)}`);
	}
}

/** The folded diff as difffolded.pl's bytes (latin1 back to the input's bytes). */
export async function foldedDiffBytes(options: DiffOptions): Promise<Buffer> {
	const a = await readInput(options.a, 'folded', options);
	const b = await readInput(options.b, 'folded', options);
	sameKind(a, b);
	const diff = diffFolded(a.stacks, b.stacks, {normalize: options.normalize === true, totalBefore: a.total, totalAfter: b.total});
	if (!diff.ok) throw new DiffUsageError(diff.error);
	return Buffer.from(formatFoldedDiff(diff.lines), 'latin1');
}

export type LoadedDiff = {diff: DiffTree; before: ProfileInput; after: ProfileInput; unit: 'samples' | 'bytes'};

/** Both inputs read for the views and their diff tree. */
export async function loadDiff(options: Pick<DiffOptions, 'a' | 'b' | 'normalize' | 'stripHex' | 'negate' | 'binary' | 'jeprofPath' | 'jeprofCacheDir'>): Promise<LoadedDiff> {
	const full = {...options, mode: 'top' as const};
	const before = await readInput(options.a, 'view', full);
	const after = await readInput(options.b, 'view', full);
	sameKind(before, after);
	// CPU profiles of different lengths compare as shares; heap profiles as bytes (growth is the point).
	const normalize = options.normalize ?? before.unit === 'samples';
	const diff = buildDiffTree(before.stacks, after.stacks, {normalize, negate: options.negate});
	return {diff, before, after, unit: before.unit};
}

export type DiffJson = {
	before: {label: string; path: string; kind: string; unit: string; total: number};
	after: {label: string; path: string; kind: string; unit: string; total: number};
	normalized: boolean;
	/** Factor applied to A's counts (1 when not normalized). */
	scaleBefore: number;
	notes: string[];
	functions: Array<{
		function: string;
		presence: DiffTopRow['presence'];
		self: {before: number; after: number; change: number};
		total: {before: number; after: number; change: number};
	}>;
	/** Frames whose self samples changed most: path from the root, before/after self and total. */
	frames: Array<{path: string[]; self: {before: number; after: number; change: number}; total: {before: number; after: number; change: number}; onlyIn?: 'before' | 'after'}>;
};

const round = (v: number) => Math.round(v * 1000) / 1000;

export function diffJson(loaded: LoadedDiff, frameLimit = 100): DiffJson {
	const {diff, before, after} = loaded;
	const side = (p: ProfileInput, total: number) => ({label: p.label, path: p.path, kind: p.kind, unit: p.unit, total});
	const rows = diffTopFunctions(diff);
	const ids: number[] = [];
	for (let id = 1; id < diff.tree.size; id++) if (selfDelta(diff, id) !== 0) ids.push(id);
	ids.sort((x, y) => Math.abs(selfDelta(diff, y)) - Math.abs(selfDelta(diff, x)) || x - y);
	const pair = (b: number, a: number) => ({before: round(b), after: round(a), change: round(a - b)});
	return {
		before: side(before, diff.totalBefore),
		after: side(after, diff.totalAfter),
		normalized: diff.normalized,
		scaleBefore: diff.scaleBefore,
		notes: [...before.notes, ...after.notes],
		functions: rows.map(r => ({function: r.function, presence: r.presence, self: pair(r.selfBefore, r.selfAfter), total: pair(r.totalBefore, r.totalAfter)})),
		frames: ids.slice(0, frameLimit).map(id => ({
			path: pathOf(diff.tree, id),
			self: pair(diff.beforeSelf[id]!, diff.afterSelf[id]!),
			total: pair(diff.beforeTotal[id]!, diff.afterTotal[id]!),
			...(diff.onlyHere[id] === 1 ? {onlyIn: diff.negate ? ('before' as const) : ('after' as const)} : {}),
		})),
	};
}

/** The text of --print / --top. */
export function diffReport(loaded: LoadedDiff, options: Pick<DiffOptions, 'mode' | 'width' | 'height' | 'color' | 'limit'>): string {
	const width = options.width ?? 120;
	const color = options.color === true;
	const {diff, before, after, unit} = loaded;
	const lines = diffHeaderLines(diff, {before: escapeText(before.label), after: escapeText(after.label)}, color, unit).map(l => l.slice(0, width));
	for (const note of [...before.notes, ...after.notes]) lines.push(`note: ${escapeText(note)}`.slice(0, width));
	lines.push('');
	if (options.mode === 'print') {
		lines.push(...diffFlameLines(diff, {width, height: options.height ?? 40, color, rootAtTop: false}));
	} else {
		lines.push(...diffTableLines(diffTopFunctions(diff), {width, limit: options.limit ?? 30, unit}));
		const totalChange = totalDelta(diff, 0);
		if (diff.normalized && totalChange !== 0) lines.push(`(after normalization the totals differ by ${totalChange.toFixed(1)}: rounding)`);
	}
	return lines.join('\n') + '\n';
}

/**
 * The diff view's export key: the diff as a two-count folded file (`stack before after`, what
 * flamegraph.pl draws as a differential) in `dir`, named zeektop-diff-<UTC stamp>.folded; written
 * to a temporary name first and linked into place, so it never overwrites nor appears half
 * written. Returns the path.
 */
export function writeDiffExport(diff: DiffTree, dir: string, now: Date = new Date()): string {
	const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
	const text = Buffer.from(foldedDiffOf(diff), 'utf8');
	const tmp = join(dir, `.zeektop-diff-${stamp}.${process.pid}.tmp`);
	writeFileSync(tmp, text, {mode: 0o600, flag: 'wx'});
	try {
		for (let n = 1; ; n++) {
			const file = join(dir, `zeektop-diff-${stamp}${n === 1 ? '' : `-${n}`}.folded`);
			try {
				linkSync(tmp, file);
				return file;
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 100) throw error;
			}
		}
	} finally {
		unlinkSync(tmp);
	}
}

/**
 * `zeektop diff A B` on a terminal (no --folded/--print/--top/--json): the interactive diff view.
 * `e` writes the folded diff into `exportDir` (default: the working directory).
 */
export async function runDiffInteractive(
	options: Pick<DiffOptions, 'a' | 'b' | 'normalize' | 'stripHex' | 'negate' | 'binary' | 'jeprofPath' | 'jeprofCacheDir' | 'color'> & {exportDir?: string; unicode?: boolean},
	io: DiffIo,
): Promise<number> {
	let loaded: LoadedDiff;
	try {
		loaded = await loadDiff(options);
	} catch (error) {
		if (error instanceof ProfileInputError || error instanceof DiffUsageError) {
			io.stderr.write(`zeektop: ${error.message}\n`);
			return 2;
		}
		throw error;
	}
	const {runDiffInteractive: mount} = await import('../ui/run-diff.js');
	const dir = options.exportDir ?? process.cwd();
	return mount({
		diff: loaded.diff,
		header: {before: loaded.before.label, after: loaded.after.label, unit: loaded.unit, note: [...loaded.before.notes, ...loaded.after.notes][0]},
		theme: {color: options.color === true, unicode: options.unicode ?? false},
		exportView: () => `wrote ${escapeText(writeDiffExport(loaded.diff, dir))} (flamegraph.pl FILE > diff.svg)`,
	});
}

export async function runDiff(options: DiffOptions, io: DiffIo): Promise<number> {
	try {
		check(options);
		if (options.mode === 'folded') {
			const bytes = await foldedDiffBytes(options);
			if (options.output !== undefined) {
				writeAtomically(options.output, bytes);
				io.stderr.write(`zeektop: wrote ${escapeText(options.output)} (flamegraph.pl ${escapeText(options.output)} > diff.svg)\n`);
			} else io.stdout.write(bytes);
			return 0;
		}
		const loaded = await loadDiff(options);
		if (options.mode === 'json') {
			io.stdout.write(JSON.stringify(diffJson(loaded), null, 2) + '\n');
			return 0;
		}
		io.stdout.write(diffReport(loaded, options));
		return 0;
	} catch (error) {
		if (error instanceof ProfileInputError || error instanceof DiffUsageError) {
			io.stderr.write(`zeektop: ${error.message}\n`);
			return 2;
		}
		throw error;
	}
}
