import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import {createServer, type Server} from 'node:net';
import {join} from 'node:path';
import {ProcFs} from '../../source/collect/procfs.js';
import {parseStat} from '../../source/collect/proc-parse.js';
import {parseMetrics} from '../../source/collect/metrics/parse.js';
import {startCluster, type SimNodeSpec, type SimScenario} from '../../source/sim/launcher.js';
import {lintPrometheusText, listeningPorts} from '../../source/sim/verify.js';
import {needTool} from '../helpers/env.js';

/** Small clusters (no overloaded worker) for the layouts and launcher options. */

const procFs = new ProcFs();
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

function small(layout: SimScenario['layout'], extra: SimNodeSpec[] = []): SimScenario {
	return {
		layout,
		nodes: [
			{name: 'manager', role: 'manager', behaviour: 'idle'},
			{name: 'worker-1', role: 'worker', behaviour: 'steady', dutyPercent: 3},
			{name: 'worker-2', role: 'worker', behaviour: 'steady', dutyPercent: 3},
			...extra,
		],
	};
}

const stat = (pid: number) => {
	const r = procFs.read(pid, 'stat');
	return r.ok ? parseStat(r.value) : undefined;
};
const alive = (pid: number) => {
	const s = stat(pid);
	return s !== undefined && s.state !== 'Z' && s.state !== 'X';
};
async function get(url: string): Promise<{status: number; text: string}> {
	const response = await fetch(url, {signal: AbortSignal.timeout(3000)});
	return {status: response.status, text: await response.text()};
}

test('zeek6 layout: only the manager listens and serves every node with endpoint labels', async t => {
	if (!needTool(t, 'g++')) return;
	const cluster = await startCluster(small('zeek6'), {basePort: 0});
	try {
		const [manager, w1, w2] = cluster.nodes;
		assert.ok(manager?.metricsPort);
		assert.equal(w1?.metricsPort, undefined);
		assert.equal(w2?.metricsPort, undefined);
		assert.equal(w1?.env.ZEEKTOP_SIM_METRICS_PORT, undefined);
		const {status, text} = await get(cluster.managerMetricsUrl);
		assert.equal(status, 200);
		assert.deepEqual(lintPrometheusText(text), []);
		const parsed = parseMetrics(text);
		assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
		const received = parsed.families.find(f => f.name === 'zeek_net_received_packets_total');
		assert.ok(received, text);
		const endpoints = new Set(received?.samples.map(s => s.labels.endpoint));
		assert.deepEqual(endpoints, new Set(['manager', 'worker-1', 'worker-2']));
		for (const s of received!.samples) assert.ok(s.timestampMs !== null && s.timestampMs > 1.6e12, 'Zeek 6 samples carry ms timestamps');
		// The workers' packet counters reach the manager within a second (stats files every 0.5 s).
		const deadline = Date.now() + 5000;
		for (;;) {
			const again = parseMetrics((await get(cluster.managerMetricsUrl)).text);
			const family = again.ok ? again.families.find(f => f.name === 'zeek_net_received_packets_total') : undefined;
			if ((family?.samples.find(s => s.labels.endpoint === 'worker-1')?.value ?? 0) > 0) break;
			assert.ok(Date.now() < deadline, 'worker-1 packets reach the manager\'s endpoint');
			await sleep(200);
		}
		assert.ok(!/\bnode="/.test(text), 'no node labels in Zeek 6');
		assert.match(text, /^process_cpu_seconds_total\{endpoint="worker-2"\} \d+\.\d{6} \d+$/m);
		assert.match(text, /^zeek_version_info\{beta="false",commit="0",debug="false",endpoint="manager",major="6",/m);
		// One HELP/TYPE per family although three nodes contribute.
		assert.equal(text.match(/^# TYPE zeek_net_received_packets_total /gm)?.length, 1);
		assert.equal((await get(cluster.managerMetricsUrl.replace('/metrics', '/services.json'))).status, 404);
		// Workers own no listening socket: zeektop finds only the manager's.
		for (const w of [w1!, w2!]) {
			const fds = procFs.list(w.pid, 'fd');
			assert.ok(fds.ok);
			const sockets = fds.value.map(fd => procFs.readlink(w.pid, 'fd', fd)).filter(r => r.ok && r.value.startsWith('socket:'));
			assert.deepEqual(sockets, []);
		}
	} finally {
		await cluster.stop();
	}
	assert.ok(!existsSync(cluster.spoolDir));
});

test('zeek7 layout without jemalloc: endpoint labels, a note about what is missing', async t => {
	if (!needTool(t, 'g++')) return;
	const cluster = await startCluster(small('zeek7', [{name: 'worker-3', role: 'worker', behaviour: 'leaking', jemalloc: 'interval', dutyPercent: 3, leakKiBPerSecond: 16_384, leakCapMiB: 8}]), {basePort: 0, jemallocLibrary: null});
	try {
		assert.ok(cluster.notes.some(n => n.includes('libjemalloc2') && n.includes('worker-3')), cluster.notes.join('\n'));
		const w3 = cluster.nodes.find(n => n.node === 'worker-3')!;
		assert.equal(w3.jemalloc, 'off');
		assert.equal(w3.env.LD_PRELOAD, undefined);
		for (const n of cluster.nodes) {
			const {text} = await get(`http://127.0.0.1:${n.metricsPort}/metrics`);
			assert.deepEqual(lintPrometheusText(text), []);
			assert.match(text, new RegExp(`^zeek_net_received_packets_total\\{endpoint="${n.node}"\\} \\d+$`, 'm'));
			assert.ok(!/\bnode="/.test(text));
			// Zeek 7.0's version gauge had no endpoint label.
			assert.match(text, /^zeek_version_info\{beta="false",commit="0",debug="false",major="7",minor="0",patch="\d+",version_number="700\d\d",version_string="7\.0\.\d+"\} 1$/m);
		}
		// The leak stops at its cap (8 MiB here): RSS stays near it however long we wait.
		await sleep(1500);
		const rss = Number(/^process_resident_memory_bytes\{endpoint="worker-3"\} (\d+)$/m.exec((await get(`http://127.0.0.1:${w3.metricsPort}/metrics`)).text)?.[1]);
		assert.ok(rss > 8 * 1024 * 1024 && rss < 24 * 1024 * 1024, `worker-3 RSS ${rss}`);
		const services = JSON.parse((await get(cluster.managerMetricsUrl.replace('/metrics', '/services.json'))).text) as Array<{targets: string[]}>;
		assert.equal(services[0]?.targets.length, 4);
		// zeekctl for Zeek 7 loads no cluster backend script.
		assert.ok(!cluster.nodes[0]!.args.includes('policy/frameworks/cluster/backend/zeromq'));
	} finally {
		await cluster.stop();
	}
});

test('run-zeek wrapper: a bash parent that is not a node; a crashed node comes back through it', async t => {
	if (!needTool(t, 'g++', 'bash')) return;
	const cluster = await startCluster(
		small('zeek8', [{name: 'worker-3', role: 'worker', behaviour: 'crashing', crashAfterSeconds: 2, dutyPercent: 3}]),
		{basePort: 0, runZeekWrapper: true, restartDelayMs: 300},
	);
	const allPids: number[] = [];
	try {
		for (const n of cluster.nodes) {
			if (n.node === 'worker-3') continue;
			assert.ok(n.wrapperPid && n.wrapperPid !== n.pid);
			allPids.push(n.pid, n.wrapperPid);
			assert.equal(stat(n.pid)?.comm, 'zeek');
			assert.equal(stat(n.pid)?.ppid, n.wrapperPid, `${n.node}: zeek is run-zeek's child`);
			// `#! /usr/bin/env bash`: the wrapper shows as bash running the script, as zeekctl's does.
			assert.equal(stat(n.wrapperPid)?.comm, 'bash');
			const wrapperArgs = (procFs.read(n.wrapperPid, 'cmdline') as {ok: true; value: string}).value.split('\0');
			assert.ok(wrapperArgs.some(a => a.endsWith('/run-zeek')));
			const i = wrapperArgs.indexOf(n.node);
			assert.equal(wrapperArgs[i - 1], '-p', 'the wrapper\'s args contain -p <node>');
			// run-zeek writes the spool files itself.
			assert.equal(readFileSync(join(n.cwd, '.pid'), 'utf8'), `${n.pid}\n`);
			assert.equal(readFileSync(join(n.cwd, '.cmdline'), 'utf8'), `${n.args.join(' ')}\n`);
			assert.match(readFileSync(join(n.cwd, '.env_vars'), 'utf8'), new RegExp(`\\nCLUSTER_NODE=${n.node}\\n$`));
		}
		const w3 = cluster.nodes.find(n => n.node === 'worker-3')!;
		const first = {pid: w3.pid, wrapper: w3.wrapperPid};
		const deadline = Date.now() + 20_000;
		while (!(cluster.restarts('worker-3') >= 1 && w3.pid > 0 && w3.pid !== first.pid && alive(w3.pid))) {
			assert.ok(Date.now() < deadline, 'worker-3 restarted through run-zeek');
			await sleep(100);
		}
		assert.notEqual(w3.wrapperPid, first.wrapper);
		assert.equal(stat(w3.pid)?.ppid, w3.wrapperPid);
		allPids.push(w3.pid, w3.wrapperPid!);
	} finally {
		await cluster.stop();
	}
	for (const pid of allPids) assert.ok(!alive(pid), `pid ${pid} gone`);
	const listening = listeningPorts(procFs);
	for (const n of cluster.nodes) assert.ok(!listening.has(n.metricsPort!));
	assert.ok(!existsSync(cluster.spoolDir));
});

test('a taken base port: free ports instead, and a note that says so', async t => {
	if (!needTool(t, 'g++')) return;
	const blocker: Server = createServer();
	await new Promise<void>(resolve => blocker.listen({port: 0, host: '127.0.0.1'}, resolve));
	const taken = (blocker.address() as {port: number}).port;
	try {
		const cluster = await startCluster({layout: 'zeek8', nodes: [{name: 'manager', role: 'manager', behaviour: 'idle'}, {name: 'worker-1', role: 'worker', behaviour: 'steady', dutyPercent: 2}]}, {basePort: taken});
		try {
			assert.ok(cluster.notes.some(n => n.includes(String(taken)) && n.includes('in use')), cluster.notes.join('\n'));
			assert.ok(cluster.nodes.every(n => n.metricsPort !== taken));
			assert.equal((await get(cluster.managerMetricsUrl)).status, 200);
		} finally {
			await cluster.stop();
		}
	} finally {
		await new Promise<void>(resolve => blocker.close(() => resolve()));
	}
});

test('a given spool dir is kept, its node dirs removed', async t => {
	if (!needTool(t, 'g++')) return;
	const {mkdtemp, rm, readdir} = await import('node:fs/promises');
	const {tmpdir} = await import('node:os');
	const dir = await mkdtemp(join(tmpdir(), 'zeektop-sim-given-'));
	try {
		const cluster = await startCluster({layout: 'zeek8', nodes: [{name: 'manager', role: 'manager', behaviour: 'idle'}]}, {basePort: 0, spoolDir: dir});
		assert.ok(existsSync(join(dir, 'manager', '.pid')));
		await cluster.stop();
		assert.deepEqual(await readdir(dir), []);
	} finally {
		await rm(dir, {recursive: true, force: true});
	}
});
