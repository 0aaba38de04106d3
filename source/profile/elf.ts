/**
 * The few ELF structures the heap symbolizer needs, parsed from byte buffers the caller read
 * (positioned reads: a 300 MiB binary is never read whole): the header, section headers, symbol
 * tables with GNU symbol versions, the build-id note, .gnu_debuglink; `nm -n`'s view of the
 * symbols as jeprof consumes it (its GetProcedureBoundariesViaNm); and a tiny relocatable ELF
 * holding chosen names, so binutils' own demangler (`nm --demangle`) can spell them exactly as nm
 * does on the real file (c++filt differs: it expands std::string and friends).
 *
 * Pure: no I/O. ELF64 little-endian only (x86-64, aarch64 sensors).
 */

export class ElfError extends Error {}

export type ElfHeader = {type: number; machine: number; shoff: number; shentsize: number; shnum: number; shstrndx: number};

export const ELF_HEADER_BYTES = 64;

export function parseElfHeader(b: Uint8Array): ElfHeader {
	if (b.length < ELF_HEADER_BYTES || b[0] !== 0x7f || b[1] !== 0x45 || b[2] !== 0x4c || b[3] !== 0x46) throw new ElfError('not an ELF file');
	if (b[4] !== 2) throw new ElfError('not a 64-bit ELF file (only ELF64 is supported)');
	if (b[5] !== 1) throw new ElfError('big-endian ELF is not supported');
	const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
	let shnum = v.getUint16(60, true);
	let shstrndx = v.getUint16(62, true);
	const shoff = Number(v.getBigUint64(40, true));
	return {type: v.getUint16(16, true), machine: v.getUint16(18, true), shoff, shentsize: v.getUint16(58, true), shnum, shstrndx};
}

export type ElfSection = {index: number; name: string; nameOffset: number; type: number; flags: number; addr: number; offset: number; size: number; link: number; info: number; entsize: number};

export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;
export const SHT_GNU_VERDEF = 0x6ffffffd;
export const SHT_GNU_VERSYM = 0x6fffffff;
const SHF_EXECINSTR = 0x4;

/** Section headers; names are filled by `nameSections` once the section-name table is read. */
export function parseSectionHeaders(b: Uint8Array, header: ElfHeader): ElfSection[] {
	const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
	const out: ElfSection[] = [];
	for (let i = 0; i < header.shnum; i++) {
		const o = i * header.shentsize;
		if (o + 64 > b.length) throw new ElfError('section header table is cut short');
		out.push({
			index: i,
			name: '',
			nameOffset: v.getUint32(o, true),
			type: v.getUint32(o + 4, true),
			flags: Number(v.getBigUint64(o + 8, true)),
			addr: Number(v.getBigUint64(o + 16, true)),
			offset: Number(v.getBigUint64(o + 24, true)),
			size: Number(v.getBigUint64(o + 32, true)),
			link: v.getUint32(o + 40, true),
			info: v.getUint32(o + 44, true),
			entsize: Number(v.getBigUint64(o + 56, true)),
		});
	}
	return out;
}

function cString(b: Uint8Array, at: number, decoder: TextDecoder): string {
	let end = at;
	while (end < b.length && b[end] !== 0) end++;
	return decoder.decode(b.subarray(at, end));
}

export function nameSections(sections: ElfSection[], shstrtab: Uint8Array): void {
	const d = new TextDecoder('latin1');
	for (const s of sections) s.name = cString(shstrtab, s.nameOffset, d);
}

/** NT_GNU_BUILD_ID from a note section's bytes, as lowercase hex. */
export function buildIdFromNotes(b: Uint8Array): string | undefined {
	const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
	let o = 0;
	while (o + 12 <= b.length) {
		const namesz = v.getUint32(o, true);
		const descsz = v.getUint32(o + 4, true);
		const type = v.getUint32(o + 8, true);
		const nameAt = o + 12;
		const descAt = nameAt + ((namesz + 3) & ~3);
		if (descAt + descsz > b.length) return undefined;
		const name = String.fromCharCode(...b.subarray(nameAt, nameAt + Math.max(0, namesz - 1)));
		if (type === 3 && name === 'GNU') return Array.from(b.subarray(descAt, descAt + descsz), x => x.toString(16).padStart(2, '0')).join('');
		o = descAt + ((descsz + 3) & ~3);
	}
	return undefined;
}

/** The file name in .gnu_debuglink (the CRC after it is not needed to find the file). */
export function parseDebuglink(b: Uint8Array): string | undefined {
	const end = b.indexOf(0);
	if (end <= 0) return undefined;
	return new TextDecoder('latin1').decode(b.subarray(0, end));
}

/**
 * The symbols `nm` lists with an address (defined; not section/file symbols), kept compact: a
 * big C++ binary has a million symbols, so names stay bytes in the string table until asked for.
 */
export type SymbolSet = {
	count: number;
	values: Float64Array;
	/** Name offsets into `strtab`. */
	nameOff: Uint32Array;
	/** nm's type letter is `t` or `T` (code, not weak, not ifunc): jeprof prefers those at one address. */
	isText: Uint8Array;
	strtab: Uint8Array;
	/** .dynsym: the `@@VER` / `@VER` nm appends, by position. */
	suffix?: Map<number, string>;
};

/** nm's name of symbol i (as nm sorts and demangles it). */
export function symbolName(set: SymbolSet, i: number): string {
	const s = cString(set.strtab, set.nameOff[i]!, utf8);
	const v = set.suffix?.get(i);
	return v === undefined ? s : s + v;
}

const utf8 = new TextDecoder('utf-8');

/**
 * From a .symtab/.dynsym and its string table; for .dynsym with .gnu.version/.gnu.version_d, the
 * version nm appends.
 */
export function parseSymbols(
	symtab: Uint8Array,
	strtab: Uint8Array,
	sections: readonly ElfSection[],
	versions?: {versym: Uint8Array; verdef: Uint8Array; verdefStrtab: Uint8Array},
): SymbolSet {
	const v = new DataView(symtab.buffer, symtab.byteOffset, symtab.byteLength);
	const versionNames = versions ? parseVerdef(versions.verdef, versions.verdefStrtab) : undefined;
	const vs = versions ? new DataView(versions.versym.buffer, versions.versym.byteOffset, versions.versym.byteLength) : undefined;
	const total = Math.floor(symtab.length / 24);
	const values = new Float64Array(total);
	const nameOff = new Uint32Array(total);
	const isText = new Uint8Array(total);
	const suffix = versions ? new Map<number, string>() : undefined;
	let n = 0;
	for (let i = 1; i < total; i++) {
		const o = i * 24;
		const off = v.getUint32(o, true);
		const info = symtab[o + 4]!;
		const shndx = v.getUint16(o + 6, true);
		const type = info & 0xf;
		const bind = info >> 4;
		if (shndx === 0) continue; // undefined: nm prints it without an address
		if (type === 3 || type === 4) continue; // STT_SECTION, STT_FILE: BFD marks them debugging
		if (off >= strtab.length || strtab[off] === 0) continue;
		values[n] = Number(v.getBigUint64(o + 8, true));
		nameOff[n] = off;
		const section = shndx < 0xff00 ? sections[shndx] : undefined;
		const code = section !== undefined && (section.flags & SHF_EXECINSTR) !== 0;
		// nm: weak → W/w, STT_GNU_IFUNC → i, STB_GNU_UNIQUE → u; only plain code symbols are t/T.
		isText[n] = code && bind !== 2 && bind !== 10 && type !== 10 ? 1 : 0;
		if (vs && versionNames && suffix && i * 2 + 2 <= versions!.versym.length) {
			const raw = vs.getUint16(i * 2, true);
			const idx = raw & 0x7fff;
			const vname = idx >= 2 ? versionNames.get(idx) : undefined;
			if (vname !== undefined) suffix.set(n, `${raw & 0x8000 ? '@' : '@@'}${vname}`);
		}
		n++;
	}
	return {count: n, values, nameOff, isText, strtab, ...(suffix ? {suffix} : {})};
}

function parseVerdef(b: Uint8Array, strtab: Uint8Array): Map<number, string> {
	const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
	const d = new TextDecoder('latin1');
	const out = new Map<number, string>();
	let o = 0;
	for (let guard = 0; guard < 65536 && o + 20 <= b.length; guard++) {
		const ndx = v.getUint16(o + 4, true);
		const aux = v.getUint32(o + 12, true);
		const next = v.getUint32(o + 16, true);
		if (o + aux + 8 <= b.length) out.set(ndx, cString(strtab, v.getUint32(o + aux, true), d));
		if (next === 0) break;
		o += next;
	}
	return out;
}

/** C's strcmp on two names (byte order, what nm's sort uses in the C locale). */
function compareNames(set: SymbolSet, a: number, b: number): number {
	const t = set.strtab;
	let i = set.nameOff[a]!;
	let j = set.nameOff[b]!;
	for (;;) {
		const x = t[i] ?? 0;
		const y = t[j] ?? 0;
		if (x !== y || x === 0) {
			if (x === 0 && y === 0 && set.suffix) {
				const sa = set.suffix.get(a) ?? '';
				const sb = set.suffix.get(b) ?? '';
				return sa < sb ? -1 : sa > sb ? 1 : 0;
			}
			return x - y;
		}
		i++;
		j++;
	}
}

const FINI = [0x5f, 0x66, 0x69, 0x6e, 0x69, 0]; // "_fini\0"

function isFini(set: SymbolSet, i: number): boolean {
	if (set.suffix?.has(i)) return false;
	const o = set.nameOff[i]!;
	for (let k = 0; k < FINI.length; k++) if (set.strtab[o + k] !== FINI[k]) return false;
	return true;
}

/**
 * jeprof's procedure boundaries from `nm -n` output, computed from the symbols directly: sorted
 * by address (then name, as nm sorts), one entry per distinct address (the `t`/`T` symbol there
 * if any, else the first), each ending where the next address starts; the last ends at its own
 * start. `sepSeen`: `_fini` was among them (jeprof then runs addr2line with -i).
 */
export type Boundaries = {starts: Float64Array; ends: Float64Array; count: number; name(i: number): string; sepSeen: boolean};

export function nmBoundaries(set: SymbolSet): Boundaries {
	const order = Array.from({length: set.count}, (_, i) => i);
	order.sort((a, b) => set.values[a]! - set.values[b]! || compareNames(set, a, b));
	const starts: number[] = [];
	const chosen: number[] = [];
	let sepSeen = false;
	let lastStart = -1;
	let routine = -1;
	for (const i of order) {
		const value = set.values[i]!;
		if (value === lastStart) {
			if (set.isText[i]) routine = i;
			continue;
		}
		if (isFini(set, i)) sepSeen = true;
		if (routine >= 0) {
			starts.push(lastStart);
			chosen.push(routine);
		}
		lastStart = value;
		routine = i;
	}
	if (routine >= 0) {
		starts.push(lastStart);
		chosen.push(routine);
	}
	const ends = new Float64Array(starts.length);
	for (let i = 0; i < starts.length; i++) ends[i] = i + 1 < starts.length ? starts[i + 1]! : starts[i]!;
	const picked = Uint32Array.from(chosen);
	return {starts: Float64Array.from(starts), ends, count: starts.length, name: (i: number) => symbolName(set, picked[i]!), sepSeen};
}

/**
 * jeprof's MapSymbolsWithNM lookup for one object-relative address: the first boundary whose end
 * lies above it (jeprof walks sorted addresses forward), if the address is below that end;
 * otherwise none (jeprof then names the frame by its address).
 */
export function lookupBoundary(b: Boundaries, mpc: number): number | undefined {
	const n = b.count;
	if (n === 0) return undefined;
	let lo = 0;
	let hi = n - 1;
	// smallest i <= n-1 with ends[i] > mpc, else n-1
	while (lo < hi) {
		const mid = (lo + hi) >> 1;
		if (b.ends[mid]! > mpc) hi = mid;
		else lo = mid + 1;
	}
	return mpc < b.ends[lo]! ? lo : undefined;
}

/** nm's address column: lowercase hex, zero-padded to 16. */
export function nmHex(value: number): string {
	return value.toString(16).padStart(16, '0');
}

/**
 * A minimal ELF64 relocatable file whose .symtab holds `names` as global functions at values
 * 0, 1, 2…: `nm -p --demangle` on it prints each demangled exactly as on the original file.
 */
export function demangleProbeElf(names: readonly string[]): Uint8Array {
	const enc = new TextEncoder();
	const strParts: Uint8Array[] = [new Uint8Array([0])];
	let strLen = 1;
	const nameOffsets: number[] = [];
	for (const n of names) {
		nameOffsets.push(strLen);
		const bytes = enc.encode(n);
		strParts.push(bytes, new Uint8Array([0]));
		strLen += bytes.length + 1;
	}
	const strtab = concat(strParts);
	const shstr = enc.encode('\0.text\0.symtab\0.strtab\0.shstrtab\0');
	const symCount = names.length + 1;
	const symtab = new Uint8Array(symCount * 24);
	const sv = new DataView(symtab.buffer);
	for (let i = 0; i < names.length; i++) {
		const o = (i + 1) * 24;
		sv.setUint32(o, nameOffsets[i]!, true);
		symtab[o + 4] = (1 << 4) | 2; // STB_GLOBAL, STT_FUNC
		sv.setUint16(o + 6, 1, true); // .text
		sv.setBigUint64(o + 8, BigInt(i), true);
	}
	const textSize = Math.max(1, names.length);
	const layout: Array<{data: Uint8Array | null; size: number}> = [
		{data: null, size: textSize}, // .text (NOBITS-like but PROGBITS of zeros is fine)
		{data: symtab, size: symtab.length},
		{data: strtab, size: strtab.length},
		{data: shstr, size: shstr.length},
	];
	let off = 64;
	const offsets: number[] = [];
	for (const l of layout) {
		off = (off + 7) & ~7;
		offsets.push(off);
		off += l.data ? l.size : 0;
	}
	off = (off + 7) & ~7;
	const shoff = off;
	const total = shoff + 5 * 64;
	const out = new Uint8Array(total);
	const v = new DataView(out.buffer);
	out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0);
	v.setUint16(16, 1, true); // ET_REL
	v.setUint16(18, 62, true); // EM_X86_64
	v.setUint32(20, 1, true);
	v.setBigUint64(40, BigInt(shoff), true);
	v.setUint16(52, 64, true);
	v.setUint16(58, 64, true);
	v.setUint16(60, 5, true);
	v.setUint16(62, 4, true);
	layout.forEach((l, i) => {
		if (l.data) out.set(l.data, offsets[i]!);
	});
	const sh = (i: number, name: number, type: number, flags: number, offset: number, size: number, link: number, info: number, align: number, entsize: number) => {
		const o = shoff + i * 64;
		v.setUint32(o, name, true);
		v.setUint32(o + 4, type, true);
		v.setBigUint64(o + 8, BigInt(flags), true);
		v.setBigUint64(o + 24, BigInt(offset), true);
		v.setBigUint64(o + 32, BigInt(size), true);
		v.setUint32(o + 40, link, true);
		v.setUint32(o + 44, info, true);
		v.setBigUint64(o + 48, BigInt(align), true);
		v.setBigUint64(o + 56, BigInt(entsize), true);
	};
	sh(1, 1, SHT_NOBITS, 0x6, offsets[0]!, textSize, 0, 0, 1, 0);
	sh(2, 7, SHT_SYMTAB, 0, offsets[1]!, symtab.length, 3, 1, 8, 24);
	sh(3, 15, SHT_STRTAB, 0, offsets[2]!, strtab.length, 0, 0, 1, 0);
	sh(4, 23, SHT_STRTAB, 0, offsets[3]!, shstr.length, 0, 0, 1, 0);
	return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
	const n = parts.reduce((s, p) => s + p.length, 0);
	const out = new Uint8Array(n);
	let o = 0;
	for (const p of parts) {
		out.set(p, o);
		o += p.length;
	}
	return out;
}

/** `nm -p --demangle` output of the probe: value → demangled name. */
export function parseDemangleProbeOutput(text: string, count: number): string[] | undefined {
	const out: string[] = new Array(count);
	for (const line of text.split('\n')) {
		const m = /^([0-9a-f]+) . (.*)$/.exec(line);
		if (!m) continue;
		const i = parseInt(m[1]!, 16);
		if (i < count) out[i] = m[2]!;
	}
	for (let i = 0; i < count; i++) if (out[i] === undefined) return undefined;
	return out;
}
