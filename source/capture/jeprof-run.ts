/**
 * jeprof runs on heap dumps: cached by dump identity, with copies of the dumps kept in the
 * capture directory (zeekctl may clean a node's spool on restart).
 */
import {createHash} from 'node:crypto';
import {copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync, chmodSync} from 'node:fs';
import {basename, join, resolve} from 'node:path';
import {systemClock, type Clock} from '../lib/clock.js';
import {parseJeprofCollapsed, parseJeprofText, type JeprofTextReport} from '../profile/jeprof.js';
import {describeFailure, run, type RunResult} from './runner.js';
import {binaryBuildId} from './elf.js';

// ---------------------------------------------------------------------------------------------
// jeprof

export type JeprofMode = 'text' | 'collapsed';

export type JeprofProgress = {
	phase: 'cache-hit' | 'copying' | 'running' | 'parsing' | 'done' | 'failed';
	elapsedMs: number;
	message: string;
};

export type JeprofRunOptions = {
	/** The node's program: `/proc/PID/exe` while it runs (survives upgrades), or a path. */
	binary: string;
	dump: string;
	/** Older dump of the same process: report growth (jeprof --base), values may be negative. */
	base?: string;
	mode: JeprofMode;
	signal?: AbortSignal;
	onProgress?: (progress: JeprofProgress) => void;
	/** Default 180 s: jeprof symbolises with addr2line and takes 2-5 s on a Zeek binary. */
	timeoutMs?: number;
	/** Cache jeprof output here, keyed by dump (and base) path + size + mtime, mode and binary. */
	cacheDir?: string;
	/** Copy each dump used (mode 0700 dir) with the binary's build-id into capture.json. */
	captureDir?: string;
	/** text mode: exact bytes (--show_bytes) rather than one-decimal MB. Default true. */
	showBytes?: boolean;
	jeprofPath?: string;
	clock?: Clock;
};

export type JeprofRunSuccess = {
	ok: true;
	output: string;
	cached: boolean;
	durationMs: number;
	/** Where the dump (and base) were copied, when captureDir was given. */
	copies?: {dump: string; base?: string};
	buildId?: string;
} & ({mode: 'text'; report: JeprofTextReport} | {mode: 'collapsed'; stacks: Map<string, number>});

export type JeprofRunFailure = {ok: false; reason: string; aborted: boolean; timedOut: boolean; durationMs: number};

/** A file as the cache sees it: a changed size or mtime is a new dump. */
export type FileId = {path: string; size: number; mtimeMs: number};

function fileId(path: string): FileId | string {
	try {
		const st = lstatSync(path);
		if (st.isSymbolicLink()) return `${path} is a symlink; not followed`;
		if (!st.isFile()) return `${path} is not a regular file`;
		return {path: resolve(path), size: st.size, mtimeMs: st.mtimeMs};
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		return code === 'ENOENT' ? `${path} no longer exists (zeekctl may have cleaned the spool)` : `cannot read ${path}: ${code ?? 'error'}`;
	}
}

/** The cache key of one jeprof run. */
export function jeprofCacheKey(parts: {mode: JeprofMode; showBytes: boolean; binary: string; dump: FileId; base?: FileId}): string {
	const id = (f: FileId | undefined) => (f ? [f.path, f.size, Math.round(f.mtimeMs)] : null);
	const material = JSON.stringify([2, parts.mode, parts.showBytes, parts.binary, id(parts.dump), id(parts.base)]);
	return createHash('sha256').update(material).digest('hex').slice(0, 32);
}

/**
 * Create a directory 0700. An existing directory keeps its mode (never chmod a directory someone
 * passed that we did not create, e.g. /tmp); the files we write into it are 0600.
 */
function ensurePrivateDir(dir: string): void {
	const created = mkdirSync(dir, {recursive: true, mode: 0o700});
	if (created !== undefined) chmodSync(dir, 0o700);
}

function writeAtomic(path: string, content: string): void {
	const tmp = `${path}.${process.pid}.tmp`;
	writeFileSync(tmp, content, {mode: 0o600});
	renameSync(tmp, path);
}

type CaptureRecord = {
	binary: string;
	buildId?: string;
	dumps: Array<{name: string; source: string; sizeBytes: number; mtimeMs: number}>;
};

/** Copy a dump into the capture dir (same name; skipped when an identical-size copy exists). */
function copyIntoCapture(captureDir: string, id: FileId): string {
	const target = join(captureDir, basename(id.path));
	if (existsSync(target) && statSync(target).size === id.size) return target;
	copyFileSync(id.path, `${target}.tmp`);
	chmodSync(`${target}.tmp`, 0o600);
	renameSync(`${target}.tmp`, target);
	return target;
}

function recordCapture(captureDir: string, binary: string, buildId: string | undefined, ids: FileId[]): void {
	const file = join(captureDir, 'capture.json');
	let record: CaptureRecord = {binary, dumps: []};
	try {
		record = JSON.parse(readFileSync(file, 'utf8')) as CaptureRecord;
	} catch {
		// first dump of this capture: start a new record
	}
	record.binary = binary;
	if (buildId) record.buildId = buildId;
	for (const id of ids) {
		const name = basename(id.path);
		if (record.dumps.some(d => d.name === name)) continue;
		record.dumps.push({name, source: id.path, sizeBytes: id.size, mtimeMs: id.mtimeMs});
	}
	writeAtomic(file, `${JSON.stringify(record, null, 2)}\n`);
}

/**
 * Run jeprof on a dump (optionally against a base dump) through the runner, with timeout and
 * cancel; parse the output. Cached per dump identity. With `captureDir`, the dumps are copied
 * first and jeprof reads the copies, so the analysis survives the spool being cleaned.
 */
export async function runJeprof(options: JeprofRunOptions): Promise<JeprofRunSuccess | JeprofRunFailure> {
	const clock = options.clock ?? systemClock;
	const started = clock.monotonic();
	const elapsed = () => clock.monotonic() - started;
	const progress = (phase: JeprofProgress['phase'], message: string) => options.onProgress?.({phase, elapsedMs: elapsed(), message});
	const fail = (reason: string, extra: Partial<JeprofRunFailure> = {}): JeprofRunFailure => {
		progress('failed', reason);
		return {ok: false, reason, aborted: false, timedOut: false, durationMs: elapsed(), ...extra};
	};
	const showBytes = options.showBytes ?? true;

	const dumpId = fileId(options.dump);
	if (typeof dumpId === 'string') return fail(dumpId);
	let baseId: FileId | undefined;
	if (options.base !== undefined) {
		const b = fileId(options.base);
		if (typeof b === 'string') return fail(`base: ${b}`);
		baseId = b;
	}
	const parse = (output: string, cached: boolean, extra: {copies?: JeprofRunSuccess['copies']; buildId?: string}): JeprofRunSuccess => {
		progress('parsing', 'parsing jeprof output');
		const common = {ok: true as const, output, cached, durationMs: 0, ...extra};
		const result: JeprofRunSuccess =
			options.mode === 'text'
				? {...common, mode: 'text', report: parseJeprofText(output)}
				: {...common, mode: 'collapsed', stacks: parseJeprofCollapsed(output)};
		result.durationMs = elapsed();
		progress('done', cached ? 'from cache' : 'done');
		return result;
	};

	let dumpPath = options.dump;
	let basePath = options.base;
	const extra: {copies?: JeprofRunSuccess['copies']; buildId?: string} = {};
	if (options.captureDir !== undefined) {
		progress('copying', `copying dump${baseId ? 's' : ''} to ${options.captureDir}`);
		try {
			ensurePrivateDir(options.captureDir);
			dumpPath = copyIntoCapture(options.captureDir, dumpId);
			extra.copies = {dump: dumpPath};
			if (baseId) {
				basePath = copyIntoCapture(options.captureDir, baseId);
				extra.copies.base = basePath;
			}
			const buildId = await binaryBuildId(options.binary, options.signal);
			if (buildId) extra.buildId = buildId;
			recordCapture(options.captureDir, options.binary, buildId, baseId ? [dumpId, baseId] : [dumpId]);
		} catch (error) {
			return fail(`cannot copy into ${options.captureDir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
		}
	}

	const key = jeprofCacheKey({mode: options.mode, showBytes, binary: options.binary, dump: dumpId, base: baseId});
	const cacheFile = options.cacheDir === undefined ? undefined : join(options.cacheDir, `${key}.${options.mode}.txt`);
	if (cacheFile !== undefined) {
		try {
			const output = readFileSync(cacheFile, 'utf8');
			progress('cache-hit', 'cached jeprof output');
			return parse(output, true, extra);
		} catch {
			// not cached yet
		}
	}

	const args = [options.mode === 'text' ? '--text' : '--collapsed'];
	if (options.mode === 'text' && showBytes) args.push('--show_bytes');
	if (basePath !== undefined) args.push(`--base=${basePath}`);
	args.push(options.binary, dumpPath);
	progress('running', `jeprof ${args.join(' ')}`);
	const heartbeat = setInterval(() => progress('running', 'jeprof is symbolising (takes a few seconds on Zeek)'), 500);
	heartbeat.unref();
	let result: RunResult;
	try {
		result = await run(options.jeprofPath ?? 'jeprof', args, {
			timeoutMs: options.timeoutMs ?? 180_000,
			signal: options.signal,
			maxStdoutBytes: 64 * 1024 * 1024,
		});
	} finally {
		clearInterval(heartbeat);
	}
	if (result.aborted) return fail('jeprof cancelled', {aborted: true});
	if (result.timedOut) return fail(`jeprof timed out after ${Math.round((options.timeoutMs ?? 180_000) / 1000)} s`, {timedOut: true});
	if (result.spawnError || result.code !== 0) return fail(describeFailure('jeprof', result, 'libjemalloc-dev'));
	if (result.truncated) return fail('jeprof output exceeded 64 MiB');
	if (result.stdout.trim() === '') {
		const last = result.stderr.trim().split('\n').at(-1) ?? '';
		return fail(`jeprof printed nothing${last ? `: ${last}` : ''}`);
	}
	if (cacheFile !== undefined && options.cacheDir !== undefined) {
		try {
			ensurePrivateDir(options.cacheDir);
			writeAtomic(cacheFile, result.stdout);
		} catch {
			// a cache write failure only costs the next run its speed-up
		}
	}
	return parse(result.stdout, false, extra);
}
