/**
 * ELF reading for heap profiles: build-id and exported jemalloc symbols, with a few positioned
 * reads (never the whole binary: a Zeek binary with debug info is hundreds of MB).
 */
import {closeSync, fstatSync, openSync, readSync} from 'node:fs';
import {basename} from 'node:path';
import {run} from './runner.js';

// ---------------------------------------------------------------------------------------------
// ELF: build-id and exported jemalloc symbols, read with a few positioned reads.

export const STATIC_JEMALLOC_SYMBOLS = ['mallctl', 'je_mallctl', 'malloc_conf', 'je_malloc_conf'];

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
