import {after, before, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {ProcFs} from '../../source/collect/procfs.js';
import {parseStat, parseStatus} from '../../source/collect/proc-parse.js';
import {parseMetrics} from '../../source/collect/metrics/parse.js';
import {defaultScenario, startCluster, type SimCluster, type SimNode} from '../../source/sim/launcher.js';
import {lintPrometheusText, listeningPorts} from '../../source/sim/verify.js';
import {inCI, needTool} from '../helpers/env.js';

/**
 * One default zeek8 cluster (manager, logger-1, proxy-1, worker-1..4; worker-4 crashes every 3 s)
 * shared by every assertion: baselines are taken right after start, each check waits only as long
 * as it needs from there.
 */

const procFs = new ProcFs();
const ticksPerSecond = 100; // USER_HZ on Linux
let cluster: SimCluster | undefined;
let skipReason: string | undefined;
let startedAt = 0;
const baseline = new Map<string, {threadTicks: number; rssBytes: number; pid: number}>();

const onPath = (tool: string) => (process.env.PATH ?? '').split(':').some(dir => dir && existsSync(join(dir, tool)));
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));
const node = (name: string): SimNode => {
	const n = cluster!.nodes.find(x => x.node === name);
	assert.ok(n, `node ${name}`);
	return n;
};
const threadTicks = (pid: number): number => {
	const r = procFs.read(pid, 'task', pid, 'stat');
	assert.ok(r.ok, `read /proc/${pid}/task/${pid}/stat`);
	const s = parseStat(r.value);
	assert.ok(s);
	return s.utimeTicks + s.stimeTicks;
};
/** /proc/PID/task/TID/schedstat: ns on a CPU, ns waiting in the run queue (sched stats). */
const schedstat = (pid: number): {runNs: number; waitNs: number} | undefined => {
	const r = procFs.read(pid, 'task', pid, 'schedstat');
	if (!r.ok) return undefined;
	const [run, wait] = r.value.trim().split(/\s+/).map(Number);
	return run !== undefined && wait !== undefined && Number.isFinite(run) && Number.isFinite(wait) ? {runNs: run, waitNs: wait} : undefined;
};
const rssBytes = (pid: number): number => {
	const r = procFs.read(pid, 'status');
	assert.ok(r.ok);
	const kb = Number.parseInt(parseStatus(r.value).get('VmRSS') ?? '0', 10);
	return kb * 1024;
};
const alive = (pid: number): boolean => {
	const r = procFs.read(pid, 'stat');
	return r.ok && !['Z', 'X'].includes(parseStat(r.value)?.state ?? 'X');
};
async function scrape(url: string): Promise<{status: number; text: string; type: string | null}> {
	const response = await fetch(url, {signal: AbortSignal.timeout(3000)});
	return {status: response.status, text: await response.text(), type: response.headers.get('content-type')};
}
function metricValue(text: string, family: string, labels: Record<string, string>): number | undefined {
	const parsed = parseMetrics(text);
	assert.ok(parsed.ok, parsed.ok ? '' : `${parsed.error} (line ${parsed.line})`);
	const f = parsed.families.find(x => x.name === family);
	const s = f?.samples.find(x => Object.entries(labels).every(([k, v]) => x.labels[k] === v));
	return s?.value;
}
async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const v = await probe();
		if (v !== undefined && v !== false) return v;
		if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await sleep(200);
	}
}

describe('default simulated cluster (zeek8)', () => {
	before(async () => {
		if (!onPath('g++') && !inCI) {
			skipReason = 'g++ missing';
			return;
		}
		cluster = await startCluster(defaultScenario({workers: 4, crashEverySeconds: 3}));
		startedAt = Date.now();
		for (const n of cluster.nodes) baseline.set(n.node, {threadTicks: threadTicks(n.pid), rssBytes: rssBytes(n.pid), pid: n.pid});
	});
	after(async () => {
		await cluster?.stop();
	});

	test('nodes are laid out as zeekctl lays them out', t => {
		if (!needTool(t, 'g++') || skipReason) return;
		const c = cluster!;
		assert.deepEqual(c.nodes.map(n => n.node), ['manager', 'logger-1', 'proxy-1', 'worker-1', 'worker-2', 'worker-3', 'worker-4']);
		assert.deepEqual(c.nodes.map(n => n.behaviour), ['idle', 'idle', 'idle', 'overloaded', 'leaking', 'steady', 'crashing']);
		const ports = c.nodes.map(n => n.metricsPort);
		if (c.notes.every(n => !n.includes('port'))) assert.deepEqual(ports, [9991, 9992, 9993, 9994, 9995, 9996, 9997]);
		assert.equal(new Set(ports).size, ports.length);
		assert.equal(c.managerMetricsUrl, `http://127.0.0.1:${ports[0]}/metrics`);
		for (const n of c.nodes.filter(x => x.node !== 'worker-4')) {
			const stat = parseStat((procFs.read(n.pid, 'stat') as {ok: true; value: string}).value);
			assert.equal(stat?.comm, 'zeek', `${n.node} comm`);
			// Spool files as run-zeek / zeek -U write them.
			assert.equal(readFileSync(join(n.cwd, '.pid'), 'utf8'), `${n.pid}\n`);
			assert.equal(readFileSync(join(n.cwd, '.cmdline'), 'utf8'), `${n.args.join(' ')}\n`);
			assert.match(readFileSync(join(n.cwd, '.env_vars'), 'utf8'), new RegExp(`^PATH=.*\\nZEEKPATH=.*\\nCLUSTER_NODE=${n.node}\\n$`));
			assert.equal(readFileSync(join(n.cwd, '.status'), 'utf8'), 'RUNNING [run_loop]\n');
			assert.match(readFileSync(join(n.cwd, '.startup'), 'utf8'), /^\d{10}\n.+\n\d\d-\d\d-\d\d_\d\d\.\d\d\.\d\d\n$/);
			// argv and environment as zeekctl builds them; cwd is the node's spool dir.
			const argv = (procFs.read(n.pid, 'cmdline') as {ok: true; value: string}).value.split('\0').filter(Boolean);
			assert.equal(argv[0], c.tools.zeek);
			assert.deepEqual(argv.slice(1), [...n.args]);
			const expected = ['-U', '.status', '-p', 'zeekctl', '-p', 'zeekctl-live', '-p', 'local', '-p', n.node, 'policy/frameworks/cluster/backend/zeromq', 'local.zeek', 'zeekctl', 'zeekctl/auto'];
			assert.deepEqual(argv.slice(n.role === 'worker' ? 3 : 1), expected);
			if (n.role === 'worker') assert.deepEqual(argv.slice(1, 3), ['-i', 'lo']);
			const environ = (procFs.read(n.pid, 'environ') as {ok: true; value: string}).value.split('\0');
			assert.ok(environ.includes(`CLUSTER_NODE=${n.node}`));
			assert.equal((procFs.readlink(n.pid, 'cwd') as {ok: true; value: string}).value, n.cwd);
			// Zeek-like threads; the main thread (tid == pid) is the packet thread.
			const tids = (procFs.list(n.pid, 'task') as {ok: true; value: string[]}).value;
			assert.ok(tids.includes(String(n.pid)));
			const names = tids.map(tid => (procFs.read(n.pid, 'task', tid, 'comm') as {ok: true; value: string}).value.trim());
			for (const name of ['zeek', 'civetweb-master', 'civetweb-worker', 'caf.worker', 'caf.net.mpx', 'ZMQbg/IO/0']) assert.ok(names.includes(name), `${n.node} has thread ${name}: ${names.join(',')}`);
			if (n.role === 'logger') {
				for (const name of ['zk.conn/Log::WR', 'zk.http/Log::WR', 'zk.dns/Log::WRI']) assert.ok(names.includes(name), `logger thread ${name}`);
			}
		}
		// cluster-layout.zeek as zeekctl installs it
		const layout = readFileSync(join(c.spoolDir, 'installed-scripts-do-not-touch', 'auto', 'cluster-layout.zeek'), 'utf8');
		assert.match(layout, /\["worker-1"\] = \[\$node_type=Cluster::WORKER, \$ip=127\.0\.0\.1, \$p=\d+\/tcp, \$interface="lo", \$manager="manager", \$metrics_port=\d+\/tcp\],/);
	});

	test('jemalloc settings: interval dumps on worker-2, on-demand on worker-3', t => {
		if (!needTool(t, 'g++') || skipReason) return;
		const c = cluster!;
		if (!existsSync('/usr/lib/x86_64-linux-gnu/libjemalloc.so.2') && !c.nodes.some(n => n.jemalloc !== 'off')) {
			assert.ok(c.notes.some(n => n.includes('libjemalloc2')));
			return;
		}
		const w2 = node('worker-2');
		const w3 = node('worker-3');
		assert.equal(w2.jemalloc, 'interval');
		assert.match(w2.env.MALLOC_CONF ?? '', /^prof:true,prof_prefix:jeprof\.out,lg_prof_interval:\d+$/);
		assert.equal(w3.env.MALLOC_CONF, 'prof:true,prof_prefix:jeprof.out');
		assert.equal(node('worker-1').env.MALLOC_CONF, undefined);
		const maps = (procFs.read(w2.pid, 'maps') as {ok: true; value: string}).value;
		assert.match(maps, /libjemalloc\.so\.2/);
	});

	test('every endpoint serves well-formed Prometheus text with node labels; the manager lists every target', async t => {
		if (!needTool(t, 'g++') || skipReason) return;
		const c = cluster!;
		for (const n of c.nodes) {
			const url = `http://127.0.0.1:${n.metricsPort}/metrics`;
			let r;
			try {
				r = await scrape(url);
			} catch (error) {
				if (n.behaviour === 'crashing') continue; // may be between runs right now
				throw error;
			}
			assert.equal(r.status, 200, url);
			assert.equal(r.type, 'text/plain; charset=utf-8');
			assert.deepEqual(lintPrometheusText(r.text), [], `${n.node}`);
			for (const strict of [false, true]) {
				const parsed = parseMetrics(r.text, {format: 'prometheus', strict});
				assert.ok(parsed.ok, parsed.ok ? '' : `${n.node} strict=${strict}: ${parsed.error} at line ${parsed.line}`);
			}
			assert.ok(metricValue(r.text, 'zeek_version_info', {node: n.node, version_string: '8.0.10'}) === 1);
			assert.ok((metricValue(r.text, 'process_resident_memory_bytes', {node: n.node}) ?? 0) > 1_000_000);
			assert.ok((metricValue(r.text, 'process_start_time_seconds', {node: n.node}) ?? 0) > 1.6e9);
			assert.ok(metricValue(r.text, 'process_cpu_user_seconds_total', {node: n.node}) !== undefined);
			assert.ok((metricValue(r.text, 'zeek_event_handler_invocations_total', {node: n.node, name: 'zeek_init'}) ?? 0) === 1);
			// Only this node's series.
			for (const m of r.text.matchAll(/node="([^"]*)"/g)) assert.equal(m[1], n.node);
		}
		const services = await scrape(c.managerMetricsUrl.replace('/metrics', '/services.json'));
		assert.equal(services.status, 200);
		const json = JSON.parse(services.text) as Array<{targets: string[]; labels: object}>;
		assert.deepEqual(new Set(json[0]!.targets), new Set(c.nodes.map(n => `127.0.0.1:${n.metricsPort}`)));
		const notManager = await scrape(`http://127.0.0.1:${node('worker-3').metricsPort}/services.json`);
		assert.equal(notManager.status, 404);
	});

	test('counters move: packets, sessions, events, log writes; the overloaded worker drops and lags', async t => {
		if (!needTool(t, 'g++') || skipReason) return;
		const urls = ['worker-1', 'worker-3'].map(w => [w, `http://127.0.0.1:${node(w).metricsPort}/metrics`] as const);
		const first = await Promise.all(urls.map(([, u]) => scrape(u)));
		await sleep(1500);
		const second = await Promise.all(urls.map(([, u]) => scrape(u)));
		urls.forEach(([w], i) => {
			const a = first[i]!.text;
			const b = second[i]!.text;
			const grew = (family: string, labels: Record<string, string> = {}) => {
				const match = family.startsWith('exposer_') ? labels : {node: w, ...labels};
				const before = metricValue(a, family, match) ?? 0;
				const now = metricValue(b, family, match) ?? 0;
				assert.ok(now > before, `${w} ${family} ${JSON.stringify(labels)}: ${before} -> ${now}`);
			};
			grew('zeek_net_received_packets_total');
			grew('zeek_net_received_bytes_total');
			grew('zeek_total_sessions_total', {protocol: 'tcp'});
			grew('zeek_total_sessions_total', {protocol: 'udp'});
			grew('zeek_event_handler_invocations_total', {name: 'new_connection'});
			grew('zeek_log_stream_writes_total', {stream: 'Conn::LOG'});
			grew('exposer_scrapes_total');
		});
		const w1 = second[0]!.text;
		assert.ok((metricValue(w1, 'zeek_net_dropped_packets_total', {node: 'worker-1'}) ?? 0) > 0);
		assert.ok((metricValue(w1, 'zeek_net_packet_lag_seconds', {node: 'worker-1'}) ?? 0) > 0.04);
		assert.equal(metricValue(second[1]!.text, 'zeek_net_dropped_packets_total', {node: 'worker-3'}), 0);
	});

	test('the overloaded worker\'s main thread uses >= 80 % of a core over 3 s', async t => {
		if (!needTool(t, 'g++') || skipReason) return;
		const w1 = node('worker-1');
		const t0 = Date.now();
		const a = threadTicks(w1.pid);
		const sa = schedstat(w1.pid);
		await sleep(3000);
		const b = threadTicks(w1.pid);
		const sb = schedstat(w1.pid);
		const seconds = (Date.now() - t0) / 1000;
		const share = (b - a) / ticksPerSecond / seconds;
		const load = (procFs.read('loadavg') as {ok: boolean; value?: string}).value?.trim();
		const message = `worker-1 main thread used ${(share * 100).toFixed(0)} % of a core (load average ${load})`;
		if (share < 0.8 && sa && sb) {
			// A host crowded by other work starves every thread; then the fair check is that the
			// thread wanted the whole core: on a CPU or waiting in the run queue >= 90 % of the time.
			const demand = (sb.runNs - sa.runNs + sb.waitNs - sa.waitNs) / 1e9 / seconds;
			t.diagnostic(`${message}; crowded host: runnable ${(demand * 100).toFixed(0)} % of the time`);
			assert.ok(demand >= 0.9, `${message}, runnable only ${(demand * 100).toFixed(0)} % of the time`);
		} else {
			assert.ok(share >= 0.8, message);
		}
		// A steady worker stays modest.
		const w3 = node('worker-3');
		const steady = (threadTicks(w3.pid) - baseline.get('worker-3')!.threadTicks) / ticksPerSecond / ((Date.now() - startedAt) / 1000);
		assert.ok(steady < 0.3, `worker-3 used ${(steady * 100).toFixed(0)} %`);
	});

	test('the leaking worker grows and jemalloc writes interval heap dumps into its spool dir', async t => {
		if (!needTool(t, 'g++') || skipReason) return;
		const w2 = node('worker-2');
		const start = baseline.get('worker-2')!;
		await waitFor('worker-2 RSS to grow by 3 MiB', 15_000, () => rssBytes(w2.pid) - start.rssBytes > 3 * 1024 * 1024);
		if (w2.jemalloc === 'off') return;
		const dumps = await waitFor('an interval heap dump', 20_000, () => {
			const files = readdirSync(w2.cwd).filter(f => new RegExp(`^jeprof\\.out\\.${w2.pid}\\.\\d+\\.i\\d+\\.heap$`).test(f));
			return files.length > 0 ? files : undefined;
		});
		const text = readFileSync(join(w2.cwd, dumps[0]!), 'utf8');
		assert.match(text, /^heap_v2\/\d+\n/);
		assert.match(text, /MAPPED_LIBRARIES:/);
		// worker-3 profiles too but dumps only on demand.
		const w3 = node('worker-3');
		assert.deepEqual(readdirSync(w3.cwd).filter(f => f.endsWith('.heap')), []);
	});

	test('the crashing worker dies of SIGSEGV and comes back with a new pid', async t => {
		if (!needTool(t, 'g++') || skipReason) return;
		const c = cluster!;
		const w4 = node('worker-4');
		const firstPid = baseline.get('worker-4')!.pid;
		await waitFor('worker-4 to restart', 20_000, () => c.restarts('worker-4') >= 1 && w4.pid !== firstPid && alive(w4.pid));
		assert.ok(!alive(firstPid), 'the crashed process is gone');
		const exit = c.lastExit('worker-4');
		assert.equal(exit?.signal, 'SIGSEGV');
		assert.notEqual(exit?.pid, w4.pid);
		assert.equal(readFileSync(join(w4.cwd, '.pid'), 'utf8'), `${w4.pid}\n`);
		// Metrics come back on the same port with the new process.
		const r = await waitFor('worker-4 metrics', 10_000, async () => {
			try {
				const s = await scrape(`http://127.0.0.1:${w4.metricsPort}/metrics`);
				return s.status === 200 ? s : undefined;
			} catch {
				return undefined;
			}
		});
		assert.ok((metricValue(r.text, 'process_start_time_seconds', {node: 'worker-4'}) ?? 0) > 0);
		assert.equal(c.restarts('worker-1'), 0);
	});

	test('stop() leaves no process, no listening port and no spool dir', async t => {
		if (!needTool(t, 'g++') || skipReason) return;
		const c = cluster!;
		const pids = c.nodes.map(n => n.pid);
		const ports = c.nodes.map(n => n.metricsPort!);
		await c.stop();
		for (const pid of pids) assert.ok(!procFs.read(pid, 'stat').ok || !alive(pid), `pid ${pid} is gone`);
		const listening = listeningPorts(procFs);
		for (const port of ports) assert.ok(!listening.has(port), `port ${port} is closed`);
		assert.ok(!existsSync(c.spoolDir), 'spool dir removed');
		await c.stop(); // idempotent
	});
});
