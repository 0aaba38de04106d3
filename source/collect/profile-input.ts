/**
 * Read one profile zeektop can diff from the filesystem: a folded file, `perf script` text,
 * `jeprof --collapsed` output, or a saved capture directory (perf: stacks.folded + meta.json;
 * heap: stacks.collapsed). Raw heap dumps need jeprof and are read by capture/heap-input.ts.
 *
 * Two purposes, because they decode differently:
 * - 'folded': the counts difffolded.pl would see. Text is decoded as latin1 (one char per byte,
 *   as Perl reads it) so that the output can be written back byte for byte; folded text is read
 *   with the script's own line rule (profile/diff parseFoldedForDiff), perf script is folded as
 *   stackcollapse-perf.pl does (period-weighted counts).
 * - 'view': what the flame views draw: UTF-8 names, perf counts in samples, heap frames named as
 *   jeprof --text names them, tolerant line reading (CRLF, stray lines skipped and counted).
 *
 * The folded/perf/jeprof branches mirror headless/flame.ts's loadProfileText and ui/Panels.tsx's
 * loadSavedCapture (copied here, small, because those files are moving to commands/ and ui/, which
 * this layer may not import).
 */
import {closeSync, openSync, readFileSync, readSync, statSync, type Stats} from 'node:fs';
import {basename, join} from 'node:path';
import {escapeText} from '../lib/escape.js';
import {detectProfileFormat} from '../profile/detect-format.js';
import {parseFoldedForDiff, stripHexStacks} from '../profile/diff.js';
import {foldPerfScriptToMap} from '../profile/fold.js';
import {parseJeprofCollapsed, shortFunctionName} from '../profile/jeprof.js';
import {parseFoldedLines, stacksInSamples} from '../profile/tree.js';

export type ProfileInputKind = 'folded' | 'perf-script' | 'jeprof-collapsed' | 'perf-capture' | 'heap-capture' | 'heap-dump';

export type ProfileInput = {
	/** What to call it on screen: the file name, or `<node> <time>` for a capture. Not escaped. */
	label: string;
	path: string;
	kind: ProfileInputKind;
	unit: 'samples' | 'bytes';
	stacks: Map<string, number>;
	/** Sum of the counts as the purpose counts them (for 'folded', difffolded.pl's total). */
	total: number;
	/** Capture metadata when it was a capture directory. */
	node?: string;
	startedAt?: string;
	notes: string[];
};

export type ReadPurpose = 'folded' | 'view';

/** A problem with an input, worded for the user (problem + fix); the command prints it. */
export class ProfileInputError extends Error {}

const MAX_BYTES = 2 ** 30;
const HEAP_DUMP = /^heap_v2\//;

type CaptureMeta = {kind?: unknown; node?: unknown; startedAt?: unknown; samples?: unknown; status?: unknown};

function statOrThrow(path: string): Stats {
	try {
		return statSync(path);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') throw new ProfileInputError(`no such file: ${escapeText(path)} (give a folded file, perf script text, jeprof --collapsed output, a heap dump or a capture directory)`);
		throw new ProfileInputError(`cannot read ${escapeText(path)}: ${code ?? (error as Error).message}`);
	}
}

function readText(path: string, encoding: BufferEncoding): string {
	const st = statOrThrow(path);
	if (st.size > MAX_BYTES) throw new ProfileInputError(`${escapeText(path)} is larger than 1 GiB: fold it first (zeektop fold FILE > FILE.folded)`);
	try {
		return readFileSync(path, encoding);
	} catch (error) {
		throw new ProfileInputError(`cannot read ${escapeText(path)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
	}
}

/** True when `path` is a regular file that starts like a jemalloc heap profile (`heap_v2/`). */
export function looksLikeHeapDump(path: string): boolean {
	let fd: number | undefined;
	try {
		if (!statSync(path).isFile()) return false;
		fd = openSync(path, 'r');
		const head = Buffer.alloc(8);
		const n = readSync(fd, head, 0, head.length, 0);
		return HEAP_DUMP.test(head.subarray(0, n).toString('latin1'));
	} catch {
		return false;
	} finally {
		if (fd !== undefined) closeSync(fd);
	}
}

/** Stacks of profile text whose format is detected; `name` is for messages. */
export function stacksFromText(
	text: string,
	name: string,
	purpose: ReadPurpose,
	options: {stripHex?: boolean} = {},
): Pick<ProfileInput, 'kind' | 'unit' | 'stacks' | 'total' | 'notes'> {
	const format = detectProfileFormat(text);
	const notes: string[] = [];
	const strip = (stacks: Map<string, number>) => (options.stripHex ? stripHexStacks(stacks) : stacks);
	switch (format) {
		case 'folded':
		case 'jeprof-collapsed': {
			const unit = format === 'folded' ? 'samples' : 'bytes';
			if (purpose === 'folded') {
				const parsed = parseFoldedForDiff(text, {stripHex: options.stripHex});
				if (parsed.unreadLines > 0) notes.push(`${parsed.unreadLines} line(s) of ${name} are not "stack count" (difffolded.pl keeps them as an empty stack with 0)`);
				return {kind: format, unit, stacks: parsed.stacks, total: parsed.total, notes};
			}
			if (format === 'jeprof-collapsed') {
				const stacks = heapStacks(parseJeprofCollapsed(text), notes, name);
				return {kind: format, unit, stacks: strip(stacks), total: sum(stacks), notes};
			}
			const parsed = parseFoldedLines(text);
			if (parsed.skippedLines > 0) notes.push(`${parsed.skippedLines} line(s) of ${name} were not "stack count" and were skipped`);
			const stacks = new Map<string, number>();
			for (const [s, c] of parsed.stacks) stacks.set(s, (stacks.get(s) ?? 0) + c);
			return {kind: 'folded', unit, stacks: strip(stacks), total: sum(stacks), notes};
		}
		case 'perf-script': {
			const fold = foldPerfScriptToMap(text);
			if (fold.otherEventSamples > 0) notes.push(`${fold.otherEventSamples} samples of other event types in ${name} were left out (kept: ${fold.event})`);
			if (fold.unrecognizedLines > 0) notes.push(`${fold.unrecognizedLines} unreadable line(s) in ${name}`);
			const stacks = purpose === 'folded' ? fold.stacks : new Map(stacksInSamples(fold.stacks, fold.samples));
			const out = strip(stacks);
			return {kind: 'perf-script', unit: 'samples', stacks: out, total: sum(out), notes};
		}
		default: {
			// difffolded.pl reads any text; so does --folded, when some lines are `stack count`.
			if (purpose === 'folded') {
				const parsed = parseFoldedForDiff(text, {stripHex: options.stripHex});
				if (parsed.total > 0 || [...parsed.stacks.keys()].some(k => k !== '')) {
					notes.push(`${parsed.unreadLines} line(s) of ${name} are not "stack count" (difffolded.pl keeps them as an empty stack with 0)`);
					return {kind: 'folded', unit: 'samples', stacks: parsed.stacks, total: parsed.total, notes};
				}
			}
			throw new ProfileInputError(`${escapeText(name)} is not a profile zeektop can read: expected folded stacks, perf script output, jeprof --collapsed output, a heap dump or a capture directory`);
		}
	}
}

/**
 * Heap stacks for a view: frames renamed as jeprof --text names them (ui's heap flame graph does
 * the same) and only positive stacks (a --base collapse has negative ones: shrinkage).
 */
function heapStacks(stacks: ReadonlyMap<string, number>, notes: string[], name: string): Map<string, number> {
	const out = new Map<string, number>();
	const names = new Map<string, string>();
	const short = (frame: string) => {
		let n = names.get(frame);
		if (n === undefined) names.set(frame, (n = shortFunctionName(frame) || frame));
		return n;
	};
	let negative = 0;
	for (const [stack, bytes] of stacks) {
		if (!(bytes > 0)) {
			if (bytes < 0) negative++;
			continue;
		}
		const key = stack.split(';').map(short).join(';');
		out.set(key, (out.get(key) ?? 0) + bytes);
	}
	if (negative > 0) notes.push(`${negative} stack(s) of ${name} are negative (a --base profile) and were left out`);
	return out;
}

function sum(stacks: ReadonlyMap<string, number>): number {
	let total = 0;
	for (const c of stacks.values()) total += c;
	return total;
}

/**
 * A capture directory as the capture store writes it. A perf capture's stacks.folded is
 * period-weighted; for a view it is rescaled to the capture's sample count (meta.json), as the
 * saved-capture panel shows it.
 */
function readCaptureDir(dir: string, purpose: ReadPurpose, options: {stripHex?: boolean}): ProfileInput {
	let meta: CaptureMeta;
	try {
		meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as CaptureMeta;
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		throw new ProfileInputError(
			code === 'ENOENT'
				? `${escapeText(dir)} is a directory but not a zeektop capture (no meta.json): give a capture directory or a profile file`
				: `${escapeText(dir)}/meta.json is unreadable (${escapeText(code ?? (error as Error).message)}): give another capture`,
		);
	}
	if (typeof meta !== 'object' || meta === null || (meta.kind !== 'perf' && meta.kind !== 'heap')) {
		throw new ProfileInputError(`${escapeText(dir)}/meta.json does not describe a perf or heap capture`);
	}
	const file = join(dir, meta.kind === 'perf' ? 'stacks.folded' : 'stacks.collapsed');
	let text: string;
	try {
		text = readText(file, purpose === 'folded' ? 'latin1' : 'utf8');
	} catch (error) {
		if (error instanceof ProfileInputError && !statExists(file)) {
			throw new ProfileInputError(`${escapeText(file)} is missing: the capture did not finish (status ${escapeText(String(meta.status ?? '?'))}); pick another capture`);
		}
		throw error;
	}
	const node = typeof meta.node === 'string' ? meta.node : undefined;
	const startedAt = typeof meta.startedAt === 'string' ? meta.startedAt : undefined;
	const label = `${node ?? basename(dir)}${startedAt ? ` ${startedAt.replace(/\.\d+Z$/, 'Z')}` : ''}`;
	const kind: ProfileInputKind = meta.kind === 'perf' ? 'perf-capture' : 'heap-capture';
	if (meta.kind === 'heap') {
		if (text.trim() === '') throw new ProfileInputError(`${escapeText(file)} is empty: the heap capture has no collapsed stacks; pick another capture`);
		const read = stacksFromText(text, file, purpose, options);
		return {...read, kind, unit: 'bytes', label, path: dir, node, startedAt};
	}
	const samples = typeof meta.samples === 'number' && meta.samples > 0 ? meta.samples : undefined;
	if (purpose === 'view' && samples !== undefined) {
		const parsed = parseFoldedLines(text);
		const raw = new Map<string, number>();
		for (const [s, c] of parsed.stacks) raw.set(s, (raw.get(s) ?? 0) + c);
		const stacks = new Map(stacksInSamples(raw, samples));
		const out = options.stripHex ? stripHexStacks(stacks) : stacks;
		return {kind, unit: 'samples', stacks: out, total: sum(out), notes: [], label, path: dir, node, startedAt};
	}
	if (text.trim() === '') return {kind, unit: 'samples', stacks: new Map(), total: 0, notes: [`${file} has no samples`], label, path: dir, node, startedAt};
	const read = stacksFromText(text, file, purpose, options);
	return {...read, kind, unit: 'samples', label, path: dir, node, startedAt};
}

function statExists(path: string): boolean {
	try {
		statSync(path);
		return true;
	} catch {
		return false;
	}
}

/**
 * One input by path. A heap dump (heap_v2) is refused here with the fix: it needs jeprof and the
 * program that wrote it (capture/heap-input.ts readHeapDumpInput does that).
 */
export function readProfileInput(path: string, purpose: ReadPurpose, options: {stripHex?: boolean} = {}): ProfileInput {
	const st = statOrThrow(path);
	if (st.isDirectory()) return readCaptureDir(path, purpose, options);
	if (!st.isFile()) throw new ProfileInputError(`${escapeText(path)} is not a regular file`);
	const text = readText(path, purpose === 'folded' ? 'latin1' : 'utf8');
	if (HEAP_DUMP.test(text.slice(0, 16))) {
		throw new ProfileInputError(`${escapeText(path)} is a jemalloc heap dump: it needs jeprof and the program that wrote it (give --binary PATH)`);
	}
	// An empty file is a profile with no samples (difffolded.pl reads it so), not an error.
	if (text.length === 0) return {label: basename(path), path, kind: 'folded', unit: 'samples', stacks: new Map(), total: 0, notes: [`${basename(path)} is empty`]};
	const read = stacksFromText(text, basename(path), purpose, options);
	return {...read, label: basename(path), path};
}
