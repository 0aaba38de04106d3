import {test, describe} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {corpusDir} from '../helpers/env.js';
import {parseMetrics} from '../../source/collect/metrics/parse.js';
import {emptyZeekRaw, extractZeekNodes, type ZeekRaw} from '../../source/collect/metrics/zeek.js';
import {counterDelta, deriveRates} from '../../source/collect/metrics/derive.js';

function scrape(scenario: string, file: string, node: string): ZeekRaw {
	const r = parseMetrics(readFileSync(corpusDir('zeek-real', scenario, 'metrics', file)));
	if (!r.ok) assert.fail(`parse failed at line ${r.line}: ${r.error}`);
	const raw = extractZeekNodes(r.families).get(node);
	assert.ok(raw, `node ${node} in ${file}`);
	return raw;
}
const worker1 = (n: number) => scrape('supervisor-cluster', `worker-1-port9924-scrape${n}.metrics.txt`, 'worker-1');
const manager = (n: number) => scrape('supervisor-cluster', `manager-port9921-scrape${n}.metrics.txt`, 'manager');
const standalone = (n: number) => scrape('standalone', `standalone-port9911-scrape${n}.metrics.txt`, '');

const close = (actual: number | null, expected: number, what: string) => {
	assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} ≠ ${expected}`);
};

function raw(patch: Partial<ZeekRaw>): ZeekRaw {
	return {...emptyZeekRaw('w'), ...patch};
}

describe('deriveRates on real scrape pairs (5 s apart)', () => {
	test('worker-1 scrape1 → scrape2', () => {
		const r = deriveRates(worker1(1), worker1(2), 5, {topHandlers: 3});
		close(r.receivedPacketsPerSecond, (34058 - 28804) / 5, 'received/s');
		close(r.droppedPacketsPerSecond, 0, 'dropped/s');
		close(r.linkPacketsPerSecond, (68124 - 57620) / 5, 'link/s');
		assert.equal(r.dropPercent, 0);
		assert.equal(r.packetLagSeconds, 0.0008411407470703125);
		assert.equal(r.timerLagSeconds, null);
		assert.equal(r.activeSessions, 446 + 240);
		close(r.newSessionsPerSecond, (2995 - 2537) / 5, 'sessions/s');
		close(r.eventsPerSecond, (56313 - 47613) / 5, 'events/s');
		close(r.logWritesPerSecond, (7975 - 6688) / 5, 'log writes/s');
		assert.deepEqual(r.topEventHandlers, [
			{name: 'http_header', perSecond: (13390 - 11340) / 5},
			{name: 'get_file_handle', perSecond: 137.8},
			{name: 'http_begin_entity', perSecond: 92},
		]);
		close(r.cpuPercent, ((3.19 + 0.86) - (2.7 + 0.8)) / 5 * 100, 'cpu %');
		assert.equal(r.rssBytes, 248766464);
		assert.equal(r.zeekVersion, '8.0.10');
		assert.equal(r.restarted, false);
	});

	test('worker-1 scrape2 → scrape3 and standalone scrape2 → scrape3', () => {
		const w = deriveRates(worker1(2), worker1(3), 5);
		close(w.receivedPacketsPerSecond, (39218 - 34058) / 5, 'worker received/s');
		close(w.eventsPerSecond, (64945 - 56313) / 5, 'worker events/s');
		const s = deriveRates(standalone(2), standalone(3), 5);
		close(s.receivedPacketsPerSecond, (38378 - 33330) / 5, 'standalone received/s');
		close(s.eventsPerSecond, (70269 - 61001) / 5, 'standalone events/s');
		close(s.logWritesPerSecond, (8831 - 7746) / 5, 'standalone log writes/s');
		assert.equal(s.topEventHandlers[0]!.name, 'http_header');
		assert.equal(s.node, '');
	});

	test('manager: no drop series, so no drop percent; its timer lag is real', () => {
		const r = deriveRates(manager(1), manager(2), 5);
		assert.equal(r.receivedPacketsPerSecond, 0);
		assert.equal(r.droppedPacketsPerSecond, null);
		assert.equal(r.dropPercent, null);
		assert.equal(r.packetLagSeconds, null);
		assert.equal(r.timerLagSeconds, 0.0006799697875976562);
		close(r.eventsPerSecond, (589 - 581) / 5, 'manager events/s');
	});

	test('scrapes in reverse order look like a restart: no negative rate anywhere', () => {
		const r = deriveRates(worker1(3), worker1(1), 5);
		assert.equal(r.restarted, true);
		close(r.receivedPacketsPerSecond, 28804 / 5, 'received/s counts from zero');
		close(r.eventsPerSecond, 47613 / 5, 'events/s counts from zero');
		for (const [key, value] of Object.entries(r)) {
			if (typeof value === 'number') assert.ok(value >= 0, `${key} = ${value}`);
		}
		for (const h of r.topEventHandlers) assert.ok(h.perSecond >= 0, h.name);
	});
});

describe('deriveRates edge cases', () => {
	test('first scrape (no prev): rates null, gauges reported', () => {
		const r = deriveRates(undefined, worker1(1), 5);
		assert.equal(r.receivedPacketsPerSecond, null);
		assert.equal(r.eventsPerSecond, null);
		assert.equal(r.cpuPercent, null);
		assert.equal(r.dropPercent, null);
		assert.deepEqual(r.topEventHandlers, []);
		assert.equal(r.activeSessions, 677);
		assert.equal(r.rssBytes, 248504320);
		assert.equal(r.zeekVersion, '8.0.10');
	});

	test('zero, negative or NaN window: rates null', () => {
		for (const elapsed of [0, -1, NaN, Infinity]) {
			const r = deriveRates(worker1(1), worker1(2), elapsed);
			assert.equal(r.receivedPacketsPerSecond, null, String(elapsed));
			assert.equal(r.eventsPerSecond, null, String(elapsed));
			assert.equal(r.packetLagSeconds, 0.0008411407470703125);
		}
	});

	test('counter reset: the current value is the increase since the restart', () => {
		const r = deriveRates(raw({receivedPackets: 1000, droppedPackets: 10}), raw({receivedPackets: 300, droppedPackets: 0}), 10);
		assert.equal(r.receivedPacketsPerSecond, 30);
		assert.equal(r.droppedPacketsPerSecond, 0);
		assert.equal(r.dropPercent, 0);
		assert.equal(r.restarted, true);
	});

	test('a changed start time resets counters that happen to be higher than before', () => {
		const prev = raw({startTimeSeconds: 1000, receivedPackets: 100, cpuSeconds: 1});
		const cur = raw({startTimeSeconds: 2000, receivedPackets: 150, cpuSeconds: 0.5});
		const r = deriveRates(prev, cur, 10);
		assert.equal(r.restarted, true);
		assert.equal(r.receivedPacketsPerSecond, 15);
		assert.equal(r.cpuPercent, 5);
	});

	test('float noise in CPU seconds is not a restart', () => {
		const r = deriveRates(raw({cpuSeconds: 3.64 + 0.94, receivedPackets: 5}), raw({cpuSeconds: 3.64 + 0.9399999999999999, receivedPackets: 9}), 2);
		assert.equal(r.restarted, false);
		assert.equal(r.cpuPercent, 0);
		assert.equal(r.receivedPacketsPerSecond, 2);
	});

	test('drop percent is dropped ÷ (received + dropped) over the window', () => {
		const r = deriveRates(raw({receivedPackets: 1000, droppedPackets: 0}), raw({receivedPackets: 1900, droppedPackets: 100}), 10);
		assert.equal(r.dropPercent, 10);
		assert.equal(r.receivedPacketsPerSecond, 90);
		assert.equal(r.droppedPacketsPerSecond, 10);
	});

	test('a series missing on either side gives null', () => {
		const r = deriveRates(raw({receivedPackets: 1}), raw({droppedPackets: 5, receivedPackets: 2}), 1);
		assert.equal(r.receivedPacketsPerSecond, 1);
		assert.equal(r.droppedPacketsPerSecond, null);
		assert.equal(r.dropPercent, null);
		assert.equal(r.eventsPerSecond, null);
		assert.equal(r.logWritesPerSecond, null);
		assert.equal(r.cpuPercent, null);
		assert.equal(r.newSessionsPerSecond, null);
	});

	test('handlers: a new handler counts from zero, ties sort by name, idle ones are left out, topHandlers limits', () => {
		const prev = raw({eventHandlerInvocations: 10, eventHandlerInvocationsByName: new Map([['a', 5], ['b', 5]])});
		const cur = raw({eventHandlerInvocations: 31, eventHandlerInvocationsByName: new Map([['a', 5], ['b', 15], ['new', 6], ['c', 5]])});
		const r = deriveRates(prev, cur, 1, {topHandlers: 2});
		assert.equal(r.eventsPerSecond, 21);
		assert.deepEqual(r.topEventHandlers, [{name: 'b', perSecond: 10}, {name: 'new', perSecond: 6}]);
		const all = deriveRates(prev, cur, 1);
		assert.deepEqual(all.topEventHandlers.map(h => h.name), ['b', 'new', 'c']);
	});

	test('counterDelta', () => {
		assert.equal(counterDelta(5, 8), 3);
		assert.equal(counterDelta(8, 5), 5);
		assert.equal(counterDelta(8, 9, true), 9);
		assert.equal(counterDelta(null, 5), null);
		assert.equal(counterDelta(undefined, 5), null);
		assert.equal(counterDelta(5, null), null);
		assert.equal(counterDelta(NaN, 5), null);
	});
});
