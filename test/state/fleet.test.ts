import {test} from 'node:test';
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import type {RemoteNode} from '../../source/collect/fleet.js';
import {fleetNodeJson, fleetSnapshotJson} from '../../source/commands/fleet-json.js';
import {groupByHost, isThisMachine, mergeFleet, remoteCaptureHint, remoteFleetRow, shellWord} from '../../source/state/fleet.js';
import {defaultScene, proc, sceneSnapshots} from '../helpers/scene.js';

function remote(host: string, node: string | null, extra: Partial<RemoteNode> = {}): RemoteNode {
	const instance = `${host}:9991`;
	return {
		key: `${host}/${node ?? instance}`, host, node, instance, zeekVersion: '8.0.10',
		receivedPacketsPerSecond: 1000, droppedPacketsPerSecond: 10, linkPacketsPerSecond: 1010, receivedBytesPerSecond: 8e5,
		dropPercent: 0.99, packetLagSeconds: 0.01, activeSessions: 50, newSessionsPerSecond: 30, eventsPerSecond: 400,
		logWritesPerSecond: 20, cpuPercent: 42, rssBytes: 2e8, startTimeSeconds: 1_795_667_001,
		source: 'prometheus', server: 'http://prom:9090', ageMs: 1200, stale: false, up: true, lastError: '', restarts: 0,
		restarted: false, cpuHistory: [40, 42], rssHistory: [2e8, 2e8], dropHistory: [1, 0.99], rssBytesPerMinute: 0, missingRefreshes: 0,
		...extra,
	};
}

const local = () => defaultScene(3).at(-1)!.rows; // manager … worker-3 on "sensor-1"

test('remote rows: the local field names, pid null, source prometheus, no per-process fields', () => {
	const row = remoteFleetRow(remote('sensor-b', 'worker-7'));
	assert.equal(row.pid, null);
	assert.equal(row.source, 'prometheus');
	assert.equal(row.host, 'sensor-b');
	assert.equal(row.role, 'worker');
	assert.equal(row.launch, 'remote');
	assert.equal(row.state, 'remote');
	assert.equal(row.cpuPercent, 42);
	assert.equal(row.metrics!.dropPercent, 0.99);
	assert.equal(row.metrics!.zeekVersion, '8.0.10');
	assert.equal(row.threads, null);
	assert.equal(row.startedAtMs, 1_795_667_001_000);
	assert.deepEqual(row.cpuHistory, [40, 42]);
	assert.equal(remoteFleetRow(remote('sensor-b', 'worker-7', {up: false, lastError: 'connection refused'})).state, 'down');
	const stale = remoteFleetRow(remote('sensor-b', 'worker-7', {stale: true, ageMs: 31_000}));
	assert.equal(stale.state, 'stale');
	assert.deepEqual(stale.hints, ['Prometheus data 31 s old']);
	assert.equal(remoteFleetRow(remote('sensor-c', null)).role, 'standalone');
});

test('mergeFleet: a node of this machine that Prometheus also knows is one row, the local one, with its host', () => {
	const rows = local();
	assert.ok(rows.every(r => r.metrics === null));
	const merged = mergeFleet(rows, [
		remoteFleetRow(remote('sensor-1', 'worker-1')), // this machine, by hostname
		remoteFleetRow(remote('127.0.0.1', 'worker-2')), // this machine, by loopback
		remoteFleetRow(remote('sensor-1', 'worker-9')), // this machine, but no such local process
		remoteFleetRow(remote('sensor-b', 'worker-1')), // another machine, same node name
	], 'sensor-1.example.org');
	assert.equal(merged.length, 6 + 2);
	const w1 = merged.filter(r => r.node === 'worker-1');
	assert.deepEqual(w1.map(r => [r.host, r.source, r.pid]), [['sensor-1.example.org', 'local', 1004], ['sensor-b', 'prometheus', null]]);
	assert.equal(w1[0]!.metrics!.eventsPerSecond, 400, 'a local row without metrics takes Prometheus\' Zeek numbers');
	assert.notEqual(w1[0]!.cpuPercent, 42, 'local CPU (from /proc) wins');
	assert.equal(merged.filter(r => r.node === 'worker-2').length, 1);
	const w9 = merged.find(r => r.node === 'worker-9')!;
	assert.deepEqual([w9.host, w9.source], ['sensor-1.example.org', 'prometheus']);
	assert.ok(merged.slice(0, 6).every(r => r.source === 'local' && r.host === 'sensor-1.example.org'));
});

test('mergeFleet: standalone Zeeks match only one to one; other domains are other machines', () => {
	const [snap] = sceneSnapshots([proc(2001, null, 'standalone')], [{cpuPerTick: 10, mainPerTick: 9, rss: 1e8}], 2).slice(-1);
	const merged = mergeFleet(snap!.rows, [remoteFleetRow(remote('sensor-1', null))], 'sensor-1');
	assert.equal(merged.length, 1);
	assert.equal(merged[0]!.source, 'local');
	assert.equal(isThisMachine('sensor-1', 'sensor-1.example.org'), true);
	assert.equal(isThisMachine('sensor-1.example.org', 'sensor-1'), true);
	assert.equal(isThisMachine('sensor-1.dc2', 'sensor-1.dc1'), false);
	assert.equal(isThisMachine('10.0.0.5', 'sensor-1'), false);
	assert.equal(isThisMachine('10.0.0.5', 'sensor-1', ['10.0.0.5']), true);
	assert.equal(isThisMachine('SENSOR-1', 'sensor-1'), true);
});

test('groupByHost: this machine first, then hosts by name', () => {
	const merged = mergeFleet(local(), [remoteFleetRow(remote('zeta', 'worker-1')), remoteFleetRow(remote('alpha', 'worker-1')), remoteFleetRow(remote('alpha', 'manager'))], 'sensor-1');
	const groups = groupByHost(merged, 'sensor-1');
	assert.deepEqual(groups.map(g => [g.host, g.rows.length]), [['sensor-1', 6], ['alpha', 2], ['zeta', 1]]);
	assert.deepEqual(groups[1]!.rows.map(r => r.node), ['manager', 'worker-1']);
});

/** What the remote shell would run: the local shell's words for ssh, then the remote shell's. */
function remoteWords(command: string): string[] {
	const remoteString = execFileSync('sh', ['-c', `ssh() { shift; printf '%s' "$*"; }; ${command}`], {encoding: 'utf8'});
	const out = execFileSync('sh', ['-c', `set -- ${remoteString}; printf '%s\\0' "$@"`], {encoding: 'utf8'});
	return out.split('\0').slice(0, -1);
}

test('capture keys on remote rows name the exact ssh command; local rows capture', () => {
	const row = remoteFleetRow(remote('sensor-b', 'worker-7'));
	assert.deepEqual(remoteCaptureHint(row, 'perf'), {
		command: 'ssh sensor-b zeektop perf worker-7 --seconds 10',
		message: 'worker-7 runs on sensor-b; for a perf profile run: ssh sensor-b zeektop perf worker-7 --seconds 10',
	});
	assert.equal(remoteCaptureHint(row, 'perf', {perfSeconds: 30, perfFrequency: 199, mainThread: true, callGraph: 'dwarf'})!.command,
		'ssh sensor-b zeektop perf worker-7 --seconds 30 --frequency 199 --main-thread --call-graph dwarf');
	assert.equal(remoteCaptureHint(row, 'heap')!.command, 'ssh sensor-b zeektop heap worker-7');
	assert.equal(remoteCaptureHint(mergeFleet(local(), [], 'sensor-1')[0]!, 'perf'), null);
	const standalone = remoteCaptureHint(remoteFleetRow(remote('sensor-c', null)), 'heap')!;
	assert.equal(standalone.command, 'ssh -t sensor-c zeektop');
	assert.match(standalone.message, /press m on its row/);

	// A node name from a label is untrusted: quoted so both shells hand zeektop one word.
	const odd = remoteFleetRow(remote('sensor-b', `we'ird $(reboot) name`));
	const cmd = remoteCaptureHint(odd, 'heap')!.command!;
	assert.deepEqual(remoteWords(cmd), ['zeektop', 'heap', `we'ird $(reboot) name`]);
	assert.deepEqual(remoteWords(remoteCaptureHint(row, 'perf')!.command!), ['zeektop', 'perf', 'worker-7', '--seconds', '10']);
	assert.equal(remoteCaptureHint(remoteFleetRow(remote('-oProxyCommand=x', 'w')), 'perf')!.command, null, 'no ssh option injection');
	assert.equal(shellWord('a b'), `'a b'`);
});

test('--once --json: every node has host and source; remote nodes pid null and their Prometheus origin', () => {
	const snap = defaultScene(3).at(-1)!;
	const rows = mergeFleet(snap.rows, [remoteFleetRow(remote('sensor-b', 'worker-1', {ageMs: 1234}))], 'sensor-1');
	const doc = fleetSnapshotJson(snap, rows, [], [{scope: 'prometheus http://prom:9090', message: 'timeout: …'}]) as {nodes: Array<Record<string, unknown>>; problems: unknown[]};
	assert.equal(doc.nodes.length, 7);
	assert.deepEqual(doc.nodes.map(n => [n['node'], n['host'], n['source']]).slice(3), [
		['worker-1', 'sensor-1', 'local'], ['worker-2', 'sensor-1', 'local'], ['worker-3', 'sensor-1', 'local'], ['worker-1', 'sensor-b', 'prometheus'],
	]);
	const r = doc.nodes[6]!;
	assert.equal(r['pid'], null);
	assert.equal(r['cpuPercent'], 42);
	assert.deepEqual(r['prometheus'], {server: 'http://prom:9090', instance: 'sensor-b:9991', up: true, stale: false, ageSeconds: 1.2, lastError: null});
	assert.equal((r['metrics'] as Record<string, unknown>)['eventsPerSecond'], 400);
	assert.equal(doc.nodes[3]!['pid'], 1004);
	assert.equal(doc.problems.length, 1);
	assert.deepEqual(Object.keys(fleetNodeJson(rows[0]!)).slice(0, 3), ['node', 'host', 'source']);
});
