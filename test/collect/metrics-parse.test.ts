import {test, describe} from 'node:test';
import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {corpusDir} from '../helpers/env.js';
import {syntheticZeekScrape} from '../../source/collect/metrics/synthetic.js';
import {extractZeekNodes} from '../../source/collect/metrics/zeek.js';
import {
	detectFormat, parseFloatToken, parseMetrics, type Labels, type MetricFamily, type ParseOptions, type Sample,
} from '../../source/collect/metrics/parse.js';

const promText = (...p: string[]) => corpusDir('prometheus-text', ...p);

function mustParse(input: string | Uint8Array, options?: ParseOptions): MetricFamily[] {
	const r = parseMetrics(input, options);
	if (!r.ok) assert.fail(`parse failed at line ${r.line}: ${r.error}`);
	return r.families;
}

function family(families: MetricFamily[], name: string): MetricFamily {
	const f = families.find(x => x.name === name);
	assert.ok(f, `family ${name} missing`);
	return f;
}

// ---- OpenMetrics official parser suite: one test per case, accept/reject ------------------------

describe('OpenMetrics test suite (strict openmetrics)', () => {
	const root = promText('openmetrics-testsuite', 'parsers');
	const cases = readdirSync(root).sort();
	test('has all 211 cases', () => assert.equal(cases.length, 211));
	for (const name of cases) {
		const spec = JSON.parse(readFileSync(join(root, name, 'test.json'), 'utf8')) as {
			type: string; file: string; shouldParse: boolean; comment?: string;
		};
		test(`${name}${spec.comment ? ` (${spec.comment})` : ''}`, () => {
			const bytes = readFileSync(join(root, name, spec.file));
			const r = parseMetrics(bytes, {format: 'openmetrics'});
			if (spec.shouldParse) assert.ok(r.ok, r.ok ? '' : `rejected at line ${r.line}: ${r.error}`);
			else assert.ok(!r.ok, 'accepted, should be rejected');
		});
	}
});

// ---- prometheus/common expfmt: exact families, error verdicts and lines -------------------------

type GoNum = number | 'NaN' | '+Inf' | '-Inf';
const goNum = (v: number): GoNum => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : v);
const GO_TYPE: Record<string, string> = {
	counter: 'COUNTER', gauge: 'GAUGE', summary: 'SUMMARY', histogram: 'HISTOGRAM', gaugehistogram: 'GAUGE_HISTOGRAM', untyped: 'UNTYPED',
};

/** Our families in the shape of expfmt's dto.MetricFamily (as the corpus transcribes it). */
function toGoFamilies(families: MetricFamily[]): unknown[] {
	const out: Record<string, unknown>[] = [];
	for (const f of families) {
		if (f.samples.length === 0) continue; // expfmt drops families without samples
		const fam: Record<string, unknown> = {Name: f.name};
		if (f.help !== null) fam['Help'] = f.help;
		fam['Type'] = GO_TYPE[f.type];
		const metrics: Record<string, unknown>[] = [];
		if (f.type === 'summary' || f.type === 'histogram' || f.type === 'gaugehistogram') {
			const groups = new Map<string, {labels: [string, string][]; samples: Sample[]}>();
			for (const s of f.samples) {
				const excluded = f.type === 'summary' ? (s.name === f.name ? 'quantile' : null) : (s.name.endsWith('_bucket') ? 'le' : null);
				const labels = Object.entries(s.labels).filter(([k]) => k !== excluded);
				const key = JSON.stringify([...labels].sort());
				let g = groups.get(key);
				if (!g) groups.set(key, g = {labels, samples: []});
				g.samples.push(s);
			}
			for (const g of groups.values()) {
				const m: Record<string, unknown> = {};
				if (g.labels.length > 0) m['Label'] = g.labels.map(([Name, Value]) => ({Name, Value}));
				let ts: number | null = null;
				for (const s of g.samples) if (s.timestampMs !== null) ts = s.timestampMs;
				if (f.type === 'summary') {
					const summary: Record<string, unknown> = {};
					const quantiles = [];
					for (const s of g.samples) {
						if (s.name === f.name + '_count') summary['SampleCount'] = goNum(s.value);
						else if (s.name === f.name + '_sum') summary['SampleSum'] = goNum(s.value);
						else quantiles.push({Quantile: goNum(Number(parseFloatToken(s.labels['quantile']!, 0, s.labels['quantile']!.length))), Value: goNum(s.value)});
					}
					if (quantiles.length > 0) summary['Quantile'] = quantiles;
					m['Summary'] = summary;
				} else {
					const counts = g.samples.filter(s => !s.name.endsWith('_sum')).map(s => s.value);
					const float = counts.some(v => !Number.isInteger(v));
					const h: Record<string, unknown> = {};
					const buckets = [];
					for (const s of g.samples) {
						if (s.name === f.name + '_count') h[float ? 'SampleCountFloat' : 'SampleCount'] = goNum(s.value);
						else if (s.name === f.name + '_sum') h['SampleSum'] = goNum(s.value);
						else {
							const le = s.labels['le']!;
							buckets.push({UpperBound: goNum(parseFloatToken(le, 0, le.length)!), [float ? 'CumulativeCountFloat' : 'CumulativeCount']: goNum(s.value)});
						}
					}
					if (buckets.length > 0) h['Bucket'] = buckets;
					m['Histogram'] = h;
				}
				if (ts !== null) m['TimestampMs'] = ts;
				metrics.push(m);
			}
		} else {
			const key = f.type === 'counter' ? 'Counter' : f.type === 'gauge' ? 'Gauge' : 'Untyped';
			for (const s of f.samples) {
				const m: Record<string, unknown> = {};
				const labels = Object.entries(s.labels);
				if (labels.length > 0) m['Label'] = labels.map(([Name, Value]) => ({Name, Value}));
				m[key] = {Value: goNum(s.value)};
				if (s.timestampMs !== null) m['TimestampMs'] = s.timestampMs;
				metrics.push(m);
			}
		}
		fam['Metric'] = metrics;
		out.push(fam);
	}
	return out.sort((a, b) => String(a['Name']).localeCompare(String(b['Name'])));
}

describe('prometheus/common expfmt cases (strict prometheus)', () => {
	const cases = JSON.parse(readFileSync(promText('prometheus-common-expfmt', 'cases.json'), 'utf8')) as {
		valid: {file: string; expected_metric_families: {Name: string}[]}[];
		invalid: {file: string; utf8_validation: {should_parse: boolean; error_prefix: string | null}}[];
	};
	for (const c of cases.valid) {
		test(`valid ${c.file}`, () => {
			const families = mustParse(readFileSync(promText('prometheus-common-expfmt', c.file)), {format: 'prometheus', strict: true});
			const expected = [...c.expected_metric_families].sort((a, b) => a.Name.localeCompare(b.Name));
			assert.deepEqual(toGoFamilies(families), expected);
		});
	}
	for (const c of cases.invalid) {
		const want = c.utf8_validation;
		test(`invalid ${c.file}: ${want.should_parse ? 'parses (UTF-8 names)' : want.error_prefix}`, () => {
			const r = parseMetrics(readFileSync(promText('prometheus-common-expfmt', c.file)), {format: 'prometheus', strict: true});
			if (want.should_parse) {
				assert.ok(r.ok, r.ok ? '' : r.error);
				return;
			}
			assert.ok(!r.ok, 'accepted, should be rejected');
			const line = /line (\d+)/.exec(want.error_prefix ?? '')?.[1];
			assert.equal(r.line, Number(line), `error "${r.error}" on line ${r.line}`);
		});
	}
	test('the 21 KB Prometheus server scrape parses', () => {
		const families = mustParse(readFileSync(promText('prometheus-common-expfmt', 'testdata-text.prom')), {format: 'prometheus', strict: true});
		assert.equal(families.length, 37);
	});
});

// ---- prometheus/prometheus textparse: entry sequences and error verdicts -----------------------

type Entry = {
	m?: string; help?: string; typ?: string; unit?: string; comment?: string;
	v?: number | string; t?: number; st?: number; lset?: Record<string, string>;
	es?: {Labels: Record<string, string>; Value: number; HasTs?: boolean; Ts?: number}[];
};

/** Prometheus rewrites le / quantile of classic histograms and summaries to canonical float text. */
function canonicalFloat(raw: string): string {
	const v = parseFloatToken(raw, 0, raw.length);
	if (v === undefined) return raw;
	if (Number.isNaN(v)) return 'NaN';
	if (v === Infinity) return '+Inf';
	if (v === -Infinity) return '-Inf';
	return Number.isInteger(v) ? `${v}.0` : String(v);
}

function compareWithEntries(families: MetricFamily[], entries: Entry[], om: boolean): void {
	const startTimeTypes = new Set(['counter', 'summary', 'histogram', 'gaugehistogram']);
	type Ours = {family: MetricFamily; sample: Sample; lset: Record<string, string>; used: boolean};
	const ours: Ours[] = [];
	for (const f of families) {
		for (const s of f.samples) {
			// Prometheus (WithOMParserSTSeriesSkipped) folds _created into its series as `st`.
			if (om && startTimeTypes.has(f.type) && s.name === f.name + '_created') continue;
			const lset: Record<string, string> = {__name__: s.name};
			for (const [k, v] of Object.entries(s.labels)) lset[k] = v;
			if ((f.type === 'histogram' || f.type === 'gaugehistogram') && s.name === f.name + '_bucket' && lset['le'] !== undefined) lset['le'] = canonicalFloat(lset['le']);
			if (f.type === 'summary' && s.name === f.name && lset['quantile'] !== undefined) lset['quantile'] = canonicalFloat(lset['quantile']);
			ours.push({family: f, sample: s, lset, used: false});
		}
	}
	const sameLabels = (a: Labels, b: Labels) => {
		const ka = Object.keys(a).sort();
		const kb = Object.keys(b).sort();
		return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
	};
	const createdOf = (o: Ours): number | undefined => {
		const f = o.family;
		if (!om || !startTimeTypes.has(f.type)) return undefined;
		const exclude = f.type === 'summary' ? (o.sample.name === f.name ? 'quantile' : null) : (o.sample.name === f.name + '_bucket' ? 'le' : null);
		const want = Object.fromEntries(Object.entries(o.sample.labels).filter(([k]) => k !== exclude));
		const created = f.samples.find(s => s.name === f.name + '_created' && sameLabels(s.labels, want));
		return created === undefined ? undefined : created.value * 1000;
	};
	let sampleEntries = 0;
	for (const e of entries) {
		if (e.lset !== undefined) {
			sampleEntries++;
			const match = ours.find(o => !o.used && sameLabels(o.lset, e.lset!));
			assert.ok(match, `no sample for ${e.m}`);
			match.used = true;
			const want = e.v === undefined ? 0 : e.v === 'NaN' ? NaN : Number(e.v);
			assert.deepEqual(match.sample.value, want, `value of ${e.m}`);
			assert.equal(match.sample.timestampMs, e.t ?? null, `timestamp of ${e.m}`);
			// Prometheus only finds a _created within an uninterrupted run of its family, a streaming
			// artefact; families here keep _created as a sample, so only reported start times are checked.
			if (e.st !== undefined) {
				const st = createdOf(match);
				assert.ok(st !== undefined && Math.round(st) === e.st, `start time of ${e.m}: ${st} vs ${e.st}`);
			}
			const ex = match.sample.exemplar;
			if (e.es === undefined || e.es.length === 0) {
				assert.equal(ex, null, `exemplar of ${e.m}`);
			} else {
				assert.equal(e.es.length, 1);
				const want = e.es[0]!;
				assert.ok(ex !== null, `exemplar of ${e.m}`);
				assert.deepEqual({...ex.labels}, want.Labels);
				assert.equal(ex.value, want.Value);
				assert.equal(ex.timestampMs, want.HasTs ? want.Ts : null);
			}
		} else if (e.m !== undefined && (e.help !== undefined || e.typ !== undefined || e.unit !== undefined)) {
			const f = family(families, e.m);
			if (e.help !== undefined) assert.equal(f.help, e.help, `help of ${e.m}`);
			if (e.typ !== undefined) assert.equal(f.type, e.typ, `type of ${e.m}`);
			if (e.unit !== undefined) assert.equal(f.unit, e.unit, `unit of ${e.m}`);
		}
	}
	assert.equal(ours.length, sampleEntries, 'sample count');
}

describe('prometheus/prometheus textparse cases (lenient)', () => {
	const cases = JSON.parse(readFileSync(promText('prometheus-textparse', 'cases.json'), 'utf8')) as Record<
		'prometheus_text' | 'openmetrics',
		{file: string; should_parse?: boolean; error?: string | null; expected_entries?: Entry[]}[]
	>;
	for (const [key, format] of [['prometheus_text', 'prometheus'], ['openmetrics', 'openmetrics']] as const) {
		for (const c of cases[key]) {
			const bytes = () => readFileSync(promText('prometheus-textparse', c.file));
			if (c.expected_entries !== undefined) {
				test(`${format} ${c.file}: entries`, () => {
					const families = mustParse(bytes(), {format, strict: false});
					compareWithEntries(families, c.expected_entries!, format === 'openmetrics');
				});
			} else {
				test(`${format} ${c.file}: ${c.should_parse ? 'parses' : c.error}`, () => {
					const r = parseMetrics(bytes(), {format, strict: false});
					if (c.should_parse) assert.ok(r.ok, r.ok ? '' : `${r.error} (line ${r.line})`);
					else assert.ok(!r.ok, 'accepted, should be rejected');
				});
			}
		}
	}
	for (const file of readdirSync(promText('prometheus-textparse', 'testdata'))) {
		test(`benchmark input ${file} parses`, () => {
			const families = mustParse(readFileSync(promText('prometheus-textparse', 'testdata', file)), {format: 'auto'});
			assert.ok(families.length > 0, 'no families');
		});
	}
});

// ---- Zeek: real Zeek 8 scrapes, docs examples, btest baselines ---------------------------------

describe('Zeek expositions', () => {
	const realDirs = [['zeek-real', 'standalone', 'metrics'], ['zeek-real', 'supervisor-cluster', 'metrics']];
	for (const dir of realDirs) {
		for (const file of readdirSync(corpusDir(...dir)).filter(f => f.endsWith('.metrics.txt')).sort()) {
			test(`${dir[1]}/${file} parses (auto and strict prometheus)`, () => {
				const bytes = readFileSync(corpusDir(...dir, file));
				const families = mustParse(bytes);
				mustParse(bytes, {format: 'prometheus', strict: true});
				const lines = bytes.toString('utf8').split('\n').filter(l => l !== '' && !l.startsWith('#'));
				assert.equal(families.reduce((n, f) => n + f.samples.length, 0), lines.length, 'every sample line is a sample');
			});
		}
	}

	test('quirks of Zeek 8: Nan, le="inf" on a gauge, a timestamp-valued lag gauge, no node label', () => {
		const families = mustParse(readFileSync(corpusDir('zeek-real', 'supervisor-cluster', 'metrics', 'worker-1-port9924-scrape1.metrics.txt')));
		const latencies = family(families, 'exposer_request_latencies');
		assert.equal(latencies.type, 'summary');
		assert.deepEqual(latencies.samples.map(s => s.name), [
			'exposer_request_latencies_count', 'exposer_request_latencies_sum',
			'exposer_request_latencies', 'exposer_request_latencies', 'exposer_request_latencies',
		]);
		assert.ok(Number.isNaN(latencies.samples[2]!.value), "Nan is NaN");
		const buckets = family(families, 'zeek_msgthread_pending_messages_in_buckets');
		assert.equal(buckets.type, 'gauge');
		assert.deepEqual(buckets.samples[0]!.labels, {le: 'inf', node: 'worker-1'});
		const lag = family(families, 'zeek_timers_lag_time_seconds');
		assert.equal(lag.samples[0]!.value, 1795667031.266392);
		const broker = family(families, 'broker_connections');
		assert.deepEqual(broker.samples.map(s => s.labels), [{type: 'web-socket'}, {type: 'native'}]);
		const events = family(families, 'zeek_event_handler_invocations_total');
		assert.equal(events.type, 'counter');
		assert.equal(events.help, 'Number of times the given event handler was called');
		assert.equal(events.samples.length, 49);
	});

	const docs = corpusDir('zeek', 'docs-examples');
	for (const file of readdirSync(docs).filter(f => f.endsWith('.prom')).sort()) {
		test(`docs-examples/${file} parses`, () => {
			const families = mustParse(readFileSync(join(docs, file)));
			assert.ok(families.length > 0, 'no families');
		});
	}

	test('Zeek 6 scrape: millisecond timestamps, float noise, endpoint=""', () => {
		const families = mustParse(readFileSync(join(docs, 'metrics-curl-zeek6-troubleshooting.prom')));
		const link = family(families, 'zeek_net_link_packets_total');
		assert.deepEqual(link.samples, [{
			name: 'zeek_net_link_packets_total', labels: {endpoint: ''}, value: 19664, timestampMs: 1684826824560, exemplar: null,
		}]);
	});

	test('labelled histogram series stay in one family (the doc block is cut mid-series)', () => {
		const families = mustParse(readFileSync(join(docs, 'metrics-curl-connection-duration-histogram.prom')));
		assert.equal(families.length, 1);
		const h = families[0]!;
		assert.equal(h.type, 'histogram');
		assert.equal(h.samples.length, 14);
		assert.deepEqual(new Set(h.samples.map(s => s.labels['service'])), new Set(['dns', 'http']));
	});

	const sync = corpusDir('zeek', 'btest-baselines', 'scripts.base.frameworks.telemetry.sync');
	for (const file of ['metrics1.txt', 'metrics2.txt', 'metrics3.txt']) {
		test(`btest baseline telemetry.sync/${file} (with its ### header) parses`, () => {
			const families = mustParse(readFileSync(join(sync, file)));
			assert.equal(families.length, 1);
			assert.equal(families[0]!.name, 'btest_connections_total');
			assert.equal(families[0]!.samples[0]!.labels['proto'], 'tcp');
		});
	}
});

// ---- inline edge cases --------------------------------------------------------------------------

describe('edge cases', () => {
	test('labelled histograms and summaries group by suffix, with any labels', () => {
		const families = mustParse([
			'# TYPE rpc histogram',
			'rpc_bucket{node="w1",le="1"} 1',
			'rpc_bucket{node="w1",le="+Inf"} 2',
			'rpc_sum{node="w1"} 3',
			'rpc_count{node="w1"} 2',
			'rpc_bucket{node="w2",le="1"} 0',
			'rpc_bucket{node="w2",le="+Inf"} 0',
			'rpc_sum{node="w2"} 0',
			'rpc_count{node="w2"} 0',
			'# TYPE lat summary',
			'lat{node="w1",quantile="0.5"} 1',
			'lat_sum{node="w1"} 1',
			'lat_count{node="w1"} 1',
			'',
		].join('\n'));
		assert.deepEqual(families.map(f => [f.name, f.type, f.samples.length]), [['rpc', 'histogram', 8], ['lat', 'summary', 3]]);
	});

	test('OpenMetrics families: counter _total/_created, info, gaugehistogram, exemplar, unit', () => {
		const families = mustParse([
			'# TYPE req_seconds counter',
			'# UNIT req_seconds seconds',
			'req_seconds_total{a="1"} 5 1.5 # {trace_id="x"} 1 2.25',
			'req_seconds_created{a="1"} 100',
			'# TYPE build info',
			'build_info{version="8.0"} 1',
			'# TYPE q gaugehistogram',
			'q_bucket{le="+Inf"} 3',
			'q_gcount 3',
			'q_gsum 1',
			'# EOF',
			'',
		].join('\n'), {format: 'openmetrics'});
		assert.deepEqual(families.map(f => [f.name, f.type, f.samples.length]), [
			['req_seconds', 'counter', 2], ['build', 'info', 1], ['q', 'gaugehistogram', 3],
		]);
		assert.equal(families[0]!.unit, 'seconds');
		const total = families[0]!.samples[0]!;
		assert.equal(total.timestampMs, 1500);
		assert.deepEqual(total.exemplar, {labels: {trace_id: 'x'}, value: 1, timestampMs: 2250});
	});

	test('label escapes, NaN and ±Inf, timestamps', () => {
		const [f] = mustParse('m{a="q\\"uo\\\\te\\nnl"} NaN 123\nm{a="x"} +Inf\nm{a="y"} -Inf -5\n');
		assert.equal(f!.samples[0]!.labels['a'], 'q"uo\\te\nnl');
		assert.ok(Number.isNaN(f!.samples[0]!.value), "NaN");
		assert.equal(f!.samples[0]!.timestampMs, 123);
		assert.equal(f!.samples[1]!.value, Infinity);
		assert.equal(f!.samples[2]!.value, -Infinity);
		assert.equal(f!.samples[2]!.timestampMs, -5);
	});

	test('an unknown escape is literal when lenient, an error under expfmt rules', () => {
		assert.equal(mustParse('m{a="\\t"} 1\n')[0]!.samples[0]!.labels['a'], '\\t');
		assert.equal(parseMetrics('m{a="\\t"} 1\n', {format: 'prometheus', strict: true}).ok, false);
	});

	test('a label named __proto__ is an own property, not a prototype change', () => {
		const s = mustParse('m{__proto__="x",constructor="y"} 1\n')[0]!.samples[0]!;
		assert.deepEqual(Object.keys(s.labels), ['__proto__', 'constructor']);
		assert.equal(Object.getPrototypeOf(s.labels), Object.prototype);
		assert.equal(s.labels['__proto__'], 'x');
	});

	test('duplicate label names and __name__ are rejected in every mode', () => {
		for (const format of ['prometheus', 'openmetrics'] as const) {
			const eof = format === 'openmetrics' ? '# EOF\n' : '';
			assert.equal(parseMetrics(`m{a="1",a="2"} 1\n${eof}`, {format, strict: false}).ok, false);
			assert.equal(parseMetrics(`m{__name__="x"} 1\n${eof}`, {format, strict: false}).ok, false);
		}
	});

	test('errors carry the 1-based line', () => {
		const r = parseMetrics('a 1\nb 2\nc{ 3\n');
		assert.deepEqual(r.ok ? null : r.line, 3);
	});

	test('invalid UTF-8 bytes are an error, with the line', () => {
		const r = parseMetrics(new Uint8Array([0x61, 0x20, 0x31, 0x0a, 0x62, 0x7b, 0x6c, 0x3d, 0x22, 0xff, 0x22, 0x7d, 0x20, 0x31, 0x0a]));
		assert.equal(r.ok, false);
		assert.equal(r.ok ? 0 : r.line, 2);
	});

	test('lenient prometheus: CRLF, missing final newline, missing commas', () => {
		const families = mustParse('a{x="1" y="2"} 1\r\nb 2');
		assert.deepEqual(families.map(f => [f.name, f.samples[0]!.value, f.samples[0]!.labels]), [['a', 1, {x: '1', y: '2'}], ['b', 2, {}]]);
	});

	test('auto detects OpenMetrics by its # EOF, and a Content-Type wins', () => {
		assert.equal(detectFormat('a 1\n# EOF\n'), 'openmetrics');
		assert.equal(detectFormat('a 1\n# EOF'), 'openmetrics');
		assert.equal(detectFormat('a 1\n'), 'prometheus');
		assert.equal(detectFormat('a 1\n# EOF\n', 'text/plain; version=0.0.4'), 'prometheus');
		const r = parseMetrics('a_total 1 # {x="y"} 1\n# EOF\n');
		assert.ok(r.ok && r.format === 'openmetrics' && r.families[0]!.samples[0]!.exemplar !== null, 'OpenMetrics with an exemplar');
	});

	test('numbers: the grammar both formats share', () => {
		const ok = ['0', '-0', '1e3', '1.5E-3', '.5', '5.', '+7', '0001', 'nan', 'NaN', 'Inf', '-inf', '+Infinity', '9223372036854775808'];
		for (const s of ok) assert.notEqual(parseFloatToken(s, 0, s.length), undefined, s);
		const bad = ['', '+', '.', '1_2', '0x1', '0x1p-3', '0b1', '1e', '1e+', 'true', '1.1.1', ' 1', 'infinit'];
		for (const s of bad) assert.equal(parseFloatToken(s, 0, s.length), undefined, s);
		assert.equal(parseFloatToken('12345678901234567890', 0, 20), 12345678901234567890);
	});
});

describe('synthetic Zeek scrape (benchmark input)', () => {
	test('5,000+ series, deterministic, parses in every prometheus mode and extracts one node', () => {
		const text = syntheticZeekScrape();
		assert.equal(text, syntheticZeekScrape(), 'deterministic');
		const families = mustParse(text);
		mustParse(text, {format: 'prometheus', strict: true});
		const samples = families.reduce((n, f) => n + f.samples.length, 0);
		assert.ok(samples >= 5000 && samples < 5100, `${samples} samples`);
		const h = family(families, 'zeek_monitored_connection_duration_seconds');
		assert.equal(h.type, 'histogram');
		assert.equal(new Set(h.samples.map(s => s.labels['service'])).size, 136, 'every labelled histogram series kept');
		const nodes = extractZeekNodes(families);
		assert.deepEqual([...nodes.keys()], ['worker-1']);
		assert.equal(nodes.get('worker-1')!.timerLagSeconds, null);
	});

	test('sizes and the standalone variant', () => {
		const big = mustParse(syntheticZeekScrape({series: 20000, node: null, seed: 7}));
		assert.ok(big.reduce((n, f) => n + f.samples.length, 0) >= 20000, '20k series');
		assert.deepEqual([...extractZeekNodes(big).keys()], ['']);
	});

	test('no quadratic path: a 5,000-series scrape parses well under a second even on a busy machine', () => {
		const text = syntheticZeekScrape();
		const t0 = performance.now();
		for (let i = 0; i < 5; i++) mustParse(text);
		const perParse = (performance.now() - t0) / 5;
		assert.ok(perParse < 1000, `${perParse.toFixed(1)} ms per parse`);
	});
});
