/**
 * `perf script` text → folded stacks, byte-compatible with FlameGraph's stackcollapse-perf.pl
 * (the version at FlameGraph 41fee1f, 2021: period-weighted counts, first-event-type filter,
 * `--pid --tid --kernel --jit --all --addrs`). Reimplemented from the documented behaviour and
 * checked against the upstream results in shared/corpora/perf-folding; no Perl was copied.
 *
 * Pure and streaming: a capture feeds `perf script` stdout chunk by chunk into a PerfFolder, so
 * the whole text is never held. Lines are scanned by index (indexOf / charCodeAt) rather than
 * with a regex per line; the Perl regexes are only run on the rare lines the fast path cannot
 * decide, so odd input still folds exactly as the Perl script would.
 */

export type FoldOptions = {
	/** Root frame `comm-PID` (`comm-?` when the event line has only a TID). */
	pid?: boolean;
	/** Root frame `comm-PID/TID`; wins over `pid`. */
	tid?: boolean;
	/** Append `_[k]` to kernel frames (module starts with `[` or ends in `vmlinux`). */
	kernel?: boolean;
	/** Append `_[j]` to JIT frames (module `/tmp/perf-<N>.map`). */
	jit?: boolean;
	/** kernel + jit. */
	all?: boolean;
	/** Unresolved frames become `[module <PC>]` instead of `[module]`. */
	addrs?: boolean;
	/**
	 * Not a Perl flag: also count a sample left open at end of input (no closing blank line),
	 * as inferno does. Off by default for byte-compatibility; `perf script` ends every sample
	 * with a blank line, so it only matters for truncated or hand-made input.
	 */
	flushAtEnd?: boolean;
};

export type FoldResult = {
	/** folded stack (root first, `;`-separated) → summed sample period (or sample count). */
	stacks: Map<string, number>;
	/** Samples folded into `stacks`. */
	samples: number;
	/** Sum of all counts in `stacks`. */
	weight: number;
	/** The event type that was folded (the first one seen), when the event lines name one. */
	event?: string;
	/** Samples of other event types, dropped like the Perl script does. */
	otherEventSamples: number;
	/** Lines that are neither an event line, a stack line, a comment nor blank. */
	unrecognizedLines: number;
	/** The first such line, for a diagnostic. */
	firstUnrecognized?: string;
};

// Perl's \s (no locale, byte semantics): space, \t, \n, \v, \f, \r.
function isSpace(c: number): boolean {
	return c === 32 || (c >= 9 && c <= 13);
}

// Perl's \w on bytes: [A-Za-z0-9_].
function isWord(c: number): boolean {
	return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

function isLowerHex(c: number): boolean {
	return (c >= 48 && c <= 57) || (c >= 97 && c <= 102);
}

/**
 * A copy of `s` that does not keep its source alive. V8 represents a slice as a view of its
 * parent string, so a cached slice of one stdout chunk would pin the whole chunk: over a long
 * capture the caches would hold most of the input. Concatenating then slicing forces a fresh
 * flat string. Only used when something is remembered (cache misses), so it costs little.
 */
function detach(s: string): string {
	return s.length < 13 ? s : (' ' + s).slice(1);
}

// Perl treats undef, '' and '0' as false; the script tests TIDs and periods that way.
function perlFalse(s: string | undefined): boolean {
	return s === undefined || s === '' || s === '0';
}

// The Perl patterns, with Perl's ASCII \s spelled out (JS \s also matches Unicode spaces).
const EVENT_LINE = /^([^\t\n\v\f\r ][^\n]+?)[\t\n\v\f\r ]+(\d+)\/*(\d+)*[\t\n\v\f\r ]+/;
const PERIOD_EVENT = /:[\t\n\v\f\r ]*(\d+)*[\t\n\v\f\r ]+([^\t\n\v\f\r ]+):[\t\n\v\f\r ]*$/;
const STACK_LINE = /^[\t\n\v\f\r ]*([A-Za-z0-9_]+)[\t\n\v\f\r ]*([^\n]+) \(([^\t\n\v\f\r ]*)\)/;
const JIT_MODULE = /\/tmp\/perf-\d+\.map/;

/** Bound on remembered stack lines (~200 bytes each with the Map): a long capture cannot grow it. */
const LINE_CACHE_MAX = 50_000;

type ModuleInfo = {base: string; kernel: boolean; jit: boolean};

export class PerfFolder {
	private readonly pidMode: boolean;
	private readonly tidMode: boolean;
	private readonly kernel: boolean;
	private readonly jit: boolean;
	private readonly addrs: boolean;
	private readonly flushAtEnd: boolean;

	private readonly stacks = new Map<string, number>();
	private samples = 0;
	private weight = 0;
	private eventFilter: string | undefined;
	private otherEventSamples = 0;
	private unrecognizedLines = 0;
	private firstUnrecognized: string | undefined;

	private carry = '';
	/** Root frame of the sample being read; undefined between samples or for a filtered one. */
	private pname: string | undefined;
	private pnameIsJava = false;
	private period = 1;
	/** Frame groups in input order (leaf first); each group is one line's `;`-joined frames. */
	private frames: string[] = [];

	/** Parsed stack line → tidied frames (separate for java processes, which tidy differently). */
	private readonly lineCache = new Map<string, string | null | false>();
	private readonly javaLineCache = new Map<string, string | null | false>();
	private readonly modules = new Map<string, ModuleInfo>();

	constructor(options: FoldOptions = {}) {
		this.tidMode = options.tid === true;
		this.pidMode = options.pid === true;
		this.kernel = options.kernel === true || options.all === true;
		this.jit = options.jit === true || options.all === true;
		this.addrs = options.addrs === true;
		this.flushAtEnd = options.flushAtEnd === true;
	}

	/** Samples folded so far (for progress while streaming). */
	get sampleCount(): number {
		return this.samples;
	}

	/** Feed the next piece of `perf script` text; pieces may split lines anywhere. */
	push(chunk: string): void {
		const text = this.carry.length > 0 ? this.carry + chunk : chunk;
		let start = 0;
		let nl = text.indexOf('\n', start);
		while (nl >= 0) {
			this.line(text, start, nl);
			start = nl + 1;
			nl = text.indexOf('\n', start);
		}
		this.carry = start === 0 ? text : text.slice(start);
	}

	/**
	 * End of input. A final line without a newline is still read, but like the Perl script a
	 * sample is only counted at the blank line that ends it (unless `flushAtEnd`).
	 */
	finish(): FoldResult {
		if (this.carry.length > 0) {
			const text = this.carry;
			this.carry = '';
			this.line(text, 0, text.length);
		}
		if (this.flushAtEnd) this.endSample();
		return {
			stacks: this.stacks,
			samples: this.samples,
			weight: this.weight,
			event: this.eventFilter,
			otherEventSamples: this.otherEventSamples,
			unrecognizedLines: this.unrecognizedLines,
			firstUnrecognized: this.firstUnrecognized,
		};
	}

	private line(text: string, s: number, e: number): void {
		if (s === e) {
			this.endSample();
			return;
		}
		const c = text.charCodeAt(s);
		if (c === 35 /* # */) return; // comments, including the `# cmdline` header
		if (!isSpace(c)) {
			// Only event lines (and the odd unindented stack line) start in column 0.
			const l = text.slice(s, e);
			const m = EVENT_LINE.exec(l);
			if (m) {
				this.eventLine(l, m);
				return;
			}
		}
		this.stackLine(text, s, e);
	}

	private endSample(): void {
		if (perlFalse(this.pname)) return; // between samples, or a filtered event type
		let stack = this.pname!;
		const frames = this.frames;
		for (let i = frames.length - 1; i >= 0; i--) stack += ';' + frames[i];
		this.stacks.set(stack, (this.stacks.get(stack) ?? 0) + this.period);
		this.samples++;
		this.weight += this.period;
		this.frames = [];
		this.pname = undefined;
	}

	private eventLine(line: string, m: RegExpExecArray): void {
		const comm = m[1]!;
		let pid = m[2]!;
		let tid = m[3];
		if (perlFalse(tid)) {
			// Default `perf script` prints only the TID.
			tid = pid;
			pid = '?';
		}
		let period: string | undefined;
		const pe = PERIOD_EVENT.exec(line);
		if (pe) {
			period = pe[1];
			const event = pe[2]!;
			if (this.eventFilter === undefined) {
				// Only the first event type seen is folded: summing cycles with instructions
				// would be meaningless.
				this.eventFilter = detach(event);
			} else if (event !== this.eventFilter) {
				this.otherEventSamples++;
				return;
			}
		}
		this.period = perlFalse(period) ? 1 : Number(period);
		let pname = this.tidMode ? `${comm}-${pid}/${tid}` : this.pidMode ? `${comm}-${pid}` : comm;
		if (pname.includes(' ')) pname = pname.replaceAll(' ', '_');
		this.pname = pname;
		this.pnameIsJava = pname.startsWith('java');
	}

	private stackLine(text: string, s: number, e: number): void {
		// Stacks repeat: most stack lines were seen before, byte for byte (same PC, symbol and
		// module), so the tidied result is looked up by the whole line. Hashing a line natively
		// is cheaper than scanning it again.
		const line = text.slice(s, e);
		const cache = this.pnameIsJava ? this.javaLineCache : this.lineCache;
		let group = cache.get(line);
		if (group === undefined) {
			group = this.parseStackLine(line);
			if (typeof group === 'string') group = detach(group);
			if (cache.size >= LINE_CACHE_MAX) cache.clear();
			cache.set(detach(line), group);
		}
		if (group === false) {
			this.unrecognizedLines++;
			this.firstUnrecognized ??= detach(line);
			return;
		}
		if (group === null || perlFalse(this.pname)) return; // no frame, or a filtered sample
		this.frames.push(group);
	}

	/**
	 * `^\s*(\w+)\s*(.+) \((\S*)\)` → the line's tidied frames, null when it adds none, false
	 * when it is not a stack line. Fast path: the regex's first choice is the whole word run as
	 * PC, all following blanks, and the last ` (` whose blank-free tail holds a `)`.
	 */
	private parseStackLine(line: string): string | null | false {
		const e = line.length;
		let i = 0;
		while (i < e && isSpace(line.charCodeAt(i))) i++;
		const pcStart = i;
		while (i < e && isWord(line.charCodeAt(i))) i++;
		const pcEnd = i;
		if (pcEnd === pcStart) return false;
		while (i < e && isSpace(line.charCodeAt(i))) i++;
		const funcStart = i;
		let q = e >= 2 ? line.lastIndexOf(' (', e - 2) : -1;
		let modEnd = -1;
		while (q > funcStart) {
			let runEnd = q + 2;
			while (runEnd < e && !isSpace(line.charCodeAt(runEnd))) runEnd++;
			for (let j = runEnd - 1; j >= q + 2; j--) {
				if (line.charCodeAt(j) === 41 /* ) */) {
					modEnd = j;
					break;
				}
			}
			if (modEnd >= 0) break;
			q = q > 0 ? line.lastIndexOf(' (', q - 1) : -1;
		}
		if (modEnd < 0) {
			// The regex may still match by backtracking into the PC (e.g. `ffff (x)`).
			const m = STACK_LINE.exec(line);
			if (!m) return false;
			return this.tidyFrames(m[1]!, m[2]!, m[3]!);
		}
		return this.tidyFrames(line.slice(pcStart, pcEnd), line.slice(funcStart, q), line.slice(q + 2, modEnd));
	}

	private moduleInfo(mod: string): ModuleInfo {
		let info = this.modules.get(mod);
		if (!info) {
			info = {
				base: mod.slice(mod.lastIndexOf('/') + 1),
				kernel: (mod.startsWith('[') || mod.endsWith('vmlinux')) && !mod.includes('unknown'),
				jit: JIT_MODULE.test(mod),
			};
			info.base = detach(info.base);
			this.modules.set(detach(mod), info);
		}
		return info;
	}

	/** One stack line's frames (outermost first, `;`-joined), or null when it adds none. */
	private tidyFrames(pc: string, rawFunc: string, mod: string): string | null {
		// Strip a trailing `+0x<hex>` symbol offset (lowercase hex, as perf prints it).
		const plus = rawFunc.lastIndexOf('+0x');
		if (plus >= 0 && plus + 3 < rawFunc.length) {
			let hex = true;
			for (let k = plus + 3; k < rawFunc.length; k++) {
				if (!isLowerHex(rawFunc.charCodeAt(k))) {
					hex = false;
					break;
				}
			}
			if (hex) rawFunc = rawFunc.slice(0, plus);
		}
		if (rawFunc.charCodeAt(0) === 40 /* ( */) return null; // a process name, not a frame

		// Java inlining: `outer->inner->innermost` on one line. Perl's split drops trailing
		// empty fields (and yields nothing for an empty string).
		const parts = rawFunc.includes('->') ? rawFunc.split('->') : [rawFunc];
		while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
		if (parts.length === 0) return null;

		let out = '';
		for (let n = 0; n < parts.length; n++) {
			let func = parts[n]!;
			if (func === '[unknown]') {
				const base = mod === '[unknown]' ? 'unknown' : this.moduleInfo(mod).base;
				func = this.addrs ? `[${base} <${pc}>]` : `[${base}]`;
			}
			func = tidyGeneric(func);
			if (this.pnameIsJava && func.charCodeAt(0) === 76 /* L */ && func.includes('/')) {
				func = func.slice(1); // Lorg/foo/Bar; → org/foo/Bar:
			}
			if (n > 0) {
				if (!func.includes('_[i]')) func += '_[i]';
			} else if (this.kernel && this.moduleInfo(mod).kernel) {
				func += '_[k]';
			} else if (this.jit && this.moduleInfo(mod).jit) {
				if (!func.includes('_[j]')) func += '_[j]';
			}
			out = n === 0 ? func : out + ';' + func;
		}
		return out;
	}
}

/**
 * `;` → `:`; drop argument lists from the first `(` (kept for Go methods like
 * `net/http.(*Client).Do` and for `(anonymous namespace)`); delete quotes.
 */
function tidyGeneric(func: string): string {
	if (func.includes(';')) func = func.replaceAll(';', ':');
	let paren = func.indexOf('(');
	if (paren >= 0) {
		const dotParen = func.indexOf('.(');
		const isGoMethod = dotParen >= 0 && func.lastIndexOf(').') >= dotParen + 2;
		if (!isGoMethod) {
			while (paren >= 0 && func.startsWith('anonymous namespace)', paren + 1)) {
				paren = func.indexOf('(', paren + 1);
			}
			if (paren >= 0) func = func.slice(0, paren);
		}
	}
	if (func.includes('"')) func = func.replaceAll('"', '');
	if (func.includes("'")) func = func.replaceAll("'", '');
	return func;
}

/** Fold a whole `perf script` text at once. */
export function foldPerfScriptToMap(text: string, options: FoldOptions = {}): FoldResult {
	const folder = new PerfFolder(options);
	folder.push(text);
	return folder.finish();
}

/** Fold a whole `perf script` text into stackcollapse-perf.pl's output text. */
export function foldPerfScript(text: string, options: FoldOptions = {}): string {
	return formatFolded(foldPerfScriptToMap(text, options).stacks);
}

/**
 * Byte-wise order of the UTF-8 encodings (Perl's `cmp` on bytes), which is code point order.
 * JS string comparison is UTF-16 code unit order; the two only disagree when a surrogate pair
 * (astral character) meets a character in U+E000..U+FFFF.
 */
export function compareBytewise(a: string, b: string): number {
	const n = Math.min(a.length, b.length);
	for (let i = 0; i < n; i++) {
		let x = a.charCodeAt(i);
		let y = b.charCodeAt(i);
		if (x === y) continue;
		if (x >= 0xd800 && y >= 0xd800) {
			x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
			y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
		}
		return x - y;
	}
	return a.length - b.length;
}

const HIGH_UNITS = /[\uD800-\uFFFF]/;

export function sortedStackKeys(stacks: ReadonlyMap<string, number>): string[] {
	const keys = [...stacks.keys()];
	// Default sort is UTF-16 order: right unless some key has a unit at or above U+D800.
	if (keys.some(k => HIGH_UNITS.test(k))) keys.sort(compareBytewise);
	else keys.sort();
	return keys;
}

/** `stack count\n` lines in byte-wise order of the stack text, as the Perl script prints them. */
export function formatFolded(stacks: ReadonlyMap<string, number>): string {
	let out = '';
	for (const key of sortedStackKeys(stacks)) out += `${key} ${stacks.get(key)!}\n`;
	return out;
}

/**
 * Read folded stacks (`frame;frame;... count` lines). Tolerant: blank and malformed lines are
 * ignored, a trailing `\r` is dropped, duplicate stacks are summed, counts may be fractional.
 * The stack is everything before the last blank, kept verbatim.
 */
export function parseFolded(text: string): Map<string, number> {
	const stacks = new Map<string, number>();
	let start = 0;
	while (start < text.length) {
		let end = text.indexOf('\n', start);
		if (end < 0) end = text.length;
		let lineEnd = end;
		if (lineEnd > start && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
		let space = lineEnd - 1;
		while (space >= start && !isSpace(text.charCodeAt(space))) space--;
		if (space > start && space < lineEnd - 1) {
			const count = Number(text.slice(space + 1, lineEnd));
			// Only the last blank separates: a frame may itself end in a blank (`foo (bar (x))`
			// tidies to `foo `), so `foo  3` is the stack `foo ` with count 3.
			if (Number.isFinite(count)) {
				const stack = text.slice(start, space);
				stacks.set(stack, (stacks.get(stack) ?? 0) + count);
			}
		}
		start = end + 1;
	}
	return stacks;
}
