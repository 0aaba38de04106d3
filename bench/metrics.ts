// Parse throughput on a 5,000-series Zeek-like scrape, beside the npm parsers, in one run.
import {createRequire} from 'node:module';
import {syntheticZeekScrape} from '../source/collect/metrics/synthetic.js';
import {parseMetrics} from '../source/collect/metrics/parse.js';

const require = createRequire(import.meta.url);

export async function benchMetrics(): Promise<string[]> {
	const pptf = require('parse-prometheus-text-format');
	const parsePptf: (s: string) => unknown = pptf.default ?? pptf;
	const {getMetricsFromIterator} = require('prom2javascript') as {getMetricsFromIterator: (it: Iterator<string>) => unknown};
	// parse-prometheus-text-format throws on Zeek's exposer summary and prom2javascript rejects its
	// `Nan`: those 5 lines are dropped for every parser so all see the same input.
	const text = syntheticZeekScrape({series: 5000}).split('\n').filter(l => !l.startsWith('exposer_request_latencies')).join('\n');
	const bytes = Buffer.byteLength(text);
	const series = text.split('\n').filter(l => l !== '' && !l.startsWith('#')).length;
	const candidates: Array<[string, () => unknown]> = [
		['zeektop parseMetrics', () => parseMetrics(text)],
		['prom2javascript 0.2.0', () => getMetricsFromIterator(text.split('\n')[Symbol.iterator]())],
		['parse-prometheus-text-format 1.1.1', () => parsePptf(text)],
	];
	const times = new Map<string, number[]>(candidates.map(([n]) => [n, []]));
	for (const [, fn] of candidates) for (let i = 0; i < 10; i++) fn();
	for (let r = 0; r < 40; r++) {
		for (const [name, fn] of candidates) {
			const t0 = performance.now();
			fn();
			times.get(name)!.push(performance.now() - t0);
		}
	}
	const median = (t: number[]) => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)]!;
	const ours = median(times.get('zeektop parseMetrics')!);
	const out = [`metrics parse: ${series} series, ${(bytes / 1024).toFixed(0)} KiB synthetic Zeek 8 scrape, median of 40 interleaved runs`];
	for (const [name, t] of times) {
		const m = median(t);
		out.push(`  ${name.padEnd(36)} ${m.toFixed(2)} ms  ${(bytes / 1e6 / (m / 1000)).toFixed(0)} MB/s  ${(series / (m / 1000) / 1e6).toFixed(2)} M series/s  ratio vs zeektop ${(m / ours).toFixed(2)}`);
	}
	out.push('  (anchor: prom2javascript, the fastest npm parser; zeektop ratio = ' + (ours / median(times.get('prom2javascript 0.2.0')!)).toFixed(2) + ')');
	return out;
}
