import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {ProcFs} from '../../source/collect/procfs.js';
import {systemClock} from '../../source/lib/clock.js';
import {Monitor} from '../../source/state/monitor.js';
import {parseKb, parseStatus} from '../../source/collect/proc-parse.js';
import {needTool} from '../helpers/env.js';
import {buildFakeZeek, removeDir, sleep, startZeekctlNode, stopAll, tempDir, type FakeNode} from '../helpers/fake-zeek.js';

let dir = '';
let nodes: FakeNode[] = [];
let supervised: FakeNode | undefined;

before(() => {
	dir = tempDir('zeektop-live-');
});
after(async () => {
	await stopAll([...nodes, ...(supervised ? [supervised] : [])]);
	removeDir(dir);
});

test('real processes: discovery, roles, CPU of a busy worker, RSS equals VmRSS, supervisor-style rename', async t => {
	if (!needTool(t, 'g++')) return;
	const bin = buildFakeZeek(dir);
	const spool = join(dir, 'spool');
	nodes = [
		startZeekctlNode(bin, spool, 'manager'),
		startZeekctlNode(bin, spool, 'worker-1', {iface: 'af_packet::eth0', env: {FAKE_BUSY: '1'}}),
		startZeekctlNode(bin, spool, 'worker-2', {iface: 'af_packet::eth1', env: {FAKE_RSS_MB: '64'}}),
	];
	// A supervisor-style node: same binary, renamed with prctl, no CLUSTER_NODE, cwd <dir>/<node>.
	mkdirSync(join(dir, 'sup', 'proxy-1'), {recursive: true});
	const child = spawn(bin, ['-j', 'cluster.zeek'], {cwd: join(dir, 'sup', 'proxy-1'), env: {FAKE_COMM: 'zeek.proxy-1'}, stdio: 'ignore'});
	supervised = {child, pid: child.pid!, cwd: join(dir, 'sup', 'proxy-1')};
	await sleep(400); // let them rename themselves and touch their memory

	const monitor = new Monitor({procfs: new ProcFs(), clock: systemClock});
	monitor.tick();
	await sleep(1500);
	const snap = monitor.tick();
	const ours = new Set([...nodes.map(n => n.pid), supervised.pid]);
	const rows = snap.rows.filter(r => ours.has(r.pid));
	const by = new Map(rows.map(r => [r.node, r]));
	assert.deepEqual([...by.keys()].sort(), ['manager', 'proxy-1', 'worker-1', 'worker-2']);
	assert.equal(by.get('manager')!.role, 'manager');
	assert.equal(by.get('worker-1')!.role, 'worker');
	assert.equal(by.get('worker-1')!.iface, 'af_packet::eth0');
	assert.equal(by.get('worker-1')!.launch, 'zeekctl');
	assert.equal(by.get('proxy-1')!.launch, 'supervisor');
	assert.equal(by.get('proxy-1')!.role, 'proxy');
	assert.ok(by.get('worker-1')!.cpuPercent! >= 50, `busy worker CPU ${by.get('worker-1')!.cpuPercent}`);
	assert.ok(by.get('worker-1')!.mainThreadCpuPercent! >= 50, `busy worker main thread ${by.get('worker-1')!.mainThreadCpuPercent}`);
	assert.ok(by.get('manager')!.cpuPercent! < 10);
	assert.equal(by.get('worker-1')!.threads, 2);
	const w2 = by.get('worker-2')!;
	const vmRss = parseKb(parseStatus(readFileSync(`/proc/${w2.pid}/status`, 'utf8')).get('VmRSS'))!;
	assert.ok(w2.rssBytes! >= 64 * 1024 * 1024, `RSS ${w2.rssBytes}`);
	assert.ok(Math.abs(w2.rssBytes! - vmRss) <= 256 * 1024, `RSS ${w2.rssBytes} vs VmRSS ${vmRss}`);
	assert.ok(w2.startedAtMs! <= Date.now() && w2.startedAtMs! > Date.now() - 60_000);
});

test('a restarted node keeps its row and history and counts the restart', async t => {
	if (!needTool(t, 'g++')) return;
	const bin = buildFakeZeek(dir);
	const spool = join(dir, 'spool2');
	let node = startZeekctlNode(bin, spool, 'worker-9', {env: {FAKE_BUSY: '1'}});
	const monitor = new Monitor({procfs: new ProcFs(), clock: systemClock, scanIntervalMs: 100_000});
	const mine = () => monitor.tick().rows.find(r => r.node === 'worker-9' && r.cwd?.startsWith(spool));
	mine();
	await sleep(300);
	const before = mine()!;
	assert.equal(before.restarts, 0);
	await stopAll([node]);
	const gone = mine()!;
	assert.equal(gone.state, 'gone');
	assert.ok(gone.vanishedTicks >= 1);
	node = startZeekctlNode(bin, spool, 'worker-9', {env: {FAKE_BUSY: '1'}});
	nodes.push(node);
	await sleep(300);
	mine(); // the vanished pid asked for a scan: the new pid is found
	await sleep(300);
	const after = mine()!;
	assert.equal(after.pid, node.pid);
	assert.equal(after.restarts, 1);
	assert.ok(after.cpuHistory.length >= 2, 'history survives the restart');
});
