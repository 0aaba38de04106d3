import {test, describe} from 'node:test';
import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {corpusDir} from '../helpers/env.js';
import {parseMetrics, type MetricFamily} from '../../source/collect/metrics/parse.js';
import {extractZeekNodes, nodeOf, timerLag, type ZeekRaw} from '../../source/collect/metrics/zeek.js';

function families(text: string | Uint8Array): MetricFamily[] {
	const r = parseMetrics(text);
	if (!r.ok) assert.fail(`parse failed at line ${r.line}: ${r.error}`);
	return r.families;
}
const real = (scenario: string, file: string) => families(readFileSync(corpusDir('zeek-real', scenario, 'metrics', file)));
const doc = (file: string) => families(readFileSync(corpusDir('zeek', 'docs-examples', file)));

function only(nodes: Map<string, ZeekRaw>, name: string): ZeekRaw {
	assert.deepEqual([...nodes.keys()], [name]);
	return nodes.get(name)!;
}

describe('extractZeekNodes on real Zeek 8.0.10 scrapes', () => {
	test('worker: packets, lag, sessions, events, log writes, version, process', () => {
		const w = only(extractZeekNodes(real('supervisor-cluster', 'worker-1-port9924-scrape1.metrics.txt')), 'worker-1');
		assert.equal(w.receivedPackets, 28804);
		assert.equal(w.droppedPackets, 0);
		assert.equal(w.linkPackets, 57620);
		assert.equal(w.receivedBytes, 43250462);
		assert.equal(w.packetLagSeconds, 0.001568078994750977);
		assert.equal(w.networkTimeSeconds, 1795667031.266392);
		assert.equal(w.timerLagSeconds, null, 'zeek_timers_lag_time_seconds holds the network timestamp here, not a lag');
		assert.equal(w.activeSessions, 677);
		assert.deepEqual(w.activeSessionsByProtocol, new Map([['icmp', 0], ['udp', 439], ['tcp', 238]]));
		assert.equal(w.totalSessions, 2537);
		assert.equal(w.eventHandlerInvocations, 47613);
		assert.equal(w.eventHandlerInvocationsByName.size, 49);
		assert.equal(w.eventHandlerInvocationsByName.get('http_header'), 11340);
		assert.equal(w.logWrites, 6688);
		assert.equal(w.logWritesBySeries.get('Conn::LOG'), 1860);
		assert.equal(w.zeekVersion, '8.0.10');
		assert.equal(w.cpuSeconds, 2.7 + 0.8);
		assert.equal(w.rssBytes, 248504320);
		assert.equal(w.virtualMemoryBytes, 1061650432);
		assert.equal(w.openFds, 31);
		assert.equal(w.startTimeSeconds, 1795667001.683887);
	});

	test('manager: no packet source, so no drops, link packets or packet lag; a real timer lag', () => {
		const m = only(extractZeekNodes(real('supervisor-cluster', 'manager-port9921-scrape1.metrics.txt')), 'manager');
		assert.equal(m.receivedPackets, 0);
		assert.equal(m.droppedPackets, null);
		assert.equal(m.linkPackets, null);
		assert.equal(m.packetLagSeconds, null);
		assert.equal(m.timerLagSeconds, 0.001071929931640625);
		assert.equal(m.activeSessions, 0);
		assert.equal(m.eventHandlerInvocations, 581);
		assert.equal(m.logWrites, 800);
	});

	test('every cluster scrape yields exactly its own node, whatever unlabelled exposer/Broker series it has', () => {
		const dir = corpusDir('zeek-real', 'supervisor-cluster', 'metrics');
		const files = readdirSync(dir).filter(f => f.endsWith('.metrics.txt'));
		assert.equal(files.length, 15);
		for (const file of files) {
			const node = file.replace(/-port\d+-scrape\d\.metrics\.txt$/, '');
			const raw = only(extractZeekNodes(families(readFileSync(`${dir}/${file}`))), node);
			assert.equal(raw.zeekVersion, '8.0.10', file);
			assert.notEqual(raw.rssBytes, null, file);
		}
	});

	test('standalone: no node label makes the "" node, or defaultNode', () => {
		const fams = real('standalone', 'standalone-port9911-scrape1.metrics.txt');
		const s = only(extractZeekNodes(fams), '');
		assert.equal(s.node, '');
		assert.equal(s.receivedPackets, 28215);
		assert.equal(s.timerLagSeconds, null);
		assert.equal(s.eventHandlerInvocations, 51631);
		assert.equal(only(extractZeekNodes(fams, {defaultNode: 'zeek'}), 'zeek').receivedPackets, 28215);
	});

	test('a labelled node keeps its values; unlabelled series only fill gaps of defaultNode', () => {
		const fams = real('supervisor-cluster', 'worker-2-port9925-scrape1.metrics.txt');
		const w = only(extractZeekNodes(fams, {defaultNode: 'worker-2'}), 'worker-2');
		assert.equal(w.zeekVersion, '8.0.10');
	});
});

describe('extractZeekNodes on older Zeek (docs examples)', () => {
	test('Zeek 6.0: endpoint="" is standalone, process_cpu_seconds_total, writer+stream writes', () => {
		const z = only(extractZeekNodes(doc('metrics-curl-zeek6-troubleshooting.prom')), '');
		assert.equal(z.zeekVersion, '6.0.0-dev.622');
		assert.equal(z.receivedPackets, 9832);
		assert.equal(z.droppedPackets, 0);
		assert.equal(z.linkPackets, 19664);
		assert.equal(z.receivedBytes, 1699891);
		assert.equal(z.cpuSeconds, 1.95);
		assert.equal(z.rssBytes, 268935168);
		assert.equal(z.logWrites, 2 + 819 + 547 + 814, 'stream writes, not writer writes as well');
		assert.equal(z.activeSessions, 0);
		assert.equal(z.totalSessions, 45101 + 39849 + 320);
		assert.equal(z.eventHandlerInvocations, 1 + 4 + 2 + 4 + 547 + 1628 + 814);
		assert.equal(z.packetLagSeconds, null);
		assert.equal(z.startTimeSeconds, null);
	});

	test('Zeek 5.1: zeek_log_writes_total{log_id} with endpoint', () => {
		const z = only(extractZeekNodes(doc('metrics-curl-log-writes.prom')), 'zeek');
		assert.equal(z.logWrites, 1 + 477 + 1 + 200 + 9 + 215 + 1);
		assert.equal(z.logWritesBySeries.get('conn_log'), 215);
		assert.equal(z.receivedPackets, null);
		assert.equal(z.eventHandlerInvocations, null);
	});

	test('Zeek 7.0: endpoint="manager" names the node', () => {
		const m = only(extractZeekNodes(doc('metrics-curl-telemetry-framework-intro.prom')), 'manager');
		assert.equal(m.eventHandlerInvocations, 2);
		assert.deepEqual(m.eventHandlerInvocationsByName, new Map([['run_sync_hook', 2]]));
	});

	test('mixed version_info series: the unlabelled one makes no node of its own unless defaultNode says whose it is', () => {
		const fams = doc('metrics-curl-version-info.prom');
		assert.equal(only(extractZeekNodes(fams), 'zeek').zeekVersion, '5.1.0-dev.289-debug');
		assert.equal(only(extractZeekNodes(fams, {defaultNode: 'zeek'}), 'zeek').zeekVersion, '5.1.0-dev.289-debug');
		// The caller says the scrape came from 'other': its unlabelled series are that process's.
		const both = extractZeekNodes(fams, {defaultNode: 'other'});
		assert.deepEqual([...both.keys()], ['zeek', 'other']);
		assert.equal(both.get('other')!.zeekVersion, '7.0.0-rc4-debug');
	});
});

describe('extractZeekNodes edge cases', () => {
	test('a Zeek 6 manager aggregating its cluster: one entry per endpoint, none for Broker series', () => {
		const text = [
			'zeek_net_received_packets_total{endpoint="worker-1"} 10',
			'zeek_net_received_packets_total{endpoint="worker-2"} 20',
			'zeek_version_info{endpoint="manager",version_string="6.2.1"} 1',
			'zeek_version_info{endpoint="worker-1",version_string="6.2.1"} 1',
			'broker_connections{type="native"} 3',
			'zeek_active_sessions{protocol="tcp"} 5',
			'',
		].join('\n');
		const nodes = extractZeekNodes(families(text));
		assert.deepEqual([...nodes.keys()].sort(), ['manager', 'worker-1', 'worker-2']);
		assert.equal(nodes.get('worker-1')!.receivedPackets, 10);
		assert.equal(nodes.get('worker-2')!.zeekVersion, null);
		assert.equal(nodes.get('manager')!.activeSessions, null, 'the unlabelled sessions gauge belongs to no one');
		assert.equal(extractZeekNodes(families(text), {defaultNode: 'manager'}).get('manager')!.activeSessions, 5);
	});

	test('node wins over endpoint; empty labels name no node', () => {
		assert.equal(nodeOf({node: 'w1', endpoint: 'x'}), 'w1');
		assert.equal(nodeOf({endpoint: 'x'}), 'x');
		assert.equal(nodeOf({endpoint: ''}), null);
		assert.equal(nodeOf({node: ''}), null);
		assert.equal(nodeOf({}), null);
	});

	test('missing series are null, never 0', () => {
		const z = only(extractZeekNodes(families('zeek_version_info{major="7",minor="1",patch="2"} 1\n')), '');
		assert.equal(z.zeekVersion, '7.1.2');
		for (const key of ['receivedPackets', 'droppedPackets', 'packetLagSeconds', 'activeSessions', 'eventHandlerInvocations', 'logWrites', 'cpuSeconds', 'rssBytes', 'startTimeSeconds'] as const) {
			assert.equal(z[key], null, key);
		}
		assert.deepEqual(extractZeekNodes(families('other_metric 1\n')), new Map());
	});

	test('CPU needs both user and system halves', () => {
		assert.equal(only(extractZeekNodes(families('process_cpu_user_seconds_total 1\nprocess_resident_memory_bytes 5\n')), '').cpuSeconds, null);
	});

	test('timerLag: plausible lags pass, timestamps do not', () => {
		assert.equal(timerLag(0.5, 1795667031.2), 0.5);
		assert.equal(timerLag(1795667031.266392, 1795667031.266392), null);
		assert.equal(timerLag(1795667031.266392, null), null);
		assert.equal(timerLag(null, 1), null);
		assert.equal(timerLag(NaN, null), null);
		assert.equal(timerLag(-1, null), null);
	});
});
