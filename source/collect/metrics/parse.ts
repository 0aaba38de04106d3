/**
 * Parser for the Prometheus text exposition format 0.0.4 (with the UTF-8 quoted-name extension)
 * and the OpenMetrics 1.0 text format. Text in, metric families out; pure, no I/O.
 *
 * Four rule sets, chosen by `format` and `strict`:
 *
 * | format        | strict | follows                                                            |
 * |---------------|--------|--------------------------------------------------------------------|
 * | prometheus    | false  | the Prometheus server's scrape parser (what a real scrape must pass) |
 * | prometheus    | true   | prometheus/common expfmt TextParser (final newline, no unknown escapes, one HELP/TYPE, histogram counts ≥ 0, le/quantile floats) |
 * | openmetrics   | false  | the Prometheus server's OpenMetrics parser: OM syntax, `# EOF`, no semantic checks |
 * | openmetrics   | true   | the OpenMetrics 1.0 spec as its official parser test suite reads it (grouping, ordering, bucket/quantile/value rules, exemplar placement) |
 *
 * `auto` picks openmetrics when the text ends with a `# EOF` line, else prometheus. `strict`
 * defaults to true for an explicit `openmetrics` and to false otherwise, so real exporters'
 * quirks pass (Zeek's exposer writes `Nan`, a gauge with `le="inf"`, samples without HELP).
 *
 * Samples are grouped into families by name: a `# TYPE x histogram` family takes `x_bucket`,
 * `x_count`, `x_sum`, `x_created` with any labels; `summary` takes `x`, `x_count`, `x_sum`,
 * `x_created`; OpenMetrics `counter` takes `x_total`/`x_created`, `info` `x_info`,
 * `gaugehistogram` `x_bucket`/`x_gcount`/`x_gsum`. A sample that belongs to no declared family
 * starts an untyped (Prometheus) or unknown (OpenMetrics) family of its own name.
 *
 * Timestamps are reported in milliseconds for both formats (Prometheus text carries integer
 * milliseconds; OpenMetrics carries float seconds, rounded here to the millisecond).
 */

export type MetricType =
	| 'counter'
	| 'gauge'
	| 'histogram'
	| 'summary'
	| 'gaugehistogram'
	| 'info'
	| 'stateset'
	| 'unknown'
	| 'untyped';

/** Label name → value, in the order the exposition wrote them. */
export type Labels = Record<string, string>;

export type Exemplar = {labels: Labels; value: number; timestampMs: number | null};

export type Sample = {
	/** Full sample name, e.g. `x_bucket` for a bucket of histogram `x`. */
	name: string;
	labels: Labels;
	value: number;
	timestampMs: number | null;
	exemplar: Exemplar | null;
};

export type MetricFamily = {
	name: string;
	type: MetricType;
	help: string | null;
	unit: string | null;
	samples: Sample[];
};

export type MetricsFormat = 'prometheus' | 'openmetrics';

export type ParseOptions = {
	format?: MetricsFormat | 'auto';
	/** Defaults to true for format 'openmetrics', false for 'prometheus' and 'auto'. */
	strict?: boolean;
};

export type ParseResult =
	| {ok: true; format: MetricsFormat; families: MetricFamily[]}
	| {ok: false; format: MetricsFormat; error: string; /** 1-based */ line: number};

/**
 * Parse an exposition. Give bytes (`Uint8Array`) when you have them: invalid UTF-8 is then an
 * error, as both formats require; a string is taken as already decoded.
 */
export function parseMetrics(input: string | Uint8Array, options: ParseOptions = {}): ParseResult {
	const requested = options.format ?? 'auto';
	let text: string;
	if (typeof input === 'string') {
		text = input;
	} else {
		try {
			text = fatalDecoder.decode(input);
		} catch {
			const loose = new TextDecoder('utf-8').decode(input);
			const at = loose.indexOf('\uFFFD');
			const format = requested === 'auto' ? detectFormat(loose) : requested;
			return {ok: false, format, error: 'invalid UTF-8', line: lineAt(loose, at < 0 ? loose.length : at)};
		}
	}
	const format = requested === 'auto' ? detectFormat(text) : requested;
	const strict = options.strict ?? requested === 'openmetrics';
	const parser = new Parser(text, format === 'openmetrics', strict);
	try {
		parser.run();
	} catch (error) {
		if (error instanceof ParseError) return {ok: false, format, error: error.message, line: error.line};
		throw error;
	}
	return {ok: true, format, families: parser.families};
}

/**
 * OpenMetrics when the text ends with a `# EOF` line (the format's mandatory terminator), else the
 * Prometheus text format. A Content-Type header, when known, is the better witness.
 */
export function detectFormat(text: string, contentType?: string): MetricsFormat {
	if (contentType !== undefined) {
		if (/application\/openmetrics-text/i.test(contentType)) return 'openmetrics';
		if (/text\/plain/i.test(contentType)) return 'prometheus';
	}
	let end = text.length;
	if (end > 0 && text.charCodeAt(end - 1) === LF) end--;
	if (end >= 5 && text.startsWith('# EOF', end - 5) && (end === 5 || text.charCodeAt(end - 6) === LF)) {
		return 'openmetrics';
	}
	return 'prometheus';
}

// ---------------------------------------------------------------------------------------------

const fatalDecoder = new TextDecoder('utf-8', {fatal: true});

const TAB = 9;
const LF = 10;
const CR = 13;
const SP = 32;
const DQUOTE = 34;
const HASH = 35;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const EQUALS = 61;
const UPPER_E = 69;
const BSLASH = 92;
const LOWER_E = 101;
const LOWER_N = 110;
const LBRACE = 123;
const RBRACE = 125;

// Character classes for ASCII; everything else is in no class.
const NAME_START = 1; // [a-zA-Z_:]
const NAME_CHAR = 2; // [a-zA-Z0-9_:]
const LABEL_START = 4; // [a-zA-Z_]
const LABEL_CHAR = 8; // [a-zA-Z0-9_]
const charClass = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
	const ch = String.fromCharCode(c);
	const letter = /[a-zA-Z_]/.test(ch);
	const digit = c >= ZERO && c <= NINE;
	charClass[c] = (letter || ch === ':' ? NAME_START | NAME_CHAR : 0)
		| (digit ? NAME_CHAR | LABEL_CHAR : 0)
		| (letter ? LABEL_START | LABEL_CHAR : 0);
}
const isClass = (c: number, cls: number): boolean => c < 128 && (charClass[c]! & cls) !== 0;

const PROM_TYPES: Record<string, MetricType> = {
	counter: 'counter',
	gauge: 'gauge',
	histogram: 'histogram',
	summary: 'summary',
	untyped: 'untyped',
	gaugehistogram: 'gaugehistogram',
	gauge_histogram: 'gaugehistogram',
};
const OM_TYPES: Record<string, MetricType> = {
	counter: 'counter',
	gauge: 'gauge',
	histogram: 'histogram',
	gaugehistogram: 'gaugehistogram',
	summary: 'summary',
	info: 'info',
	stateset: 'stateset',
	unknown: 'unknown',
};

/** Sample-name suffixes each type owns ('' = the family name itself), per rule set. */
const SUFFIXES: Record<'promStrict' | 'promLenient' | 'om' | 'omLenient', Record<MetricType, readonly string[]>> = {
	promStrict: {
		counter: [''], gauge: [''], untyped: [''], unknown: [''], info: [''], stateset: [''],
		histogram: ['_bucket', '_count', '_sum'],
		gaugehistogram: ['_bucket', '_count', '_sum'],
		summary: ['', '_count', '_sum'],
	},
	promLenient: {
		counter: ['', '_total', '_created'], gauge: [''], untyped: [''], unknown: [''], info: ['', '_info'], stateset: [''],
		histogram: ['_bucket', '_count', '_sum', '_created'],
		gaugehistogram: ['_bucket', '_count', '_sum', '_gcount', '_gsum', '_created'],
		summary: ['', '_count', '_sum', '_created'],
	},
	om: {
		counter: ['_total', '_created'], gauge: [''], untyped: [''], unknown: [''], info: ['_info'], stateset: [''],
		histogram: ['_bucket', '_count', '_sum', '_created'],
		gaugehistogram: ['_bucket', '_gcount', '_gsum'],
		summary: ['', '_count', '_sum', '_created'],
	},
	omLenient: {
		counter: ['_total', '_created'], gauge: [''], untyped: [''], unknown: [''], info: ['_info'], stateset: [''],
		histogram: ['_bucket', '_count', '_sum', '_created'],
		gaugehistogram: ['_bucket', '_gcount', '_gsum', '_count', '_sum', '_created'],
		summary: ['', '_count', '_sum', '_created'],
	},
};
const ALL_SUFFIXES = ['_bucket', '_count', '_sum', '_created', '_total', '_gcount', '_gsum', '_info'];

class ParseError extends Error {
	constructor(message: string, readonly line: number) {
		super(message);
	}
}

function lineAt(text: string, index: number): number {
	let line = 1;
	for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
	return line;
}

/** Internal bookkeeping around a public MetricFamily. */
type Fam = {
	family: MetricFamily;
	name: string;
	suffixes: readonly string[];
	helpSet: boolean;
	typeSet: boolean;
	unitSet: boolean;
	/** Another family came after it (OpenMetrics forbids coming back). */
	closed: boolean;
	om: OmState | null;
};

/** Per-family state for the OpenMetrics semantic checks (strict openmetrics only). */
type OmState = {
	closedGroups: Set<string>;
	group: string | null;
	/** 0 = no sample yet in this group, 1 = samples without timestamp, 2 = with. */
	tsMode: 0 | 1 | 2;
	lastTs: number;
	// The open histogram / gauge histogram point.
	pointOpen: boolean;
	pointTs: number | null;
	lastLe: number;
	lastBucketValue: number;
	infValue: number | null;
	count: number | null;
	hasSum: boolean;
	hasGsum: boolean;
	negBucket: boolean;
	negGsum: boolean;
};

const enum Kind { Bare, Total, Created, Bucket, Count, Sum, Gcount, Gsum, Info, Other }

function kindOf(suffix: string): Kind {
	switch (suffix) {
		case '': return Kind.Bare;
		case '_total': return Kind.Total;
		case '_created': return Kind.Created;
		case '_bucket': return Kind.Bucket;
		case '_count': return Kind.Count;
		case '_sum': return Kind.Sum;
		case '_gcount': return Kind.Gcount;
		case '_gsum': return Kind.Gsum;
		case '_info': return Kind.Info;
		default: return Kind.Other;
	}
}

class Parser {
	readonly families: MetricFamily[] = [];
	private readonly byName = new Map<string, Fam>();
	/** Strict OpenMetrics: sample names owned by a family (its name + its type's suffixes). */
	private readonly reserved = new Map<string, Fam>();
	private readonly suffixTable: Record<MetricType, readonly string[]>;
	private readonly strictOm: boolean;
	private readonly strictProm: boolean;
	private readonly allowQuoted: boolean;

	private pos = 0;
	private end = 0; // end of the current line (exclusive, before LF/CR)
	private lineNo = 0;
	private cur: Fam | null = null;
	private lastName = '';
	private lastFam: Fam | null = null;
	// Label names of the previous sample, reused when the text repeats them (saves slicing and
	// re-interning: consecutive samples mostly share them). Values vary too much to be worth it.
	private readonly prevLabelNames: string[] = [];
	private quotedName: string | null = null;
	/** Label names of the label set being read, for the duplicate check. */
	private readonly setNames: string[] = [];

	constructor(
		private readonly text: string,
		private readonly om: boolean,
		private readonly strict: boolean,
	) {
		this.strictOm = om && strict;
		this.strictProm = !om && strict;
		this.allowQuoted = !this.strictOm; // OpenMetrics 1.0 has no quoted names
		this.suffixTable = SUFFIXES[om ? (strict ? 'om' : 'omLenient') : (strict ? 'promStrict' : 'promLenient')];
	}

	private fail(message: string): never {
		throw new ParseError(message, Math.max(this.lineNo, 1));
	}

	run(): void {
		const text = this.text;
		const len = text.length;
		let start = 0;
		let sawEof = false;
		while (start < len) {
			this.lineNo++;
			let eol = text.indexOf('\n', start);
			const hasLf = eol !== -1;
			if (!hasLf) eol = len;
			let end = eol;
			if (!this.om && !this.strict && end > start && text.charCodeAt(end - 1) === CR) end--;
			this.pos = start;
			this.end = end;
			if (this.om) {
				if (end - start === 5 && matchAt(text, start, '# EOF')) {
					if (hasLf && eol + 1 !== len) {
						this.lineNo++;
						this.fail('unexpected data after # EOF');
					}
					sawEof = true;
					break;
				}
				this.omLine();
			} else {
				this.promLine(hasLf);
			}
			start = eol + 1;
		}
		if (this.om && !sawEof) this.fail('data does not end with # EOF');
		if (this.cur !== null) this.closeFamily(this.cur);
	}

	// ---- lines ------------------------------------------------------------------------------

	private promLine(hasLf: boolean): void {
		this.skipBlanks();
		if (this.pos === this.end) return; // blank line
		const c = this.text.charCodeAt(this.pos);
		if (c === HASH) {
			this.promComment(hasLf);
			return;
		}
		this.sample();
		// expfmt insists on a final newline; the Prometheus server does not.
		if (this.strictProm && !hasLf) this.fail('unexpected end of input stream');
	}

	/** `# HELP name text`, `# TYPE name type`, or any other comment (ignored). */
	private promComment(hasLf: boolean): void {
		const text = this.text;
		const end = this.end;
		this.pos++;
		this.skipBlanks();
		const kwStart = this.pos;
		while (this.pos < end) {
			const c = text.charCodeAt(this.pos);
			if (c === SP || c === TAB) break;
			this.pos++;
		}
		const kwLen = this.pos - kwStart;
		const isHelp = kwLen === 4 && matchAt(text, kwStart, 'HELP');
		const isType = !isHelp && kwLen === 4 && matchAt(text, kwStart, 'TYPE');
		if (!isHelp && !isType) return;
		if (this.pos === end) return; // "# HELP" alone: a comment
		this.skipBlanks();
		if (this.pos === end) return;
		if (this.strictProm && !hasLf) this.fail('unexpected end of input stream');
		const name = this.metadataName(isHelp ? 'HELP' : 'TYPE');
		this.lastName = '';
		if (this.pos === end) {
			// expfmt ignores "# HELP name" without text; Prometheus reads it as empty help.
			if (isHelp && !this.strict) this.promFamily(name).family.help = '';
			return;
		}
		let c = text.charCodeAt(this.pos);
		if (c !== SP && c !== TAB) this.fail('invalid metric name in comment');
		const fam = this.promFamily(name);
		this.skipBlanks();
		if (this.pos === end) {
			if (isHelp && !this.strict) fam.family.help = '';
			return;
		}
		if (isHelp) {
			if (this.strictProm && fam.helpSet) this.fail(`second HELP line for metric name "${name}"`);
			fam.family.help = this.escapedText(this.pos, end, this.strictProm);
			fam.helpSet = true;
			return;
		}
		if (this.strictProm && (fam.typeSet || fam.family.samples.length > 0)) {
			this.fail(`second TYPE line for metric name "${name}", or TYPE reported after samples`);
		}
		const typeStart = this.pos;
		while (this.pos < end) {
			c = text.charCodeAt(this.pos);
			if (c === SP || c === TAB) break;
			this.pos++;
		}
		const type = PROM_TYPES[text.slice(typeStart, this.pos)] ?? (this.strict ? undefined : lenientPromType(text.slice(typeStart, this.pos)));
		if (type === undefined) this.fail(`unknown metric type "${text.slice(typeStart, this.pos)}"`);
		this.skipBlanks();
		if (this.pos !== end && this.strictProm) this.fail('unexpected text after metric type');
		this.setType(fam, type);
	}

	private omLine(): void {
		const text = this.text;
		const p = this.pos;
		if (p === this.end) this.fail('blank line');
		const c = text.charCodeAt(p);
		if (c === HASH) {
			this.omMetadata();
			return;
		}
		if (!isClass(c, NAME_START) && !(c === LBRACE && this.allowQuoted)) {
			this.fail(`expected a metric name at the start of the line, got ${JSON.stringify(text[p])}`);
		}
		this.sample();
	}

	/** `# HELP name text`, `# TYPE name type`, `# UNIT name unit` — nothing else is allowed. */
	private omMetadata(): void {
		const text = this.text;
		const end = this.end;
		const p = this.pos;
		let kind: 'HELP' | 'TYPE' | 'UNIT';
		if (matchAt(text, p, '# HELP ')) kind = 'HELP';
		else if (matchAt(text, p, '# TYPE ')) kind = 'TYPE';
		else if (matchAt(text, p, '# UNIT ')) kind = 'UNIT';
		else this.fail('invalid comment: only "# HELP", "# TYPE", "# UNIT" and "# EOF" lines are allowed');
		if (p + 7 > end) this.fail(`expected metric name after ${kind}`);
		this.pos = p + 7;
		const name = this.metadataName(kind);
		if (this.pos === end || text.charCodeAt(this.pos) !== SP) {
			if (this.pos === end) this.fail(`expected text in ${kind}`);
			this.fail(`invalid metric name in ${kind}`);
		}
		this.pos++;
		this.lastName = '';
		const fam = this.omFamilyForMetadata(name, kind);
		if (kind === 'HELP') {
			fam.family.help = this.escapedText(this.pos, end, false);
			fam.helpSet = true;
		} else if (kind === 'TYPE') {
			const word = text.slice(this.pos, end);
			const type = OM_TYPES[word];
			if (type === undefined) this.fail(`invalid metric type "${word}"`);
			if (this.strictOm && fam.unitSet && fam.family.unit !== '' && (type === 'info' || type === 'stateset')) {
				this.fail(`a ${type} cannot have a unit`);
			}
			this.setType(fam, type);
		} else {
			const unitStart = this.pos;
			while (this.pos < end && isClass(text.charCodeAt(this.pos), NAME_CHAR)) this.pos++;
			if (this.pos !== end) this.fail(`invalid unit "${text.slice(unitStart, end)}"`);
			const unit = text.slice(unitStart, end);
			if (unit !== '' && !(name.length > unit.length + 1 && name.endsWith(unit) && name.charCodeAt(name.length - unit.length - 1) === 0x5f)) {
				this.fail(`unit "${unit}" not a suffix of metric "${name}"`);
			}
			const type = fam.family.type;
			if (this.strictOm && unit !== '' && (type === 'info' || type === 'stateset')) this.fail(`a ${type} cannot have a unit`);
			fam.family.unit = unit;
			fam.unitSet = true;
		}
	}

	private omFamilyForMetadata(name: string, kind: 'HELP' | 'TYPE' | 'UNIT'): Fam {
		let fam = this.byName.get(name);
		if (fam === undefined) {
			if (this.strictOm) {
				const owner = this.reserved.get(name);
				if (owner !== undefined) this.fail(`metric family "${name}" clashes with samples of family "${owner.name}"`);
			}
			fam = this.newFamily(name);
		} else if (this.strictOm) {
			if (fam !== this.cur || fam.closed) this.fail(`metadata for "${name}" after its family ended`);
			if (fam.family.samples.length > 0) this.fail(`${kind} for "${name}" after its samples`);
			if ((kind === 'HELP' && fam.helpSet) || (kind === 'TYPE' && fam.typeSet) || (kind === 'UNIT' && fam.unitSet)) {
				this.fail(`second ${kind} line for "${name}"`);
			}
		}
		this.setCurrent(fam);
		return fam;
	}

	// ---- families ---------------------------------------------------------------------------

	private newFamily(name: string): Fam {
		const family: MetricFamily = {name, type: this.om ? 'unknown' : 'untyped', help: null, unit: null, samples: []};
		const fam: Fam = {
			family,
			name,
			suffixes: this.suffixTable[family.type],
			helpSet: false,
			typeSet: false,
			unitSet: false,
			closed: false,
			om: null,
		};
		if (this.strictOm) {
			fam.om = {
				closedGroups: new Set(),
				group: null,
				tsMode: 0,
				lastTs: -Infinity,
				pointOpen: false,
				pointTs: null,
				lastLe: -Infinity,
				lastBucketValue: 0,
				infValue: null,
				count: null,
				hasSum: false,
				hasGsum: false,
				negBucket: false,
				negGsum: false,
			};
			this.reserved.set(name, fam);
		}
		this.byName.set(name, fam);
		this.families.push(family);
		return fam;
	}

	private promFamily(name: string): Fam {
		const fam = this.byName.get(name) ?? this.newFamily(name);
		this.setCurrent(fam);
		return fam;
	}

	private setType(fam: Fam, type: MetricType): void {
		fam.family.type = type;
		fam.typeSet = true;
		fam.suffixes = this.suffixTable[type];
		if (this.strictOm) {
			for (const suffix of fam.suffixes) {
				const owner = this.reserved.get(fam.name + suffix);
				if (owner !== undefined && owner !== fam) this.fail(`samples of "${fam.name}" would clash with family "${owner.name}"`);
				this.reserved.set(fam.name + suffix, fam);
			}
		}
	}

	private setCurrent(fam: Fam): void {
		const cur = this.cur;
		if (cur === fam) return;
		if (cur !== null) {
			cur.closed = true;
			this.closeFamily(cur);
		}
		this.cur = fam;
	}

	private closeFamily(fam: Fam): void {
		if (fam.om !== null && fam.om.pointOpen) this.finishPoint(fam);
	}

	/** Whether `name` is one of the sample names `fam` owns. */
	private owns(fam: Fam, name: string): boolean {
		const base = fam.name;
		if (name === base) return fam.suffixes[0] === '' || fam.suffixes.includes('');
		if (name.length <= base.length || !matchAt(name, 0, base)) return false;
		const suffixes = fam.suffixes;
		for (let i = 0; i < suffixes.length; i++) {
			const s = suffixes[i]!;
			if (s.length > 0 && name.length === base.length + s.length && name.endsWith(s)) return true;
		}
		return false;
	}

	private route(name: string): Fam {
		const cur = this.cur;
		if (cur !== null && this.owns(cur, name)) return cur;
		const exact = this.byName.get(name);
		if (exact !== undefined && (!this.strict || this.owns(exact, name))) return this.enter(exact);
		for (const suffix of ALL_SUFFIXES) {
			if (name.length > suffix.length && name.endsWith(suffix)) {
				const fam = this.byName.get(name.slice(0, name.length - suffix.length));
				if (fam !== undefined && this.owns(fam, name)) return this.enter(fam);
			}
		}
		if (exact !== undefined) {
			if (this.strictOm) this.fail(`sample "${name}" does not fit the ${exact.family.type} family "${name}"`);
			return this.enter(exact);
		}
		if (this.strictOm) {
			const owner = this.reserved.get(name);
			if (owner !== undefined) this.fail(`sample "${name}" clashes with family "${owner.name}"`);
		}
		const fam = this.newFamily(name);
		this.setCurrent(fam);
		return fam;
	}

	private enter(fam: Fam): Fam {
		if (fam !== this.cur) {
			if (this.strictOm && fam.closed) this.fail(`samples of family "${fam.name}" are not grouped together`);
			this.setCurrent(fam);
		}
		return fam;
	}

	// ---- samples ----------------------------------------------------------------------------

	private sample(): void {
		const text = this.text;
		const end = this.end;
		const om = this.om;
		let name: string | null = null;
		let c = text.charCodeAt(this.pos);
		if (isClass(c, NAME_START)) {
			name = this.sampleName();
			if (!om) this.skipBlanks();
		} else if (c !== LBRACE) {
			this.fail('invalid metric name');
		}
		const labels: Labels = {};
		let hadLabels = false;
		if (this.pos < end && text.charCodeAt(this.pos) === LBRACE) {
			this.quotedName = null;
			this.labelSet(labels, name === null, false);
			if (name === null) {
				name = this.quotedName;
				if (name === null || name === '') this.fail('invalid metric name: metric name not set');
			}
			hadLabels = true;
			if (!om) this.skipBlanks();
		}
		if (name === null) this.fail('invalid metric name');

		// value
		let value: number;
		let timestampMs: number | null = null;
		let exemplar: Exemplar | null = null;
		if (om) {
			if (this.pos >= end || text.charCodeAt(this.pos) !== SP) this.fail('expected a single space then the value after the metric');
			this.pos++;
			const vStart = this.pos;
			const vEnd = this.tokenEnd(SP);
			if (vEnd === vStart) this.fail('expected value after metric');
			value = this.number(vStart, vEnd, 'expected float as value');
			this.pos = vEnd;
			if (this.pos < end) {
				this.pos++; // the SP
				if (this.pos < end && text.charCodeAt(this.pos) !== HASH) {
					const tStart = this.pos;
					const tEnd = this.tokenEnd(SP);
					timestampMs = this.omTimestamp(tStart, tEnd, 'invalid timestamp');
					this.pos = tEnd;
					if (this.pos < end) this.pos++;
					else return this.add(name, labels, value, timestampMs, null);
				}
				if (this.pos + 3 > end || !matchAt(text, this.pos, '# {')) {
					this.fail('expected next entry after timestamp: " # {" and an exemplar, or the end of the line');
				}
				exemplar = this.exemplar();
			}
		} else {
			if (!hadLabels) {
				// A metric name must be followed by blanks (skipped above); the value may come right
				// after a closing brace.
				const before = text.charCodeAt(this.pos - 1);
				if (this.pos >= end || (before !== SP && before !== TAB)) this.fail('expected value after metric');
			}
			const vStart = this.pos;
			const vEnd = this.tokenEnd(-1);
			if (vEnd === vStart) this.fail('expected value after metric');
			value = this.number(vStart, vEnd, 'expected float as value');
			this.pos = vEnd;
			this.skipBlanks();
			if (this.pos < end) {
				const tStart = this.pos;
				const tEnd = this.tokenEnd(-1);
				timestampMs = this.promTimestamp(tStart, tEnd);
				this.pos = tEnd;
				this.skipBlanks();
				if (this.pos < end) this.fail('spurious string after timestamp');
			}
		}
		this.add(name, labels, value, timestampMs, exemplar);
	}

	private add(name: string, labels: Labels, value: number, timestampMs: number | null, exemplar: Exemplar | null): void {
		let fam: Fam;
		if (name === this.lastName && this.lastFam === this.cur && this.lastFam !== null) {
			fam = this.lastFam;
		} else {
			fam = this.route(name);
			this.lastName = name;
			this.lastFam = fam;
		}
		const sample: Sample = {name, labels, value, timestampMs, exemplar};
		if (this.strict) this.check(fam, sample);
		fam.family.samples.push(sample);
	}

	/**
	 * Legacy metric name at pos. When it equals the previous sample's, that string is returned so
	 * the family lookup in add() is a pointer comparison (measured faster than matching in place).
	 */
	private sampleName(): string {
		const text = this.text;
		const start = this.pos;
		const end = this.end;
		let p = start + 1;
		while (p < end && isClass(text.charCodeAt(p), NAME_CHAR)) p++;
		this.pos = p;
		const name = text.slice(start, p);
		return name === this.lastName ? this.lastName : name;
	}

	/** Name after `# HELP ` / `# TYPE ` / `# UNIT `: legacy, or quoted where allowed. */
	private metadataName(kind: string): string {
		const text = this.text;
		const c = text.charCodeAt(this.pos);
		if (c === DQUOTE && this.allowQuoted) {
			this.pos++;
			const name = this.quoted('metric name');
			if (name === '') this.fail(`expected metric name after ${kind}`);
			return name;
		}
		if (this.pos >= this.end || !isClass(c, NAME_START)) {
			if (this.om) this.fail(`expected metric name after ${kind}`);
			this.fail('invalid metric name in comment');
		}
		const start = this.pos;
		let p = start + 1;
		while (p < this.end && isClass(text.charCodeAt(p), NAME_CHAR)) p++;
		this.pos = p;
		return text.slice(start, p);
	}

	/**
	 * `{name="value",...}` at pos, into `labels`. A quoted string not followed by `=` is the metric
	 * name (UTF-8 names), allowed when `nameAllowed`; it goes to this.quotedName.
	 */
	private labelSet(labels: Labels, nameAllowed: boolean, exemplar: boolean): void {
		const text = this.text;
		const end = this.end;
		const om = this.om;
		const lenientProm = !om && !this.strict;
		this.pos++; // {
		let index = 0;
		let first = true;
		for (;;) {
			if (!om) this.skipBlanks();
			if (this.pos >= end) this.fail('unexpected end of label set');
			let c = text.charCodeAt(this.pos);
			if (c === RBRACE) {
				if (om && !first) this.fail('expected label name, got "}" (trailing comma)');
				this.pos++;
				return;
			}
			let labelName: string | null = null;
			if (c === DQUOTE && this.allowQuoted) {
				this.pos++;
				const s = this.quoted(exemplar ? 'label name' : 'metric or label name');
				if (!om) this.skipBlanks();
				if (this.pos < end && text.charCodeAt(this.pos) === EQUALS) {
					if (s === '') this.fail('invalid label name ""');
					labelName = s;
				} else {
					if (!nameAllowed || exemplar) this.fail('expected equal after label name');
					if (this.quotedName !== null) this.fail('multiple metric names');
					this.quotedName = s;
				}
			} else if (isClass(c, LABEL_START)) {
				labelName = this.labelName(index);
			} else {
				this.fail(`invalid label name, got ${JSON.stringify(text[this.pos] ?? '')}`);
			}
			if (labelName !== null) {
				if (!om) this.skipBlanks();
				if (this.pos >= end || text.charCodeAt(this.pos) !== EQUALS) this.fail(`expected '=' after label name`);
				this.pos++;
				if (!om) this.skipBlanks();
				if (this.pos >= end || text.charCodeAt(this.pos) !== DQUOTE) this.fail(`expected '"' at start of label value`);
				this.pos++;
				const value = this.labelValue();
				if (labelName === '__name__') this.fail('label name "__name__" is reserved');
				const names = this.setNames;
				for (let j = 0; j < index; j++) if (names[j] === labelName) this.fail(`duplicate label names for metric: ${labelName}`);
				names[index] = labelName;
				if (labelName === '__proto__') Object.defineProperty(labels, labelName, {value, enumerable: true, writable: true, configurable: true});
				else labels[labelName] = value;
				index++;
			}
			first = false;
			if (!om) this.skipBlanks();
			if (this.pos >= end) this.fail('unexpected end of label set');
			c = text.charCodeAt(this.pos);
			if (c === COMMA) {
				this.pos++;
				continue;
			}
			if (c === RBRACE) {
				this.pos++;
				return;
			}
			// The Prometheus server takes `{a="1" b="2"}`; expfmt and OpenMetrics do not.
			if (lenientProm && (isClass(c, LABEL_START) || c === DQUOTE)) continue;
			this.fail('expected comma or brace close after label value');
		}
	}

	private labelName(index: number): string {
		const text = this.text;
		const start = this.pos;
		const end = this.end;
		const prev = this.prevLabelNames[index];
		if (prev !== undefined && matchAt(text, start, prev)) {
			const after = start + prev.length;
			if (after < end && !isClass(text.charCodeAt(after), LABEL_CHAR)) {
				this.pos = after;
				return prev;
			}
		}
		let p = start + 1;
		while (p < end && isClass(text.charCodeAt(p), LABEL_CHAR)) p++;
		this.pos = p;
		const name = text.slice(start, p);
		this.prevLabelNames[index] = name;
		return name;
	}

	/** Label value after its opening quote; pos ends after the closing quote. */
	private labelValue(): string {
		const text = this.text;
		const start = this.pos;
		const end = this.end;
		let p = start;
		while (p < end) {
			const c = text.charCodeAt(p);
			if (c === DQUOTE) {
				this.pos = p + 1;
				return text.slice(start, p);
			}
			if (c === BSLASH) break;
			p++;
		}
		this.pos = start;
		return this.quoted('label value');
	}

	/** A quoted string after its opening quote, with escapes `\\`, `\"`, `\n`. */
	private quoted(what: string): string {
		const text = this.text;
		const end = this.end;
		let p = this.pos;
		let out = '';
		let chunk = p;
		while (p < end) {
			const c = text.charCodeAt(p);
			if (c === DQUOTE) {
				this.pos = p + 1;
				return out + text.slice(chunk, p);
			}
			if (c === BSLASH) {
				if (p + 1 >= end) break;
				const e = text.charCodeAt(p + 1);
				let rep: string;
				if (e === BSLASH) rep = '\\';
				else if (e === DQUOTE) rep = '"';
				else if (e === LOWER_N) rep = '\n';
				else if (this.strictProm) this.fail('invalid escape sequence');
				else {
					p += 2;
					continue; // kept literally, as the Prometheus server and OpenMetrics do
				}
				out += text.slice(chunk, p) + rep;
				p += 2;
				chunk = p;
				continue;
			}
			p++;
		}
		this.fail(`${what} ${JSON.stringify(text.slice(this.pos, end))} is not terminated on its line (unescaped new-line?)`);
	}

	/** HELP text from start to end with the same escapes as label values. */
	private escapedText(start: number, end: number, strictEscapes: boolean): string {
		const text = this.text;
		let out = '';
		let chunk = start;
		for (let i = start; i < end; i++) {
			if (text.charCodeAt(i) !== BSLASH) continue;
			const e = i + 1 < end ? text.charCodeAt(i + 1) : -1;
			let rep: string | null = null;
			if (e === BSLASH) rep = '\\';
			else if (e === LOWER_N) rep = '\n';
			else if (e === DQUOTE) rep = '"';
			else if (strictEscapes) this.fail('invalid escape sequence');
			if (rep !== null) {
				out += text.slice(chunk, i) + rep;
				chunk = i + 2;
				i++;
			}
		}
		return chunk === start ? text.slice(start, end) : out + text.slice(chunk, end);
	}

	private exemplar(): Exemplar {
		const text = this.text;
		const end = this.end;
		this.pos += 2; // "# "
		const labels: Labels = {};
		this.labelSet(labels, false, true);
		if (this.pos >= end || text.charCodeAt(this.pos) !== SP) this.fail('expected value after exemplar labels');
		this.pos++;
		const vStart = this.pos;
		const vEnd = this.tokenEnd(SP);
		if (vEnd === vStart) this.fail('expected value after exemplar labels');
		const value = this.number(vStart, vEnd, 'invalid exemplar value');
		this.pos = vEnd;
		let timestampMs: number | null = null;
		if (this.pos < end) {
			this.pos++;
			const tStart = this.pos;
			const tEnd = this.tokenEnd(SP);
			if (tEnd === tStart) this.fail('expected exemplar timestamp');
			timestampMs = this.omTimestamp(tStart, tEnd, 'invalid exemplar timestamp');
			if (tEnd !== end) this.fail('unexpected text after exemplar timestamp');
			this.pos = tEnd;
		}
		return {labels, value, timestampMs};
	}

	// ---- numbers ----------------------------------------------------------------------------

	private skipBlanks(): void {
		const text = this.text;
		let p = this.pos;
		const end = this.end;
		while (p < end) {
			const c = text.charCodeAt(p);
			if (c !== SP && c !== TAB) break;
			p++;
		}
		this.pos = p;
	}

	/** End of the token at pos: up to `stop` (OpenMetrics: one space) or any blank when stop = -1. */
	private tokenEnd(stop: number): number {
		const text = this.text;
		const end = this.end;
		let p = this.pos;
		if (stop === SP) {
			const i = text.indexOf(' ', p);
			return i === -1 || i > end ? end : i;
		}
		while (p < end) {
			const c = text.charCodeAt(p);
			if (c === SP || c === TAB) break;
			p++;
		}
		return p;
	}

	/**
	 * A float: decimal `[+-]digits[.digits][e[+-]digits]` or, case-insensitively, `[+-]Inf`,
	 * `[+-]Infinity`, `NaN` (what Go's ParseFloat and Python's float() take, minus hex floats and
	 * underscores, which both formats forbid).
	 */
	private number(start: number, end: number, message: string): number {
		const value = parseFloatToken(this.text, start, end);
		if (value === undefined) this.fail(`${message}: ${JSON.stringify(this.text.slice(start, end))}`);
		return value;
	}

	private promTimestamp(start: number, end: number): number {
		const text = this.text;
		let p = start;
		const c = text.charCodeAt(p);
		const negative = c === MINUS;
		if (negative || c === PLUS) p++;
		if (p === end) this.fail('expected integer as timestamp');
		let v = 0;
		for (let i = p; i < end; i++) {
			const d = text.charCodeAt(i) - ZERO;
			if (d < 0 || d > 9) this.fail(`expected integer as timestamp: ${JSON.stringify(text.slice(start, end))}`);
			v = v * 10 + d;
		}
		if (end - p > 15) v = Number(text.slice(p, end));
		return negative ? -v : v;
	}

	private omTimestamp(start: number, end: number, message: string): number {
		const v = parseFloatToken(this.text, start, end);
		if (v === undefined || !Number.isFinite(v)) this.fail(`${message} ${this.text.slice(start, end)}`);
		return Math.round(v * 1000);
	}

	// ---- semantic checks (strict only) -------------------------------------------------------

	private check(fam: Fam, sample: Sample): void {
		const type = fam.family.type;
		const kind = kindOf(sample.name.slice(fam.name.length));
		if (this.strictProm) {
			if ((type === 'histogram' || type === 'gaugehistogram')) {
				if (kind === Kind.Bucket) {
					const le = sample.labels['le'];
					if (le === undefined || !Object.hasOwn(sample.labels, 'le') || parseFloatToken(le, 0, le.length) === undefined) {
						this.fail(`expected float as value for 'le' label`);
					}
					if (sample.value < 0) this.fail(`negative bucket population for histogram "${fam.name}"`);
				} else if (kind === Kind.Count && sample.value < 0) {
					this.fail(`negative count for histogram "${fam.name}"`);
				}
			} else if (type === 'summary' && kind === Kind.Bare) {
				const q = Object.hasOwn(sample.labels, 'quantile') ? sample.labels['quantile'] : undefined;
				if (q !== undefined && parseFloatToken(q, 0, q.length) === undefined) this.fail(`expected float as value for 'quantile' label`);
			}
			return;
		}
		this.checkOm(fam, sample, type, kind);
	}

	private checkOm(fam: Fam, sample: Sample, type: MetricType, kind: Kind): void {
		const st = fam.om!;
		const {labels, value} = sample;
		const histogram = type === 'histogram' || type === 'gaugehistogram';

		// Exemplars: only on counter totals and histogram buckets, ≤ 128 code points of labels.
		if (sample.exemplar !== null) {
			if (!((type === 'counter' && kind === Kind.Total) || (histogram && kind === Kind.Bucket))) {
				this.fail(`exemplar not allowed on ${type} sample "${sample.name}"`);
			}
			let runes = 0;
			for (const [k, v] of Object.entries(sample.exemplar.labels)) runes += codePoints(k) + codePoints(v);
			if (runes > 128) this.fail(`exemplar labels have ${runes} code points, more than 128`);
		}

		// Type-specific labels and values.
		let exclude: string | null = null;
		let le = 0;
		switch (type) {
			case 'counter':
				if (kind === Kind.Total && (Number.isNaN(value) || value < 0)) this.fail(`counter "${fam.name}" has an invalid value ${value}`);
				break;
			case 'histogram':
			case 'gaugehistogram':
				if (kind === Kind.Bucket) {
					const raw = Object.hasOwn(labels, 'le') ? labels['le'] : undefined;
					const parsed = raw === undefined ? undefined : omLabelFloat(raw);
					if (parsed === undefined || Number.isNaN(parsed)) this.fail(`bucket of "${fam.name}" needs a valid le label`);
					le = parsed;
					exclude = 'le';
				}
				if (kind !== Kind.Created && kind !== Kind.Gsum && (Number.isNaN(value) || value < 0)) {
					this.fail(`${sample.name} has an invalid value ${value}`);
				}
				if (kind === Kind.Sum && type === 'histogram' && Number.isNaN(value)) this.fail(`${sample.name} is NaN`);
				if (kind === Kind.Gsum && Number.isNaN(value)) this.fail(`${sample.name} is NaN`);
				break;
			case 'summary':
				if (kind === Kind.Bare) {
					const raw = Object.hasOwn(labels, 'quantile') ? labels['quantile'] : undefined;
					const q = raw === undefined ? undefined : omLabelFloat(raw);
					if (q === undefined || !(q >= 0 && q <= 1)) this.fail(`summary "${fam.name}" needs a quantile label in [0, 1]`);
					if (value < 0) this.fail(`quantile value ${value} of "${fam.name}" is negative`);
					exclude = 'quantile';
				} else if ((kind === Kind.Count || kind === Kind.Sum) && (Number.isNaN(value) || value < 0)) {
					this.fail(`${sample.name} has an invalid value ${value}`);
				}
				break;
			case 'info':
				if (value !== 1) this.fail(`info "${fam.name}" must have the value 1`);
				break;
			case 'stateset':
				if (!Object.hasOwn(labels, fam.name)) this.fail(`stateset "${fam.name}" sample needs a label named "${fam.name}"`);
				if (value !== 0 && value !== 1) this.fail(`stateset "${fam.name}" values must be 0 or 1`);
				exclude = fam.name;
				break;
			default:
				break;
		}

		// Samples of one metric (label set) must be contiguous; timestamps present on all or none,
		// never decreasing.
		// _created carries a start time, not a point: it is exempt from the timestamp rules.
		if (kind === Kind.Created) return;
		const group = groupKey(labels, exclude);
		const ts = sample.timestampMs;
		if (group !== st.group) {
			if (st.pointOpen) this.finishPoint(fam);
			if (st.closedGroups.has(group)) this.fail(`samples of metric ${fam.name}{${group}} are not grouped together`);
			if (st.group !== null) st.closedGroups.add(st.group);
			st.group = group;
			st.tsMode = 0;
			st.lastTs = -Infinity;
		}
		const mode = ts === null ? 1 : 2;
		if (st.tsMode === 0) st.tsMode = mode;
		else if (st.tsMode !== mode) this.fail('timestamps must be given on all samples of a metric or on none');
		if (ts !== null) {
			if (ts < st.lastTs) this.fail('timestamps of a metric must not go backwards');
			st.lastTs = ts;
		}

		if (!histogram) return;
		if (st.pointOpen && ts !== st.pointTs) this.finishPoint(fam);
		if (!st.pointOpen) {
			st.pointOpen = true;
			st.pointTs = ts;
			st.lastLe = -Infinity;
			st.lastBucketValue = 0;
			st.infValue = null;
			st.count = null;
			st.hasSum = false;
			st.hasGsum = false;
			st.negBucket = false;
			st.negGsum = false;
		}
		switch (kind) {
			case Kind.Bucket:
				if (le <= st.lastLe) this.fail(`buckets of "${fam.name}" out of order`);
				if (value < st.lastBucketValue) this.fail(`bucket counts of "${fam.name}" decrease`);
				if (le < 0) st.negBucket = true;
				st.lastLe = le;
				st.lastBucketValue = value;
				if (le === Infinity) st.infValue = value;
				break;
			case Kind.Count:
			case Kind.Gcount:
				st.count = value;
				break;
			case Kind.Sum:
				st.hasSum = true;
				break;
			case Kind.Gsum:
				st.hasGsum = true;
				if (value < 0) st.negGsum = true;
				break;
			default:
				break;
		}
	}

	private finishPoint(fam: Fam): void {
		const st = fam.om!;
		st.pointOpen = false;
		const name = fam.name;
		if (st.infValue === null) this.fail(`histogram "${name}" has no +Inf bucket`);
		if (st.count !== null && st.count !== st.infValue) this.fail(`count of "${name}" does not match its +Inf bucket`);
		if (fam.family.type === 'histogram') {
			if (st.hasSum !== (st.count !== null)) this.fail(`histogram "${name}" needs both _sum and _count, or neither`);
			if (st.negBucket && st.hasSum) this.fail(`histogram "${name}" with negative buckets cannot have a _sum`);
		} else {
			if (st.hasGsum !== (st.count !== null)) this.fail(`gauge histogram "${name}" needs both _gsum and _gcount, or neither`);
			if (st.negGsum && !st.negBucket) this.fail(`gauge histogram "${name}" has a negative _gsum without negative buckets`);
		}
	}
}

/** Whether text has s at pos (a loop: String.prototype.startsWith with a position is slow in V8). */
function matchAt(text: string, pos: number, s: string): boolean {
	const n = s.length;
	if (pos + n > text.length) return false;
	for (let i = 0; i < n; i++) if (text.charCodeAt(pos + i) !== s.charCodeAt(i)) return false;
	return true;
}

function lenientPromType(word: string): MetricType | undefined {
	return word === 'unknown' ? 'untyped' : undefined;
}

function codePoints(s: string): number {
	let n = 0;
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		if (c < 0xd800 || c > 0xdbff) n++;
	}
	return n;
}

/** Canonical key of a label set without one label (order-insensitive). */
function groupKey(labels: Labels, exclude: string | null): string {
	const names = Object.keys(labels);
	if (names.length === 0 || (names.length === 1 && names[0] === exclude)) return '';
	names.sort();
	let key = '';
	for (const name of names) {
		if (name === exclude) continue;
		key += JSON.stringify(name) + '=' + JSON.stringify(labels[name]) + ',';
	}
	return key;
}

/** `le`/`quantile` values in OpenMetrics: any float, but infinities only as +Inf / -Inf. */
function omLabelFloat(raw: string): number | undefined {
	const v = parseFloatToken(raw, 0, raw.length);
	if (v === undefined) return undefined;
	if ((v === Infinity || v === -Infinity) && raw !== '+Inf' && raw !== '-Inf') return undefined;
	return v;
}

/**
 * Parse text[start, end) as a float (grammar in Parser.number); undefined when it is not one.
 * Integers of up to 15 digits are summed directly; anything else goes through Number() after
 * the grammar check, which rounds correctly.
 */
export function parseFloatToken(text: string, start: number, end: number): number | undefined {
	if (start >= end) return undefined;
	let p = start;
	let c = text.charCodeAt(p);
	const negative = c === MINUS;
	if (negative || c === PLUS) {
		p++;
		if (p === end) return undefined;
		c = text.charCodeAt(p);
	}
	if ((c >= ZERO && c <= NINE) || c === DOT) {
		let v = 0;
		const intStart = p;
		while (p < end) {
			const d = text.charCodeAt(p) - ZERO;
			if (d < 0 || d > 9) break;
			v = v * 10 + d;
			p++;
		}
		const intDigits = p - intStart;
		if (p === end && intDigits <= 15) return negative ? -v : v;
		let fracDigits = 0;
		if (p < end && text.charCodeAt(p) === DOT) {
			p++;
			while (p < end) {
				const d = text.charCodeAt(p);
				if (d < ZERO || d > NINE) break;
				p++;
				fracDigits++;
			}
		}
		if (intDigits + fracDigits === 0) return undefined;
		if (p < end) {
			c = text.charCodeAt(p);
			if (c !== LOWER_E && c !== UPPER_E) return undefined;
			p++;
			if (p < end) {
				c = text.charCodeAt(p);
				if (c === PLUS || c === MINUS) p++;
			}
			const expStart = p;
			while (p < end) {
				const d = text.charCodeAt(p);
				if (d < ZERO || d > NINE) break;
				p++;
			}
			if (p === expStart || p !== end) return undefined;
		}
		return Number(text.slice(start, end));
	}
	const word = text.slice(p, end).toLowerCase();
	if (word === 'inf' || word === 'infinity') return negative ? -Infinity : Infinity;
	if (word === 'nan') return NaN;
	return undefined;
}
