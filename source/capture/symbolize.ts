/**
 * Heap-profile addresses → the names jeprof gives them, without jeprof or Perl.
 *
 * jeprof (ExtractSymbols/MapToSymbols) per object: `nm -n --demangle` over the whole file for
 * procedure boundaries (twice more to probe nm's flags), `objdump -h` for the .text bias, then
 * `addr2line -f -C [-i]` on the object's addresses. Here, chosen by measurement (bench/heap-v2.ts):
 *   - the symbol table is read in-process with positioned reads (profile/elf.ts), not by nm: nm
 *     demangles every symbol of the file, which is most of jeprof's time on a big binary;
 *   - only the names that are hit are demangled, by binutils itself (`nm -p --demangle` on a tiny
 *     ELF holding just those names) — c++filt would spell std::string differently;
 *   - addr2line (binutils) runs once per object, only on the addresses not in the cache, for the
 *     DWARF function names and inline chains (it also finds separate debug files by build-id and
 *     .gnu_debuglink, as jeprof's addr2line run does);
 *   - results are cached per build-id under $XDG_CACHE_HOME/zeektop/symbols.
 * Needs binutils (nm, addr2line) on the sensor; not jeprof, Perl, objdump or c++filt.
 */
import {closeSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, writeFileSync, readFileSync, utimesSync} from 'node:fs';
import {createHash} from 'node:crypto';
import {homedir, tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {run} from './runner.js';
import {
	ELF_HEADER_BYTES,
	ElfError,
	SHT_DYNSYM,
	SHT_GNU_VERDEF,
	SHT_GNU_VERSYM,
	SHT_NOTE,
	SHT_SYMTAB,
	buildIdFromNotes,
	demangleProbeElf,
	lookupBoundary,
	nameSections,
	nmBoundaries,
	nmHex,
	parseDebuglink,
	parseDemangleProbeOutput,
	parseElfHeader,
	parseSectionHeaders,
	parseSymbols,
	type Boundaries,
	type ElfSection,
} from '../profile/elf.js';
import {addressAdd, addressSub, assignAddresses, hexExtend, jeprofShortName, type MappedObject, type SymbolTable} from '../profile/heap-v2.js';

// ---------------------------------------------------------------------------------------------
// Reading ELF files with positioned reads

class ElfFile {
	private constructor(
		private readonly fd: number,
		readonly path: string,
		readonly sections: ElfSection[],
		readonly sizeBytes: number,
		readonly mtimeMs: number,
		readonly ino: number,
	) {}

	static open(path: string): ElfFile {
		const fd = openSync(path, 'r');
		try {
			const st = fstatSync(fd);
			const head = Buffer.alloc(ELF_HEADER_BYTES);
			readSync(fd, head, 0, head.length, 0);
			const header = parseElfHeader(head);
			if (header.shoff === 0 || header.shnum === 0) return new ElfFile(fd, path, [], st.size, st.mtimeMs, st.ino);
			const table = Buffer.alloc(header.shnum * header.shentsize);
			readSync(fd, table, 0, table.length, header.shoff);
			const sections = parseSectionHeaders(table, header);
			const shstr = sections[header.shstrndx];
			if (shstr) nameSections(sections, readAt(fd, shstr.offset, shstr.size));
			return new ElfFile(fd, path, sections, st.size, st.mtimeMs, st.ino);
		} catch (error) {
			closeSync(fd);
			throw error;
		}
	}

	read(section: ElfSection): Buffer {
		return section.type === 8 ? Buffer.alloc(0) : readAt(this.fd, section.offset, section.size);
	}

	section(name: string): ElfSection | undefined {
		return this.sections.find(s => s.name === name);
	}

	buildId(): string | undefined {
		for (const s of this.sections) {
			if (s.type !== SHT_NOTE || s.size > 1 << 16) continue;
			const id = buildIdFromNotes(this.read(s));
			if (id) return id;
		}
		return undefined;
	}

	debuglink(): string | undefined {
		const s = this.section('.gnu_debuglink');
		return s && s.size < 4096 ? parseDebuglink(this.read(s)) : undefined;
	}

	/** nm -n's symbols (`nm -D -n` when there is no .symtab or it lists nothing), as boundaries. */
	boundaries(): Boundaries {
		const symtab = this.sections.find(s => s.type === SHT_SYMTAB);
		if (symtab) {
			const strtab = this.sections[symtab.link];
			if (strtab) {
				const b = nmBoundaries(parseSymbols(this.read(symtab), this.read(strtab), this.sections));
				if (b.count > 0) return b;
			}
		}
		const dynsym = this.sections.find(s => s.type === SHT_DYNSYM);
		if (dynsym) {
			const strtab = this.sections[dynsym.link];
			const versym = this.sections.find(s => s.type === SHT_GNU_VERSYM);
			const verdef = this.sections.find(s => s.type === SHT_GNU_VERDEF);
			const verdefStrtab = verdef ? this.sections[verdef.link] : undefined;
			if (strtab) {
				const versions = versym && verdef && verdefStrtab ? {versym: this.read(versym), verdef: this.read(verdef), verdefStrtab: this.read(verdefStrtab)} : undefined;
				return nmBoundaries(parseSymbols(this.read(dynsym), this.read(strtab), this.sections, versions));
			}
		}
		return {starts: new Float64Array(0), ends: new Float64Array(0), count: 0, name: () => '', sepSeen: false};
	}

	close(): void {
		closeSync(this.fd);
	}
}

function readAt(fd: number, offset: number, size: number): Buffer {
	const b = Buffer.alloc(size);
	let done = 0;
	while (done < size) {
		const n = readSync(fd, b, done, size - done, offset + done);
		if (n === 0) throw new ElfError('file is shorter than its section headers say');
		done += n;
	}
	return b;
}

// ---------------------------------------------------------------------------------------------
// jeprof's per-object steps

/** jeprof's DebuggingLibrary: `/usr/lib/debug<path>` or `/usr/lib/debug<path>.debug`. */
export function debuggingLibrary(file: string, debugRoot = '/usr/lib/debug'): string | undefined {
	if (!file.startsWith('/')) return undefined;
	for (const candidate of [`${debugRoot}${file}`, `${debugRoot}${file}.debug`]) {
		try {
			if (statSync(candidate).isFile()) return candidate;
		} catch {
			// not there: try the next name
		}
	}
	return undefined;
}

/** What one address of an object resolved to, before jeprof's per-pc assembly. */
type AddressEntry = {
	/** nm boundary name (demangled, `<start>` tagged), 'outside' (jeprof names it 0x<pc>), or null (no nm table). */
	nm: string | 'outside' | null;
	/** addr2line's (function, file:line) pairs, innermost first. */
	a2l: Array<[string, string]>;
};

type ObjectCache = {v: number; key: string; image: string; inline: boolean; entries: Record<string, AddressEntry>};
const CACHE_VERSION = 2;
/**
 * On disk, names are interned (one C++ name with its template arguments is shared by hundreds of
 * addresses): entries are [nm (string index, -1 no table, -2 outside), fn, file:line, fn, …].
 */
type DiskCache = {v: number; key: string; image: string; inline: boolean; strings: string[]; entries: Record<string, number[]>};

function toDisk(c: ObjectCache): DiskCache {
	const strings: string[] = [];
	const index = new Map<string, number>();
	const id = (s: string) => {
		let i = index.get(s);
		if (i === undefined) index.set(s, (i = strings.push(s) - 1));
		return i;
	};
	const entries: Record<string, number[]> = {};
	for (const [m, e] of Object.entries(c.entries)) entries[m] = [e.nm === null ? -1 : e.nm === 'outside' ? -2 : id(e.nm), ...e.a2l.flatMap(([f, l]) => [id(f), id(l)])];
	return {v: c.v, key: c.key, image: c.image, inline: c.inline, strings, entries};
}

function fromDisk(d: DiskCache): ObjectCache {
	const str = (i: number) => {
		const s = d.strings[i];
		if (typeof s !== 'string') throw new Error('string index');
		return s;
	};
	const entries: Record<string, AddressEntry> = {};
	for (const [m, codes] of Object.entries(d.entries)) {
		if (!Array.isArray(codes) || codes.length % 2 !== 1) throw new Error('entry');
		const a2l: Array<[string, string]> = [];
		for (let i = 1; i < codes.length; i += 2) a2l.push([str(codes[i]!), str(codes[i + 1]!)]);
		entries[m] = {nm: codes[0] === -1 ? null : codes[0] === -2 ? 'outside' : str(codes[0]!), a2l};
	}
	return {v: d.v, key: d.key, image: d.image, inline: d.inline, entries};
}

export type SymbolizeOptions = {
	/** Cache directory (per build-id files); undefined: no cache. */
	cacheDir?: string;
	addr2line?: string;
	nm?: string;
	signal?: AbortSignal;
	/** Where jeprof looks for debugging copies (/usr/lib/debug). */
	debugRoot?: string;
	/** Most bytes of cache files kept (oldest used evicted). Default 64 MiB. */
	cacheMaxBytes?: number;
};

export type SymbolizeStats = {objects: number; addresses: number; cachedAddresses: number; addr2lineMs: number; nmReadMs: number; demangleMs: number};

export type SymbolizeResult = {symbols: SymbolTable; notes: string[]; stats: SymbolizeStats};

export class SymbolizeError extends Error {}

export function symbolCacheDir(env: NodeJS.ProcessEnv = process.env): string {
	const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
	return join(base, 'zeektop', 'symbols');
}

function statId(path: string): string {
	try {
		const s = statSync(path);
		return `${s.size}:${Math.round(s.mtimeMs)}:${s.ino}`;
	} catch {
		return '-';
	}
}

/**
 * The cache key of an image: its build-id (never its path: a rebuilt binary has a new id), plus
 * the identity of any separate debug file addr2line would read, so installing or rebuilding the
 * debug file is never answered from a stale entry. Without a build-id: path, size, mtime, inode.
 */
function imageKey(elf: ElfFile, debugRoot: string): string {
	const id = elf.buildId();
	const parts: string[] = [id ? `id:${id}` : `file:${elf.path}:${elf.sizeBytes}:${Math.round(elf.mtimeMs)}:${elf.ino}`];
	if (id) parts.push(`bid-debug:${statId(join(debugRoot, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`))}`);
	const link = elf.debuglink();
	if (link) {
		const dir = dirname(elf.path);
		for (const p of [join(dir, link), join(dir, '.debug', link), join(debugRoot, dir, link)]) parts.push(`link:${p}:${statId(p)}`);
	}
	return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 40);
}

function readCache(file: string, key: string, notes: string[]): ObjectCache | undefined {
	let text: string;
	try {
		text = readFileSync(file, 'utf8');
	} catch {
		return undefined; // not cached yet
	}
	try {
		const d = JSON.parse(text) as DiskCache;
		if (d.v !== CACHE_VERSION || d.key !== key || typeof d.entries !== 'object' || d.entries === null || !Array.isArray(d.strings)) throw new Error('shape');
		return fromDisk(d);
	} catch {
		notes.push(`symbol cache ${file} was unreadable (corrupt or from another version); rebuilt`);
		return undefined;
	}
}

function writeCache(dir: string, file: string, cache: ObjectCache, maxBytes: number): void {
	try {
		mkdirSync(dir, {recursive: true, mode: 0o700});
		const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`;
		writeFileSync(tmp, JSON.stringify(toDisk(cache)), {mode: 0o600});
		renameSync(tmp, file);
		evict(dir, maxBytes, file);
	} catch {
		// a cache that cannot be written only costs the next run its speed-up
	}
}

/** Keep the cache under maxBytes: least recently used files go first (reads touch mtime). */
function evict(dir: string, maxBytes: number, keep: string): void {
	const files = readdirSync(dir)
		.filter(n => n.endsWith('.json'))
		.map(n => {
			const p = join(dir, n);
			try {
				const s = statSync(p);
				return {p, size: s.size, mtimeMs: s.mtimeMs};
			} catch {
				return undefined;
			}
		})
		.filter((x): x is {p: string; size: number; mtimeMs: number} => x !== undefined)
		.sort((a, b) => b.mtimeMs - a.mtimeMs);
	let total = 0;
	for (const f of files) {
		total += f.size;
		if (total > maxBytes && f.p !== keep) rmSync(f.p, {force: true});
	}
	// Stray temporaries of a process that died mid-write.
	for (const n of readdirSync(dir)) {
		if (!n.endsWith('.tmp')) continue;
		const p = join(dir, n);
		try {
			if (Date.now() - statSync(p).mtimeMs > 10 * 60_000) rmSync(p, {force: true});
		} catch {
			// gone already
		}
	}
}

/** Demangle names as `nm --demangle` does, through binutils' own nm on a probe ELF. */
async function nmDemangle(names: string[], nm: string, signal?: AbortSignal): Promise<string[]> {
	if (names.length === 0) return [];
	// Every name goes through nm: its demangler also rewrites non-_Z names (_GLOBAL__sub_I_…, Rust, D).
	const needs = names.map(() => true);
	const todo = names;
	const probe = join(tmpdir(), `zeektop-demangle-${process.pid}-${Math.random().toString(36).slice(2, 8)}.o`);
	writeFileSync(probe, demangleProbeElf(todo), {mode: 0o600});
	try {
		const r = await run(nm, ['-p', '--demangle', probe], {timeoutMs: 30_000, signal, maxStdoutBytes: 256 << 20});
		if (r.spawnError?.code === 'ENOENT') throw new SymbolizeError(`${nm} is not installed: install binutils (apt-get install binutils)`);
		const out = r.code === 0 ? parseDemangleProbeOutput(r.stdout, todo.length) : undefined;
		if (!out) throw new SymbolizeError(`nm --demangle failed: ${r.stderr.trim().split('\n')[0] ?? `exit ${r.code}`}`);
		let k = 0;
		return names.map((n, i) => (needs[i] ? out[k++]! : n));
	} finally {
		rmSync(probe, {force: true});
	}
}

/** addr2line -a -f -C [-i] -e image over addresses: per address, its (function, file:line) pairs. */
async function addr2line(image: string, addrs: string[], inline: boolean, tool: string, signal?: AbortSignal): Promise<Array<Array<[string, string]>>> {
	const args = ['-a', '-f', '-C', ...(inline ? ['-i'] : []), '-e', image];
	const r = await run(tool, args, {stdin: addrs.map(a => `0x${a}`).join('\n') + '\n', timeoutMs: 600_000, signal, maxStdoutBytes: 1 << 30});
	if (r.spawnError?.code === 'ENOENT') throw new SymbolizeError(`${tool} is not installed: install binutils (apt-get install binutils)`);
	if (r.aborted) throw new SymbolizeError('cancelled');
	const lines = r.stdout.split('\n');
	const out: Array<Array<[string, string]>> = [];
	let i = 0;
	for (const a of addrs) {
		const expect = BigInt(`0x${a}`);
		while (i < lines.length && !(/^0x[0-9a-f]+$/.test(lines[i]!) && BigInt(lines[i]!) === expect)) i++;
		i++;
		const pairs: Array<[string, string]> = [];
		while (i + 1 < lines.length && !/^0x[0-9a-f]{16}$/.test(lines[i]!)) {
			pairs.push([lines[i]!, lines[i + 1]!.replace(/\\/g, '/')]);
			i += 2;
			if (!inline) break;
		}
		out.push(pairs);
	}
	return out;
}

/** jeprof's MapToSymbols assembly for one pc from the nm and addr2line ingredients. */
function assemble(pc: string, entry: AddressEntry, shortOf: (full: string) => string): string[] {
	const list: string[] = [];
	let nms: [string, string] | undefined;
	if (entry.nm === 'outside') nms = [`0x${pc}`, `0x${pc}`];
	else if (entry.nm !== null) nms = [shortOf(entry.nm), entry.nm];
	for (const [fullfunctionRaw, fileline] of entry.a2l) {
		let fullfunction = fullfunctionRaw;
		let fn = shortOf(fullfunction);
		if (nms) {
			if (fullfunction === '??') {
				fn = nms[0];
				fullfunction = nms[1];
			} else if (nms[1].startsWith(fn)) {
				fn = nms[0];
				fullfunction = nms[1];
			}
		}
		list.unshift(fn, fileline, fullfunction);
	}
	// No addr2line output: jeprof leaves the pc out of its table (nm's answer sits in a separate hash).
	return list;
}

/**
 * Symbolize every address of a profile as jeprof's ExtractSymbols would for `objects`
 * (parseMappedObjects of the dump's maps with the program path). Three phases: per object, the
 * cache and (for what it lacks) the symbol table; one nm run demangling every hit name; addr2line
 * on each object's missing addresses, the objects in parallel.
 */
export async function symbolizeAddresses(objects: readonly MappedObject[], pcs: Iterable<string>, options: SymbolizeOptions = {}): Promise<SymbolizeResult> {
	const notes: string[] = [];
	const stats: SymbolizeStats = {objects: 0, addresses: 0, cachedAddresses: 0, addr2lineMs: 0, nmReadMs: 0, demangleMs: 0};
	const symbols: SymbolTable = new Map();
	const debugRoot = options.debugRoot ?? '/usr/lib/debug';
	const nm = options.nm ?? 'nm';
	const a2lTool = options.addr2line ?? 'addr2line';
	const shortMemo = new Map<string, string>();
	const shortOf = (f: string) => {
		let s = shortMemo.get(f);
		if (s === undefined) shortMemo.set(f, (s = jeprofShortName(f)));
		return s;
	};
	type Work = {
		image: string;
		contained: string[];
		mpcs: string[];
		cache: ObjectCache | undefined;
		key: string;
		cacheFile: string | undefined;
		missing: string[];
		/** Whether jeprof would run addr2line with -i (nm listed _fini). */
		inline?: boolean;
		hit?: Array<number | null | undefined>;
		/** Boundary index → where its name sits in allNames, and its start. */
		nameSlot?: Map<number, {slot: number; start: number}>;
	};
	const works: Work[] = [];
	const allNames: string[] = [];
	try {
		for (const {object, pcs: contained} of assignAddresses(objects, pcs)) {
			if (contained.length === 0) continue;
			stats.objects++;
			stats.addresses += contained.length;
			const debug = debuggingLibrary(object.path, debugRoot);
			const image = debug ?? object.path;
			let elf: ElfFile;
			try {
				elf = ElfFile.open(image);
			} catch (error) {
				// jeprof: nm and addr2line both fail on a missing file; the frames stay addresses.
				const why = error instanceof ElfError ? error.message : ((error as NodeJS.ErrnoException).code ?? 'unreadable');
				notes.push(`${image}: ${why}; its ${contained.length} address(es) are shown as addresses`);
				continue;
			}
			try {
				let offset = object.fileOffset;
				// jeprof's objdump -h step: bias by .text's (vma - file offset) unless a debug copy is used.
				if (!object.catchAll && !debug) {
					const text = elf.section('.text');
					if (text) offset = addressAdd(offset, addressSub(hexExtend(text.addr.toString(16)), hexExtend(text.offset.toString(16))));
				}
				const mapOffset = object.catchAll ? hexExtend('0') : addressSub(object.start, offset);
				const mpcs = contained.map(pc => addressSub(pc, mapOffset));
				const key = imageKey(elf, debugRoot);
				const cacheFile = options.cacheDir ? join(options.cacheDir, `${key}.json`) : undefined;
				const cache = cacheFile ? readCache(cacheFile, key, notes) : undefined;
				const missing = [...new Set(mpcs.filter(m => !cache || !(m in cache.entries)))];
				stats.cachedAddresses += mpcs.length - mpcs.filter(m => !cache || !(m in cache.entries)).length;
				const work: Work = {image, contained, mpcs, cache, key, cacheFile, missing};
				if (missing.length > 0) {
					const t0 = performance.now();
					const bounds = elf.boundaries();
					stats.nmReadMs += performance.now() - t0;
					const hit = missing.map(m => (bounds.count === 0 ? null : lookupBoundary(bounds, Number(BigInt(`0x${m}`)))));
					// Only what is needed from the (possibly large) table is kept past this loop.
					const nameSlot = new Map<number, {slot: number; start: number}>();
					for (const h of hit) {
						if (typeof h !== 'number' || nameSlot.has(h)) continue;
						nameSlot.set(h, {slot: allNames.length, start: bounds.starts[h]!});
						allNames.push(bounds.name(h));
					}
					work.inline = bounds.sepSeen;
					work.hit = hit;
					work.nameSlot = nameSlot;
				}
				works.push(work);
			} finally {
				elf.close();
			}
		}
	} catch (error) {
		if (error instanceof ElfError) throw new SymbolizeError(error.message);
		throw error;
	}
	const t1 = performance.now();
	const demangled = await nmDemangle(allNames, nm, options.signal);
	stats.demangleMs += performance.now() - t1;
	const t2 = performance.now();
	await Promise.all(
		works.map(async w => {
			if (w.missing.length === 0) return;
			const inline = w.inline!;
			const a2l = await addr2line(w.image, w.missing, inline, a2lTool, options.signal);
			let cache = w.cache;
			if (!cache || cache.inline !== inline) cache = {v: CACHE_VERSION, key: w.key, image: w.image, inline, entries: {}};
			w.missing.forEach((m, k) => {
				const h = w.hit![k];
				let nmName: AddressEntry['nm'];
				if (h === null) nmName = null;
				else if (h === undefined) nmName = 'outside';
				else {
					const {slot, start} = w.nameSlot!.get(h)!;
					nmName = `${demangled[slot]}<${nmHex(start)}>`;
				}
				cache!.entries[m] = {nm: nmName, a2l: a2l[k]!};
			});
			w.cache = cache;
			if (w.cacheFile && options.cacheDir) writeCache(options.cacheDir, w.cacheFile, cache, options.cacheMaxBytes ?? 64 << 20);
		}),
	);
	stats.addr2lineMs += performance.now() - t2;
	for (const w of works) {
		if (w.missing.length === 0 && w.cacheFile) {
			try {
				const now = new Date();
				utimesSync(w.cacheFile, now, now);
			} catch {
				// LRU order is a nicety
			}
		}
		w.contained.forEach((pc, k) => {
			const list = assemble(pc, w.cache!.entries[w.mpcs[k]!]!, shortOf);
			if (list.length > 0) symbols.set(pc, list);
		});
	}
	return {symbols, notes, stats};
}
