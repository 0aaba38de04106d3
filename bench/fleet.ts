// The fleet through a real Prometheus: 100 sensors × 16 nodes = 1,600 scrape targets (every 5 s),
// refreshed by PrometheusSource at its 5 s interval. Measures first screen (start → the first
// update with all 1,600 rows), a refresh's wall time and CPU (% of one core at a 5 s refresh),
// and the per-draw cost of turning the fleet into table rows. Anchor, same run, interleaved:
// the same 13 queries + targets fetched raw with undici (bodies read, not parsed).
// Run alone: NODE_ENV=production node --import tsx bench/fleet.ts [--rounds N]
import {spawn} from 'node:child_process';
import {hostname} from 'node:os';
import {createInterface} from 'node:readline';
import {fileURLToPath} from 'node:url';
import {Agent, request} from 'undici';
import {PrometheusSource} from '../source/collect/fleet.js';
import {systemClock} from '../source/lib/clock.js';
import {fleetQueries} from '../source/profile/promql.js';
import {mergeFleet, remoteFleetRow} from '../source/state/fleet.js';
import {startPrometheus, waitForQuery, type RunningPrometheus} from '../test/helpers/prometheus.js';

const SENSORS = 100;
const NODES_PER_SENSOR = 16;
const SCRAPE_SECONDS = 5;
const REFRESH_MS = 5000;

function nodeNames(): string[] {
	const names = ['manager', 'logger-1', 'proxy-1'];
	for (let i = 1; names.length < NODES_PER_SENSOR; i++) names.push(`worker-${String(i).padStart(2, '0')}`);
	return names;
}

const cpuMs = () => {
	const u = process.cpuUsage();
	return (u.user + u.system) / 1000;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchFleet(options: {rounds?: number} = {}): Promise<string[]> {
	const rounds = options.rounds ?? 6;
	const out: string[] = [];
	const exporter = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fleet-exporter.ts', import.meta.url))], {stdio: ['pipe', 'pipe', 'inherit']});
	let prom: RunningPrometheus | null = null;
	try {
		const port = await new Promise<number>((resolve, reject) => {
			exporter.once('exit', code => reject(new Error(`fleet exporter exited (${code})`)));
			createInterface({input: exporter.stdout!}).once('line', line => resolve((JSON.parse(line) as {port: number}).port));
		});
		// 1,600 separate targets (one per node) overran Prometheus on this shared 2-core machine; 16
		// targets, one per node name, each serving that node of all 100 sensors with their
		// instance labels (honor_labels), give Prometheus the same 1,600 series per family.
		const targets = nodeNames().map((node, i) => ({
			address: `127.0.0.1:${port}`, instance: `node-${node}`, labels: {__param_node: node, __param_sensors: String(SENSORS), __param_port: String(9991 + i)},
		}));
		console.error(`exporter on ${port}`);
		prom = await startPrometheus({targets, scrapeIntervalSeconds: SCRAPE_SECONDS, honorLabels: true});
		console.error(`prometheus ready at ${prom.url}`);
		const rows = SENSORS * NODES_PER_SENSOR;
		// The 20 s rate() window (four scrape intervals) must hold a full set of scrapes.
		const warm0 = performance.now();
		await waitForQuery(prom.url, `count(count_over_time(zeek_net_received_packets_total[${4 * SCRAPE_SECONDS + 1}s]) >= 4)`,
			r => Number((r[0] as {value?: [number, string]} | undefined)?.value?.[1] ?? 0) >= rows, 120_000);
		const series = await waitForQuery(prom.url, 'count({__name__=~"zeek_.+|process_.+"})', r => r.length === 1);
		const seriesCount = (series[0] as {value: [number, string]}).value[1];
		out.push(`fleet: ${SENSORS} sensors x ${NODES_PER_SENSOR} nodes = ${rows} nodes (16 honor_labels targets) scraped every ${SCRAPE_SECONDS} s by Prometheus 2.42 (${seriesCount} Zeek series), refresh every ${REFRESH_MS / 1000} s; warm-up ${((performance.now() - warm0) / 1000).toFixed(0)} s`);

		// First screen: start() → the first update that carries every row (backfill still running).
		let firstMs = 0;
		let backfillMs = 0;
		let updates = 0;
		const t0 = performance.now();
		const cpu0 = cpuMs();
		let firstCpu = 0;
		const source = new PrometheusSource({
			urls: [prom.url], clock: systemClock, intervalMs: REFRESH_MS, timeoutMs: 10_000,
			onUpdate: () => {
				updates++;
				if (updates === 1) {
					firstMs = performance.now() - t0;
					firstCpu = cpuMs() - cpu0;
				}
				if (updates === 2) backfillMs = performance.now() - t0;
			},
		});
		await source.refresh();
		const firstRows = source.nodes().length;
		out.push(`  first screen: ${firstMs.toFixed(0)} ms to ${firstRows} rows (CPU ${firstCpu.toFixed(0)} ms); history backfill (3 range queries, 60 steps) done at ${backfillMs.toFixed(0)} ms`);

		// Steady state, interleaved with the anchor: raw undici fetches of the same calls.
		const queries = Object.values(fleetQueries(source.status()[0]!.rateWindowSeconds ?? 4 * SCRAPE_SECONDS));
		const agent = new Agent({connections: 4, keepAliveTimeout: 30_000});
		const anchor = async () => {
			const at = String(Date.now() / 1000);
			const calls = [
				request(`${prom!.url}/api/v1/targets?state=active`, {dispatcher: agent}),
				...queries.map(q => request(`${prom!.url}/api/v1/query`, {
					method: 'POST', dispatcher: agent, body: new URLSearchParams({query: q, time: at}).toString(),
					headers: {'content-type': 'application/x-www-form-urlencoded'},
				})),
			];
			let bytes = 0;
			for (const r of await Promise.all(calls)) bytes += Buffer.byteLength(await r.body.text());
			return bytes;
		};
		const ours = {wall: [] as number[], cpu: [] as number[]};
		const raw = {wall: [] as number[], cpu: [] as number[]};
		const draw = {wall: [] as number[]};
		let anchorBytes = 0;
		await anchor(); // warm the anchor's connections as the source's are warm
		for (let r = 0; r < rounds; r++) {
			let c = cpuMs();
			let w = performance.now();
			anchorBytes = await anchor();
			raw.wall.push(performance.now() - w);
			raw.cpu.push(cpuMs() - c);
			c = cpuMs();
			w = performance.now();
			await source.refresh();
			ours.wall.push(performance.now() - w);
			ours.cpu.push(cpuMs() - c);
			// What the table does per draw: rows from the source, merged with (no) local rows.
			w = performance.now();
			const merged = mergeFleet([], source.nodes().map(remoteFleetRow), hostname());
			draw.wall.push(performance.now() - w);
			if (merged.length !== rows) throw new Error(`expected ${rows} rows, got ${merged.length}`);
			await new Promise(res => setTimeout(res, 1000));
		}
		const problems = source.problems();
		await source.stop();
		await agent.close();
		const pct = (ms: number) => ((ms / REFRESH_MS) * 100).toFixed(2);
		out.push(`  refresh (13 queries + targets, median of ${rounds}): wall ${median(ours.wall).toFixed(0)} ms, CPU ${median(ours.cpu).toFixed(1)} ms = ${pct(median(ours.cpu))} % of a core at a ${REFRESH_MS / 1000} s refresh`);
		out.push(`  anchor raw undici fetch of the same calls (${(anchorBytes / 1024).toFixed(0)} KiB of JSON): wall ${median(raw.wall).toFixed(0)} ms, CPU ${median(raw.cpu).toFixed(1)} ms = ${pct(median(raw.cpu))} %`);
		out.push(`  ratio zeektop/anchor: wall ${(median(ours.wall) / median(raw.wall)).toFixed(2)}, CPU ${(median(ours.cpu) / median(raw.cpu)).toFixed(2)}`);
		out.push(`  per draw: nodes() + rows + mergeFleet for ${rows} rows ${median(draw.wall).toFixed(1)} ms`);
		if (problems.length > 0) out.push(`  problems during the run: ${problems.map(p => p.message).join('; ')}`);
	} finally {
		exporter.kill('SIGTERM');
		await prom?.stop();
	}
	return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const i = process.argv.indexOf('--rounds');
	for (const line of await benchFleet({rounds: i > 0 ? Number(process.argv[i + 1]) : undefined})) console.log(line);
	process.exit(0);
}
