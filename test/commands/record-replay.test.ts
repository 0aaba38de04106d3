import {after, before, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {ProcFs} from '../../source/collect/procfs.js';
import {systemClock} from '../../source/lib/clock.js';
import {Monitor} from '../../source/state/monitor.js';
import {MetricsCollector} from '../../source/collect/metrics/collector.js';
import {defaultScenario, startCluster, type SimCluster} from '../../source/sim/launcher.js';
import {findBackfillFiles, readBackfill} from '../../source/collect/backfill.js';
import {HistoryStore, applyBackfill, feedHistory} from '../../source/state/history.js';
import {addHistory} from '../../source/commands/history-json.js';
import {snapshotJson} from '../../source/commands/snapshot-json.js';
import {runRecord} from '../../source/commands/record.js';
import {runReplay} from '../../source/commands/replay.js';
import {needTool} from '../helpers/env.js';

/**
 * One simulated cluster (manager, logger-1, proxy-1, worker-1 overloaded, worker-2 leaking):
 * the history its stats files give, a real `record` run against it, and `replay` of that file.
 */

let cluster: SimCluster | undefined;
const dir = mkdtempSync(join(tmpdir(), 'zeektop-record-'));
const sink = () => {
	let text = '';
	return {write: (s: string) => (text += s), get text() {
		return text;
	}};
};
const newMonitor = (c: SimCluster) => new Monitor({
	procfs: new ProcFs(), clock: systemClock, cwdUnder: c.spoolDir + '/',
	metrics: new MetricsCollector({clock: systemClock, intervalMs: 1000, timeoutMs: 2000, maxBytes: 1 << 25}), heapProbeMs: 0,
});
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

before(async () => {
	if (!needTool({skip: () => undefined} as never, 'g++')) return;
	cluster = await startCluster(defaultScenario({workers: 2}), {basePort: 0, jemallocLibrary: null, statsLogs: {statsIntervalMs: 1000, cronIntervalMs: 1000}});
});
after(async () => {
	await cluster?.stop();
	rmSync(dir, {recursive: true, force: true});
});

describe('the simulated sensor leaves an hour of history behind', () => {
	test("stats.log in the logger's cwd the way Zeek writes it, cron stats in the spool; backfill reads both", async t => {
		if (!needTool(t, 'g++') || !cluster) return;
		const c = cluster;
		const logger = c.nodes.find(n => n.node === 'logger-1')!;
		const text = readFileSync(join(logger.cwd, 'stats.log'), 'utf8');
		assert.match(text, /^#separator \\x09\n#set_separator\t,\n#empty_field\t\(empty\)\n#unset_field\t-\n#path\tstats\n#open\t\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\n#fields\tts\tpeer\tmem\tpkts_proc\t/);
		await sleep(2500); // two live lines per node
		const monitor = newMonitor(c);
		const snap = monitor.tick();
		const files = findBackfillFiles(snap.rows.map(r => ({role: r.role, launch: r.launch, cwd: r.cwd})), Date.now() - 3600_000);
		assert.deepEqual(files.map(f => f.path).sort(), [join(c.spoolDir, 'logger-1', 'stats.log'), join(c.spoolDir, 'stats.log')]);
		const r = readBackfill(files, Date.now() - 3600_000 - 60_000);
		assert.deepEqual(r.problems, []);
		const store = new HistoryStore();
		applyBackfill(store, r.points);
		assert.deepEqual(store.keys().sort(), ['logger-1', 'manager', 'proxy-1', 'worker-1', 'worker-2']);
		const w1 = store.get('worker-1')!;
		assert.ok(w1.newestMs! - w1.oldestMs! > 55 * 60_000, 'about an hour');
		const sources = new Set(w1.points().map(p => p.source));
		assert.deepEqual([...sources].sort(), ['stats.log', 'zeekctl']);
		assert.ok(w1.range('dropPercent')!.max > 10, 'the overloaded worker dropped');
		const leak = store.get('worker-2')!;
		assert.ok(leak.valueAt('rssBytes', Date.now() - 600_000)! > leak.valueAt('rssBytes', Date.now() - 3500_000)! + 100 * 2 ** 20, 'the leaking worker grew');
		// The live lines: this run's RSS and packets, from /proc and the node's endpoint.
		const live = r.points.filter(p => p.node === 'worker-1' && p.source === 'stats.log' && p.atMs > Date.now() - 10_000);
		assert.ok(live.length >= 1, 'live stats.log lines');
		assert.ok(live.some(p => (p.values.receivedPacketsPerSecond ?? 0) > 0), 'packets from the endpoint');
		const rss = snap.rows.find(x => x.node === 'worker-1')!.rssBytes!;
		assert.ok(Math.abs(live.at(-1)!.values.rssBytes! - rss) < 64 * 2 ** 20, 'mem is the node RSS in MB');
		const cronLive = r.points.filter(p => p.node === 'worker-1' && p.source === 'zeekctl' && p.atMs > Date.now() - 10_000);
		assert.ok(cronLive.some(p => p.values.rssBytes !== null && p.values.cpuPercent !== null));
		// --once --json gains history, oldest first, with the sources named.
		feedHistory(store, snap);
		const doc = addHistory(snapshotJson(snap), store) as {nodes: Array<{node: string; history: Array<{at: string; source: string; rssBytes: number | null}>}>};
		const h = doc.nodes.find(n => n.node === 'worker-1')!.history;
		assert.ok(h.length > 300);
		assert.equal(h.at(-1)!.source, 'proc');
		assert.ok(h.every((p, i) => i === 0 || p.at >= h[i - 1]!.at));
	});
});

describe('record and replay against the simulated sensor', () => {
	const file = join(dir, 'ticket.zrec');

	test('record FILE --seconds 3: a recording of every node', async t => {
		if (!needTool(t, 'g++') || !cluster) return;
		const out = sink(), err = sink();
		const code = await runRecord({file, seconds: 3, intervalMs: 500, monitor: newMonitor(cluster), zeektopVersion: 'test'}, {stdout: out, stderr: err});
		assert.equal(code, 0, err.text);
		assert.match(err.text, /recorded [56] frames of 5 nodes to /);
		assert.deepEqual(readdirSync(dir), ['ticket.zrec'], 'no temp file left');
	});

	test('replay --once --json: the last moment in the --once --json shape, with history from the recording', async t => {
		if (!needTool(t, 'g++') || !cluster) return;
		const out = sink(), err = sink();
		assert.equal(runReplay({file, once: true, json: true}, {stdout: out, stderr: err}), 0, err.text);
		const doc = JSON.parse(out.text) as {timestamp: string; host: {hostname: string}; nodes: Array<Record<string, unknown> & {history: Array<Record<string, unknown>>}>};
		const w1 = doc.nodes.find(n => n.node === 'worker-1')!;
		assert.equal(w1.pid, cluster.nodes.find(n => n.node === 'worker-1')!.pid);
		assert.equal(w1.role, 'worker');
		assert.ok((w1.cpuPercent as number) > 0);
		assert.ok((w1.metrics as {receivedPacketsPerSecond: number}).receivedPacketsPerSecond > 0);
		assert.ok(w1.history.length >= 4);
		assert.ok(w1.history.every(p => p.source === 'recording'));
		assert.deepEqual(Object.keys(w1.history[0]!).slice(0, 3), ['at', 'source', 'cpuPercent']);
		assert.equal(w1.history.at(-1)!.at, doc.timestamp);
	});

	test('replay --at: ISO 8601 and relative times; before the start is a one-line error', t => {
		if (!needTool(t, 'g++') || !cluster) return;
		const first = sink();
		runReplay({file, once: true, json: true}, {stdout: first, stderr: sink()});
		const end = Date.parse((JSON.parse(first.text) as {timestamp: string}).timestamp);
		const out = sink();
		assert.equal(runReplay({file, once: true, json: true, at: '-1s'}, {stdout: out, stderr: sink()}), 0);
		const at = Date.parse((JSON.parse(out.text) as {timestamp: string}).timestamp);
		assert.ok(at <= end - 1000 && at > end - 2000, `${at} vs ${end}`);
		const iso = sink();
		assert.equal(runReplay({file, once: true, json: true, at: new Date(at).toISOString()}, {stdout: iso, stderr: sink()}), 0);
		assert.equal((JSON.parse(iso.text) as {timestamp: string}).timestamp, new Date(at).toISOString());
		const err = sink();
		assert.equal(runReplay({file, once: true, json: true, at: '-1h'}, {stdout: sink(), stderr: err}), 2);
		assert.match(err.text, /^zeektop: --at .* is before the recording starts \(.*\)\n$/);
		const bad = sink();
		assert.equal(runReplay({file, once: true, json: true, at: 'tuesday'}, {stdout: sink(), stderr: bad}), 2);
		assert.match(bad.text, /not a time: use ISO 8601/);
	});

	test('a torn tail (a crash mid-write) is skipped and listed; the next record cuts it off and appends', async t => {
		if (!needTool(t, 'g++') || !cluster) return;
		const torn = join(dir, 'torn.zrec');
		writeFileSync(torn, readFileSync(file));
		truncateSync(torn, statSync(torn).size - 9);
		const out = sink();
		assert.equal(runReplay({file: torn, once: true, json: true}, {stdout: out, stderr: sink()}), 0);
		const doc = JSON.parse(out.text) as {problems: Array<{scope: string; message: string}>};
		assert.ok(doc.problems.some(p => p.scope === 'recording' && /bytes at the end skipped \(a record cut off\)/.test(p.message)));
		const err = sink();
		assert.equal(await runRecord({file: torn, seconds: 1, intervalMs: 500, monitor: newMonitor(cluster), zeektopVersion: 'test'}, {stdout: sink(), stderr: err}), 0);
		assert.match(err.text, /cut off a torn last record \(\d+ bytes\) before appending/);
		const again = sink();
		assert.equal(runReplay({file: torn, once: true, json: true}, {stdout: again, stderr: sink()}), 0);
		assert.ok(!(JSON.parse(again.text) as {problems: Array<{scope: string}>}).problems.some(p => p.scope === 'recording'));
		appendFileSync(torn, 'garbage');
		assert.equal(runReplay({file: torn, once: true, json: false}, {stdout: sink(), stderr: sink()}), 0);
	});

	test('a file that is not a recording, a missing file, a directory: one line each, exit 2', t => {
		if (!needTool(t, 'g++') || !cluster) return;
		const logger = cluster.nodes.find(n => n.node === 'logger-1')!;
		for (const [path, re] of [
			[join(logger.cwd, 'stats.log'), /is not a zeektop recording/],
			[join(dir, 'missing.zrec'), /missing\.zrec: no such file/],
			[dir, /is a directory/],
		] as const) {
			const err = sink();
			assert.equal(runReplay({file: path, once: true, json: true}, {stdout: sink(), stderr: err}), 2);
			assert.match(err.text, re);
			assert.equal(err.text.split('\n').length, 2, err.text);
		}
	});
});
