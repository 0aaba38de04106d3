/**
 * jemalloc heap profiles of a running Zeek node: is jemalloc there and profiling, where are the
 * dumps, run jeprof on them (cached, with a copy that survives zeekctl cleaning its spool), force a
 * dump or toggle sampling through gdb, and the fix text when profiling is off.
 *
 * Processes only through the runner; /proc only through ProcFs. Dump directories and binaries are
 * ordinary paths outside /proc and are read here, carefully (lstat, no symlinks, capped sizes).
 */
import {createHash} from 'node:crypto';
import {
	closeSync,
	constants as fsConstants,
	copyFileSync,
	existsSync,
	fstatSync,
	lstatSync,
	mkdirSync,
	openSync,
	readFileSync,
	readSync,
	readdirSync,
	readlinkSync,
	renameSync,
	statSync,
	writeFileSync,
	chmodSync,
} from 'node:fs';
import {basename, dirname, isAbsolute, join, resolve} from 'node:path';
import {ProcFs} from '../collect/procfs.js';
import {parseEnviron, parseStat} from '../collect/proc-parse.js';
import {systemClock, type Clock} from '../lib/clock.js';
import {
	compareHeapDumpNames,
	parseHeapDumpName,
	parseHeapProfileSummary,
	parseJeprofCollapsed,
	parseJeprofText,
	type HeapDumpName,
	type HeapProfileSummary,
	type JeprofTextReport,
} from '../profile/jeprof.js';
import {parseMallocConf, type MallocConf} from '../profile/malloc-conf.js';
import {describeFailure, run, type RunResult} from './runner.js';

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

// ---------------------------------------------------------------------------------------------
// ELF: build-id and exported jemalloc symbols, read with a few positioned reads.

const STATIC_JEMALLOC_SYMBOLS = ['mallctl', 'je_mallctl', 'malloc_conf', 'je_malloc_conf'];

type ElfFile = {fd: number; size: number; little: boolean; is64: boolean};

function readAt(elf: ElfFile, offset: number, length: number): Buffer {
	if (offset < 0 || length < 0 || offset + length > elf.size) throw new Error('ELF read out of range');
	const buf = Buffer.alloc(length);
	let got = 0;
	while (got < length) {
		const n = readSync(elf.fd, buf, got, length - got, offset + got);
		if (n === 0) throw new Error('short read');
		got += n;
	}
	return buf;
}

type Section = {name: string; type: number; offset: number; size: number; link: number; entsize: number};

function u16(b: Buffer, o: number, little: boolean): number {
	return little ? b.readUInt16LE(o) : b.readUInt16BE(o);
}
function u32(b: Buffer, o: number, little: boolean): number {
	return little ? b.readUInt32LE(o) : b.readUInt32BE(o);
}
function u64(b: Buffer, o: number, little: boolean): number {
	return Number(little ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
}

function openElf(path: string): ElfFile {
	const fd = openSync(path, 'r');
	try {
		const size = fstatSync(fd).size;
		const ident = Buffer.alloc(16);
		readSync(fd, ident, 0, 16, 0);
		if (ident.readUInt32BE(0) !== 0x7f454c46) throw new Error('not an ELF file');
		return {fd, size, is64: ident[4] === 2, little: ident[5] === 1};
	} catch (error) {
		closeSync(fd);
		throw error;
	}
}

function elfSections(elf: ElfFile): Section[] {
	const h = readAt(elf, 0, elf.is64 ? 64 : 52);
	const L = elf.little;
	const shoff = elf.is64 ? u64(h, 0x28, L) : u32(h, 0x20, L);
	const shentsize = u16(h, elf.is64 ? 0x3a : 0x2e, L);
	const shnum = u16(h, elf.is64 ? 0x3c : 0x30, L);
	const shstrndx = u16(h, elf.is64 ? 0x3e : 0x32, L);
	if (shoff === 0 || shnum === 0 || shnum > 65000) return [];
	const table = readAt(elf, shoff, shentsize * shnum);
	const raw: Array<Omit<Section, 'name'> & {nameOff: number}> = [];
	for (let i = 0; i < shnum; i++) {
		const o = i * shentsize;
		raw.push(
			elf.is64
				? {nameOff: u32(table, o, L), type: u32(table, o + 4, L), offset: u64(table, o + 24, L), size: u64(table, o + 32, L), link: u32(table, o + 40, L), entsize: u64(table, o + 56, L)}
				: {nameOff: u32(table, o, L), type: u32(table, o + 4, L), offset: u32(table, o + 16, L), size: u32(table, o + 20, L), link: u32(table, o + 24, L), entsize: u32(table, o + 36, L)},
		);
	}
	const strSec = raw[shstrndx];
	const names = strSec && strSec.size < 1 << 20 ? readAt(elf, strSec.offset, strSec.size) : Buffer.alloc(0);
	return raw.map(s => {
		const end = names.indexOf(0, s.nameOff);
		return {name: names.toString('latin1', s.nameOff, end < 0 ? names.length : end), type: s.type, offset: s.offset, size: s.size, link: s.link, entsize: s.entsize};
	});
}

function parseNotes(elf: ElfFile, buf: Buffer): string | undefined {
	const L = elf.little;
	let o = 0;
	while (o + 12 <= buf.length) {
		const namesz = u32(buf, o, L);
		const descsz = u32(buf, o + 4, L);
		const type = u32(buf, o + 8, L);
		const nameStart = o + 12;
		const descStart = nameStart + ((namesz + 3) & ~3);
		const next = descStart + ((descsz + 3) & ~3);
		if (next > buf.length || next <= o) break;
		// NT_GNU_BUILD_ID = 3 with owner "GNU\0"
		if (type === 3 && buf.toString('latin1', nameStart, nameStart + namesz) === 'GNU\0') {
			return buf.toString('hex', descStart, descStart + descsz);
		}
		o = next;
	}
	return undefined;
}

/** The GNU build-id of an ELF file (its .note.gnu.build-id, or any PT_NOTE segment). */
export function readElfBuildId(path: string): {ok: true; buildId: string} | {ok: false; reason: string} {
	let elf: ElfFile | undefined;
	try {
		elf = openElf(path);
		for (const s of elfSections(elf)) {
			if (s.type !== 7 /* SHT_NOTE */ || s.size > 1 << 16) continue;
			const id = parseNotes(elf, readAt(elf, s.offset, s.size));
			if (id) return {ok: true, buildId: id};
		}
		// Section headers stripped: walk the program headers' PT_NOTE segments.
		const h = readAt(elf, 0, elf.is64 ? 64 : 52);
		const L = elf.little;
		const phoff = elf.is64 ? u64(h, 0x20, L) : u32(h, 0x1c, L);
		const phentsize = u16(h, elf.is64 ? 0x36 : 0x2a, L);
		const phnum = u16(h, elf.is64 ? 0x38 : 0x2c, L);
		for (let i = 0; i < phnum && i < 256; i++) {
			const p = readAt(elf, phoff + i * phentsize, phentsize);
			if (u32(p, 0, L) !== 4 /* PT_NOTE */) continue;
			const offset = elf.is64 ? u64(p, 8, L) : u32(p, 4, L);
			const filesz = elf.is64 ? u64(p, 32, L) : u32(p, 16, L);
			if (filesz > 1 << 16) continue;
			const id = parseNotes(elf, readAt(elf, offset, filesz));
			if (id) return {ok: true, buildId: id};
		}
		return {ok: false, reason: 'no GNU build-id note'};
	} catch (error) {
		return {ok: false, reason: `${basename(path)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`};
	} finally {
		if (elf) closeSync(elf.fd);
	}
}

function gnuHash(name: string): number {
	let h = 5381;
	for (let i = 0; i < name.length; i++) h = (Math.imul(h, 33) + name.charCodeAt(i)) >>> 0;
	return h;
}

/**
 * Which of `names` the ELF file defines in its dynamic symbol table, looked up through
 * .gnu.hash: a few small reads even on a 300 MiB Zeek binary (whose symbols are exported for
 * plugins, so a statically linked jemalloc shows up there).
 */
export function findElfSymbols(path: string, names: readonly string[]): {ok: true; found: string[]} | {ok: false; reason: string} {
	let elf: ElfFile | undefined;
	try {
		elf = openElf(path);
		if (!elf.is64) return {ok: false, reason: 'not a 64-bit ELF; static jemalloc check skipped'};
		const L = elf.little;
		const sections = elfSections(elf);
		const gnu = sections.find(s => s.type === 0x6ffffff6 /* SHT_GNU_HASH */);
		const dynsym = sections.find(s => s.type === 11 /* SHT_DYNSYM */);
		if (!gnu || !dynsym) return {ok: false, reason: 'no .gnu.hash/.dynsym (stripped or static executable); static jemalloc check skipped'};
		const dynstr = sections[dynsym.link];
		if (!dynstr) return {ok: false, reason: 'no .dynstr'};
		const head = readAt(elf, gnu.offset, 16);
		const nbuckets = u32(head, 0, L);
		const symoffset = u32(head, 4, L);
		const bloomSize = u32(head, 8, L);
		if (nbuckets === 0) return {ok: true, found: []};
		const bucketsAt = gnu.offset + 16 + bloomSize * 8;
		const chainAt = bucketsAt + nbuckets * 4;
		const found: string[] = [];
		for (const name of names) {
			const h = gnuHash(name);
			let idx = u32(readAt(elf, bucketsAt + (h % nbuckets) * 4, 4), 0, L);
			if (idx === 0 || idx < symoffset) continue;
			for (let steps = 0; steps < 100000; steps++, idx++) {
				const h2 = u32(readAt(elf, chainAt + (idx - symoffset) * 4, 4), 0, L);
				if ((h | 1) === (h2 | 1)) {
					const sym = readAt(elf, dynsym.offset + idx * 24, 24);
					const nameOff = u32(sym, 0, L);
					const shndx = u16(sym, 6, L);
					const candidate = readAt(elf, dynstr.offset + nameOff, Math.min(name.length + 1, dynstr.size - nameOff));
					if (shndx !== 0 && candidate.toString('latin1', 0, name.length) === name && candidate[name.length] === 0) {
						found.push(name);
						break;
					}
				}
				if (h2 & 1) break;
			}
		}
		return {ok: true, found};
	} catch (error) {
		return {ok: false, reason: `cannot read executable: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`};
	} finally {
		if (elf) closeSync(elf.fd);
	}
}

/**
 * Build-id of a binary. A path under /proc (`/proc/PID/exe`, which still works after an upgrade
 * replaced the file) is read by `readelf -n` through the runner: ProcFs is the only reader of /proc.
 */
export async function binaryBuildId(binary: string, signal?: AbortSignal): Promise<string | undefined> {
	if (!binary.startsWith('/proc/')) {
		const r = readElfBuildId(binary);
		return r.ok ? r.buildId : undefined;
	}
	const result = await run('readelf', ['-n', '--wide', binary], {timeoutMs: 10_000, signal, maxStdoutBytes: 1 << 20});
	return /Build ID:\s*([0-9a-f]+)/.exec(result.stdout)?.[1];
}

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

// ---------------------------------------------------------------------------------------------
// gdb: dump now, toggle prof.active

/**
 * gdb convenience variables that are really register aliases in gdb: assigning to `$fp` clobbered
 * a worker's frame pointer and crashed it (corpora/zeek-real README). Ours are all `$zt_*`.
 */
const GDB_REGISTER_ALIASES = /\$(fp|sp|pc|ps)\b/;

/** Throws when a gdb command would touch a register alias. */
export function assertSafeGdbCommands(commands: readonly string[]): void {
	for (const c of commands) {
		if (GDB_REGISTER_ALIASES.test(c)) throw new Error(`refusing gdb command using a register alias: ${c}`);
	}
}

export type GdbOptions = {
	/**
	 * Give up after this long (default 15 s). A call into the node still running then is
	 * interrupted first (SIGWINCH, which gdb is told to stop on and not pass: gdb unwinds the call
	 * and restores the registers), then gdb is terminated, then killed (the kernel detaches).
	 */
	timeoutMs?: number;
	signal?: AbortSignal;
	procfs?: ProcFs;
	clock?: Clock;
	gdbPath?: string;
	/** Between interrupting the call and terminating gdb. Default 1500 ms. */
	unwindGraceMs?: number;
};

export type GdbSessionResult = {
	run: RunResult;
	/** `zt:<key>=<int>` lines our commands printed (see `gdbPrintInt`). */
	values: Map<string, number>;
	/** gdb's wall time: attach, call, detach. The node is stopped for most of it. */
	pauseMs: number;
	/** Time /proc/PID/stat showed the node stopped (sampled every 10 ms). */
	observedStopMs: number;
	timedOut: boolean;
	aborted: boolean;
	/** gdb reported unwinding an interrupted call ("GDB has restored the context"). */
	callUnwound: boolean;
	stateBefore: string | undefined;
	stateAfter: string | undefined;
	/** We sent SIGCONT because the node was left stopped. */
	resumed: boolean;
};

/**
 * A gdb command printing an int result as `zt:<key>=<n>`: a failed or interrupted call prints
 * nothing instead of shifting `$N` numbering.
 */
export function gdbPrintInt(key: string, expression: string): string {
	return `printf "zt:${key}=%d\\n", ${expression}`;
}

function readState(procfs: ProcFs, pid: number): string | undefined {
	const stat = procfs.read(pid, 'stat');
	return stat.ok ? parseStat(stat.value)?.state : undefined;
}

function isTraced(procfs: ProcFs, pid: number): boolean {
	const status = procfs.read(pid, 'status');
	if (!status.ok) return false;
	const tracer = /^TracerPid:\s*(\d+)/m.exec(status.value);
	return tracer !== null && tracer[1] !== '0';
}

const sleep = (ms: number) => new Promise<void>(r => setTimeout(r, ms));

/**
 * Make sure the node runs after gdb is gone: gdb killed mid-session leaves the kernel to
 * detach, and a SIGSTOP gdb sent at attach can leave the process stopped (T). Resume it then,
 * unless it was already stopped before we started.
 */
async function ensureRunning(procfs: ProcFs, pid: number, stateBefore: string | undefined): Promise<{state: string | undefined; resumed: boolean}> {
	let state = readState(procfs, pid);
	let resumed = false;
	for (let i = 0; i < 10 && (state === 't' || state === 'T'); i++) {
		if (stateBefore === 'T') break;
		if (state === 'T' || i >= 4) {
			try {
				process.kill(pid, 'SIGCONT');
				resumed = true;
			} catch {
				// gone, or not ours to signal: the state read below tells
			}
		}
		await sleep(20);
		state = readState(procfs, pid);
	}
	return {state, resumed};
}

/**
 * Run gdb in batch mode against a pid (no .gdbinit, no debug info read), with stop-time
 * bookkeeping, a timeout/cancel that unwinds a call into the node before ending gdb (a call
 * abandoned by a killed gdb returns into gdb's dummy frame and crashes the node: measured), and
 * the guarantee that the node is not left stopped.
 */
export async function runGdbBatch(pid: number, commands: readonly string[], options: GdbOptions = {}): Promise<GdbSessionResult> {
	assertSafeGdbCommands(commands);
	const procfs = options.procfs ?? new ProcFs();
	const stateBefore = readState(procfs, pid);
	const args = [
		'-nx',
		'--readnever',
		'-batch',
		'-p',
		String(pid),
		'-ex',
		'set unwindonsignal on',
		// Our interrupt: Zeek never sees it (nopass), and if gdb is already gone the default
		// action of SIGWINCH is to ignore it.
		'-ex',
		'handle SIGWINCH stop print nopass',
	];
	for (const c of commands) args.push('-ex', c);

	let stoppedTicks = 0;
	const poll = setInterval(() => {
		const s = readState(procfs, pid);
		if (s === 't' || s === 'T') stoppedTicks++;
	}, 10);
	poll.unref();

	const stopGdb = new AbortController();
	let timedOut = false;
	let aborted = false;
	let escalation: NodeJS.Timeout | undefined;
	const giveUp = () => {
		if (escalation) return;
		if (isTraced(procfs, pid)) {
			try {
				process.kill(pid, 'SIGWINCH');
			} catch {
				// exited meanwhile
			}
		}
		escalation = setTimeout(() => stopGdb.abort(), options.unwindGraceMs ?? 1500);
	};
	const timer = setTimeout(() => {
		timedOut = true;
		giveUp();
	}, options.timeoutMs ?? 15_000);
	const onAbort = () => {
		aborted = true;
		giveUp();
	};
	if (options.signal?.aborted) onAbort();
	else options.signal?.addEventListener('abort', onAbort, {once: true});

	let result: RunResult;
	try {
		result = await run(options.gdbPath ?? 'gdb', args, {
			signal: stopGdb.signal,
			// gdb's quit path on SIGTERM detaches; SIGKILL after the grace period.
			stopSignal: 'SIGTERM',
			killGraceMs: 2000,
			maxStdoutBytes: 1 << 20,
		});
	} finally {
		clearInterval(poll);
		clearTimeout(timer);
		if (escalation) clearTimeout(escalation);
		options.signal?.removeEventListener('abort', onAbort);
	}
	const after = await ensureRunning(procfs, pid, stateBefore);
	const values = new Map<string, number>();
	for (const m of result.stdout.matchAll(/^zt:(\w+)=(-?\d+)$/gm)) values.set(m[1]!, Number(m[2]));
	return {
		run: result,
		values,
		pauseMs: result.durationMs,
		observedStopMs: stoppedTicks * 10,
		timedOut,
		aborted,
		callUnwound: /GDB has restored the context/.test(result.stdout + result.stderr),
		stateBefore,
		stateAfter: after.state,
		resumed: after.resumed,
	};
}

/** gdb's failure in words, with the fix when there is one. */
function describeGdbFailure(session: GdbSessionResult, pid: number): string {
	const text = `${session.run.stdout}\n${session.run.stderr}`;
	const after = `node state now '${session.stateAfter ?? 'gone'}'${session.resumed ? ' (sent SIGCONT)' : ''}`;
	if (session.run.spawnError?.code === 'ENOENT') return "gdb is not installed: install it with 'apt-get install gdb'";
	if (session.timedOut || session.aborted) {
		const what = session.timedOut ? 'gdb timed out' : 'cancelled';
		return `${what}${session.callUnwound ? '; the call into the node was unwound' : ''}; ${after}`;
	}
	if (/ptrace: Operation not permitted/.test(text)) {
		return `cannot attach to ${pid}: ptrace not permitted (run zeektop as root or the node's user with CAP_SYS_PTRACE; check /proc/sys/kernel/yama/ptrace_scope)`;
	}
	if (/ptrace: No such process/.test(text)) return `process ${pid} exited`;
	if (/No symbol "mallctl"/.test(text)) return 'mallctl not found in the process: jemalloc is not loaded (or built with a symbol prefix)';
	if (session.callUnwound || /received signal/.test(text)) return `the call into the node was interrupted by a signal and unwound; ${after}`;
	return describeFailure('gdb', session.run);
}

/** mallctl's errno return values, in words (jemalloc(3) RETURN VALUES). */
function mallctlError(code: number): string {
	switch (code) {
		case 2:
			return 'ENOENT: profiling not enabled in this process (needs prof:true at start)';
		case 14:
			return 'EFAULT: jemalloc could not write the dump (directory not writable by the node?)';
		case 22:
			return 'EINVAL: invalid mallctl arguments';
		case 11:
			return 'EAGAIN: jemalloc was busy; try again';
		case 1:
			return 'EPERM: not permitted';
		default:
			return `error ${code}`;
	}
}

export type DumpNowOptions = GdbOptions & {etcMallocConfPath?: string};

export type DumpNowResult =
	| {ok: true; dumpPath: string; dump: HeapDumpFile; pauseMs: number; observedStopMs: number; stateAfter: string | undefined; resumed: boolean}
	| {ok: false; reason: string; pauseMs: number; observedStopMs: number; stateAfter: string | undefined; resumed: boolean};

/**
 * Force a heap dump now: attach gdb without reading debug info and call
 * `mallctl("prof.dump", NULL, NULL, NULL, 0)`, which writes `<prefix>.<pid>.<seq>.m<n>.heap`
 * into the node's dump directory. Pauses the node for gdb's attach (~0.6 s on Zeek). Finds the
 * new file by listing the directory before and after.
 */
export async function dumpNow(pid: number, options: DumpNowOptions = {}): Promise<DumpNowResult> {
	const procfs = options.procfs ?? new ProcFs();
	const detectOptions = {clock: options.clock, etcMallocConfPath: options.etcMallocConfPath};
	const before = detectJemalloc(pid, procfs, detectOptions);
	const none = {pauseMs: 0, observedStopMs: 0, stateAfter: readState(procfs, pid), resumed: false};
	if (before.kind === 'no-jemalloc') return {ok: false, reason: 'no jemalloc in this process', ...none};
	if (before.kind === 'jemalloc-no-profiling' && before.profilingKnown) {
		return {ok: false, reason: 'profiling is off (prof:true must be in MALLOC_CONF when the node starts)', ...none};
	}
	const known = new Set(before.dumps.map(d => d.name));
	const session = await runGdbBatch(pid, [gdbPrintInt('dump', '(int)mallctl("prof.dump", 0, 0, 0, 0)')], options);
	const common = {pauseMs: session.pauseMs, observedStopMs: session.observedStopMs, stateAfter: session.stateAfter, resumed: session.resumed};
	const code = session.values.get('dump');
	if (code === undefined) return {ok: false, reason: describeGdbFailure(session, pid), ...common};
	if (code !== 0) return {ok: false, reason: `mallctl("prof.dump") failed: ${mallctlError(code)}`, ...common};
	if (before.dumpDir === undefined) return {ok: false, reason: 'dump written, but the node\'s dump directory is unknown (cwd unreadable)', ...common};
	const after = listHeapDumps(before.dumpDir, {pid});
	const fresh = after.dumps.filter(d => !known.has(d.name));
	const newest = fresh.at(-1);
	if (!newest) return {ok: false, reason: `dump written, but no new dump appeared in ${before.dumpDir} (prof_prefix set elsewhere?)`, ...common};
	return {ok: true, dumpPath: newest.path, dump: newest, ...common};
}

export type ProfActiveResult =
	| {ok: true; previous: boolean | undefined; active: boolean; pauseMs: number; observedStopMs: number; stateAfter: string | undefined; resumed: boolean}
	| {ok: false; reason: string; pauseMs: number; observedStopMs: number; stateAfter: string | undefined; resumed: boolean};

/**
 * Switch sampling on or off at runtime: `mallctl("prof.active", &old, &len, &new, 1)` with the bool
 * in malloc'd buffers of the node (gdb cannot take the address of a literal in the inferior).
 * Needs prof:true at start; used for a timed capture with prof_active:false by default.
 */
export async function setProfActive(pid: number, on: boolean, options: GdbOptions = {}): Promise<ProfActiveResult> {
	const commands = [
		'set $zt_new = (unsigned char *)(void *)malloc(16)',
		'set $zt_old = (unsigned char *)(void *)malloc(16)',
		'set $zt_len = (unsigned long *)(void *)malloc(16)',
		`set *$zt_new = ${on ? 1 : 0}`,
		'set *$zt_old = 255',
		'set *$zt_len = 1',
		gdbPrintInt('ret', '(int)mallctl("prof.active", $zt_old, $zt_len, $zt_new, 1)'),
		gdbPrintInt('old', '(int)*$zt_old'),
		'call (void)free($zt_new)',
		'call (void)free($zt_old)',
		'call (void)free($zt_len)',
	];
	const session = await runGdbBatch(pid, commands, options);
	const common = {pauseMs: session.pauseMs, observedStopMs: session.observedStopMs, stateAfter: session.stateAfter, resumed: session.resumed};
	const code = session.values.get('ret');
	if (code === undefined) return {ok: false, reason: describeGdbFailure(session, pid), ...common};
	if (code !== 0) return {ok: false, reason: `mallctl("prof.active") failed: ${mallctlError(code)}`, ...common};
	const old = session.values.get('old');
	return {ok: true, previous: old === 0 ? false : old === 1 ? true : undefined, active: on, ...common};
}

// ---------------------------------------------------------------------------------------------
// Guidance

export type LaunchMode = 'zeekctl' | 'supervisor' | 'systemd' | 'standalone';

export type Guidance = {
	/** One line: what is wrong / what to do next. */
	headline: string;
	/** Exact steps for this launch mode. */
	steps: string[];
	/** How to confirm (the config.prof check from Zeek's docs). */
	check: string[];
};

const LIB_CANDIDATES = [
	'/usr/lib/x86_64-linux-gnu/libjemalloc.so.2',
	'/usr/lib/aarch64-linux-gnu/libjemalloc.so.2',
	'/usr/lib64/libjemalloc.so.2',
	'/usr/lib/libjemalloc.so.2',
	'/usr/local/lib/libjemalloc.so.2',
];

/** The first libjemalloc.so.2 found in the usual places (for LD_PRELOAD advice and tests). */
export function findJemallocLibrary(candidates: readonly string[] = LIB_CANDIDATES): string | undefined {
	return candidates.find(p => existsSync(p));
}

/** Options zeektop recommends: interval dumps every 1 GiB allocated, Zeek's prefix. */
export const RECOMMENDED_MALLOC_CONF = 'prof:true,prof_prefix:jeprof.out,lg_prof_interval:30';

/**
 * The fix, in exact words for how the node was launched. `libraryPath` is used in LD_PRELOAD
 * lines when Zeek was not built with jemalloc.
 */
export function guidanceFor(state: JemallocState, launchMode: LaunchMode, libraryPath = findJemallocLibrary() ?? '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2'): Guidance {
	const preload = state.kind === 'no-jemalloc' || (state.kind === 'unknown' && state.link.kind !== 'shared' && state.link.kind !== 'static');
	const envLine = preload ? `LD_PRELOAD=${libraryPath} MALLOC_CONF=${RECOMMENDED_MALLOC_CONF}` : `MALLOC_CONF=${RECOMMENDED_MALLOC_CONF}`;
	const check = [
		`${preload ? `LD_PRELOAD=${libraryPath} ` : ''}MALLOC_CONF=stats_print:true zeek -e 'event zeek_init() {}' 2>&1 | grep 'config.prof'`,
		"expect 'config.prof: true' (jemalloc built with --enable-prof); no output means Zeek is not using jemalloc",
	];

	if (state.kind === 'profiling') {
		const steps: string[] = [];
		if (state.dumps.length === 0) {
			if (state.conf.intervalBytes === undefined) {
				steps.push('No interval dumps (lg_prof_interval is -1). zeektop can dump now through gdb (the node pauses ~0.6 s), or add lg_prof_interval:30 to get one dump per GiB allocated.');
			} else {
				steps.push(`Interval dumps every ${state.conf.intervalBytes} bytes allocated; none yet in ${state.dumpDir ?? 'the node directory'}.`);
			}
		}
		if (state.conf.settings.prof && !state.conf.settings.profActive) {
			steps.push('prof_active:false: sampling starts when zeektop switches prof.active on through gdb (one node at a time).');
		}
		steps.push('Growth between two dumps shows what is leaking; dumps zeektop reads are copied to its capture directory.');
		return {headline: state.summary, steps, check};
	}

	const headline =
		state.kind === 'no-jemalloc'
			? 'Zeek is not using jemalloc: heap profiles need jemalloc with profiling'
			: state.kind === 'unknown'
				? `Cannot tell whether this node uses jemalloc (${state.link.kind === 'unknown' ? state.link.reason : 'unreadable'})`
				: state.profilingKnown
					? 'jemalloc is loaded but profiling is off: prof:true must be set when the node starts'
					: 'jemalloc is loaded; MALLOC_CONF is unreadable (run zeektop as root to see it)';
	const steps: string[] = [];
	if (state.kind === 'no-jemalloc') {
		steps.push(
			`Either rebuild Zeek with ./configure --enable-jemalloc (optionally --with-jemalloc=PREFIX), or preload it: install libjemalloc2 and use LD_PRELOAD=${libraryPath} as below (Debian's libjemalloc2 has profiling compiled in).`,
		);
	}
	switch (launchMode) {
		case 'zeekctl':
			steps.push(
				`In node.cfg, in this node's section (or env_vars in zeekctl.cfg for all nodes): env_vars=${preload ? `LD_PRELOAD=${libraryPath},` : ''}MALLOC_CONF=prof:true`,
				"zeekctl splits env_vars on commas, so MALLOC_CONF can carry only 'prof:true'. Put the other options in the name of jemalloc's /etc/malloc.conf symlink:",
				"  ln -sfn 'prof_prefix:jeprof.out,lg_prof_interval:30' /etc/malloc.conf",
				'  (every jemalloc program on the host reads that name; without prof:true these options do nothing, so keep prof:true out of it)',
				'Then: zeekctl deploy   (prof:true only takes effect at process start)',
				'Dumps land in the node directory <spool>/<node>/ as jeprof.out.<pid>.<seq>.i<n>.heap; zeekctl may clean it on restart, zeektop copies the dumps it reads.',
			);
			break;
		case 'supervisor':
			steps.push(
				'Supervised nodes are forked without exec: NodeConfig$env cannot set MALLOC_CONF or LD_PRELOAD. Set them on the supervisor itself; every node inherits them:',
				`  ${preload ? `LD_PRELOAD=${libraryPath} ` : ''}MALLOC_CONF=prof:true,prof_active:false,prof_prefix:jeprof.out,lg_prof_interval:30 zeek -j <your-script>.zeek`,
				'prof_active:false keeps sampling off in all nodes until zeektop switches it on (mallctl prof.active through gdb) for the node you are watching.',
				'Restart the supervisor. Dumps land in <supervisor dir>/<node>/. Node PIDs change when the supervisor revives a node.',
			);
			break;
		case 'systemd':
			steps.push(
				'In zeek.conf, the zeek-systemd-generator config (in its [zeek] section when you use sections), add a multi-line env option; it reaches every node including workers:',
				'  env =',
				...(preload ? [`    LD_PRELOAD=${libraryPath}`] : []),
				`    MALLOC_CONF=${RECOMMENDED_MALLOC_CONF}`,
				'(manager_env, logger_env and proxy_env set variables for those node types only.)',
				'Then: systemctl daemon-reload && systemctl restart zeek.target',
				"Dumps land in each unit's WorkingDirectory, <spool>/worker-<if>-<n>/.",
			);
			break;
		case 'standalone':
			steps.push(`Start Zeek with the variables set, e.g.: ${envLine} zeek -i <interface> local`, 'Dumps land in the directory Zeek was started from.');
			break;
	}
	if (state.kind === 'jemalloc-no-profiling') {
		steps.push("Already running without prof:true? It cannot be switched on later (prof.active only works when prof:true was set at start).");
	}
	return {headline, steps, check};
}
