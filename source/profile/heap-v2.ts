/**
 * jemalloc 5.x heap_v2 dumps turned into what `jeprof --text` and `jeprof --collapsed` print,
 * without jeprof: the reader, jeprof's unsampling, caller-address adjustment, --base
 * subtraction, its allocator-frame removal, function-level reduction, flat/cumulative tables and
 * both renderings. Re-implemented from reading jeprof (jemalloc 5.3.0's Perl script), step for
 * step, so the output is the same byte for byte; the symbol table (address → names) comes from
 * capture/symbolize.ts.
 *
 * Pure: text in, values out.
 */

// ---------------------------------------------------------------------------------------------
// Reading the dump

export class HeapV2Error extends Error {
	constructor(
		message: string,
		/** 1-based line of the dump the problem is on (0: the file as a whole). */
		readonly line: number,
	) {
		super(message);
		this.name = 'HeapV2Error';
	}
}

/** One `@ …` block: its addresses as written (leaf first, return addresses) and its `t*:` counts. */
export type HeapV2Stack = {
	/** Addresses as jeprof keys them: hex, no 0x, zero-extended to 16 digits; not adjusted. */
	addresses: string[];
	/** Raw `t*:` numbers: live objects, live bytes, [accumulated objects, accumulated bytes]. */
	counts: [number, number, number, number];
	/** 1-based line of the `@`. */
	line: number;
};

export type HeapV2Profile = {
	/** `heap_v2/<R>`: mean bytes between samples (2^lg_prof_sample). */
	samplePeriod: number;
	/** Header `t*:` row (raw, sampled). */
	header: [number, number, number, number];
	threadCount: number;
	stacks: HeapV2Stack[];
	/** The MAPPED_LIBRARIES section: a copy of /proc/PID/maps (CRs removed, as jeprof does). */
	maps: string;
};

const countsRow = /^t(\*|\d+):\s+(\d+):\s+(\d+)\s+\[\s*(\d+):\s+(\d+)\]$/;

/** Hex address → jeprof's key: `0x` and leading zeros dropped, left-padded to 16 digits. */
export function hexExtend(address: string): string {
	const a = address.replace(/^(0x)?0*/, '');
	return a.length >= 16 ? a : '0'.repeat(16 - a.length) + a;
}

/**
 * Parse a heap_v2 dump. Stricter than jeprof, which skips lines it does not understand: a
 * truncated or damaged dump is a HeapV2Error naming the line, never a table that is silently
 * short.
 */
export function parseHeapV2(text: string): HeapV2Profile {
	let pos = 0;
	let lineNo = 0;
	const next = (): string | undefined => {
		if (pos >= text.length) return undefined;
		let end = text.indexOf('\n', pos);
		if (end < 0) end = text.length;
		const line = text.slice(pos, end).replace(/\r/g, '');
		pos = end + 1;
		lineNo++;
		return line;
	};
	const first = next();
	if (first === undefined || first.trim() === '') throw new HeapV2Error('the dump is empty', 1);
	const m = /^heap_v2\/(\d+)\s*$/.exec(first);
	if (!m) {
		const what = /^heap profile:/.test(first) ? 'a gperftools "heap profile:" file, not a jemalloc heap_v2 dump' : 'not a jemalloc heap_v2 dump (first line should be heap_v2/<sample period>)';
		throw new HeapV2Error(`line 1: ${what}`, 1);
	}
	const samplePeriod = Number(m[1]);
	let header: [number, number, number, number] | undefined;
	let threadCount = 0;
	const stacks: HeapV2Stack[] = [];
	let current: HeapV2Stack | undefined;
	let currentHasTotal = true;
	let maps: string | undefined;
	for (let line = next(); line !== undefined; line = next()) {
		if (line.startsWith('MAPPED_LIBRARIES:')) {
			maps = text.slice(pos).replace(/\r/g, '');
			break;
		}
		const trimmed = line.trim();
		if (trimmed === '') continue;
		if (trimmed.startsWith('@')) {
			if (current && !currentHasTotal) throw new HeapV2Error(`line ${current.line}: stack without a t*: row`, current.line);
			const am = /^@\s+(.*)$/.exec(trimmed);
			const parts = am ? am[1]!.split(/\s+/) : [];
			if (parts.length === 0 || parts.some(p => !/^(0x)?[0-9a-fA-F]{1,16}$/.test(p))) throw new HeapV2Error(`line ${lineNo}: malformed stack (expected "@ 0x<hex> 0x<hex> ...")`, lineNo);
			current = {addresses: parts.map(hexExtend), counts: [0, 0, 0, 0], line: lineNo};
			currentHasTotal = false;
			continue;
		}
		const c = countsRow.exec(trimmed);
		if (!c) throw new HeapV2Error(`line ${lineNo}: malformed row (expected "t*: <objects>: <bytes> [<objects>: <bytes>]")`, lineNo);
		const counts: [number, number, number, number] = [Number(c[2]), Number(c[3]), Number(c[4]), Number(c[5])];
		if (!current) {
			if (c[1] === '*') {
				if (header) throw new HeapV2Error(`line ${lineNo}: second t*: row in the header`, lineNo);
				header = counts;
			} else threadCount++;
			continue;
		}
		if (c[1] === '*') {
			if (currentHasTotal) throw new HeapV2Error(`line ${lineNo}: second t*: row for one stack`, lineNo);
			current.counts = counts;
			currentHasTotal = true;
			stacks.push(current);
		} else if (!currentHasTotal) throw new HeapV2Error(`line ${lineNo}: per-thread row before the stack's t*: row`, lineNo);
	}
	if (current && !currentHasTotal) throw new HeapV2Error(`line ${current.line}: stack without a t*: row (truncated dump?)`, current.line);
	if (maps === undefined) throw new HeapV2Error(`line ${lineNo}: no MAPPED_LIBRARIES section: the dump is truncated (still being written?)`, lineNo);
	if (!header) throw new HeapV2Error('line 2: no t*: header row', 2);
	return {samplePeriod, header, threadCount, stacks, maps};
}

// ---------------------------------------------------------------------------------------------
// Values, as jeprof reads them

/** jeprof's --inuse_space (default), --inuse_objects, --alloc_space, --alloc_objects. */
export type HeapMetric = 'inuse_space' | 'inuse_objects' | 'alloc_space' | 'alloc_objects';
const metricIndex: Record<HeapMetric, number> = {inuse_objects: 0, inuse_space: 1, alloc_objects: 2, alloc_space: 3};

/**
 * jeprof's AdjustSamples for heap_v2 (Poisson sampling at rate R): each pair scaled by
 * 1 / (1 - exp(-(bytes/objects)/R)) when objects != 0. Applied even for R = 1, as jeprof does
 * (a scale a hair above 1 for tiny objects).
 */
export function adjustSamples(period: number, counts: readonly [number, number, number, number]): [number, number, number, number] {
	let [n1, s1, n2, s2] = counts;
	if (period) {
		if (n1 !== 0) {
			const ratio = (s1 * 1.0) / n1 / period;
			const scale = 1 / (1 - Math.exp(-ratio));
			n1 *= scale;
			s1 *= scale;
		}
		if (n2 !== 0) {
			const ratio = (s2 * 1.0) / n2 / period;
			const scale = 1 / (1 - Math.exp(-ratio));
			n2 *= scale;
			s2 *= scale;
		}
	}
	return [n1, s1, n2, s2];
}

const MASK64 = (1n << 64n) - 1n;

/** jeprof's AddressSub on 16-digit addresses (mod 2^64). */
export function addressSub(a: string, b: string): string {
	return ((BigInt(`0x${a}`) - BigInt(`0x${b}`)) & MASK64).toString(16).padStart(16, '0');
}

export function addressAdd(a: string, b: string): string {
	return ((BigInt(`0x${a}`) + BigInt(`0x${b}`)) & MASK64).toString(16).padStart(16, '0');
}

/** A profile as jeprof holds it: stack key (addresses joined by "\n", leaf first) → value. */
export type AddressProfile = Map<string, number>;

function addEntry(profile: Map<string, number>, key: string, n: number): void {
	profile.set(key, (profile.get(key) ?? 0) + n);
}

/**
 * The dump as jeprof's profile: each stack's caller addresses moved back by one (return address →
 * call site; the leaf stays), unsampled, summed per identical stack. `pcs` collects every address.
 */
export function heapProfileValues(profile: HeapV2Profile, metric: HeapMetric = 'inuse_space', pcs?: Set<string>): AddressProfile {
	const index = metricIndex[metric];
	const out: AddressProfile = new Map();
	for (const stack of profile.stacks) {
		const fixed = stack.addresses.map((a, i) => (i === 0 ? a : addressSub(a, '0000000000000001')));
		if (pcs) for (const a of fixed) pcs.add(a);
		addEntry(out, fixed.join('\n'), adjustSamples(profile.samplePeriod, stack.counts)[index]!);
	}
	return out;
}

/** jeprof's SubtractProfile (without --drop_negative): a − b, b's own stacks negated. */
export function subtractProfile(a: AddressProfile, b: AddressProfile): AddressProfile {
	const out: AddressProfile = new Map();
	for (const [k, v] of a) addEntry(out, k, v - (b.get(k) ?? 0));
	for (const [k, v] of b) if (!a.has(k)) addEntry(out, k, 0 - v);
	return out;
}

export function totalProfile(profile: ReadonlyMap<string, number>): number {
	let total = 0;
	for (const v of profile.values()) total += v;
	return total;
}

// ---------------------------------------------------------------------------------------------
// MAPPED_LIBRARIES → objects

/** One object the addresses can belong to: [start, finish] (inclusive) and jeprof's offset. */
export type MappedObject = {
	/** Path as in the maps line (the main program: the path jeprof was given). */
	path: string;
	start: string;
	finish: string;
	/** The mapping's file offset (16 hex digits), before the .text adjustment. */
	fileOffset: string;
	/** The catch-all entry for the main program (0 .. highest address, offset 0). */
	catchAll: boolean;
};

/**
 * jeprof's ParseLibraries, the lines it accepts: executable mappings of files named like shared
 * libraries (`*.so`, `*.so.N…`), and those of the program itself (`prog`, an absolute, resolved
 * path); then the catch-all entry for the program covering 0..max(pcs).
 */
export function parseMappedObjects(maps: string, prog: string, pcs: Iterable<string>): MappedObject[] {
	const result: MappedObject[] = [];
	const lib = /^([a-f0-9]+)-([a-f0-9]+)\s+..x.\s+([a-f0-9]+)\s+\S+:\S+\s+\d+\s+(\S+\.(so|dll|dylib|bundle)((\.\d+)+\w*(\.\d+){0,3})?)$/i;
	const cooked = /^\s*([a-f0-9]+)-([a-f0-9]+):\s*(\S+\.so(\.\d+)*)/;
	const program = /^([a-f0-9]+)-([a-f0-9]+)\s+..x.\s+([a-f0-9]+)\s+\S+:\S+\s+\d+\s+(\S+)$/i;
	let buildvar = '';
	for (const l of maps.split('\n')) {
		const b = /^\s*build=(.*)$/.exec(l);
		if (b) buildvar = b[1]!;
		let m = lib.exec(l);
		let entry: Omit<MappedObject, 'catchAll'> | undefined;
		if (m) entry = {start: hexExtend(m[1]!), finish: hexExtend(m[2]!), fileOffset: hexExtend(m[3]!), path: m[4]!.replace(/\\/g, '/')};
		else if ((m = cooked.exec(l))) entry = {start: hexExtend(m[1]!), finish: hexExtend(m[2]!), fileOffset: hexExtend('0'), path: m[3]!};
		else if ((m = program.exec(l)) && m[4] === prog) entry = {start: hexExtend(m[1]!), finish: hexExtend(m[2]!), fileOffset: hexExtend(m[3]!), path: m[4]!.replace(/\\/g, '/')};
		if (!entry) continue;
		entry.path = entry.path.replace(/\$build\b/g, buildvar);
		result.push({...entry, catchAll: false});
	}
	let maxPc = hexExtend('0');
	for (const pc of pcs) if (pc > maxPc) maxPc = pc;
	result.push({path: prog, start: hexExtend('0'), finish: maxPc, fileOffset: hexExtend('0'), catchAll: true});
	return result;
}

/**
 * jeprof's ExtractSymbols assignment of addresses to objects: objects by start, highest first,
 * each taking the (sorted) addresses in [start, finish] not yet taken.
 */
export function assignAddresses(objects: readonly MappedObject[], pcs: Iterable<string>): Array<{object: MappedObject; pcs: string[]}> {
	const sorted = [...new Set(pcs)].sort();
	const libs = [...objects].sort((a, b) => (a.start < b.start ? 1 : a.start > b.start ? -1 : 0));
	const out: Array<{object: MappedObject; pcs: string[]}> = [];
	for (const object of libs) {
		let finishIndex = sorted.length;
		while (finishIndex > 0 && !(sorted[finishIndex - 1]! <= object.finish)) finishIndex--;
		let startIndex = finishIndex;
		while (startIndex > 0 && !(sorted[startIndex - 1]! < object.start)) startIndex--;
		const contained = sorted.splice(startIndex, finishIndex - startIndex);
		out.push({object, pcs: contained});
	}
	return out;
}

// ---------------------------------------------------------------------------------------------
// Symbols → tables

/**
 * jeprof's symbol list for one address: triples [short name, file:line, full name], the
 * outermost (real) function first, inlined callees after it.
 */
export type SymbolList = string[];
export type SymbolTable = Map<string, SymbolList>;

/** jeprof's ShortFunctionName, exactly (arguments, template arguments, a leading return type). */
export function jeprofShortName(fn: string): string {
	let f = fn;
	let prev: string;
	do {
		prev = f;
		f = f.replace(/\([^()]*\)(\s*const)?/g, '');
	} while (f !== prev);
	do {
		prev = f;
		f = f.replace(/<[^<>]*>/g, '');
	} while (f !== prev);
	// Perl's /^.*\s+(\w+::)/ is greedy: the last whitespace run followed by `word::`.
	return f.replace(/^.*\s+(\w+::)/s, '$1');
}

// Allocator entry points jeprof's RemoveUninterestingFrames drops (heap profiles), with and
// without Mach-O's leading underscore.
const SKIP_NAMES = [
	'calloc', 'cfree', 'malloc', 'newImpl', 'void* newImpl', 'free', 'memalign', 'posix_memalign', 'aligned_alloc', 'pvalloc',
	'valloc', 'realloc', 'mallocx', 'rallocx', 'xallocx', 'dallocx', 'sdallocx', 'sdallocx_noflags', 'tc_calloc', 'tc_cfree',
	'tc_malloc', 'tc_free', 'tc_memalign', 'tc_posix_memalign', 'tc_pvalloc', 'tc_valloc', 'tc_realloc', 'tc_new', 'tc_delete',
	'tc_newarray', 'tc_deletearray', 'tc_new_nothrow', 'tc_newarray_nothrow', 'do_malloc', '::do_malloc', '::do_malloc_or_cpp_alloc',
	'DoSampledAllocation', 'simple_alloc::allocate', '__malloc_alloc_template::allocate', '__builtin_delete', '__builtin_new',
	'__builtin_vec_delete', '__builtin_vec_new', 'operator new', 'operator new[]', 'malloc_zone_malloc', 'malloc_zone_calloc',
	'malloc_zone_valloc', 'malloc_zone_realloc', 'malloc_zone_memalign', 'malloc_zone_free', '__start_google_malloc',
	'__stop_google_malloc', '__start_malloc_hook', '__stop_malloc_hook',
];
const SKIP = new Set(SKIP_NAMES.flatMap(n => [n, `_${n}`]));
const SKIP_RE = /TCMalloc|^tcmalloc::/;

/** jeprof's RemoveUninterestingFrames: frames up to (and including) an allocator entry dropped. */
export function removeUninterestingFrames(symbols: SymbolTable, profile: AddressProfile): AddressProfile {
	const out: AddressProfile = new Map();
	for (const [k, count] of profile) {
		let path: string[] = [];
		for (const a of k.split('\n')) {
			const sym = symbols.get(a);
			if (sym) {
				const fn = sym[0]!;
				if (SKIP.has(fn) || SKIP_RE.test(fn)) {
					path = [];
					continue;
				}
			}
			path.push(a);
		}
		addEntry(out, path.join('\n'), count);
	}
	return out;
}

function fullnameToShortname(symbols: SymbolTable): Map<string, string> {
	const seenOnce = new Map<string, string>();
	const seenMore = new Set<string>();
	for (const list of symbols.values()) {
		const short = list[0]!;
		const full = list[2]!;
		if (!/<[0-9a-fA-F]+>$/.test(full)) continue;
		if (seenOnce.has(short) && seenOnce.get(short) !== full) seenMore.add(short);
		else seenOnce.set(short, full);
	}
	const map = new Map<string, string>();
	for (const list of symbols.values()) {
		const short = list[0]!;
		const full = list[2]!;
		if (map.has(full)) continue;
		if (seenMore.has(short)) {
			const m = /<0*([^>]*)>$/.exec(full);
			if (m) map.set(full, `${short}@${m[1]}`);
		}
	}
	return map;
}

/** jeprof's TranslateStack at function granularity (its --text default). */
function translateStack(symbols: SymbolTable, shortMap: Map<string, string>, key: string, ids: Map<string, number>): string[] {
	const addrs = key === '' ? [] : key.split('\n');
	const result: string[] = [];
	for (let i = 0; i < addrs.length; i++) {
		const a = addrs[i]!;
		if (a.length > 8 && a > '7fffffffffffffff') continue;
		const list = symbols.get(a) ?? [a, '', a];
		for (let j = list.length - 1; j >= 2; j -= 3) {
			let fn = list[j - 2]!;
			const full = list[j]!;
			const mapped = shortMap.get(full);
			if (mapped !== undefined) fn = mapped;
			if (j > 2) fn = `${fn} (inline)`;
			if (/Callback.*::Run$/.test(fn)) {
				const caller = i > 0 ? addrs[i - 1]! : '0';
				let id = ids.get(caller);
				if (id === undefined) ids.set(caller, (id = ids.size + 1));
				fn = `Run#${id}`;
			}
			result.push(fn === '??' ? a : fn);
		}
	}
	return result;
}

/** Function-level profile: stack of names (leaf first, each once) → value. */
export function reduceProfile(symbols: SymbolTable, profile: AddressProfile): Map<string, number> {
	const shortMap = fullnameToShortname(symbols);
	const ids = new Map<string, number>();
	const out = new Map<string, number>();
	for (const [k, count] of profile) {
		const seen = new Set<string>(['']);
		const path: string[] = [];
		for (const e of translateStack(symbols, shortMap, k, ids)) {
			if (!seen.has(e)) {
				seen.add(e);
				path.push(e);
			}
		}
		addEntry(out, path.join('\n'), count);
	}
	return out;
}

export type TextOptions = {
	showBytes?: boolean;
	metric?: HeapMetric;
	/** --cum: sort by the cumulative column. */
	cum?: boolean;
};

export type HeapRow = {name: string; flat: number; cum: number};

export type HeapTable = {
	/** jeprof's `Total:` (every stack, before allocator frames are removed). */
	total: number;
	/** Percentages are of this: the flat column's sum. */
	flatTotal: number;
	/** In print order; rows whose flat and cum are both 0 are left out, as jeprof prints them. */
	rows: HeapRow[];
};

/** Flat and cumulative per function, sorted as jeprof sorts them (value desc, then name). */
export function heapTable(symbols: SymbolTable, profile: AddressProfile, options: {cum?: boolean} = {}): HeapTable {
	const total = totalProfile(profile);
	const reduced = reduceProfile(symbols, removeUninterestingFrames(symbols, profile));
	const flat = new Map<string, number>();
	const cum = new Map<string, number>();
	for (const [k, count] of reduced) {
		if (k === '') continue;
		const names = k.split('\n');
		addEntry(flat, names[0]!, count);
		for (const n of names) addEntry(cum, n, count);
	}
	const flatTotal = totalProfile(flat);
	const by = options.cum ? cum : flat;
	const keys = [...cum.keys()].sort((a, b) => (by.get(b) ?? 0) - (by.get(a) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
	const rows: HeapRow[] = [];
	for (const k of keys) {
		const f = flat.get(k) ?? 0;
		const c = cum.get(k) ?? 0;
		if (f !== 0 || c !== 0) rows.push({name: k, flat: f, cum: c});
	}
	return {total, flatTotal, rows};
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** C's printf("%.1f"): round half to even on exact binary ties (toFixed rounds them up). */
export function fixed1(x: number): string {
	if (!Number.isFinite(x)) return x > 0 ? 'inf' : x < 0 ? '-inf' : 'nan';
	const q = Math.abs(x) * 4;
	// x.25 and x.75 are the only exactly representable ties at one decimal.
	if (Number.isInteger(q) && q % 2 === 1 && Math.abs(x) < 2 ** 50) {
		const tenths = Math.abs(x) * 10; // exact: n + 0.5
		const down = Math.floor(tenths);
		const even = down % 2 === 0 ? down : down + 1;
		const s = (even / 10).toFixed(1);
		return x < 0 ? `-${s}` : s;
	}
	const s = x.toFixed(1);
	return s;
}

/** Perl's sprintf("%d", x): truncation toward zero, no "-0". */
export function perlInt(x: number): string {
	if (!Number.isFinite(x)) return x > 0 ? '-1' : '-9223372036854775808';
	const t = Math.trunc(x);
	return (t === 0 ? 0 : t).toFixed(0);
}

function percent(num: number, tot: number): string {
	if (tot !== 0) return `${fixed1((num * 100.0) / tot)}%`;
	return num === 0 ? 'nan' : num > 0 ? '+inf' : '-inf';
}

function pad(s: string, width: number): string {
	return s.length >= width ? s : ' '.repeat(width - s.length) + s;
}

function units(options: TextOptions): string {
	const metric = options.metric ?? 'inuse_space';
	if (metric === 'inuse_objects' || metric === 'alloc_objects') return 'objects';
	return options.showBytes ? 'B' : 'MB';
}

function unparse(n: number, options: TextOptions): string {
	const metric = options.metric ?? 'inuse_space';
	if (metric === 'inuse_objects' || metric === 'alloc_objects' || options.showBytes) return perlInt(n);
	return fixed1(n / 1048576.0);
}

/** `jeprof --text` for a heap profile (its FilterAndPrint + PrintText). */
export function renderJeprofText(symbols: SymbolTable, profile: AddressProfile, options: TextOptions = {}): string {
	const table = heapTable(symbols, profile, options);
	let out = '';
	if (table.total !== 0) out += `Total: ${unparse(table.total, options)} ${units(options)}\n`;
	let running = 0;
	for (const row of table.rows) {
		running += row.flat;
		let sym = row.name;
		const s = symbols.get(row.name);
		if (s) sym = `${s[0]} ${s[1]}`;
		out += `${pad(unparse(row.flat, options), 8)} ${pad(percent(row.flat, table.flatTotal), 6)} ${pad(percent(running, table.flatTotal), 6)} ${pad(unparse(row.cum, options), 8)} ${pad(percent(row.cum, table.flatTotal), 6)} ${sym}\n`;
	}
	return out;
}

/** jeprof's ExtractSymbolNameInlineStack: full names, innermost first, `[inline]` marked. */
function inlineStackNames(symbols: SymbolTable, address: string): string[] {
	const list = symbols.get(address);
	if (!list) return [address];
	const out: string[] = [];
	for (let i = list.length - 1; i > 0; i -= 3) {
		let file = list[i - 1]!;
		let fn = list[i]!;
		if (file === '?' || file === ':0') file = '??:0';
		if (fn === '??') fn = file;
		out.push(i === 2 ? fn : `${fn}[inline]`);
	}
	return out;
}

/** `jeprof --collapsed` lines (`root;…;leaf <value>`), in the profile's order (jeprof's is random). */
export function renderCollapsed(symbols: SymbolTable, profile: AddressProfile): string {
	let out = '';
	for (const [k, count] of removeUninterestingFrames(symbols, profile)) {
		const names = (k === '' ? [] : k.split('\n')).flatMap(a => inlineStackNames(symbols, a)).reverse();
		out += `${names.join(';')} ${perlInt(count)}\n`;
	}
	return out;
}

/**
 * A symbol table from `jeprof --raw` output (`0x<pc> full--full…` lines between `--- symbol` and
 * `---`): what jeprof itself resolved, for checking everything downstream of symbolization.
 * File:line is not in --raw; `?` stands in, as jeprof's nm path writes it.
 */
export function symbolTableFromRaw(raw: string): SymbolTable {
	const table: SymbolTable = new Map();
	let inSymbols = false;
	for (const line of raw.split('\n')) {
		if (line.startsWith('--- symbol')) {
			inSymbols = true;
			continue;
		}
		if (line === '---') break;
		if (!inSymbols || line.startsWith('binary=')) continue;
		const m = /^0x([0-9a-f]+) (.*)$/.exec(line);
		if (!m) continue;
		const list: string[] = [];
		for (const full of m[2]!.split('--')) list.push(jeprofShortName(full), '?', full);
		table.set(hexExtend(m[1]!), list);
	}
	return table;
}
