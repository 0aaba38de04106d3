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
import {BLOCK_CACHE_MAX, BLOCK_CACHE_MAX_CHARS, BLOCK_MAX_CHARS, BUCKET_MAX, type Block, EVENT_LINE, JIT_MODULE, LINE_CACHE_MAX, type ModuleInfo, PERIOD_EVENT, STACK_LINE, blankAfter, bytesEqual, copyBytes, detach, fingerprint, fingerprintBytes, flat, isLowerHex, isSpace, isWord, latin1, perlFalse} from './fold-bytes.js';
import {formatFolded} from './folded.js';

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
	/** Sample bodies by fingerprint (separate for java processes, like the line caches). */
	private readonly blockCache = new Map<number, Block[]>();
	private readonly javaBlockCache = new Map<number, Block[]>();
	private readonly byteBlockCache = new Map<number, Block[]>();
	private readonly javaByteBlockCache = new Map<number, Block[]>();
	private carryBytes: Uint8Array | undefined;
	private blockCount = 0;
	private blockCacheChars = 0;

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
		// The line split between two pieces is read on its own: `carry + chunk` would be a V8
		// cons string, on which every indexOf/charCodeAt is several times slower.
		if (this.carryBytes !== undefined) {
			// Byte pieces came first: their unfinished line becomes text.
			this.carry = latin1(this.carryBytes, 0, this.carryBytes.length);
			this.carryBytes = undefined;
		}
		let start = 0;
		let event = false;
		if (this.carry.length > 0) {
			const nl = chunk.indexOf('\n');
			if (nl < 0) {
				this.carry = flat(this.carry + chunk);
				return;
			}
			const first = flat(this.carry + chunk.slice(0, nl));
			this.carry = '';
			event = this.line(first, 0, first.length);
			start = nl + 1;
		}
		this.scan(chunk, start, event);
	}

	/** The whole lines of text from start (the line before start was an event line if `event`). */
	private scan(text: string, start: number, event: boolean): void {
		// Where the next blank line is (its preceding newline), searched again only once passed:
		// one scan of the text however many event lines there are. -1: none before the end.
		let blank = -2;
		// Event lines before this index are inside a body already found unfit for the fast path.
		let slowUntil = -1;
		let nl = start - 1;
		for (;;) {
			if (event && nl >= slowUntil) {
				// nl ends an event line: its body and blank line at once, when plain.
				if (blank !== -1 && blank < nl) blank = text.indexOf('\n\n', nl);
				if (blank >= 0 && blank - nl <= BLOCK_MAX_CHARS && this.block(text, nl + 1, blank + 1)) {
					start = blank + 2;
				} else {
					slowUntil = blank < 0 ? text.length : blank;
				}
			}
			nl = text.indexOf('\n', start);
			if (nl < 0) break;
			event = this.line(text, start, nl);
			start = nl + 1;
		}
		this.carry = start === 0 ? text : text.slice(start);
	}

	/**
	 * Feed the next piece of input as bytes, each byte one latin1 character (what `zeektop fold`
	 * reads: the Perl script's byte semantics). The same result as push() of the decoded text,
	 * cheaper: a repeated sample body is compared as bytes and never decoded, so most of the input
	 * never becomes a string. `bytes` may be reused by the caller once this returns.
	 */
	pushLatin1(bytes: Uint8Array): void {
		if (this.carry.length > 0) {
			// Text pieces came first: go on as text.
			this.push(latin1(bytes, 0, bytes.length));
			return;
		}
		let start = 0;
		let event = false;
		const carry = this.carryBytes;
		if (carry !== undefined) {
			const nl = bytes.indexOf(10);
			if (nl < 0) {
				const joined = new Uint8Array(carry.length + bytes.length);
				joined.set(carry);
				joined.set(bytes, carry.length);
				this.carryBytes = joined;
				return;
			}
			this.carryBytes = undefined;
			const first = latin1(carry, 0, carry.length) + latin1(bytes, 0, nl);
			event = this.line(first, 0, first.length);
			start = nl + 1;
		}
		let blank = -2;
		let slowUntil = -1;
		let nl = start - 1;
		for (;;) {
			if (event && nl >= slowUntil) {
				if (blank !== -1 && blank < nl) blank = blankAfter(bytes, nl);
				if (blank >= 0 && blank - nl <= BLOCK_MAX_CHARS && this.byteBlock(bytes, nl + 1, blank + 1)) {
					start = blank + 2;
				} else {
					slowUntil = blank < 0 ? bytes.length : blank;
				}
			}
			nl = bytes.indexOf(10, start);
			if (nl < 0) break;
			if (nl === start) {
				event = this.line('', 0, 0);
			} else {
				const c = bytes[start]!;
				// A stack line (indented) or an event line, decoded alone; comments are skipped.
				event = c === 35 ? false : this.line(latin1(bytes, start, nl), 0, nl - start);
			}
			start = nl + 1;
		}
		if (start < bytes.length) this.carryBytes = copyBytes(bytes, start, bytes.length);
	}

	/** block() for bytes[s, e). */
	private byteBlock(bytes: Uint8Array, s: number, e: number): boolean {
		const java = this.pnameIsJava;
		const fp = fingerprintBytes(bytes, s, e);
		let bucket = (java ? this.javaByteBlockCache : this.byteBlockCache).get(fp);
		let b: Block | undefined;
		if (bucket !== undefined) {
			const body = bytes.subarray(s, e);
			for (const c of bucket) {
				if (bytesEqual(c.body as Uint8Array, body)) {
					b = c;
					break;
				}
			}
		}
		if (b === undefined) {
			if (bucket !== undefined && bucket.length >= BUCKET_MAX) return false;
			b = this.readBlock(latin1(bytes, s, e));
			if (b === undefined) return false;
			b.body = copyBytes(bytes, s, e);
			if (this.blockCount >= BLOCK_CACHE_MAX || this.blockCacheChars + (e - s) > BLOCK_CACHE_MAX_CHARS) {
				this.flushBlocks();
				bucket = undefined;
			}
			this.blockCount++;
			this.blockCacheChars += e - s;
			if (bucket === undefined) (java ? this.javaByteBlockCache : this.byteBlockCache).set(fp, [b]);
			else bucket.push(b);
		}
		this.applyBlock(b);
		return true;
	}

	/**
	 * End of input. A final line without a newline is still read, but like the Perl script a
	 * sample is only counted at the blank line that ends it (unless `flushAtEnd`).
	 */
	finish(): FoldResult {
		if (this.carryBytes !== undefined) {
			this.carry = latin1(this.carryBytes, 0, this.carryBytes.length);
			this.carryBytes = undefined;
		}
		if (this.carry.length > 0) {
			const text = this.carry;
			this.carry = '';
			this.line(text, 0, text.length);
		}
		if (this.flushAtEnd) this.endSample();
		this.flushBlocks();
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

	/** One line; true when it was an event line. */
	private line(text: string, s: number, e: number): boolean {
		if (s === e) {
			this.endSample();
			return false;
		}
		const c = text.charCodeAt(s);
		if (c === 35 /* # */) return false; // comments, including the `# cmdline` header
		if (!isSpace(c)) {
			// Only event lines (and the odd unindented stack line) start in column 0.
			const l = text.slice(s, e);
			const m = EVENT_LINE.exec(l);
			if (m) {
				this.eventLine(l, m);
				return true;
			}
		}
		this.stackLine(text, s, e);
		return false;
	}

	/**
	 * The body text[s, e) (whole lines, each ending in a newline) followed by a blank line, read
	 * exactly as line() would read its lines and the blank line. False, having done nothing, when
	 * a line of the body starts in column 0 (a comment or an event line: not plain stack lines).
	 */
	private block(text: string, s: number, e: number): boolean {
		const java = this.pnameIsJava;
		const fp = fingerprint(text, s, e);
		const body = text.slice(s, e);
		let bucket = (java ? this.javaBlockCache : this.blockCache).get(fp);
		let b: Block | undefined;
		if (bucket !== undefined) {
			for (const c of bucket) {
				if (c.body === body) {
					b = c;
					break;
				}
			}
		}
		if (b === undefined) {
			if (bucket !== undefined && bucket.length >= BUCKET_MAX) return false;
			b = this.readBlock(body);
			if (b === undefined) return false;
			if (this.blockCount >= BLOCK_CACHE_MAX || this.blockCacheChars + body.length > BLOCK_CACHE_MAX_CHARS) {
				this.flushBlocks();
				bucket = undefined;
			}
			this.blockCount++;
			this.blockCacheChars += body.length;
			if (bucket === undefined) (java ? this.javaBlockCache : this.blockCache).set(fp, [b]);
			else bucket.push(b);
		}
		this.applyBlock(b);
		return true;
	}

	/** A sample body and its closing blank line, as line() would read them. */
	private applyBlock(b: Block): void {
		if (b.unrecognized > 0) {
			this.unrecognizedLines += b.unrecognized;
			this.firstUnrecognized ??= b.firstUnrecognized;
		}
		const pname = this.pname;
		if (perlFalse(pname)) return; // a filtered sample: endSample would do nothing
		if (this.frames.length > 0) {
			// Frames left from a sample that had no blank line: join them the slow way.
			for (const g of b.groups) this.frames.push(g);
			this.endSample();
			return;
		}
		const w = b.roots.get(pname!);
		if (w === undefined) {
			const root = detach(pname!);
			b.roots.set(root, this.period);
			// Keep `stacks` in first-seen order, as endSample would have inserted it.
			const stack = root + b.suffix;
			if (!this.stacks.has(stack)) this.stacks.set(stack, 0);
		} else {
			b.roots.set(pname!, w + this.period);
		}
		this.samples++;
		this.weight += this.period;
		this.pname = undefined;
	}

	/** A body's lines read once, or undefined when one starts in column 0. */
	private readBlock(body: string): Block | undefined {
		const groups: string[] = [];
		let unrecognized = 0;
		let firstUnrecognized: string | undefined;
		let s = 0;
		while (s < body.length) {
			const nl = body.indexOf('\n', s);
			if (!isSpace(body.charCodeAt(s))) return undefined;
			const line = body.slice(s, nl);
			const group = this.lineGroup(line);
			if (group === false) {
				unrecognized++;
				firstUnrecognized ??= detach(line);
			} else if (group !== null) {
				groups.push(group);
			}
			s = nl + 1;
		}
		let suffix = '';
		for (let i = groups.length - 1; i >= 0; i--) suffix += ';' + groups[i];
		return {body: detach(body), suffix: detach(suffix), groups, unrecognized, firstUnrecognized, roots: new Map()};
	}

	/** Counts of the cached bodies into `stacks`; the caches emptied. */
	private flushBlocks(): void {
		for (const cache of [this.blockCache, this.javaBlockCache, this.byteBlockCache, this.javaByteBlockCache]) {
			for (const bucket of cache.values()) {
				for (const b of bucket) {
					for (const [root, w] of b.roots) {
						const stack = root + b.suffix;
						this.stacks.set(stack, (this.stacks.get(stack) ?? 0) + w);
					}
				}
			}
			cache.clear();
		}
		this.blockCount = 0;
		this.blockCacheChars = 0;
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
		const group = this.lineGroup(line);
		if (group === false) {
			this.unrecognizedLines++;
			this.firstUnrecognized ??= detach(line);
			return;
		}
		if (group === null || perlFalse(this.pname)) return; // no frame, or a filtered sample
		this.frames.push(group);
	}

	/** A stack line's tidied frames (cached): see parseStackLine. */
	private lineGroup(line: string): string | null | false {
		const cache = this.pnameIsJava ? this.javaLineCache : this.lineCache;
		let group = cache.get(line);
		if (group === undefined) {
			group = this.parseStackLine(line);
			if (typeof group === 'string') group = detach(group);
			if (cache.size >= LINE_CACHE_MAX) cache.clear();
			cache.set(detach(line), group);
		}
		return group;
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


export {compareBytewise, formatFolded, parseFolded, sortedStackKeys} from './folded.js';
