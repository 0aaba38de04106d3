import {test} from 'node:test';
import assert from 'node:assert/strict';
import {
	assembleFleet, fleetQueries, historyByKey, hostMatcher, hostOfInstance, parseApiEnvelope, parseDurationSeconds, parseMatrix,
	parseTargets, parseVector, rateWindowSeconds, type VectorSample,
} from '../../source/profile/promql.js';

const v = (labels: Record<string, string>, value: number): VectorSample => ({labels, value});

test('durations and instances', () => {
	assert.equal(parseDurationSeconds('15s'), 15);
	assert.equal(parseDurationSeconds('1m30s'), 90);
	assert.equal(parseDurationSeconds('500ms'), 0.5);
	assert.equal(parseDurationSeconds('1h'), 3600);
	assert.equal(parseDurationSeconds('15'), null);
	assert.equal(parseDurationSeconds('1x'), null);
	assert.equal(parseDurationSeconds(''), null);
	assert.equal(hostOfInstance('sensor-a:9994'), 'sensor-a');
	assert.equal(hostOfInstance('10.1.2.3:9991'), '10.1.2.3');
	assert.equal(hostOfInstance('[fe80::1]:9991'), 'fe80::1');
	assert.equal(hostOfInstance('fe80::1'), 'fe80::1', 'bare IPv6: no port to strip');
	assert.equal(hostOfInstance('sensor-a'), 'sensor-a');
	assert.equal(rateWindowSeconds([15, 15, 30]), 120);
	assert.equal(rateWindowSeconds([null]), 60);
});

test('host filter: literal hosts, RE2 and PromQL escaped, optional port', () => {
	assert.equal(hostMatcher([]), '');
	assert.equal(hostMatcher(['sensor-a', 'x.y']), String.raw`instance=~"(sensor\\-a|x\\.y)(:[0-9]+)?"`);
	assert.equal(hostMatcher(['a"b']), String.raw`instance=~"(a\"b)(:[0-9]+)?"`);
	assert.equal(hostMatcher(['fe80::1']), String.raw`instance=~"(\\[fe80::1\\])(:[0-9]+)?"`);
	const q = fleetQueries(60, ['sensor-a']);
	for (const [family, expr] of Object.entries(q)) {
		// Every selector of every query carries the filter: nothing unfiltered reaches Prometheus.
		const selectors = expr.match(/[a-z_]+\{[^}]*\}/g) ?? [];
		assert.ok(selectors.length >= 1, family);
		for (const s of selectors) assert.ok(s.includes('instance=~'), `${family}: ${s}`);
		assert.ok(!expr.includes('[60s]') || expr.includes('rate('), family);
	}
	assert.equal(q.cpu.match(/rate\(/g)!.length, 3, 'CPU: seconds_total, or user + system');
});

test('API envelope, vector, matrix and targets; everything else is garbage', () => {
	assert.deepEqual(parseApiEnvelope('{"status":"success","data":1}'), {ok: true, data: 1, warnings: []});
	assert.deepEqual(parseApiEnvelope('{"status":"error","errorType":"bad_data","error":"parse error"}'), {ok: false, kind: 'api-error', detail: 'bad_data: parse error'});
	assert.equal((parseApiEnvelope('<html>') as {kind: string}).kind, 'garbage');
	assert.equal((parseApiEnvelope('[]') as {kind: string}).kind, 'garbage');
	assert.equal((parseApiEnvelope('') as {detail: string}).detail, 'not JSON: (empty)');
	const vec = parseVector({resultType: 'vector', result: [{metric: {instance: 'a:1'}, value: [1, '2.5']}, {metric: {}, value: [1, 'NaN']}]});
	assert.ok(vec.ok);
	assert.equal(vec.value[0]!.value, 2.5);
	assert.ok(Number.isNaN(vec.value[1]!.value));
	assert.equal(parseVector({resultType: 'vector', result: [{metric: {}, value: [1, 'abc']}]}).ok, false);
	assert.equal(parseVector({resultType: 'vector', result: [{metric: {a: 1}, value: [1, '1']}]}).ok, false);
	const m = parseMatrix({resultType: 'matrix', result: [{metric: {}, values: [[1, '1'], [2, '+Inf']]}]});
	assert.ok(m.ok && m.value[0]!.points[1]![1] === Infinity);
	assert.equal(parseMatrix({resultType: 'matrix', result: [{metric: {}, values: [['1', '1']]}]}).ok, false);
	const t = parseTargets({activeTargets: [
		{labels: {instance: 'a:1', job: 'zeek'}, health: 'up', lastError: '', lastScrape: '2026-12-04T21:00:00.5Z', scrapeInterval: '15s'},
		{labels: {instance: 'b:1', job: 'zeek'}, health: 'unknown', lastError: '', lastScrape: '0001-01-01T00:00:00Z', scrapeInterval: 'bogus'},
	]});
	assert.ok(t.ok);
	assert.deepEqual(t.value[0], {instance: 'a:1', job: 'zeek', health: 'up', lastError: '', lastScrapeSeconds: Date.parse('2026-12-04T21:00:00.5Z') / 1000, scrapeIntervalSeconds: 15});
	assert.equal(t.value[1]!.lastScrapeSeconds, null);
	assert.equal(t.value[1]!.scrapeIntervalSeconds, null);
	assert.equal(parseTargets({}).ok, false);
});

test('assembleFleet: Zeek 8 node labels, Zeek 7 unlabelled version, a Zeek 6 manager serving its cluster, non-Zeek process series', () => {
	const fleet = assembleFleet({
		version: [
			v({instance: 's8:9991', node: 'worker-1', version_string: '8.0.10'}, 1),
			v({instance: 's7:9991', version_string: '7.0.0'}, 1), // Zeek 7: no endpoint on the version series
			v({instance: 'm6:9911', endpoint: '', version_string: '6.0.0'}, 1), // Zeek 6 manager
		],
		receivedPackets: [
			v({instance: 's8:9991', node: 'worker-1'}, 100),
			v({instance: 's7:9991', endpoint: 'worker-3'}, 70),
			v({instance: 'm6:9911', endpoint: 'worker-1'}, 10),
			v({instance: 'm6:9911', endpoint: 'worker-2'}, 20),
			v({instance: 'm6:9911', endpoint: 'manager'}, 0),
		],
		droppedPackets: [v({instance: 's8:9991', node: 'worker-1'}, 0), v({instance: 's7:9991', endpoint: 'worker-3'}, 30)],
		cpu: [
			v({instance: 's8:9991', node: 'worker-1'}, 0.5),
			v({instance: 'm6:9911'}, 0.25), // unlabelled on a multi-node instance: the manager's
			v({instance: 'prometheus:9090'}, 0.1), // not Zeek: no row
		],
		rss: [v({instance: 's7:9991'}, 5e8), v({instance: 's7:9991', endpoint: 'worker-3'}, 4e8)],
	});
	assert.deepEqual(fleet.map(n => n.key), ['m6/manager', 'm6/worker-1', 'm6/worker-2', 's7/worker-3', 's8/worker-1']);
	const by = new Map(fleet.map(n => [n.key, n]));
	assert.equal(by.get('s8/worker-1')!.cpuPercent, 50);
	assert.equal(by.get('s8/worker-1')!.dropPercent, 0);
	assert.equal(by.get('s7/worker-3')!.zeekVersion, '7.0.0', 'the instance\'s unlabelled version goes to its only node');
	assert.equal(by.get('s7/worker-3')!.dropPercent, 30);
	assert.equal(by.get('s7/worker-3')!.rssBytes, 4e8, 'the labelled series wins over the unlabelled one');
	assert.equal(by.get('m6/manager')!.cpuPercent, 25);
	assert.equal(by.get('m6/worker-1')!.cpuPercent, null, 'no CPU series for it: null, never 0');
	assert.equal(by.get('m6/worker-2')!.receivedPacketsPerSecond, 20);
	assert.equal(by.get('m6/worker-2')!.dropPercent, null);
	// A standalone Zeek 8: nothing labelled at all.
	const [alone] = assembleFleet({version: [v({instance: 'z:9911', version_string: '8.0.10'}, 1)], rss: [v({instance: 'z:9911'}, 1)]});
	assert.deepEqual([alone!.key, alone!.node, alone!.rssBytes], ['z/z:9911', null, 1]);
});

test('historyByKey: range series to node keys; NaN drop % (no packets) reads as 0', () => {
	const fleet = assembleFleet({version: [v({instance: 'a:1', node: 'w1', version_string: '8'}, 1), v({instance: 'b:1', version_string: '7'}, 1)], rss: [v({instance: 'b:1', endpoint: 'w2'}, 1)]});
	const h = historyByKey([
		{labels: {instance: 'a:1', node: 'w1'}, points: [[1, NaN], [2, 5]]},
		{labels: {instance: 'b:1', endpoint: 'w2'}, points: [[1, 3]]},
		{labels: {instance: 'c:1', node: 'w9'}, points: [[1, 3]]},
	], fleet, 0);
	assert.deepEqual(Object.fromEntries(h), {'a/w1': [[1, 0], [2, 5]], 'b/w2': [[1, 3]]});
});
