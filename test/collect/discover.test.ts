import {test} from 'node:test';
import {mkdirSync, writeFileSync} from 'node:fs';
import assert from 'node:assert/strict';
import {ProcFs} from '../../source/collect/procfs.js';
import {discoverZeek, nodeFromPrefixes, nodeFromSystemdUnit, recoverTruncatedNames, roleOf} from '../../source/collect/discover.js';
import {fail, type Result} from '../../source/lib/result.js';
import {corpusDir} from '../helpers/env.js';
import {layProc, layProcFromCapture, statLine} from '../helpers/proc-tree.js';
import {removeDir, tempDir} from '../helpers/fake-zeek.js';

test('real Zeek 8.0.10 supervisor cluster: five nodes, supervisor and stem are not nodes', t => {
	const root = tempDir('zeektop-proc-');
	t.after(() => removeDir(root));
	layProcFromCapture(root, corpusDir('zeek-real/supervisor-cluster/procs'));
	const {processes, skipped} = discoverZeek(new ProcFs(root));
	assert.deepEqual(processes.map(p => [p.node, p.role, p.launch, p.pid]), [
		['logger-1', 'logger', 'supervisor', 21670],
		['manager', 'manager', 'supervisor', 21668],
		['proxy-1', 'proxy', 'supervisor', 21669],
		['worker-1', 'worker', 'supervisor', 21667],
		['worker-2', 'worker', 'supervisor', 21666],
	]);
	assert.deepEqual(skipped.map(s => [s.pid, s.reason]).sort(), [[21647, 'supervisor'], [21650, 'supervisor stem']]);
	for (const p of processes) {
		assert.equal(p.nameTruncated, false);
		assert.equal(p.environ?.has('CLUSTER_NODE'), false, 'supervised nodes have no CLUSTER_NODE');
		assert.equal(p.cwd, `/srv/zeek/supervisor/${p.node}`);
	}
});

test('real Zeek 8.0.10 standalone: no node name, role standalone', t => {
	const root = tempDir('zeektop-proc-');
	t.after(() => removeDir(root));
	layProcFromCapture(root, corpusDir('zeek-real/standalone/procs'));
	const {processes} = discoverZeek(new ProcFs(root));
	assert.equal(processes.length, 1);
	assert.equal(processes[0]!.node, null);
	assert.equal(processes[0]!.role, 'standalone');
	assert.equal(processes[0]!.launch, 'standalone');
	assert.equal(processes[0]!.iface, 'lo');
});

test('supervisor comm cut at 15 characters: full name from cwd, else marked truncated and recovered from metrics', t => {
	const root = tempDir('zeektop-proc-');
	t.after(() => removeDir(root));
	const argv = '/opt/zeek/bin/zeek\0-j\0cluster.zeek\0';
	layProc(root, 100, {comm: 'zeek.worker-1-1\n', cmdline: argv, stat: statLine(100, 'zeek.worker-1-1'), environ: ''}, {cwd: '/srv/zeek/worker-1-10'});
	layProc(root, 101, {comm: 'zeek.worker-1-1\n', cmdline: argv, stat: statLine(101, 'zeek.worker-1-1'), environ: ''}, {cwd: '/srv/zeek/worker-1-1'});
	layProc(root, 102, {comm: 'zeek.worker-2-1\n', cmdline: argv, stat: statLine(102, 'zeek.worker-2-1'), environ: ''});
	const {processes} = discoverZeek(new ProcFs(root));
	const byPid = new Map(processes.map(p => [p.pid, p]));
	assert.equal(byPid.get(100)!.node, 'worker-1-10');
	assert.equal(byPid.get(100)!.nameSource, 'comm+cwd');
	assert.equal(byPid.get(101)!.node, 'worker-1-1');
	assert.equal(byPid.get(102)!.nameTruncated, true);
	recoverTruncatedNames(processes, ['manager', 'worker-1-1', 'worker-1-10', 'worker-2-11']);
	assert.equal(byPid.get(102)!.node, 'worker-2-11');
	assert.equal(byPid.get(102)!.nameSource, 'metrics');
	assert.equal(byPid.get(102)!.role, 'worker');
});

test('zeekctl: CLUSTER_NODE from environ; the run-zeek wrapper and non-Zeek processes are not nodes', t => {
	const root = tempDir('zeektop-proc-');
	t.after(() => removeDir(root));
	const argv = (node: string) => `/usr/local/zeek/bin/zeek\0-i\0af_packet::eth0\0-U\0.status\0-p\0zeekctl\0-p\0zeekctl-live\0-p\0local\0-p\0${node}\0local.zeek\0zeekctl\0`;
	layProc(root, 200, {comm: 'zeek\n', cmdline: argv('worker-1'), environ: 'CLUSTER_NODE=worker-1\0PATH=/bin\0', stat: statLine(200, 'zeek')}, {cwd: '/spool/worker-1'});
	layProc(root, 199, {comm: 'run-zeek\n', cmdline: `/bin/bash\0/usr/local/zeek/share/zeekctl/scripts/run-zeek\0-p\0worker-1\0`, stat: statLine(199, 'run-zeek')});
	layProc(root, 198, {comm: 'bash\n', cmdline: 'bash\0', stat: statLine(198, 'bash')});
	const {processes} = discoverZeek(new ProcFs(root));
	assert.equal(processes.length, 1);
	assert.deepEqual([processes[0]!.node, processes[0]!.role, processes[0]!.launch, processes[0]!.iface, processes[0]!.nameSource], ['worker-1', 'worker', 'zeekctl', 'af_packet::eth0', 'environ']);
});

class DeniedEnviron extends ProcFs {
	override read(...parts: Array<string | number>): Result<string> {
		if (parts.at(-1) === 'environ') return fail('denied', 'EACCES: permission denied');
		return super.read(...parts);
	}
}

test('environ unreadable (not root): the row still shows, named from .env_vars or -p, with one permissions hint', t => {
	const root = tempDir('zeektop-proc-');
	const spool = tempDir('zeektop-spool-');
	t.after(() => { removeDir(root); removeDir(spool); });
	const argv = (node: string) => `/opt/zeek/bin/zeek\0-U\0.status\0-p\0zeekctl\0-p\0zeekctl-live\0-p\0local\0-p\0${node}\0local.zeek\0zeekctl\0`;
	layProc(root, 300, {comm: 'zeek\n', cmdline: argv('manager'), stat: statLine(300, 'zeek')}, {cwd: `${spool}/manager`});
	layProc(root, 301, {comm: 'zeek\n', cmdline: argv('proxy-1'), stat: statLine(301, 'zeek')});
	mkdirSync(`${spool}/manager`);
	writeFileSync(`${spool}/manager/.env_vars`, 'CLUSTER_NODE=manager\n');
	const {processes} = discoverZeek(new DeniedEnviron(root));
	const m = processes.find(p => p.pid === 300)!;
	const p = processes.find(x => x.pid === 301)!;
	assert.deepEqual([m.node, m.nameSource, m.role], ['manager', 'spool', 'manager']);
	assert.deepEqual([p.node, p.nameSource, p.role], ['proxy-1', 'cmdline', 'proxy']);
	assert.equal(m.environ, null);
	assert.equal(m.hints.length, 1);
	assert.match(m.hints[0]!, /root/);
});

test('systemd (Zeek 8.1+): node from the unit in zeek.slice when environ is unreadable', t => {
	const root = tempDir('zeektop-proc-');
	t.after(() => removeDir(root));
	layProc(root, 400, {comm: 'zeek\n', cmdline: '/opt/zeek/bin/zeek\0policy/frameworks/cluster/backend/broker\0local\0', stat: statLine(400, 'zeek'),
		cgroup: '0::/zeek.slice/zeek-workers.slice/zeek-worker-eth0@2.service\n'});
	layProc(root, 401, {comm: 'zeek\n', cmdline: '/opt/zeek/bin/zeek\0local\0', stat: statLine(401, 'zeek'), environ: 'CLUSTER_NODE=manager\0',
		cgroup: '0::/zeek.slice/zeek-manager.service\n'});
	const {processes} = discoverZeek(new DeniedEnviron(root));
	const w = processes.find(p => p.pid === 400)!;
	assert.deepEqual([w.node, w.role, w.launch, w.nameSource], ['worker-eth0-2', 'worker', 'systemd', 'systemd-unit']);
	const {processes: withEnv} = discoverZeek(new ProcFs(root));
	const m = withEnv.find(p => p.pid === 401)!;
	assert.deepEqual([m.node, m.launch, m.nameSource], ['manager', 'systemd', 'environ']);
});

test('a pid that vanishes between reads is skipped, not an error', t => {
	const root = tempDir('zeektop-proc-');
	t.after(() => removeDir(root));
	// comm exists but cmdline does not: the process exited between the two reads.
	layProc(root, 500, {comm: 'zeek\n'});
	const {processes, skipped} = discoverZeek(new ProcFs(root));
	assert.equal(processes.length, 0);
	assert.deepEqual(skipped, [{pid: 500, reason: 'vanished'}]);
});

test('helpers: roles, -p prefixes, systemd unit names', () => {
	assert.equal(roleOf('manager', null), 'manager');
	assert.equal(roleOf('logger', null), 'logger');
	assert.equal(roleOf('logger-2', null), 'logger');
	assert.equal(roleOf('proxy-1', null), 'proxy');
	assert.equal(roleOf('worker-1-10', null), 'worker');
	assert.equal(roleOf('sensor-a', 'eth0'), 'worker');
	assert.equal(roleOf('mystery', null), 'other');
	assert.equal(roleOf(null, 'eth0'), 'standalone');
	assert.equal(nodeFromPrefixes(['-p', 'zeekctl', '-p', 'zeekctl-live', '-p', 'local', '-p', 'worker-3']), 'worker-3');
	assert.equal(nodeFromPrefixes(['-p', 'standalone', '-p', 'local']), null);
	assert.equal(nodeFromSystemdUnit('/zeek.slice/zeek-manager.service'), 'manager');
	assert.equal(nodeFromSystemdUnit('/zeek.slice/zeek-loggers.slice/zeek-logger@1.service'), 'logger-1');
	assert.equal(nodeFromSystemdUnit('/user.slice/session-1.scope'), null);
});
