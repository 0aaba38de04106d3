import {test, describe} from 'node:test';
import assert from 'node:assert/strict';
import {HistoryStore, NodeHistory, feedHistory, applyBackfill, BYTES_PER_POINT} from '../../source/state/history.js';
import type {Snapshot} from '../../source/state/monitor.js';
import {metricsOnlyRow, type NodeRow} from '../../source/state/tracker.js';
import type {NodeMetrics} from '../../source/collect/metrics/collector.js';

const T0 = Date.UTC(2026, 11, 4, 12, 0, 0);

function metrics(over: Partial<NodeMetrics> = {}): NodeMetrics {
	return {
		node: 'worker-1', receivedPacketsPerSecond: 1000, droppedPacketsPerSecond: 10, linkPacketsPerSecond: null, receivedBytesPerSecond: null,
		dropPercent: 0.99, packetLagSeconds: 0.25, timerLagSeconds: null, activeSessions: 42, newSessionsPerSecond: 3, eventsPerSecond: 5000,
		logWritesPerSecond: 7, topEventHandlers: [], zeekVersion: '8.0.10', cpuPercent: 33, rssBytes: 123_456_789, startTimeSeconds: null,
		restarted: false, dropHistory: [], target: 'http://127.0.0.1:9991/metrics', ageMs: 0, ...over,
	};
}

function row(key: string, over: Partial<NodeRow> = {}): NodeRow {
	return {...metricsOnlyRow(key, metrics(), () => 'worker'), launch: 'zeekctl', pid: 100, state: 'S', ...over};
}

function snap(wallMs: number, rows: NodeRow[]): Snapshot {
	return {wallMs, rows, problems: [], tick: 1, host: {} as Snapshot['host']};
}

describe('NodeHistory', () => {
	test('keeps every column, reads null for unknown, and scales mainThreadCpuPercent in hundredths', () => {
		const h = new NodeHistory({capacity: 10, durationMs: 3600_000});
		h.push(T0, 'proc', {cpuPercent: 12.5, mainThreadCpuPercent: 99.99, rssBytes: 1024 ** 3, dropPercent: null});
		const p = h.point(0);
		assert.equal(p.atMs, T0);
		assert.equal(p.source, 'proc');
		assert.equal(p.cpuPercent, 12.5);
		assert.equal(p.mainThreadCpuPercent, 99.99);
		assert.equal(p.rssBytes, 1024 ** 3);
		assert.equal(p.dropPercent, null);
		assert.equal(p.eventsPerSecond, null);
		assert.equal(p.restarts, 0);
	});

	test('evicts by capacity and by age, and restarts keep counting after their mark fell out', () => {
		const h = new NodeHistory({capacity: 4, durationMs: 10_000});
		h.push(T0, 'proc', {cpuPercent: 1}, true);
		h.push(T0 + 1000, 'proc', {cpuPercent: 2});
		h.push(T0 + 2000, 'proc', {cpuPercent: 3}, true);
		h.push(T0 + 3000, 'proc', {cpuPercent: 4});
		h.push(T0 + 4000, 'proc', {cpuPercent: 5});
		assert.equal(h.length, 4);
		assert.equal(h.oldestMs, T0 + 1000);
		assert.equal(h.valueAt('restarts', T0 + 4000), 2);
		assert.equal(h.valueAt('restarts', T0 + 1500), 1);
		h.push(T0 + 13_500, 'proc', {cpuPercent: 6});
		// 10 s window: only T0+4000 and later remain.
		assert.deepEqual(h.series('cpuPercent').values, [5, 6]);
		assert.equal(h.valueAt('restarts', T0 + 13_500), 2);
	});

	test('refuses a point older than the newest and counts it', () => {
		const h = new NodeHistory({capacity: 4, durationMs: 3600_000});
		assert.ok(h.push(T0 + 1000, 'proc', {}));
		assert.equal(h.push(T0, 'proc', {}), false);
		assert.equal(h.outOfOrder, 1);
	});

	test('value at a time: newest known value at or before it, within staleMs', () => {
		const h = new NodeHistory({capacity: 100, durationMs: 3600_000});
		h.push(T0, 'stats.log', {rssBytes: 100, receivedPacketsPerSecond: 50});
		h.push(T0 + 1000, 'zeekctl', {rssBytes: 200, cpuPercent: 7});
		h.push(T0 + 2000, 'proc', {rssBytes: 300, cpuPercent: 8});
		assert.equal(h.valueAt('rssBytes', T0 - 1), null);
		assert.equal(h.valueAt('rssBytes', T0 + 1500), 200);
		assert.equal(h.valueAt('receivedPacketsPerSecond', T0 + 2500), 50, 'the packets column falls back to the stats.log point');
		assert.equal(h.valueAt('receivedPacketsPerSecond', T0 + 2500, 1000), null, 'too old for staleMs');
		assert.deepEqual(h.range('rssBytes', T0 + 500, T0 + 2000), {min: 200, max: 300});
		assert.equal(h.range('eventsPerSecond'), null);
		assert.deepEqual(h.points(T0 + 1000, T0 + 1000).map(p => p.source), ['zeekctl']);
	});

	test('rebases its Uint32 offsets as time runs past 49 days, dropping what no longer fits', () => {
		const h = new NodeHistory({capacity: 8, durationMs: 100 * 86400_000});
		const day = 86400_000;
		h.push(T0, 'recording', {cpuPercent: 1});
		h.push(T0 + 30 * day, 'recording', {cpuPercent: 2});
		h.push(T0 + 60 * day, 'recording', {cpuPercent: 3});
		assert.deepEqual([h.length, h.timeAt(0), h.timeAt(1)], [2, T0 + 30 * day, T0 + 60 * day]);
		assert.deepEqual(h.series('cpuPercent').values, [2, 3]);
	});
});

describe('HistoryStore', () => {
	test('one hour of 64 nodes at 1 s fits in 8 MiB', () => {
		const store = new HistoryStore({durationMs: 3600_000, intervalMs: 1000});
		for (let n = 0; n < 64; n++) store.node(`worker-${n}`);
		assert.equal(BYTES_PER_POINT, 35);
		assert.ok(store.bytes <= 8 * 1024 * 1024, `${store.bytes} bytes`);
	});

	test('feedHistory: one point per live row, proc/metrics sources, restart marked on a new pid, vanished rows skipped', () => {
		const store = new HistoryStore();
		feedHistory(store, snap(T0, [row('worker-1', {cpuPercent: 10, restarts: 0}), metricsOnlyRow('remote-1', metrics(), () => 'worker')]));
		feedHistory(store, snap(T0 + 1000, [row('worker-1', {cpuPercent: 20, restarts: 1, pid: 200}), row('gone-1', {vanishedTicks: 1})]));
		const w = store.get('worker-1')!;
		assert.equal(w.length, 2);
		assert.deepEqual(w.points().map(p => [p.source, p.cpuPercent, p.restart, p.restarts]), [['proc', 10, false, 0], ['proc', 20, true, 1]]);
		assert.equal(w.point(1).receivedPacketsPerSecond, 1000);
		assert.equal(store.get('remote-1')!.sourceAt(0), 'metrics');
		assert.equal(store.get('gone-1'), undefined);
	});

	test('applyBackfill sorts, aliases peers and keeps later live points', () => {
		const store = new HistoryStore();
		const n = applyBackfill(store, [
			{node: 'zeek', atMs: T0 + 2000, source: 'stats.log', values: {rssBytes: 2}, restart: false},
			{node: 'zeek', atMs: T0, source: 'zeekctl', values: {rssBytes: 1}, restart: false},
		], new Map([['zeek', 'pid:42']]));
		assert.equal(n, 2);
		feedHistory(store, snap(T0 + 3000, [row('pid:42', {rssBytes: 3})]));
		assert.deepEqual(store.get('pid:42')!.series('rssBytes').values, [1, 2, 3]);
		assert.deepEqual(store.span(), {fromMs: T0, toMs: T0 + 3000});
	});
});
