/**
 * One flag table. The meow spec, the unknown-flag check, `--help` and the README's options table
 * are generated from it (a test keeps the README equal), and `parseOptions` validates every flag
 * once, by one rule per flag name, into the typed `Options` the commands take. Nothing else
 * validates a flag.
 */
import {resolve} from 'node:path';
import {UsageError} from '../lib/errors.js';
import {escapeText} from '../lib/escape.js';
import {DEFAULT_ALLOCATOR_PATTERNS, type AllocatorPattern} from '../profile/alloc-sites.js';

export type CommandName = 'top' | 'demo' | 'perf' | 'heap' | 'fold' | 'flame' | 'diff' | 'record' | 'replay' | 'doctor';
export const COMMAND_NAMES: readonly CommandName[] = ['top', 'demo', 'perf', 'heap', 'fold', 'flame', 'diff', 'record', 'replay', 'doctor'];

type FlagType = 'number' | 'string' | 'boolean';

export type FlagSpec = {
	/** camelCase, as meow names it (`--metrics-interval` is metricsInterval). */
	name: string;
	type: FlagType;
	default?: number | string | boolean;
	isMultiple?: boolean;
	/** The value's placeholder in --help (`MS`, `DIR`). */
	value?: string;
	help: string;
	/** Commands it applies to ('all': every command). */
	commands: readonly CommandName[] | 'all';
};

/** Every flag zeektop takes. Order is --help's order. */
export const FLAGS: readonly FlagSpec[] = [
	{name: 'interval', type: 'number', default: 1000, value: 'MS', commands: ['top', 'demo', 'record'], help: 'refresh interval in ms, at least 100 (default 1000); with --once, the time between the two samples'},
	{name: 'once', type: 'boolean', default: false, commands: ['top', 'demo', 'replay'], help: 'print one snapshot and exit'},
	{name: 'json', type: 'boolean', default: false, commands: ['top', 'demo', 'perf', 'heap', 'diff', 'replay', 'doctor'], help: 'JSON instead of text (with --once, perf, heap, diff, replay, doctor)'},
	{name: 'metrics', type: 'string', isMultiple: true, value: 'URL', commands: ['top', 'demo', 'record'], help: 'scrape this endpoint (repeatable) instead of discovering them; --no-metrics: scrape none'},
	{name: 'metricsInterval', type: 'number', default: 10, value: 'S', commands: ['top', 'demo'], help: "seconds between scrapes of one endpoint (default 10; each scrape runs on the node's packet thread)"},
	{name: 'metricsTimeout', type: 'number', default: 2000, value: 'MS', commands: ['top', 'demo'], help: 'per-scrape timeout in ms (default 2000)'},
	{name: 'prometheus', type: 'string', isMultiple: true, value: 'URL', commands: ['top'], help: 'with --once: also the Zeek nodes this Prometheus server knows, one row per (host, node) (repeatable; or ZEEKTOP_PROMETHEUS=URL,URL). The live table does not show them yet'},
	{name: 'prometheusTokenFile', type: 'string', value: 'FILE', commands: ['top'], help: 'bearer token for --prometheus, read from FILE (or ZEEKTOP_PROMETHEUS_TOKEN); never on the command line'},
	{name: 'prometheusUser', type: 'string', value: 'NAME', commands: ['top'], help: 'basic auth user for --prometheus, with ZEEKTOP_PROMETHEUS_PASSWORD or --prometheus-password-file'},
	{name: 'prometheusPasswordFile', type: 'string', value: 'FILE', commands: ['top'], help: 'basic auth password for --prometheus, read from FILE'},
	{name: 'prometheusCa', type: 'string', value: 'FILE', commands: ['top'], help: "PEM CA certificate(s) to trust for an https:// --prometheus"},
	{name: 'prometheusHost', type: 'string', isMultiple: true, value: 'HOST', commands: ['top'], help: 'only these sensors (instance host) from --prometheus (repeatable); the filter is part of every query'},
	{name: 'spool', type: 'string', value: 'DIR', commands: ['top', 'perf', 'heap', 'doctor'], help: 'only nodes of the zeekctl installation whose spool is DIR (when several run)'},
	{name: 'seconds', type: 'number', value: 'N', commands: ['perf', 'heap', 'record'], help: 'capture length in seconds, 0.1 to 3600: perf records this long (default --perf-seconds); heap samples this long on a prof_active:false node (default 30); record stops after it (default: until interrupted)'},
	{name: 'at', type: 'string', value: 'TIME', commands: ['replay'], help: 'replay --once: the moment to show, ISO 8601 (2026-12-04T21:30:00Z) or relative to the recording\'s end (-5m, -1h30m); default its end'},
	{name: 'frequency', type: 'number', value: 'HZ', commands: ['perf', 'doctor'], help: 'perf sampling frequency, 1 to 100000 Hz (default --perf-frequency)'},
	{name: 'mainThread', type: 'boolean', default: false, commands: ['perf'], help: 'record the main (packet) thread only (perf -t PID)'},
	{name: 'perfSeconds', type: 'number', default: 10, value: 'N', commands: ['top', 'demo', 'perf'], help: 'length of a perf capture from the table (default 10)'},
	{name: 'perfFrequency', type: 'number', default: 99, value: 'HZ', commands: ['top', 'demo', 'perf', 'doctor'], help: 'perf sampling frequency (default 99)'},
	{name: 'callGraph', type: 'string', value: 'MODE', commands: ['top', 'demo', 'perf'], help: 'fp (frame pointers, default) or dwarf (builds without frame pointers: bigger perf.data, slower perf script)'},
	{name: 'captures', type: 'string', value: 'DIR', commands: ['top', 'demo', 'perf', 'heap'], help: 'where captures are kept (default $XDG_STATE_HOME/zeektop/captures)'},
	{name: 'dump', type: 'boolean', default: false, commands: ['heap'], help: 'heap: take an on-demand dump through gdb first (the node pauses for a moment)'},
	{name: 'base', type: 'string', value: 'FILE', commands: ['heap'], help: 'heap: growth since this dump instead of the one before the newest'},
	{name: 'binary', type: 'string', value: 'BIN', commands: ['heap', 'diff'], help: 'heap DUMP, diff of heap dumps: the program the dump is of (default: the dump\'s main object, from its MAPPED_LIBRARIES)'},
	{name: 'text', type: 'boolean', default: false, commands: ['heap'], help: 'heap DUMP: print what jeprof --text prints, byte for byte (the default for a dump file)'},
	{name: 'collapsed', type: 'boolean', default: false, commands: ['heap'], help: 'heap DUMP: print what jeprof --collapsed prints (stacks and counts; order aside)'},
	{name: 'showBytes', type: 'boolean', default: false, commands: ['heap'], help: 'heap DUMP: sizes in bytes, not MB (jeprof --show_bytes)'},
	{name: 'inuseObjects', type: 'boolean', default: false, commands: ['heap'], help: 'heap DUMP: count live objects (jeprof --inuse_objects)'},
	{name: 'allocSpace', type: 'boolean', default: false, commands: ['heap'], help: 'heap DUMP: bytes allocated, freed or not (jeprof --alloc_space; needs prof_accum)'},
	{name: 'allocObjects', type: 'boolean', default: false, commands: ['heap'], help: 'heap DUMP: objects allocated (jeprof --alloc_objects; needs prof_accum)'},
	{name: 'cum', type: 'boolean', default: false, commands: ['heap'], help: 'heap DUMP: sort by the cumulative column (jeprof --cum)'},
	{name: 'jeprof', type: 'boolean', default: false, commands: ['top', 'demo', 'heap'], help: "heap tables through the Perl jeprof instead of zeektop's own reader (a cross-check; needs libjemalloc-dev and perl)"},
	{name: 'allocSkip', type: 'string', isMultiple: true, value: 'REGEX', commands: ['top', 'demo', 'heap'], help: 'heap: also skip frames matching REGEX to find allocation sites (repeatable; a custom pool allocator, say)'},
	{name: 'print', type: 'boolean', default: false, commands: ['flame', 'diff'], help: 'flame, diff: print the report (diff: a differential ASCII flame graph) instead of the interactive view'},
	{name: 'folded', type: 'boolean', default: false, commands: ['diff'], help: "diff: print what FlameGraph's difffolded.pl prints (stack count-in-A count-in-B), for flamegraph.pl"},
	{name: 'top', type: 'boolean', default: false, commands: ['diff'], help: 'diff: the change table only (before, after and change, self and total)'},
	{name: 'normalize', type: 'boolean', commands: ['diff'], help: "diff: scale A's total to B's (difffolded.pl -n); on by default for CPU profiles whose totals differ, --no-normalize turns it off"},
	{name: 'stripHex', type: 'boolean', default: false, commands: ['diff'], help: 'diff: strip hex addresses from frames (difffolded.pl -s)'},
	{name: 'negate', type: 'boolean', default: false, commands: ['diff'], help: 'diff --print: widths from A, not B (flamegraph.pl --negate)'},
	{name: 'limit', type: 'number', value: 'N', commands: ['diff'], help: 'diff: rows of the change table (default 30)'},
	{name: 'output', type: 'string', value: 'FILE', commands: ['diff'], help: 'diff --folded: write FILE (atomically) instead of stdout'},
	{name: 'width', type: 'number', value: 'N', commands: ['perf', 'heap', 'flame', 'diff'], help: 'width of printed reports (default: the terminal, else 120)'},
	{name: 'height', type: 'number', value: 'N', commands: ['perf', 'flame', 'diff'], help: 'flame graph lines of printed reports (default: the terminal, else 40)'},
	{name: 'pid', type: 'boolean', default: false, commands: ['fold'], help: 'fold: root frame comm-PID (stackcollapse-perf.pl --pid)'},
	{name: 'tid', type: 'boolean', default: false, commands: ['fold'], help: 'fold: root frame comm-PID/TID (--tid)'},
	{name: 'kernel', type: 'boolean', default: false, commands: ['fold'], help: 'fold: mark kernel frames _[k] (--kernel)'},
	{name: 'jit', type: 'boolean', default: false, commands: ['fold'], help: 'fold: mark JIT frames _[j] (--jit)'},
	{name: 'all', type: 'boolean', default: false, commands: ['fold'], help: 'fold: --kernel and --jit (--all)'},
	{name: 'addrs', type: 'boolean', default: false, commands: ['fold'], help: 'fold: keep addresses of unresolved frames (--addrs)'},
	{name: 'workers', type: 'number', default: 4, value: 'N', commands: ['demo'], help: 'demo: workers of the simulated cluster, 1 to 256 (default 4)'},
	{name: 'layout', type: 'string', default: 'zeek8', value: 'NAME', commands: ['demo'], help: "demo: the simulated Zeek's metrics layout, zeek6, zeek7 or zeek8 (default zeek8)"},
	{name: 'procRoot', type: 'string', default: '/proc', value: 'DIR', commands: 'all', help: 'read another /proc tree (fixtures)'},
];

/** What meow hands over for the table above. */
export type RawFlags = Record<string, unknown>;

/** Every flag, validated. Per-command option types below pick what each command reads. */
export type Options = {
	intervalMs: number;
	once: boolean;
	json: boolean;
	/** Fixed metrics URLs (normalised to …/metrics); null: --no-metrics. */
	metricsUrls: string[] | null;
	metricsIntervalMs: number;
	metricsTimeoutMs: number;
	procRoot: string;
	/** --prometheus servers and how to reach them (checked once here). */
	prometheus: {urls: string[]; tokenFile?: string; username?: string; passwordFile?: string; caFile?: string; hosts: string[]};
	/** --spool DIR as the prefix of the nodes' working directories. */
	spool?: {dir: string; cwdUnder: string};
	/** --seconds, when given. */
	seconds?: number;
	/** perf capture length: --seconds, else --perf-seconds. */
	perfSeconds: number;
	/** perf frequency: --frequency, else --perf-frequency. */
	perfFrequency: number;
	mainThread: boolean;
	callGraph: 'fp' | 'dwarf';
	captures?: string;
	dump: boolean;
	base?: string;
	allocatorPatterns: AllocatorPattern[];
	/** `heap DUMP.heap`: the jeprof-compatible table. */
	heapFile: {binary?: string; format: 'text' | 'collapsed'; showBytes: boolean; metric: 'inuse_space' | 'inuse_objects' | 'alloc_space' | 'alloc_objects'; cum: boolean};
	/** Heap tables through jeprof (--jeprof). */
	useJeprof: boolean;
	/** replay --at TIME (parsed by the replay against the recording's times). */
	at?: string;
	print: boolean;
	diff: {mode?: 'folded' | 'print' | 'json' | 'top'; normalize?: boolean; stripHex: boolean; negate: boolean; limit?: number; output?: string};
	width?: number;
	height?: number;
	fold: {pid: boolean; tid: boolean; kernel: boolean; jit: boolean; all: boolean; addrs: boolean};
	workers: number;
	layout: 'zeek6' | 'zeek7' | 'zeek8';
};

export type TopOptions = Pick<Options, 'prometheus' | 'intervalMs' | 'once' | 'json' | 'metricsUrls' | 'metricsIntervalMs' | 'metricsTimeoutMs' | 'procRoot' | 'spool' | 'perfSeconds' | 'perfFrequency' | 'callGraph' | 'captures' | 'allocatorPatterns' | 'useJeprof'>;
export type DemoOptions = TopOptions & Pick<Options, 'workers' | 'layout'>;
export type PerfOptions = Pick<Options, 'json' | 'procRoot' | 'spool' | 'perfSeconds' | 'perfFrequency' | 'mainThread' | 'callGraph' | 'captures' | 'width' | 'height'>;
export type HeapOptions = Pick<Options, 'json' | 'procRoot' | 'spool' | 'seconds' | 'captures' | 'dump' | 'base' | 'allocatorPatterns' | 'width' | 'heapFile' | 'useJeprof'>;
export type FoldOptions = Pick<Options, 'fold'>;
export type FlameOptions = Pick<Options, 'print' | 'width' | 'height'>;
export type RecordCommandOptions = Pick<Options, 'intervalMs' | 'seconds' | 'procRoot' | 'spool' | 'metricsUrls' | 'metricsIntervalMs' | 'metricsTimeoutMs'>;
export type ReplayCommandOptions = Pick<Options, 'once' | 'json' | 'at' | 'width'>;
export type DiffCommandOptions = Pick<Options, 'diff' | 'json' | 'print' | 'width' | 'height' | 'heapFile'>;
export type DoctorOptions = Pick<Options, 'procRoot' | 'spool' | 'perfFrequency' | 'json'>;

/** The meow `flags` spec. */
export function meowFlags(): Record<string, {type: FlagType; default?: unknown; isMultiple?: boolean}> {
	const out: Record<string, {type: FlagType; default?: unknown; isMultiple?: boolean}> = {};
	for (const f of FLAGS) {
		out[f.name] = {type: f.type, ...(f.default !== undefined ? {default: f.default} : {}), ...(f.isMultiple ? {isMultiple: true} : {})};
	}
	return out;
}

export const dashed = (name: string) => '--' + name.replace(/[A-Z]/g, c => '-' + c.toLowerCase());

/** Flags meow saw that the table does not have, as `--dashed-names`. */
export function unknownFlags(flags: RawFlags): string[] {
	const known = new Set([...FLAGS.map(f => f.name), 'help', 'version']);
	return Object.keys(flags).filter(k => !known.has(k)).map(dashed);
}

const USAGE: ReadonlyArray<[string, string]> = [
	['zeektop', 'live table of every Zeek process on this host'],
	['zeektop --once [--json]', 'one snapshot (two samples --interval apart), then exit'],
	['zeektop demo [--once --json]', 'the same on a simulated Zeek cluster (no Zeek needed)'],
	['zeektop perf <node|pid> [--seconds N] [--frequency HZ] [--main-thread] [--json]', 'perf capture: top functions and an ASCII flame graph'],
	['zeektop heap <node|pid> [--dump] [--base FILE] [--json]', 'jemalloc heap profile: top table, growth, allocation sites'],
	['zeektop heap DUMP.heap [--base OLD.heap] [--binary BIN] [--text|--collapsed]', 'what jeprof prints for a dump, without jeprof or Perl'],
	['zeektop fold [FILE|-] [--pid|--tid|--kernel|--jit|--all|--addrs]', 'perf script text to folded stacks (stackcollapse-perf.pl)'],
	['zeektop flame FILE [--print] [--width N] [--height N]', 'a folded file, perf script text or jeprof --collapsed output'],
	['zeektop diff A B [--folded|--print|--top|--json] [--normalize] [--strip-hex]', 'what changed between two profiles (folded, perf script, jeprof --collapsed, capture dirs, heap dumps)'],
	['zeektop record FILE [--seconds N] [--interval MS]', 'record the table headless (cron, tickets): append-only, crash-safe'],
	['zeektop replay FILE --once [--json] [--at TIME]', 'the table of a recording at one moment, as --once prints it'],
	['zeektop doctor [node|pid]', 'can this host be profiled? each finding with its fix'],
];

function wrap(text: string, width: number): string[] {
	const out: string[] = [];
	let line = '';
	for (const word of text.split(' ')) {
		if (line !== '' && line.length + 1 + word.length > width) {
			out.push(line);
			line = word;
		} else line = line === '' ? word : `${line} ${word}`;
	}
	if (line !== '') out.push(line);
	return out;
}

/** `--help`'s text (meow adds nothing but the description line). */
export function helpText(): string {
	const lines = ['', '  Usage'];
	for (const [synopsis, what] of USAGE) {
		if (synopsis.length <= 28) lines.push(`    $ ${synopsis.padEnd(28)} ${what}`);
		else lines.push(`    $ ${synopsis}`, `${' '.repeat(35)}${what}`);
	}
	lines.push('', '  Options');
	for (const f of FLAGS) {
		const head = `${dashed(f.name)}${f.value ? ` ${f.value}` : ''}`;
		const body = wrap(f.help, 64);
		if (head.length <= 22) lines.push(`    ${head.padEnd(22)} ${body[0]}`);
		else lines.push(`    ${head}`, `${' '.repeat(27)}${body[0]}`);
		for (const more of body.slice(1)) lines.push(`${' '.repeat(27)}${more}`);
	}
	lines.push('    --version, --help', '', '  Keys (interactive): ? shows them all.', '');
	return lines.join('\n');
}

/** The README's options table (a test keeps them equal). */
export function optionsMarkdown(): string {
	const lines = ['| Option | Commands | What it does |', '| --- | --- | --- |'];
	for (const f of FLAGS) {
		const cmds = f.commands === 'all' ? 'all' : f.commands.join(', ');
		lines.push(`| \`${dashed(f.name)}${f.value ? ` ${f.value}` : ''}\` | ${cmds} | ${f.help.replace(/\|/g, '\\|')} |`);
	}
	return lines.join('\n');
}

// ---- one rule per flag ----

const shown = (v: unknown) => escapeText(String(v));

function numberIn(flag: string, value: unknown, min: number, max: number, what: string, whole = false): number {
	if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (whole && !Number.isInteger(value))) {
		throw new UsageError(`${flag} must be ${what} (got ${shown(value)})`);
	}
	return value;
}

/** --seconds / --perf-seconds: a capture length, 0.1 .. 3600 s. */
export function captureSeconds(flag: '--seconds' | '--perf-seconds', value: unknown): number {
	return numberIn(flag, value, 0.1, 3600, 'a number of seconds from 0.1 to 3600');
}

/** --frequency / --perf-frequency: whole Hz, 1 .. 100000. */
export function captureFrequency(flag: '--frequency' | '--perf-frequency', value: unknown): number {
	if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 100_000) {
		throw new UsageError(`${flag} must be a whole number of Hz from 1 to 100000 (got ${shown(value)}); 99 is a good default`);
	}
	return value;
}

function callGraphOf(value: unknown): 'fp' | 'dwarf' {
	const v = value ?? 'fp';
	if (v !== 'fp' && v !== 'dwarf') throw new UsageError(`--call-graph must be fp or dwarf (got '${shown(v)}'); dwarf is for builds without frame pointers`);
	return v;
}

function metricsUrlsOf(values: unknown): string[] | null {
	const list = Array.isArray(values) ? (values as unknown[]) : values === undefined ? [] : [values];
	if (list.includes(false)) return null;
	const urls = list.filter((v): v is string => typeof v === 'string');
	for (const url of urls) {
		if (!/^https?:\/\/[^/\s]+/.test(url)) throw new UsageError(`--metrics needs an http:// URL such as http://127.0.0.1:9991/metrics (got '${shown(url)}')`);
	}
	return urls.map(u => (/\/[^/]*metrics[^/]*$/.test(u) || /\/services\.json$/.test(u) ? u : u.replace(/\/?$/, '/metrics')));
}

function allocatorPatternsOf(values: unknown): AllocatorPattern[] {
	const list = Array.isArray(values) ? (values as string[]) : [];
	const extra = list.map(pattern => {
		try {
			new RegExp(pattern);
		} catch (error) {
			throw new UsageError(`--alloc-skip '${shown(pattern)}' is not a regular expression (${shown((error as Error).message)}); it matches a frame's short name, e.g. '^MyPool::Alloc$'`);
		}
		return {pattern, note: 'added with --alloc-skip'};
	});
	return [...DEFAULT_ALLOCATOR_PATTERNS, ...extra];
}

function optionalSize(flag: string, value: unknown, min: number): number | undefined {
	if (value === undefined) return undefined;
	return numberIn(flag, value, min, 10_000, `a whole number from ${min} to 10000`, true);
}

function optionalString(value: unknown): string | undefined {
	return typeof value === 'string' ? value : undefined;
}

function heapFileOf(flags: RawFlags): Options['heapFile'] {
	if (flags.text === true && flags.collapsed === true) throw new UsageError('--text and --collapsed are two different outputs: give one');
	const metrics = (['inuseObjects', 'allocSpace', 'allocObjects'] as const).filter(m => flags[m] === true);
	if (metrics.length > 1) throw new UsageError(`${metrics.map(dashed).join(' and ')} are different measures: give one`);
	const metric = ({inuseObjects: 'inuse_objects', allocSpace: 'alloc_space', allocObjects: 'alloc_objects'} as const)[metrics[0] ?? 'inuseObjects'];
	const binary = optionalString(flags.binary);
	return {
		...(binary === undefined ? {} : {binary}),
		format: flags.collapsed === true ? 'collapsed' : 'text',
		showBytes: flags.showBytes === true,
		metric: metrics.length === 0 ? 'inuse_space' : metric,
		cum: flags.cum === true,
	};
}

function diffOf(flags: RawFlags): Options['diff'] {
	const modes = (['folded', 'print', 'top', 'json'] as const).filter(m => flags[m] === true);
	if (modes.length > 1) throw new UsageError(`${modes.map(m => '--' + m).join(' and ')} are different outputs: give one`);
	const limit = flags.limit === undefined ? undefined : numberIn('--limit', flags.limit, 1, 100_000, 'a whole number from 1 to 100000', true);
	const output = optionalString(flags.output);
	return {
		...(modes[0] === undefined ? {} : {mode: modes[0]}),
		...(typeof flags.normalize === 'boolean' ? {normalize: flags.normalize} : {}),
		stripHex: flags.stripHex === true,
		negate: flags.negate === true,
		...(limit === undefined ? {} : {limit}),
		...(output === undefined ? {} : {output}),
	};
}

function prometheusOf(flags: RawFlags): Options['prometheus'] {
	const fromFlags = Array.isArray(flags.prometheus) ? (flags.prometheus as unknown[]).filter((v): v is string => typeof v === 'string') : [];
	const fromEnv = (process.env.ZEEKTOP_PROMETHEUS ?? '').split(',').map(s => s.trim()).filter(Boolean);
	const urls = fromFlags.length > 0 ? fromFlags : fromEnv;
	for (const url of urls) {
		if (!/^https?:\/\/[^/\s]+/.test(url)) throw new UsageError(`--prometheus needs an http:// or https:// URL such as http://prometheus:9090 (got '${shown(url)}')`);
		if (/^https?:\/\/[^/@\s]*@/.test(url)) throw new UsageError('--prometheus: credentials in the URL are visible to every user (ps); use ZEEKTOP_PROMETHEUS_PASSWORD or --prometheus-password-file');
	}
	const hosts = Array.isArray(flags.prometheusHost) ? (flags.prometheusHost as unknown[]).filter((v): v is string => typeof v === 'string') : [];
	const opt = (k: string) => optionalString(flags[k]);
	return {
		urls, hosts,
		...(opt('prometheusTokenFile') === undefined ? {} : {tokenFile: opt('prometheusTokenFile')}),
		...(opt('prometheusUser') === undefined ? {} : {username: opt('prometheusUser')}),
		...(opt('prometheusPasswordFile') === undefined ? {} : {passwordFile: opt('prometheusPasswordFile')}),
		...(opt('prometheusCa') === undefined ? {} : {caFile: opt('prometheusCa')}),
	};
}

/** Raw flags → validated options; the first bad flag is a UsageError naming it and its range. */
export function parseOptions(flags: RawFlags): Options {
	const intervalMs = numberIn('--interval', flags.interval ?? 1000, 100, 3_600_000, 'at least 100 ms');
	const seconds = flags.seconds === undefined ? undefined : captureSeconds('--seconds', flags.seconds);
	const perfSeconds = seconds ?? captureSeconds('--perf-seconds', flags.perfSeconds ?? 10);
	const perfFrequency = flags.frequency !== undefined ? captureFrequency('--frequency', flags.frequency) : captureFrequency('--perf-frequency', flags.perfFrequency ?? 99);
	const layouts = ['zeek6', 'zeek7', 'zeek8'] as const;
	const layout = flags.layout ?? 'zeek8';
	if (!layouts.includes(layout as 'zeek8')) throw new UsageError(`--layout must be one of ${layouts.join(', ')} (got '${shown(layout)}')`);
	const spoolDir = optionalString(flags.spool);
	return {
		intervalMs,
		once: flags.once === true,
		json: flags.json === true,
		metricsUrls: metricsUrlsOf(flags.metrics),
		prometheus: prometheusOf(flags),
		metricsIntervalMs: numberIn('--metrics-interval', flags.metricsInterval ?? 10, 1, 86_400, 'in seconds and at least 1') * 1000,
		metricsTimeoutMs: numberIn('--metrics-timeout', flags.metricsTimeout ?? 2000, 100, 600_000, 'in ms and at least 100'),
		procRoot: optionalString(flags.procRoot) ?? '/proc',
		...(spoolDir === undefined ? {} : {spool: {dir: spoolDir, cwdUnder: resolve(spoolDir) + '/'}}),
		...(seconds === undefined ? {} : {seconds}),
		perfSeconds,
		perfFrequency,
		mainThread: flags.mainThread === true,
		callGraph: callGraphOf(flags.callGraph),
		...(optionalString(flags.captures) === undefined ? {} : {captures: optionalString(flags.captures)}),
		dump: flags.dump === true,
		...(optionalString(flags.base) === undefined ? {} : {base: optionalString(flags.base)}),
		allocatorPatterns: allocatorPatternsOf(flags.allocSkip),
		heapFile: heapFileOf(flags),
		useJeprof: flags.jeprof === true,
		print: flags.print === true,
		...(optionalString(flags.at) === undefined ? {} : {at: optionalString(flags.at)}),
		diff: diffOf(flags),
		...(flags.width === undefined ? {} : {width: optionalSize('--width', flags.width, 20)}),
		...(flags.height === undefined ? {} : {height: optionalSize('--height', flags.height, 3)}),
		fold: {
			pid: flags.pid === true, tid: flags.tid === true, kernel: flags.kernel === true,
			jit: flags.jit === true, all: flags.all === true, addrs: flags.addrs === true,
		},
		workers: numberIn('--workers', flags.workers ?? 4, 1, 256, 'a whole number from 1 to 256', true),
		layout: layout as Options['layout'],
	};
}

/** Options as a command would get them with no flags at all (tests, composition). */
export function defaultOptions(overrides: Partial<Options> = {}): Options {
	return {...parseOptions({}), ...overrides};
}
