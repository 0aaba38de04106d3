/**
 * Is jemalloc in a Zeek process and profiling, where are its heap dumps (detection reads
 * /proc through ProcFs and the dump directory with lstat, no symlinks, capped sizes).
 */
import {closeSync, fstatSync, lstatSync, openSync, readSync, readdirSync, readlinkSync, constants as fsConstants} from 'node:fs';
import {basename, dirname, isAbsolute, join, resolve} from 'node:path';
import {ProcFs} from '../collect/procfs.js';
import {parseEnviron} from '../collect/proc-parse.js';
import {systemClock, type Clock} from '../lib/clock.js';
import {compareHeapDumpNames, parseHeapDumpName, parseHeapProfileSummary, type HeapDumpName, type HeapProfileSummary} from '../profile/jeprof.js';
import {parseMallocConf, type MallocConf} from '../profile/malloc-conf.js';
import {STATIC_JEMALLOC_SYMBOLS, findElfSymbols} from './elf.js';

// ---------------------------------------------------------------------------------------------
// Detection

/** How jemalloc is present in the process. */
export type JemallocLink =
	/** A libjemalloc mapping in /proc/PID/maps (LD_PRELOAD or linked against the shared library). */
	| {kind: 'shared'; library: string}
	/** The executable itself defines jemalloc's API (statically linked, exported symbols). */
	| {kind: 'static'; binary: string; symbol: string}
	| {kind: 'none'}
	| {kind: 'unknown'; reason: string};

export type HeapDumpFile = {
	path: string;
	name: string;
	dump: HeapDumpName;
	sizeBytes: number;
	mtimeMs: number;
};

export type JemallocStateKind = 'no-jemalloc' | 'jemalloc-no-profiling' | 'profiling' | 'unknown';

export type JemallocState = {
	pid: number;
	kind: JemallocStateKind;
	link: JemallocLink;
	/** Whether the profiling verdict rests on readable configuration (false: inferred or guessed). */
	profilingKnown: boolean;
	/** MALLOC_CONF as found in /proc/PID/environ (undefined: unset or unreadable, see `environ`). */
	mallocConfEnv: string | undefined;
	environ: 'ok' | 'denied' | 'vanished' | 'unreadable';
	/** Target of the /etc/malloc.conf symlink (jemalloc reads its *name* as options). */
	etcMallocConf: string | undefined;
	/** /etc/malloc.conf then MALLOC_CONF, layered as jemalloc does (built-in malloc_conf unseen). */
	conf: MallocConf;
	cwd: string | undefined;
	/** prof_prefix resolved against the node's cwd: where dumps land. */
	dumpDir: string | undefined;
	/** File-name part of prof_prefix (`jeprof.out`). */
	dumpPrefix: string;
	/** This pid's dumps, oldest first. */
	dumps: HeapDumpFile[];
	newestDumpAgeMs: number | undefined;
	/** One line for the node table: "profiling on, 4 dumps, last 40 s ago". */
	summary: string;
	/** Caveats in words (denied reads, skipped symlinks, an unseen built-in malloc_conf). */
	notes: string[];
};

export type DetectOptions = {
	clock?: Clock;
	/** Where jemalloc's symlink config lives; tests point it elsewhere. */
	etcMallocConfPath?: string;
	/** Cap on directory entries examined when listing dumps (a spool can be huge). */
	maxDirEntries?: number;
};

const DEFAULT_ETC_MALLOC_CONF = '/etc/malloc.conf';

/** Is a /proc/PID/maps path a jemalloc library? (libjemalloc.so.2, libjemalloc_pic, "(deleted)") */
function jemallocLibraryInMaps(maps: string): string | undefined {
	for (const line of maps.split('\n')) {
		const slash = line.indexOf('/');
		if (slash < 0) continue;
		const path = line.slice(slash).replace(/ \(deleted\)$/, '');
		if (/\/lib[^/]*jemalloc[^/]*\.so(\.|$)/.test(path)) return path;
	}
	return undefined;
}

/**
 * Read a process's jemalloc state: library mapped or linked in, MALLOC_CONF, where dumps go, this
 * pid's dumps. Never throws; each unreadable piece becomes a note.
 */
export function detectJemalloc(pid: number, procfs: ProcFs, options: DetectOptions = {}): JemallocState {
	const clock = options.clock ?? systemClock;
	const notes: string[] = [];

	let link: JemallocLink;
	const maps = procfs.read(pid, 'maps');
	if (maps.ok) {
		const lib = jemallocLibraryInMaps(maps.value);
		if (lib) link = {kind: 'shared', library: lib};
		else {
			const exe = procfs.readlink(pid, 'exe');
			if (!exe.ok) link = {kind: 'unknown', reason: `no libjemalloc mapped; executable unreadable (${exe.error.kind})`};
			else if (exe.value.endsWith(' (deleted)')) {
				link = {kind: 'unknown', reason: 'no libjemalloc mapped; executable was replaced on disk (deleted), cannot check it for a static jemalloc'};
			} else {
				const symbols = findElfSymbols(exe.value, STATIC_JEMALLOC_SYMBOLS);
				if (symbols.ok && symbols.found.length > 0) link = {kind: 'static', binary: exe.value, symbol: symbols.found[0]!};
				else if (symbols.ok) link = {kind: 'none'};
				else link = {kind: 'unknown', reason: `no libjemalloc mapped; ${symbols.reason}`};
			}
		}
	} else if (maps.error.kind === 'vanished') {
		link = {kind: 'unknown', reason: 'process exited'};
	} else {
		link = {kind: 'unknown', reason: `cannot read /proc/${pid}/maps (${maps.error.kind}): run zeektop as the node's user or root`};
	}

	let environ: JemallocState['environ'] = 'ok';
	let mallocConfEnv: string | undefined;
	const env = procfs.read(pid, 'environ');
	if (env.ok) mallocConfEnv = parseEnviron(env.value).get('MALLOC_CONF');
	else {
		environ = env.error.kind === 'denied' ? 'denied' : env.error.kind === 'vanished' ? 'vanished' : 'unreadable';
		notes.push(`MALLOC_CONF unknown: /proc/${pid}/environ is ${environ === 'denied' ? 'not readable (permission denied)' : environ}`);
	}

	const etcPath = options.etcMallocConfPath ?? DEFAULT_ETC_MALLOC_CONF;
	let etcMallocConf: string | undefined;
	try {
		etcMallocConf = readlinkSync(etcPath);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code !== 'ENOENT' && code !== 'EINVAL') notes.push(`${etcPath}: ${code ?? 'unreadable'}`);
		// EINVAL: a regular file, which jemalloc ignores (it only reads the link name).
	}
	const conf = parseMallocConf([etcMallocConf, mallocConfEnv]);
	for (const error of conf.errors) notes.push(`malloc conf: ${error}`);

	const cwdResult = procfs.readlink(pid, 'cwd');
	const cwd = cwdResult.ok ? cwdResult.value.replace(/ \(deleted\)$/, '') : undefined;
	if (!cwdResult.ok) notes.push(`cwd unknown (${cwdResult.error.kind}): cannot locate dumps`);
	const prefix = conf.settings.profPrefix;
	let dumpDir: string | undefined;
	if (isAbsolute(prefix)) dumpDir = dirname(prefix);
	else if (cwd !== undefined) dumpDir = dirname(resolve(cwd, prefix));
	const dumpPrefix = basename(prefix);

	let dumps: HeapDumpFile[] = [];
	if (dumpDir !== undefined && link.kind !== 'none') {
		const listed = listHeapDumps(dumpDir, {pid, maxEntries: options.maxDirEntries});
		dumps = listed.dumps;
		notes.push(...listed.notes);
		if (dumps.length > 0 && dumps.every(d => d.dump.prefix !== dumpPrefix)) {
			notes.push(`dumps use prefix '${dumps[0]!.dump.prefix}', not '${dumpPrefix}' (set elsewhere: built-in malloc_conf?)`);
		}
	}
	const newest = dumps.at(-1);
	const newestDumpAgeMs = newest ? Math.max(0, clock.now() - newest.mtimeMs) : undefined;

	let kind: JemallocStateKind;
	let profilingKnown = true;
	if (link.kind === 'none') kind = 'no-jemalloc';
	else if (link.kind === 'unknown' && dumps.length === 0) kind = 'unknown';
	else if (conf.settings.prof) kind = 'profiling';
	else if (dumps.length > 0) {
		// Dumps for this very pid exist: profiling is on, configured where we cannot see it.
		kind = 'profiling';
		profilingKnown = environ === 'ok';
		notes.push('profiling inferred from dumps of this pid (prof:true not in MALLOC_CONF or /etc/malloc.conf)');
	} else {
		kind = 'jemalloc-no-profiling';
		profilingKnown = environ === 'ok';
	}
	if (link.kind === 'unknown' && dumps.length > 0) link = {kind: 'unknown', reason: `${link.reason}; dumps exist, so jemalloc is there`};

	const state: JemallocState = {
		pid,
		kind,
		link,
		profilingKnown,
		mallocConfEnv,
		environ,
		etcMallocConf,
		conf,
		cwd,
		dumpDir,
		dumpPrefix,
		dumps,
		newestDumpAgeMs,
		summary: '',
		notes,
	};
	state.summary = summarizeJemallocState(state);
	return state;
}

function formatAge(ms: number): string {
	const s = Math.round(ms / 1000);
	if (s < 90) return `${s} s`;
	const m = Math.round(s / 60);
	if (m < 90) return `${m} min`;
	return `${Math.round(m / 60)} h`;
}

/** The one-line status the node table shows. */
export function summarizeJemallocState(state: JemallocState): string {
	switch (state.kind) {
		case 'no-jemalloc':
			return 'no jemalloc';
		case 'unknown':
			return `jemalloc unknown: ${state.link.kind === 'unknown' ? state.link.reason : 'unreadable'}`;
		case 'jemalloc-no-profiling':
			return state.profilingKnown ? 'jemalloc, profiling off' : 'jemalloc, profiling unknown (environ unreadable)';
		case 'profiling': {
			const paused = state.conf.settings.prof && !state.conf.settings.profActive ? ' (prof_active:false at start)' : '';
			const n = state.dumps.length;
			if (n === 0) {
				const interval = state.conf.intervalBytes === undefined ? ', interval dumps off' : '';
				return `profiling on${paused}, no dumps yet${interval}`;
			}
			const age = state.newestDumpAgeMs === undefined ? '' : `, last ${formatAge(state.newestDumpAgeMs)} ago`;
			return `profiling on${paused}, ${n} dump${n === 1 ? '' : 's'}${age}`;
		}
	}
}

export type ListDumpsOptions = {
	/** Only this pid's dumps. */
	pid?: number;
	/** Only this prof_prefix file-name part. */
	prefix?: string;
	maxEntries?: number;
};

/**
 * jemalloc dumps in one directory, oldest first (pid, then jemalloc's sequence number). Uses
 * lstat and skips symlinks and non-regular files: a writable spool must not lead us elsewhere.
 */
export function listHeapDumps(dir: string, options: ListDumpsOptions = {}): {dumps: HeapDumpFile[]; notes: string[]} {
	const notes: string[] = [];
	let names: string[];
	try {
		names = readdirSync(dir);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		notes.push(`cannot list ${dir}: ${code === 'EACCES' ? 'permission denied' : code === 'ENOENT' ? 'no such directory' : (code ?? 'error')}`);
		return {dumps: [], notes};
	}
	const max = options.maxEntries ?? 20000;
	if (names.length > max) {
		notes.push(`${dir} has ${names.length} entries; examined the first ${max}`);
		names = names.slice(0, max);
	}
	const dumps: HeapDumpFile[] = [];
	let symlinks = 0;
	for (const name of names) {
		if (!name.endsWith('.heap')) continue;
		const dump = parseHeapDumpName(name);
		if (!dump) continue;
		if (options.pid !== undefined && dump.pid !== options.pid) continue;
		if (options.prefix !== undefined && dump.prefix !== options.prefix) continue;
		const path = join(dir, name);
		try {
			const st = lstatSync(path);
			if (st.isSymbolicLink()) {
				symlinks++;
				continue;
			}
			if (!st.isFile()) continue;
			dumps.push({path, name, dump, sizeBytes: st.size, mtimeMs: st.mtimeMs});
		} catch {
			// deleted between readdir and lstat (zeekctl cleaning up): simply not listed
		}
	}
	if (symlinks > 0) notes.push(`skipped ${symlinks} symlink${symlinks === 1 ? '' : 's'} named like dumps in ${dir}`);
	dumps.sort((a, b) => compareHeapDumpNames(a.dump, b.dump));
	return {dumps, notes};
}

/**
 * Read a dump (capped, no symlinks) and total it without jeprof: the quick "N MiB live".
 */
export function readHeapDumpSummary(
	path: string,
	maxBytes = 64 * 1024 * 1024,
): {ok: true; summary: HeapProfileSummary; truncated: boolean} | {ok: false; reason: string} {
	let fd: number | undefined;
	try {
		fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
		const st = fstatSync(fd);
		if (!st.isFile()) return {ok: false, reason: `${path} is not a regular file`};
		const size = Math.min(st.size, maxBytes);
		const buf = Buffer.alloc(size);
		let off = 0;
		while (off < size) {
			const n = readSync(fd, buf, off, size - off, off);
			if (n === 0) break;
			off += n;
		}
		const summary = parseHeapProfileSummary(buf.subarray(0, off).toString('latin1'));
		if (!summary) return {ok: false, reason: `${basename(path)} is not a heap profile`};
		return {ok: true, summary, truncated: st.size > maxBytes};
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ELOOP') return {ok: false, reason: `${path} is a symlink; not followed`};
		return {ok: false, reason: `cannot read ${path}: ${code ?? (error as Error).message}`};
	} finally {
		if (fd !== undefined) closeSync(fd);
	}
}
