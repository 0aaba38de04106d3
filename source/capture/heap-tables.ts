/**
 * `jeprof --text` / `--collapsed` of a jemalloc dump, without jeprof: read the dump (and base),
 * symbolize in-process + binutils (capture/symbolize.ts), render with profile/heap-v2.ts.
 *
 * `runHeapTables` takes the options and returns the result shape of capture/jemalloc.ts's
 * runJeprof, so state/heap-session.ts can use it through its `deps.runJeprof` hook unchanged.
 */
import {chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync} from 'node:fs';
import {basename, join, resolve} from 'node:path';
import {systemClock, type Clock} from '../lib/clock.js';
import {parseJeprofCollapsed, parseJeprofText} from '../profile/jeprof.js';
import {
	HeapV2Error,
	heapProfileValues,
	parseHeapV2,
	parseMappedObjects,
	renderCollapsed,
	renderJeprofText,
	subtractProfile,
	type HeapMetric,
	type HeapV2Profile,
} from '../profile/heap-v2.js';
import {SymbolizeError, symbolCacheDir, symbolizeAddresses, type SymbolizeStats} from './symbolize.js';
import type {JeprofRunFailure, JeprofRunSuccess} from './jeprof-run.js';

const MAX_DUMP_BYTES = 512 << 20;

export type HeapTablesMode = 'text' | 'collapsed';

export type HeapTablesOptions = {
	dump: string;
	base?: string;
	/** The program; default: the dump's main object (first executable mapping of MAPPED_LIBRARIES). */
	binary?: string;
	mode: HeapTablesMode;
	/** --show_bytes (text). Default false, as jeprof. */
	showBytes?: boolean;
	metric?: HeapMetric;
	cum?: boolean;
	/** Symbol cache; default $XDG_CACHE_HOME/zeektop/symbols; null: none. */
	cacheDir?: string | null;
	signal?: AbortSignal;
	env?: NodeJS.ProcessEnv;
	addr2line?: string;
	nm?: string;
	debugRoot?: string;
};

export type HeapTablesSuccess = {ok: true; output: string; binary: string; notes: string[]; stats: SymbolizeStats; durationMs: number};
export type HeapTablesFailure = {ok: false; reason: string};

function readDump(path: string, what: string): HeapV2Profile | string {
	let text: string;
	try {
		const st = lstatSync(path);
		if (st.isSymbolicLink()) return `${what} ${path} is a symlink; give the file itself`;
		if (!st.isFile()) return `${what} ${path} is not a regular file`;
		if (st.size > MAX_DUMP_BYTES) return `${what} ${path} is larger than ${MAX_DUMP_BYTES >> 20} MiB; not a heap dump?`;
		text = readFileSync(path, 'latin1');
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		return `${what} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? 'unreadable')}`;
	}
	try {
		return parseHeapV2(text);
	} catch (error) {
		if (error instanceof HeapV2Error) return `${what} ${path}: ${error.message}`;
		throw error;
	}
}

/** The dump's main object: the first executable file mapping, as the dump recorded it. */
export function mainObjectOfMaps(maps: string): string | undefined {
	for (const line of maps.split('\n')) {
		const m = /^\s*[0-9a-f]+-[0-9a-f]+\s+(\S+)\s+\S+\s+\S+\s+\d+\s+(\/\S.*)$/.exec(line);
		if (m && m[1]!.includes('x')) return m[2]!.trim();
	}
	return undefined;
}

export async function heapTables(options: HeapTablesOptions): Promise<HeapTablesSuccess | HeapTablesFailure> {
	const started = performance.now();
	const dump = readDump(options.dump, 'dump');
	if (typeof dump === 'string') return {ok: false, reason: dump};
	let base: HeapV2Profile | undefined;
	if (options.base !== undefined) {
		const b = readDump(options.base, '--base');
		if (typeof b === 'string') return {ok: false, reason: b};
		base = b;
	}
	const given = options.binary ?? mainObjectOfMaps(dump.maps);
	if (given === undefined) return {ok: false, reason: `dump ${options.dump}: no executable mapping in MAPPED_LIBRARIES; give the program with --binary`};
	// jeprof: Cwd::abs_path (symlinks resolved: /proc/PID/exe names the real file).
	let binary: string;
	try {
		binary = realpathSync(given);
		if (!statSync(binary).isFile()) return {ok: false, reason: `binary ${given} is not a regular file`};
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		const hint = options.binary === undefined ? ' (the dump\'s program; give it with --binary if it moved)' : '';
		return {ok: false, reason: `binary ${given}: ${code === 'ENOENT' ? 'no such file' : (code ?? 'unreadable')}${hint}`};
	}
	const metric: HeapMetric = options.metric ?? 'inuse_space';
	const pcs = new Set<string>();
	let profile = heapProfileValues(dump, metric, pcs);
	if (base) profile = subtractProfile(profile, heapProfileValues(base, metric, pcs));
	const objects = parseMappedObjects(dump.maps, binary, pcs);
	const cacheDir = options.cacheDir === null ? undefined : (options.cacheDir ?? symbolCacheDir(options.env ?? process.env));
	let result;
	try {
		result = await symbolizeAddresses(objects, pcs, {cacheDir, signal: options.signal, addr2line: options.addr2line, nm: options.nm, debugRoot: options.debugRoot});
	} catch (error) {
		if (error instanceof SymbolizeError) return {ok: false, reason: error.message};
		throw error;
	}
	const output =
		options.mode === 'text'
			? renderJeprofText(result.symbols, profile, {showBytes: options.showBytes, metric, cum: options.cum})
			: renderCollapsed(result.symbols, profile);
	return {ok: true, output, binary, notes: result.notes, stats: result.stats, durationMs: performance.now() - started};
}

// ---------------------------------------------------------------------------------------------
// Drop-in for capture/jemalloc.ts's runJeprof (same options and result shape).

export type JeprofLikeOptions = {
	binary: string;
	dump: string;
	base?: string;
	mode: HeapTablesMode;
	signal?: AbortSignal;
	onProgress?: (progress: {phase: 'cache-hit' | 'copying' | 'running' | 'parsing' | 'done' | 'failed'; elapsedMs: number; message: string}) => void;
	timeoutMs?: number;
	/** Ignored (jeprof's output cache); the symbol cache is per build-id. */
	cacheDir?: string;
	captureDir?: string;
	showBytes?: boolean;
	jeprofPath?: string;
	clock?: Clock;
	symbolCacheDir?: string | null;
};

/** runJeprof's result contract, one definition for both table makers. */
export type JeprofLikeSuccess = JeprofRunSuccess;
export type JeprofLikeFailure = JeprofRunFailure;

function copyInto(captureDir: string, path: string): string {
	const target = join(captureDir, basename(path));
	const size = statSync(path).size;
	if (existsSync(target) && statSync(target).size === size) return target;
	const tmp = `${target}.${process.pid}.tmp`;
	copyFileSync(path, tmp);
	chmodSync(tmp, 0o600);
	renameSync(tmp, target);
	return target;
}

/**
 * runJeprof's contract without jeprof: text (with --show_bytes unless showBytes is false) or
 * collapsed, parsed with the same parsers heap-session already consumes.
 */
export async function runHeapTables(options: JeprofLikeOptions): Promise<JeprofLikeSuccess | JeprofLikeFailure> {
	const clock = options.clock ?? systemClock;
	const t0 = clock.monotonic();
	const elapsed = () => clock.monotonic() - t0;
	const progress = (phase: Parameters<NonNullable<JeprofLikeOptions['onProgress']>>[0]['phase'], message: string) => options.onProgress?.({phase, elapsedMs: elapsed(), message});
	const fail = (reason: string, aborted = false): JeprofLikeFailure => {
		progress('failed', reason);
		return {ok: false, reason, aborted, timedOut: false, durationMs: elapsed()};
	};
	let dump = options.dump;
	let base = options.base;
	let copies: JeprofLikeSuccess['copies'];
	if (options.captureDir !== undefined) {
		progress('copying', `copying dump${base ? 's' : ''} to ${options.captureDir}`);
		try {
			mkdirSync(options.captureDir, {recursive: true, mode: 0o700});
			dump = copyInto(options.captureDir, resolve(options.dump));
			copies = {dump};
			if (base !== undefined) {
				base = copyInto(options.captureDir, resolve(base));
				copies.base = base;
			}
			const record = join(options.captureDir, 'capture.json');
			if (!existsSync(record)) writeFileSync(record, `${JSON.stringify({binary: options.binary, dumps: [basename(dump), ...(base ? [basename(base)] : [])]}, null, 2)}\n`, {mode: 0o600});
		} catch (error) {
			return fail(`cannot copy into ${options.captureDir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
		}
	}
	progress('running', 'symbolizing');
	const r = await heapTables({dump, base, binary: options.binary, mode: options.mode, showBytes: options.mode === 'text' ? (options.showBytes ?? true) : false, signal: options.signal, cacheDir: options.symbolCacheDir});
	if (options.signal?.aborted) return fail('cancelled', true);
	if (!r.ok) return fail(r.reason);
	progress('parsing', 'parsing');
	const cached = r.stats.addresses > 0 && r.stats.cachedAddresses === r.stats.addresses;
	const common = {ok: true as const, output: r.output, cached, durationMs: 0, ...(copies ? {copies} : {})};
	const out: JeprofLikeSuccess = options.mode === 'text' ? {...common, mode: 'text', report: parseJeprofText(r.output)} : {...common, mode: 'collapsed', stacks: parseJeprofCollapsed(r.output)};
	out.durationMs = elapsed();
	progress('done', cached ? 'from the symbol cache' : 'done');
	return out;
}
