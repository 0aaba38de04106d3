/**
 * `zeektop flame FILE [--print] [--width N] [--height N]`: a folded file, `perf script` text or
 * `jeprof --collapsed` output as a flame graph: interactive in a terminal, plain text otherwise.
 */
import {readFileSync, statSync, writeFileSync} from 'node:fs';
import {basename, join} from 'node:path';
import {UsageError, type Flags} from '../main.js';
import {escapeText} from '../lib/escape.js';
import {detectProfileFormat, type ProfileFormat} from '../profile/detect-format.js';
import {foldPerfScriptToMap} from '../profile/fold.js';
import {renderFlameText, renderTopTable} from '../profile/flame-text.js';
import {currentZoom, flameSearch, type FlameViewState} from '../profile/flame-nav.js';
import {parseJeprofCollapsed} from '../profile/jeprof.js';
import {topFunctions} from '../profile/top.js';
import {buildTree, parseFoldedLines, stacksInSamples, type FlameTree} from '../profile/tree.js';

export {stacksInSamples};

export type LoadedProfile = {
	tree: FlameTree;
	format: Exclude<ProfileFormat, 'unknown'>;
	/** What the counts are: samples (perf, folded) or bytes (jeprof). */
	unit: 'samples' | 'bytes';
	/** Samples in the input, when known (perf script: events folded). */
	samples: number;
	notes: string[];
};

/** Profile text of any supported format → a call tree. Unknown text is a UsageError naming `name`. */
export function loadProfileText(text: string, name: string): LoadedProfile {
	const format = detectProfileFormat(text);
	const notes: string[] = [];
	switch (format) {
		case 'folded': {
			const parsed = parseFoldedLines(text);
			if (parsed.skippedLines > 0) notes.push(`${parsed.skippedLines} line(s) were not "stack count" and were skipped`);
			const tree = buildTree(parsed.stacks);
			return {tree, format, unit: 'samples', samples: tree.totalSamples, notes};
		}
		case 'perf-script': {
			const fold = foldPerfScriptToMap(text);
			if (fold.otherEventSamples > 0) notes.push(`${fold.otherEventSamples} samples of other event types were left out (shown: ${fold.event})`);
			if (fold.unrecognizedLines > 0) notes.push(`${fold.unrecognizedLines} unreadable line(s)`);
			return {tree: buildTree(stacksInSamples(fold.stacks, fold.samples)), format, unit: 'samples', samples: fold.samples, notes};
		}
		case 'jeprof-collapsed': {
			const stacks = parseJeprofCollapsed(text);
			let negative = 0;
			for (const count of stacks.values()) if (count < 0) negative++;
			if (negative > 0) notes.push(`${negative} stack(s) shrank against the base profile and are not drawn`);
			const tree = buildTree(stacks);
			return {tree, format, unit: 'bytes', samples: tree.totalSamples, notes};
		}
		default:
			throw new UsageError(
				`${escapeText(name)} is not a profile zeektop can read: expected folded stacks, perf script output or jeprof --collapsed output`,
			);
	}
}

export type ReportOptions = {
	width: number;
	/** Lines for the flame graph. */
	height: number;
	/** Lines before the tables (title, notes); escaped by the caller. */
	lines?: string[];
	/** Rows of the top table (default 20). */
	topLimit?: number;
	rootAtTop?: boolean;
	zoomId?: number;
	matched?: Uint8Array;
};

/** Header lines, the top functions table and the ASCII flame graph, as plain text. */
export function renderProfileReport(tree: FlameTree, options: ReportOptions): string {
	const width = Math.max(20, Math.floor(options.width));
	const out: string[] = [...(options.lines ?? [])];
	if (out.length > 0) out.push('');
	const rows = topFunctions(tree, {zoomId: options.zoomId});
	out.push(renderTopTable(rows, {width, limit: options.topLimit ?? 20}));
	out.push('');
	out.push(renderFlameText(tree, {
		width,
		height: Math.max(1, Math.floor(options.height)),
		rootAtTop: options.rootAtTop ?? true,
		zoomId: options.zoomId,
		matched: options.matched,
	}));
	return out.join('\n') + '\n';
}

/** --width/--height, else the terminal's size, else 120x40 (not a terminal). */
export function outputSize(flags: Pick<Flags, 'width' | 'height'>, stdout: {isTTY?: boolean; columns?: number; rows?: number}): {width: number; height: number} {
	const check = (value: number | undefined, flag: string, min: number): number | undefined => {
		if (value === undefined) return undefined;
		if (!Number.isInteger(value) || value < min || value > 10_000) {
			throw new UsageError(`--${flag} must be a whole number from ${min} to 10000 (got ${value})`);
		}
		return value;
	};
	const width = check(flags.width, 'width', 20);
	const height = check(flags.height, 'height', 3);
	const tty = stdout.isTTY === true;
	return {
		width: width ?? (tty && stdout.columns ? stdout.columns : 120),
		height: height ?? (tty && stdout.rows ? Math.max(3, stdout.rows - 1) : 40),
	};
}

function readProfileFile(path: string): string {
	let size: number;
	try {
		const st = statSync(path);
		if (st.isDirectory()) throw new UsageError(`${escapeText(path)} is a directory: give a profile file (folded stacks, perf script text or jeprof --collapsed output)`);
		size = st.size;
	} catch (error) {
		if (error instanceof UsageError) throw error;
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') throw new UsageError(`no such file: ${escapeText(path)} (give a folded file, perf script text or jeprof --collapsed output)`);
		throw new UsageError(`cannot read ${escapeText(path)}: ${(error as Error).message}`);
	}
	if (size > 2 ** 30) throw new UsageError(`${escapeText(path)} is larger than 1 GiB: fold it first (zeektop fold FILE > FILE.folded)`);
	try {
		return readFileSync(path, 'utf8');
	} catch (error) {
		throw new UsageError(`cannot read ${escapeText(path)}: ${(error as Error).message}`);
	}
}

/**
 * The `e` key: the current view (flame graph as text, zoom and search applied, top 50 functions)
 * into `zeektop-flame-<UTC stamp>.txt` in `dir`; never overwrites. Returns the file's path.
 */
export function writeFlameExport(tree: FlameTree, state: FlameViewState, width: number, dir: string, title: string): string {
	const search = flameSearch(tree, state);
	const file = join(dir, `zeektop-flame-${stamp()}.txt`);
	const text = renderProfileReport(tree, {
		width,
		height: 200,
		lines: [`${title}${state.search ? `  search /${escapeText(state.search.pattern)}/` : ''}`],
		topLimit: 50,
		rootAtTop: state.rootAtTop,
		zoomId: currentZoom(state),
		matched: search?.ok ? search.matched : undefined,
	});
	writeFileSync(file, text, {mode: 0o600, flag: 'wx'});
	return file;
}

function stamp(): string {
	return new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

export async function runFlameCommand(args: string[], flags: Flags): Promise<number> {
	if (args.length === 0) throw new UsageError('flame needs a file: zeektop flame FILE (folded stacks, perf script text or jeprof --collapsed output)');
	if (args.length > 1) throw new UsageError(`unexpected argument '${escapeText(args[1]!)}': zeektop flame takes one file`);
	const path = args[0]!;
	const size = outputSize(flags, process.stdout);
	const profile = loadProfileText(readProfileFile(path), path);
	const name = basename(path);
	const formatLabel = profile.format === 'perf-script' ? 'perf script' : profile.format === 'jeprof-collapsed' ? 'jeprof --collapsed' : 'folded';
	const interactive = process.stdout.isTTY === true && process.stdin.isTTY === true && !flags.print;

	if (!interactive) {
		const t = profile.tree;
		const lines = [
			`${escapeText(name)}  ${formatLabel}  ${fmt(t.totalSamples)} ${profile.unit}  ${t.stackCount} stacks  ${t.size - 1} frames  depth ${t.maxDepth}`,
			...profile.notes.map(n => `note: ${escapeText(n)}`),
		];
		if (t.totalSamples === 0) lines.push(`no ${profile.unit} in ${escapeText(name)}`);
		process.stdout.write(renderProfileReport(t, {width: size.width, height: size.height, lines}));
		return 0;
	}

	const {runFlameInteractive} = await import('../ui/run-flame.js');
	const {colorEnabled} = await import('../ui/theme.js');
	const {unicodeOk} = await import('../ui/glyphs.js');
	return runFlameInteractive({
		tree: profile.tree,
		header: {
			title: `${name} (${formatLabel})`,
			samples: profile.tree.totalSamples,
			unit: profile.unit,
			note: profile.notes[0],
		},
		theme: {color: colorEnabled(process.env, true), unicode: unicodeOk()},
		exportView: (state, width) => {
			const file = writeFlameExport(profile.tree, state, width, process.cwd(), `${escapeText(name)}  ${formatLabel}`);
			return `wrote ${file}`;
		},
	});
}

function fmt(n: number): string {
	return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
