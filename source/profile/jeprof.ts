/**
 * Pure parsers for jemalloc heap profiling artefacts: `jeprof --text` tables (also `--base` growth
 * reports, the interactive `top` and gperftools/Go pprof text), `jeprof --collapsed` folded
 * stacks, heap dump file names, and the heap_v2 dump itself (for a quick live total without
 * running jeprof, which takes seconds on a Zeek binary).
 *
 * Text in, values out: no I/O here.
 */

// ---------------------------------------------------------------------------------------------
// jeprof --text

/** The unit jeprof printed the table in (`Total: 8.3 MB`, `Total: 8716928 B`, `Total: 12 objects`). */
export type JeprofUnit = 'B' | 'kB' | 'KB' | 'MB' | 'GB' | 'TB' | 'objects' | 'samples' | 'seconds';
export type JeprofQuantity = 'bytes' | 'objects' | 'samples' | 'seconds';

export type JeprofRow = {
	/**
	 * Self value in base units: bytes for byte units (jeprof's "MB" is MiB), otherwise the count
	 * named by `quantity` (objects with --inuse_objects). Negative in --base growth reports.
	 */
	flatBytes: number;
	flatPercent: number;
	/** Running total of flatPercent (jeprof's "sum%"). */
	sumPercent: number;
	cumBytes: number;
	cumPercent: number;
	/**
	 * The symbol exactly as printed: jeprof's short name, possibly with ` (inline)`, a
	 * `file:line` (--lines) or a leading address (--addresses). Untrusted: escape before display.
	 */
	function: string;
	/** jeprof printed ` (inline)`: the frame was inlined into its caller. */
	inline: boolean;
	/** The symbol is a bare address (no symbol found, e.g. a stripped library). */
	unsymbolized: boolean;
	/** 1-based line in the input. */
	line: number;
};

export type JeprofTextReport = {
	/** From the `Total:` line (or Go pprof's "... of X total"); undefined when absent. */
	totalBytes: number | undefined;
	unit: JeprofUnit | undefined;
	quantity: JeprofQuantity;
	/**
	 * The smallest step the printed numbers can express, in base units: 104857.6 for jeprof's
	 * one-decimal MB, 1 for --show_bytes. Sums of rows match the total only within this per row.
	 */
	resolution: number;
	rows: JeprofRow[];
	/** Go pprof: "Dropped N nodes (cum <= X)". jeprof --text drops nothing. */
	droppedNodes?: number;
	droppedEdges?: number;
	/** Some value is negative: a --base growth report where memory was freed. */
	hasNegative: boolean;
	/** Lines that started like a row but did not parse (a truncated last line, garbage). */
	malformedLines: Array<{line: number; text: string}>;
	/**
	 * No `Total:` line and no unit suffixes (a pasted excerpt): decimal values were taken as
	 * jeprof's default MB, whole numbers as plain counts.
	 */
	unitAssumed?: boolean;
};

const byteUnits: Record<string, number> = {
	B: 1,
	kB: 1024,
	KB: 1024,
	MB: 1024 * 1024,
	GB: 1024 * 1024 * 1024,
	TB: 1024 * 1024 * 1024 * 1024,
};

function quantityOf(unit: string | undefined): JeprofQuantity {
	if (unit === undefined || unit in byteUnits) return 'bytes';
	if (unit === 'objects') return 'objects';
	if (unit === 'seconds') return 'seconds';
	return 'samples';
}

/**
 * A number as jeprof/pprof print it, with an optional unit suffix (Go pprof: `5.50MB`, `512kB`).
 * Returns the value in base units, or undefined.
 */
function parseAmount(text: string, scale: number): {value: number; decimals: number; scale: number} | undefined {
	const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)([a-zA-Z]*)$/.exec(text);
	if (!m) return undefined;
	const digits = m[1]!;
	const suffix = m[2]!;
	let unitScale = scale;
	if (suffix !== '') {
		const s = byteUnits[suffix];
		if (s === undefined) {
			if (suffix === 's') unitScale = 1;
			else if (suffix === 'ms') unitScale = 1e-3;
			else return undefined;
		} else unitScale = s;
	}
	const dot = digits.indexOf('.');
	return {value: Number(digits) * unitScale, decimals: dot < 0 ? 0 : digits.length - dot - 1, scale: unitScale};
}

/** `12.3%`, `-99.8%`, `100%` (Go), or jeprof's `nan` / `+inf` / `-inf` when the total is 0. */
function parsePercent(text: string): number | undefined {
	if (text === 'nan' || text === '-nan' || text === 'nan%') return Number.NaN;
	if (text === '+inf' || text === 'inf' || text === 'inf%') return Number.POSITIVE_INFINITY;
	if (text === '-inf' || text === '-inf%') return Number.NEGATIVE_INFINITY;
	const m = /^([+-]?\d+(?:\.\d+)?)%$/.exec(text);
	return m ? Number(m[1]) : undefined;
}

// Six columns; the name is the rest of the line and may contain spaces.
const rowPattern = /^\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s(.*)$/;
// A line that starts like a row: a number and a percentage.
const rowStart = /^\s*[+-]?[\d.]+[a-zA-Z]*\s+(?:[+-]?[\d.]+%|nan|[+-]inf)/;

/**
 * Parse `jeprof --text` (and `--text --base=...`, the interactive `top`, gperftools pprof text,
 * Go `pprof -top`). Row format per jeprof's PrintText: `%8s %6s %6s %8s %6s %s`.
 */
export function parseJeprofText(text: string): JeprofTextReport {
	const lines = text.split('\n');
	let unit: JeprofUnit | undefined;
	let totalBytes: number | undefined;
	let scale = 1;
	let resolution = 1;
	let droppedNodes: number | undefined;
	let droppedEdges: number | undefined;
	const rows: JeprofRow[] = [];
	const malformedLines: JeprofTextReport['malformedLines'] = [];
	let hasNegative = false;
	let anySuffix = false;
	let anyDecimal = false;

	for (let i = 0; i < lines.length; i++) {
		const raw = lines[i]!.replace(/\r$/, '');
		const lineNo = i + 1;
		// jeprof: "Total: 8.3 MB"; interactive mode prefixes nothing but prints "(jeprof) top" before.
		const total = /^\s*Total:\s+([+-]?[\d.]+(?:e[+-]?\d+)?)\s+(\S+)\s*$/.exec(raw);
		if (total) {
			const u = total[2]!;
			unit = (u in byteUnits || u === 'objects' || u === 'samples' || u === 'seconds' ? u : 'samples') as JeprofUnit;
			scale = byteUnits[u] ?? 1;
			const amount = parseAmount(total[1]!, scale);
			totalBytes = amount?.value;
			resolution = amount ? scale / 10 ** amount.decimals : scale;
			continue;
		}
		// Go pprof: "Showing nodes accounting for 5.50MB, 100% of 5.50MB total"
		const showing = /^Showing nodes accounting for .*? of (\S+) total/.exec(raw);
		if (showing) {
			const amount = parseAmount(showing[1]!, 1);
			if (amount) {
				totalBytes = amount.value;
				const suffix = /[a-zA-Z]+$/.exec(showing[1]!)?.[0];
				if (suffix && suffix in byteUnits) unit = suffix as JeprofUnit;
			}
			continue;
		}
		const dropped = /^Dropped (\d+) nodes?\b/.exec(raw);
		if (dropped) {
			droppedNodes = Number(dropped[1]);
			continue;
		}
		const droppedE = /^Dropped (\d+) edges?\b/.exec(raw);
		if (droppedE) {
			droppedEdges = Number(droppedE[1]);
			continue;
		}
		if (!rowStart.test(raw)) continue;
		const m = rowPattern.exec(raw);
		const flat = m ? parseAmount(m[1]!, scale) : undefined;
		const flatPct = m ? parsePercent(m[2]!) : undefined;
		const sumPct = m ? parsePercent(m[3]!) : undefined;
		const cum = m ? parseAmount(m[4]!, scale) : undefined;
		const cumPct = m ? parsePercent(m[5]!) : undefined;
		const name = m ? m[6]!.trim() : '';
		if (!m || !flat || flatPct === undefined || sumPct === undefined || !cum || cumPct === undefined || name === '') {
			malformedLines.push({line: lineNo, text: raw});
			continue;
		}
		// Go pprof prints a unit per value.
		if (/[a-zA-Z]$/.test(m[1]!) || /[a-zA-Z]$/.test(m[4]!)) anySuffix = true;
		if (flat.decimals > 0 || cum.decimals > 0) anyDecimal = true;
		if (unit === undefined && flat.scale !== 1) resolution = Math.max(resolution, flat.scale / 10 ** flat.decimals);
		// `-0.0` is a small negative rounded by jeprof: it still marks a shrink.
		if (flat.value < 0 || cum.value < 0 || Object.is(flat.value, -0) || Object.is(cum.value, -0)) hasNegative = true;
		rows.push({
			flatBytes: flat.value,
			flatPercent: flatPct,
			sumPercent: sumPct,
			cumBytes: cum.value,
			cumPercent: cumPct,
			function: name,
			inline: / \(inline\)$/.test(name),
			unsymbolized: /^(?:0x)?[0-9a-fA-F]{8,16}$/.test(name),
			line: lineNo,
		});
	}
	let unitAssumed = false;
	if (unit === undefined && !anySuffix && anyDecimal && rows.length > 0) {
		// gperftools' docs print the table alone; its heap default is MB with one decimal.
		unitAssumed = true;
		unit = 'MB';
		const mb = byteUnits.MB!;
		for (const row of rows) {
			row.flatBytes *= mb;
			row.cumBytes *= mb;
		}
		resolution = mb / 10;
	}
	const report: JeprofTextReport = {
		totalBytes,
		unit,
		quantity: quantityOf(unit),
		resolution,
		rows,
		hasNegative,
		malformedLines,
	};
	if (unitAssumed) report.unitAssumed = true;
	if (droppedNodes !== undefined) report.droppedNodes = droppedNodes;
	if (droppedEdges !== undefined) report.droppedEdges = droppedEdges;
	return report;
}

// ---------------------------------------------------------------------------------------------
// jeprof --collapsed

/** How `[inline]` frames of `jeprof --collapsed` are rendered in the folded key. */
export type InlineFrames =
	/** Keep them, marked with ` (inline)` exactly like `jeprof --text` marks them. */
	| 'mark'
	/** Keep them, without a marker. */
	| 'strip'
	/** Remove inlined frames (only real call frames remain). */
	| 'drop';

export type CollapsedOptions = {inline?: InlineFrames};

// jeprof appends `<0000000000031b30>` (the symbol's start address) to symbols nm listed with a
// duplicate or an offset, and `[inline]` to frames addr2line reported as inlined.
const addrSuffix = /<[0-9a-fA-F]{8,16}>/g;
const inlineMarker = /\[inline\]$/;

/** One frame of `jeprof --collapsed`, normalised: `<addr>` removed, `[inline]` per `inline`. */
export function normalizeCollapsedFrame(frame: string, inline: InlineFrames = 'mark'): string | undefined {
	let f = frame.trim();
	let isInline = false;
	// The marker may sit after or (defensively) before the address suffix.
	for (let k = 0; k < 2; k++) {
		if (inlineMarker.test(f)) {
			isInline = true;
			f = f.slice(0, -'[inline]'.length);
		}
		f = f.replace(/<[0-9a-fA-F]{8,16}>$/, '');
	}
	f = f.replace(addrSuffix, '').trimEnd();
	if (!isInline) return f;
	if (inline === 'drop') return undefined;
	return inline === 'mark' ? `${f} (inline)` : f;
}

/**
 * Parse `jeprof --collapsed` output: `root;...;leaf <bytes>` lines in Perl hash order (any order).
 * Returns folded stack (root → leaf, normalised frames) → bytes; stacks that become identical after
 * normalisation are summed. Values may be 0 (freed since) or negative (--base growth).
 */
export function parseJeprofCollapsed(text: string, options: CollapsedOptions = {}): Map<string, number> {
	const inline = options.inline ?? 'mark';
	const stacks = new Map<string, number>();
	for (const raw of text.split('\n')) {
		const line = raw.replace(/\r$/, '');
		// The count is after the LAST space: frames contain spaces (C++ argument lists).
		const space = line.lastIndexOf(' ');
		if (space <= 0) continue;
		const count = line.slice(space + 1);
		if (!/^[+-]?\d+$/.test(count)) continue;
		const frames: string[] = [];
		for (const frame of line.slice(0, space).split(';')) {
			const f = normalizeCollapsedFrame(frame, inline);
			if (f !== undefined && f !== '') frames.push(f);
		}
		if (frames.length === 0) continue;
		const key = frames.join(';');
		stacks.set(key, (stacks.get(key) ?? 0) + Number(count));
	}
	return stacks;
}

/**
 * jeprof's short function name (its ShortFunctionName, reimplemented): argument lists, template
 * arguments and a leading return type removed; also the `<addr>`, `[inline]`, ` (inline)`,
 * ` [clone .part.0]` and `[abi:cxx11]` decorations (and, unlike jeprof, `operator()` survives). `zeek::IntrusivePtr<X> zeek::make_intrusive<X>(...)` →
 * `zeek::make_intrusive`. Used to aggregate collapsed frames the way `--text` rows do.
 */
export function shortFunctionName(frame: string): string {
	let f = frame.trim().replace(addrSuffix, '');
	f = f.replace(/\s*\[inline\]$/, '').replace(/ \(inline\)$/, '');
	f = f.replace(/ \[clone [^\]]*\]/g, '').replace(/\[abi:[^\]]*\]/g, '');
	// Shield what the bracket stripping below would eat: `(anonymous namespace)`, `operator()`,
	// `operator<<` and friends.
	const shielded: string[] = [];
	f = f.replace(/\(anonymous namespace\)|operator(?:\(\)|<=>|<<=|>>=|<<|>>|<=|>=|->\*|->|<|>)/g, match => {
		shielded.push(match);
		return `\u0000${shielded.length - 1}\u0000`;
	});
	let prev: string;
	do {
		prev = f;
		f = f.replace(/\([^()]*\)(\s*const)?/g, '');
	} while (f !== prev);
	do {
		prev = f;
		f = f.replace(/<[^<>]*>/g, '');
	} while (f !== prev);
	f = f.replace(/^.*\s+(\w+::)/, '$1');
	f = f.replace(/\u0000(\d+)\u0000/g, (_, i: string) => shielded[Number(i)] ?? '');
	return f.trim();
}

// ---------------------------------------------------------------------------------------------
// Dump file names

export type HeapDumpKind =
	/** `.i<n>`: lg_prof_interval (every 2^N bytes allocated). */
	| 'interval'
	/** `.m<n>`: mallctl("prof.dump") without a file name (zeektop's dumpNow, gdb). */
	| 'manual'
	/** `.u<n>`: prof_gdump (a new high-water mark of mapped memory). */
	| 'growth'
	/** `.f`: prof_final, written at exit. */
	| 'final';

export type HeapDumpName = {
	/** prof_prefix as written: may contain dots (`jeprof.out`) and a directory part. */
	prefix: string;
	pid: number;
	/** Per-process sequence shared by all kinds: orders dumps of one pid. */
	seq: number;
	kind: HeapDumpKind;
	/** Per-kind counter (`i3` → 3); undefined for final dumps. */
	index: number | undefined;
};

const dumpName = /^(.*)\.(\d+)\.(\d+)\.(?:([imu])(\d+)|f)\.heap$/;
const kindByLetter: Record<string, HeapDumpKind> = {i: 'interval', m: 'manual', u: 'growth'};

/**
 * jemalloc's dump names (prof_dump_filename in jemalloc 5.x): `<prefix>.<pid>.<seq>.<v><vseq>.heap`
 * and `<prefix>.<pid>.<seq>.f.heap`. Returns undefined for other names (explicit `prof.dump`
 * paths such as `ondemand-worker-1-042613.heap`).
 */
export function parseHeapDumpName(fileName: string): HeapDumpName | undefined {
	const base = fileName.slice(fileName.lastIndexOf('/') + 1);
	const m = dumpName.exec(base);
	if (!m || m[1] === '') return undefined;
	const pid = Number(m[2]);
	const seq = Number(m[3]);
	if (!Number.isSafeInteger(pid) || !Number.isSafeInteger(seq)) return undefined;
	const letter = m[4];
	return {
		prefix: m[1]!,
		pid,
		seq,
		kind: letter === undefined ? 'final' : kindByLetter[letter]!,
		index: m[5] === undefined ? undefined : Number(m[5]),
	};
}

/** Order two parsed dumps: by prefix, pid, then jemalloc's shared sequence number (oldest first). */
export function compareHeapDumpNames(a: HeapDumpName, b: HeapDumpName): number {
	if (a.prefix !== b.prefix) return a.prefix < b.prefix ? -1 : 1;
	if (a.pid !== b.pid) return a.pid - b.pid;
	if (a.seq !== b.seq) return a.seq - b.seq;
	// Same seq cannot happen within one process; keep final last for stability.
	const rank = (d: HeapDumpName) => (d.kind === 'final' ? 1 : 0);
	return rank(a) - rank(b) || (a.index ?? 0) - (b.index ?? 0);
}

/**
 * Sort file names oldest first. jemalloc names sort wrongly as strings (`.10.` before `.2.`), so
 * they are ordered by pid and sequence; names that are not jemalloc's go last, by name.
 */
export function sortHeapDumpNames<T extends string>(fileNames: readonly T[]): T[] {
	const parsed = fileNames.map(name => ({name, dump: parseHeapDumpName(name)}));
	parsed.sort((a, b) => {
		if (a.dump && b.dump) return compareHeapDumpNames(a.dump, b.dump) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
		if (a.dump) return -1;
		if (b.dump) return 1;
		return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
	});
	return parsed.map(p => p.name);
}

// ---------------------------------------------------------------------------------------------
// heap_v2 dump (and the legacy gperftools/pprof "heap profile:" text format)

export type HeapCounts = {objects: number; bytes: number};

export type HeapProfileSummary = {
	format: 'heap_v2' | 'legacy';
	/** Mean bytes between samples (2^lg_prof_sample); 1 = every allocation recorded. */
	samplePeriod: number;
	/** The header's raw `t*:` numbers: sampled, NOT an estimate of live memory when sampled. */
	header: {live: HeapCounts; allocated: HeapCounts};
	/**
	 * Estimated totals, each stack unbiased on its own then summed (what jeprof's `Total:` shows
	 * for --inuse_space / --alloc_space). Equal to the raw numbers when samplePeriod is 1.
	 */
	estimated: {live: HeapCounts; allocated: HeapCounts};
	stackCount: number;
	/** heap_v2: per-thread `t<N>:` rows in the header. */
	threadCount: number;
	/** First executable mapping in MAPPED_LIBRARIES (the program jeprof needs), if present. */
	mainBinary?: string;
	/** Whether the MAPPED_LIBRARIES section was present (a truncated dump lacks it). */
	complete: boolean;
};

/**
 * Scale a sampled (count, bytes) pair to an estimate of what was really allocated. Allocations
 * are sampled with probability 1 - exp(-size/period) (Poisson sampling, jemalloc's
 * PROFILING_INTERNALS.md), so each stack's pair is divided by that probability at the stack's
 * mean size.
 */
export function unbiasSample(objects: number, bytes: number, samplePeriod: number): HeapCounts {
	if (objects === 0 || samplePeriod <= 1) return {objects, bytes};
	const ratio = bytes / objects / samplePeriod;
	const scale = 1 / (1 - Math.exp(-ratio));
	return {objects: objects * scale, bytes: bytes * scale};
}

const countsPair = /(-?\d+):\s*(-?\d+)\s*\[\s*(-?\d+):\s*(-?\d+)\s*\]/;

/**
 * Totals of a heap dump without running jeprof. Reads jemalloc's heap_v2 format (`heap_v2/R`,
 * `t*:` rows, `@ addr...` stacks, `MAPPED_LIBRARIES:`) and the older one-line-per-stack
 * `heap profile: ... @ heapz_v2/R` format of gperftools/pprof. Undefined when the text is
 * neither.
 */
export function parseHeapProfileSummary(text: string): HeapProfileSummary | undefined {
	const firstNl = text.indexOf('\n');
	const first = (firstNl < 0 ? text : text.slice(0, firstNl)).trim();
	const v2 = /^heap_v2\/(\d+)$/.exec(first);
	if (v2) return parseHeapV2(text, Number(v2[1]));
	const legacy = /^heap profile:\s*(.*?)\s*@\s*(\S+?)(?:\/(\d+))?$/.exec(first);
	if (legacy) return parseLegacyHeap(text, legacy[1]!, legacy[2]!, legacy[3]);
	return undefined;
}

function zeroCounts(): HeapCounts {
	return {objects: 0, bytes: 0};
}

function add(into: HeapCounts, c: HeapCounts): void {
	into.objects += c.objects;
	into.bytes += c.bytes;
}

function mainBinaryFromMaps(mapsText: string): string | undefined {
	for (const line of mapsText.split('\n')) {
		// /proc/PID/maps line: addr perms offset dev inode path
		const m = /^\s*[0-9a-f]+-[0-9a-f]+\s+(\S+)\s+\S+\s+\S+\s+\d+\s+(\/.*)$/.exec(line);
		if (m && m[1]!.includes('x')) return m[2]!.trim();
		// gperftools format: "start-end: /path"
		const g = /^\s*[0-9a-f]+-[0-9a-f]+:\s+(\/.*)$/.exec(line);
		if (g) return g[1]!.trim();
	}
	return undefined;
}

function parseHeapV2(text: string, period: number): HeapProfileSummary {
	const header = {live: zeroCounts(), allocated: zeroCounts()};
	const estimated = {live: zeroCounts(), allocated: zeroCounts()};
	let stackCount = 0;
	let threadCount = 0;
	let inStack = false;
	let sawHeaderTotal = false;
	let mapsAt = -1;
	let pos = text.indexOf('\n') + 1;
	while (pos > 0 && pos < text.length) {
		let end = text.indexOf('\n', pos);
		if (end < 0) end = text.length;
		const line = text.slice(pos, end);
		pos = end + 1;
		if (line.startsWith('@')) {
			inStack = true;
			stackCount++;
			continue;
		}
		if (line.startsWith('MAPPED_LIBRARIES:')) {
			mapsAt = pos;
			break;
		}
		const t = /^\s*t(\*|\d+):\s*(.*)$/.exec(line);
		if (!t) continue;
		const pair = countsPair.exec(t[2]!);
		if (!pair) continue;
		const live = {objects: Number(pair[1]), bytes: Number(pair[2])};
		const allocated = {objects: Number(pair[3]), bytes: Number(pair[4])};
		if (!inStack) {
			if (t[1] === '*') {
				if (!sawHeaderTotal) {
					header.live = live;
					header.allocated = allocated;
					sawHeaderTotal = true;
				}
			} else threadCount++;
			continue;
		}
		// Only the t* row of a stack counts; per-thread rows split the same numbers.
		if (t[1] !== '*') continue;
		add(estimated.live, unbiasSample(live.objects, live.bytes, period));
		add(estimated.allocated, unbiasSample(allocated.objects, allocated.bytes, period));
	}
	const summary: HeapProfileSummary = {
		format: 'heap_v2',
		samplePeriod: period,
		header,
		estimated,
		stackCount,
		threadCount,
		complete: mapsAt >= 0,
	};
	if (mapsAt >= 0) {
		const bin = mainBinaryFromMaps(text.slice(mapsAt, mapsAt + 65536));
		if (bin) summary.mainBinary = bin;
	}
	return summary;
}

function parseLegacyHeap(text: string, headerCounts: string, type: string, rate: string | undefined): HeapProfileSummary {
	// Sampling as pprof reads these: heapz_v2/R is Poisson at R; "heap/R" (Go) at R/2;
	// growthz and un-rated profiles record every allocation.
	let period = 1;
	if (rate !== undefined) period = type === 'heap' ? Number(rate) / 2 : Number(rate);
	if (type === 'growthz' || type === 'growth') period = 1;
	const header = {live: zeroCounts(), allocated: zeroCounts()};
	const h = countsPair.exec(headerCounts);
	if (h) {
		header.live = {objects: Number(h[1]), bytes: Number(h[2])};
		header.allocated = {objects: Number(h[3]), bytes: Number(h[4])};
	}
	const estimated = {live: zeroCounts(), allocated: zeroCounts()};
	let stackCount = 0;
	let complete = false;
	let mainBinary: string | undefined;
	const lines = text.split('\n');
	for (let i = 1; i < lines.length; i++) {
		const line = lines[i]!;
		if (line.startsWith('MAPPED_LIBRARIES:')) {
			complete = true;
			mainBinary = mainBinaryFromMaps(lines.slice(i + 1, i + 2000).join('\n'));
			break;
		}
		const at = line.indexOf('@');
		if (at < 0) continue;
		const pair = countsPair.exec(line.slice(0, at));
		if (!pair) continue;
		stackCount++;
		add(estimated.live, unbiasSample(Number(pair[1]), Number(pair[2]), period));
		add(estimated.allocated, unbiasSample(Number(pair[3]), Number(pair[4]), period));
	}
	const summary: HeapProfileSummary = {
		format: 'legacy',
		samplePeriod: period,
		header,
		estimated,
		stackCount,
		threadCount: 0,
		complete,
	};
	if (mainBinary) summary.mainBinary = mainBinary;
	return summary;
}
