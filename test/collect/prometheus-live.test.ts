import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {PrometheusSource, type RemoteNode} from '../../source/collect/fleet.js';
import {PrometheusClient} from '../../source/collect/prometheus.js';
import {systemClock} from '../../source/lib/clock.js';
import {frontFor, serveZeekNode, startPrometheus, waitForQuery, type LocalServer, type RunningPrometheus, type ZeekNodeSpec, prometheusInstalled} from '../helpers/prometheus.js';

/**
 * Against a real Prometheus scraping Zeek-shaped endpoints every second, under sensor instance
 * labels: Zeek 8 (node label), Zeek 7 (endpoint label, version without one), a standalone Zeek 8
 * (no label at all), and Prometheus' own /metrics (process_* series of a non-Zeek process).
 */

const hasPrometheus = prometheusInstalled();

const base = {packetLagSeconds: 0.002, activeSessions: 100, rssBytes: 0, eventsPerSecond: 0} as const;
const specs: Record<string, ZeekNodeSpec> = {
	aw1: {...base, node: 'worker-1', zeekMajor: 8, packetsPerSecond: 1000, droppedPerSecond: 10, eventsPerSecond: 500, cpuCoresUsed: 0.5, rssBytes: 250_000_000, activeSessions: 120},
	aw2: {...base, node: 'worker-2', zeekMajor: 8, packetsPerSecond: 2000, droppedPerSecond: 0, eventsPerSecond: 800, cpuCoresUsed: 0.25, rssBytes: 300_000_000, activeSessions: 40, packetLagSeconds: 0.5},
	bw1: {...base, node: 'worker-1', zeekMajor: 7, packetsPerSecond: 400, droppedPerSecond: 100, eventsPerSecond: 200, cpuCoresUsed: 1.5, rssBytes: 123_000_000, activeSessions: 7},
	c: {...base, node: null, zeekMajor: 8, packetsPerSecond: 50, droppedPerSecond: 0, eventsPerSecond: 20, cpuCoresUsed: 0.1, rssBytes: 99_000_000, activeSessions: 3},
};

let prom: RunningPrometheus | null = null;
const servers: Record<string, LocalServer> = {};
const cleanups: Array<() => Promise<void>> = [];

before(async () => {
	if (!hasPrometheus) return;
	for (const [k, s] of Object.entries(specs)) {
		servers[k] = await serveZeekNode(s);
		cleanups.push(servers[k]!.close);
	}
	prom = await startPrometheus({
		scrapeIntervalSeconds: 1,
		scrapeSelf: true,
		targets: [
			{address: servers['aw1']!.address, instance: 'sensor-a:9994'},
			{address: servers['aw2']!.address, instance: 'sensor-a:9995'},
			{address: servers['bw1']!.address, instance: 'sensor-b:9991'},
			{address: servers['c']!.address, instance: 'sensor-c.example.org:9911'},
		],
	});
	cleanups.unshift(prom.stop);
	// rate() over the 4 s window is only whole once the window holds a full set of scrapes: a
	// younger series extrapolates over part of it (half the rate with two samples in 4 s).
	await waitForQuery(prom.url, 'count_over_time(zeek_net_received_packets_total[5s]) >= 5', r => r.length === 4, 40_000);
});

after(async () => {
	for (const c of cleanups) await c();
});

const near = (actual: number | null, expected: number, tolerance: number, what: string) => {
	assert.ok(actual !== null, `${what}: null`);
	assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual}, expected ${expected} ± ${tolerance}`);
};

function byKey(nodes: RemoteNode[]): Map<string, RemoteNode> {
	return new Map(nodes.map(n => [n.key, n]));
}

test('one row per (host, node) with the table columns, from Zeek 8, Zeek 7 and standalone targets', {skip: !hasPrometheus}, async () => {
	const source = new PrometheusSource({urls: [prom!.url], clock: systemClock, intervalMs: 1000});
	try {
		await source.refresh();
		assert.deepEqual(source.problems(), []);
		const nodes = byKey(source.nodes());
		assert.deepEqual([...nodes.keys()].sort(), ['sensor-a/worker-1', 'sensor-a/worker-2', 'sensor-b/worker-1', 'sensor-c.example.org/sensor-c.example.org:9911']);

		const a1 = nodes.get('sensor-a/worker-1')!;
		assert.equal(a1.host, 'sensor-a');
		assert.equal(a1.node, 'worker-1');
		assert.equal(a1.source, 'prometheus');
		assert.equal(a1.zeekVersion, '8.0.10');
		near(a1.receivedPacketsPerSecond, 1000, 100, 'a1 packets/s');
		near(a1.dropPercent, (10 / 1010) * 100, 0.2, 'a1 drop %');
		near(a1.eventsPerSecond, 500, 50, 'a1 events/s');
		near(a1.cpuPercent, 50, 5, 'a1 CPU % (user + system)');
		near(a1.newSessionsPerSecond, 30, 4, 'a1 new sessions/s');
		near(a1.logWritesPerSecond, 30, 4, 'a1 log writes/s');
		assert.equal(a1.rssBytes, 250_000_000);
		assert.equal(a1.activeSessions, 120);
		assert.equal(a1.packetLagSeconds, 0.002);
		assert.equal(a1.up, true);
		assert.equal(a1.stale, false);
		assert.ok(a1.ageMs < 5000);

		const a2 = nodes.get('sensor-a/worker-2')!;
		assert.equal(a2.dropPercent, 0);
		near(a2.cpuPercent, 25, 3, 'a2 CPU %');
		assert.equal(a2.packetLagSeconds, 0.5);

		// Zeek 7: endpoint label on the series, none on zeek_version_info; process_cpu_seconds_total.
		const b1 = nodes.get('sensor-b/worker-1')!;
		assert.equal(b1.node, 'worker-1');
		assert.equal(b1.zeekVersion, '7.0.0');
		near(b1.dropPercent, 20, 1, 'b1 drop %');
		near(b1.cpuPercent, 150, 15, 'b1 CPU % over one core');
		assert.equal(b1.rssBytes, 123_000_000);

		const c = nodes.get('sensor-c.example.org/sensor-c.example.org:9911')!;
		assert.equal(c.node, null);
		assert.equal(c.host, 'sensor-c.example.org');
		near(c.receivedPacketsPerSecond, 50, 6, 'standalone packets/s');

		// Backfilled from range queries (one step per refresh interval, 1 s here): the sparklines
		// start with history, not empty. Early CPU points are low (a young series' rate() covers
		// part of its window); ratios and gauges are exact from the start.
		assert.ok(a1.cpuHistory.length >= 3, `cpu history ${a1.cpuHistory}`);
		near(a1.cpuHistory.at(-1)!, 50, 5, 'latest CPU point');
		assert.ok(a1.rssHistory.length >= 3 && a1.rssHistory.every(v => v === 250_000_000), `rss history ${a1.rssHistory}`);
		assert.ok(b1.dropHistory.length >= 3 && b1.dropHistory.every(v => Math.abs(v - 20) < 2), `drop history ${b1.dropHistory}`);
		assert.ok(a2.dropHistory.length >= 3 && a2.dropHistory.every(v => v === 0), `no drops: ${a2.dropHistory}`);

		const status = source.status();
		assert.equal(status[0]!.state, 'ok');
		assert.equal(status[0]!.rateWindowSeconds, 4, 'four 1 s scrape intervals');
	} finally {
		await source.stop();
	}
});

test('a refresh is one query per metric family and one targets call, not one per node', {skip: !hasPrometheus}, async () => {
	// Counted by a forwarding front: the answers are the real Prometheus' own.
	const front = await frontFor(prom!.url);
	const source = new PrometheusSource({urls: [front.url], clock: systemClock, intervalMs: 5000});
	try {
		await source.refresh(); // the first one also backfills
		assert.equal(front.counts.get('/api/v1/query_range'), 3, 'backfill: CPU, RSS, drop %');
		front.counts.clear();
		await source.refresh();
		assert.deepEqual(Object.fromEntries(front.counts), {'/api/v1/query': 13, '/api/v1/targets': 1}, 'thirteen families; the backfill ran once');
		assert.equal(source.nodes().length, 4);
	} finally {
		await source.stop();
		await front.close();
	}
});

test('a host filter is pushed into the queries', {skip: !hasPrometheus}, async () => {
	const source = new PrometheusSource({urls: [prom!.url], clock: systemClock, hosts: ['sensor-b', 'sensor-c.example.org']});
	try {
		await source.refresh();
		assert.deepEqual(source.nodes().map(n => n.key).sort(), ['sensor-b/worker-1', 'sensor-c.example.org/sensor-c.example.org:9911']);
		// A regex metacharacter in a host is a literal: "sensor.a" must not match "sensor-a".
		const dotted = new PrometheusSource({urls: [prom!.url], clock: systemClock, hosts: ['sensor.a']});
		await dotted.refresh();
		assert.deepEqual(dotted.nodes(), []);
		assert.deepEqual(dotted.problems(), []);
		await dotted.stop();
	} finally {
		await source.stop();
	}
});

test('a node whose target goes down keeps its row, marked down, and one problem line says so', {skip: !hasPrometheus}, async () => {
	const source = new PrometheusSource({urls: [prom!.url], clock: systemClock, keepMissingRefreshes: 5});
	try {
		await source.refresh();
		assert.ok(byKey(source.nodes()).get('sensor-a/worker-2')!.up);
		await servers['aw2']!.close();
		const client = new PrometheusClient({url: prom!.url, timeoutMs: 3000, maxBytes: 1 << 20});
		for (let i = 0; ; i++) {
			const t = await client.targets();
			assert.ok(t.ok);
			if (t.value.some(x => x.instance === 'sensor-a:9995' && x.health === 'down')) break;
			assert.ok(i < 100, 'the target never went down');
			await new Promise(r => setTimeout(r, 200));
		}
		await client.close();
		await source.refresh();
		const a2 = byKey(source.nodes()).get('sensor-a/worker-2')!;
		assert.equal(a2.up, false);
		assert.equal(a2.cpuPercent, null, 'no rate for a node that is not scraped');
		assert.notEqual(a2.lastError, '');
		assert.equal(a2.rssBytes, 300_000_000, 'last known gauge kept');
		const problems = source.problems();
		assert.equal(problems.length, 1);
		assert.match(problems[0]!.message, /^1 Zeek target down: sensor-a:9995 \(/);
		assert.ok(byKey(source.nodes()).get('sensor-a/worker-1')!.up);
	} finally {
		await source.stop();
	}
});

test('zeektop --once --json --prometheus URL: every node gains host and source; remote nodes have pid null', {skip: !hasPrometheus}, async () => {
	const {run} = await import('../../source/capture/runner.js');
	const {repoRoot} = await import('../helpers/env.js');
	const {join} = await import('node:path');
	const r = await run(process.execPath, [join(repoRoot, 'dist', 'cli.js'), '--once', '--json', '--interval', '200', '--no-metrics', '--spool', '/nonexistent-zeektop-spool', '--prometheus', prom!.url], {timeoutMs: 60_000});
	assert.equal(r.code, 0, r.stderr);
	const doc = JSON.parse(r.stdout) as {nodes: Array<{host: string; node: string | null; source: string; pid: number | null}>};
	const remote = doc.nodes.filter(n => n.source === 'prometheus');
	// (an earlier test took sensor-a's worker-2 down)
	const names = remote.map(n => `${n.host}/${n.node}`);
	for (const want of ['sensor-a/worker-1', 'sensor-b/worker-1']) assert.ok(names.includes(want), `${want} in ${names.join(', ')}`);
	assert.ok(remote.every(n => n.pid === null));
	assert.ok(doc.nodes.every(n => typeof n.host === 'string' && (n.source === 'local' || n.source === 'prometheus')));
	// A bad URL and credentials in the URL are one line each, exit 2.
	for (const bad of ['ftp://x', 'http://user:secret@127.0.0.1:9']) {
		const b = await run(process.execPath, [join(repoRoot, 'dist', 'cli.js'), '--once', '--prometheus', bad], {timeoutMs: 30_000});
		assert.equal(b.code, 2);
		assert.equal(b.stderr.trimEnd().split('\n').length, 1, b.stderr);
	}
});
