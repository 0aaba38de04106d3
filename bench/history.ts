// History store and recordings: bytes for 1 h × 64 nodes (anchor: the same points as plain JS
// objects), opening a 24-hour 64-node recording (anchor: reading its bytes), and one scrub step —
// every row's values at a moment — against one normal table frame (the --once text of 64 rows).
import {mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {HistoryStore, HISTORY_COLUMNS, feedHistory, type HistoryPoint} from '../source/state/history.js';
import {RecordingEncoder} from '../source/state/recording.js';
import {openRecordingForAppend} from '../source/collect/recording.js';
import {openReplay} from '../source/commands/replay.js';
import {renderOnceText} from '../source/commands/once.js';
import {metricsOnlyRow, type NodeRow} from '../source/state/tracker.js';
import type {Snapshot} from '../source/state/monitor.js';
import type {NodeMetrics} from '../source/collect/metrics/collector.js';
import {mulberry32} from '../test/helpers/prng.js';

const NODES = 64;
const T0 = Date.UTC(2026, 11, 4, 0, 0, 0);

function metrics(node: string, r: () => number): NodeMetrics {
	return {
		node, receivedPacketsPerSecond: 50_000 * r(), droppedPacketsPerSecond: 10 * r(), linkPacketsPerSecond: null, receivedBytesPerSecond: null,
		dropPercent: r(), packetLagSeconds: r() / 10, timerLagSeconds: null, activeSessions: Math.floor(5000 * r()), newSessionsPerSecond: 30 * r(),
		eventsPerSecond: 90_000 * r(), logWritesPerSecond: 700 * r(), topEventHandlers: [{name: 'new_connection', perSecond: 30}], zeekVersion: '8.0.10',
		cpuPercent: null, rssBytes: null, startTimeSeconds: null, restarted: false, dropHistory: [], target: 'http://127.0.0.1:9991/metrics', ageMs: 500,
	};
}

function snapshot(atMs: number, r: () => number): Snapshot {
	const rows: NodeRow[] = [];
	for (let n = 0; n < NODES; n++) {
		const name = `worker-${n + 1}`;
		rows.push({
			...metricsOnlyRow(name, metrics(name, r), () => 'worker'), launch: 'zeekctl', pid: 1000 + n, state: 'R', cpuPercent: 100 * r(),
			mainThreadCpuPercent: 90 * r(), rssBytes: 2 ** 30 + Math.floor(2 ** 20 * r()), threads: 12, lastCpu: n % 8, rssBytesPerMinute: 1000 * r(),
			cmdline: ['/opt/zeek/bin/zeek', '-i', 'af_packet::eth0', '-p', name], cwd: `/opt/zeek/spool/${name}`, exe: '/opt/zeek/bin/zeek',
			cpuHistory: [], mainHistory: [], rssHistory: [],
		});
	}
	return {
		wallMs: atMs, tick: 1, rows, problems: [], zeekVersion: '8.0.10',
		host: {hostname: 'sensor-1', cpuCount: 32, corePercents: Array.from({length: 32}, () => 100 * r()), cpuPercent: 50, load: [8, 8, 8], memTotalBytes: 2 ** 37, memUsedBytes: 2 ** 36, selfCpuPercent: 1, selfRssBytes: 2 ** 26},
	};
}

const median = (t: number[]) => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)]!;
const heapUsed = () => {
	globalThis.gc?.();
	return process.memoryUsage().heapUsed;
};

export async function benchHistory(): Promise<string[]> {
	const out: string[] = [];
	const r = mulberry32(16);

	// 1. One hour of 64 nodes at a 1 s refresh.
	const store = new HistoryStore({durationMs: 3600_000, intervalMs: 1000});
	const snaps: Snapshot[] = [];
	for (let s = 0; s < 20; s++) snaps.push(snapshot(T0, r));
	const t1 = performance.now();
	for (let i = 0; i < 3600; i++) {
		const s = snaps[i % snaps.length]!;
		s.wallMs = T0 + i * 1000;
		feedHistory(store, s);
	}
	const feedMs = performance.now() - t1;
	const before = heapUsed();
	const objects: HistoryPoint[][] = store.keys().map(k => store.get(k)!.points());
	const objectBytes = heapUsed() - before;
	const mib = (b: number) => (b / 2 ** 20).toFixed(2);
	out.push(`history: 1 h × ${NODES} nodes at 1 s (${3600 * NODES} points), fed in ${feedMs.toFixed(0)} ms (${((feedMs * 1000) / 3600).toFixed(0)} µs per 64-row tick)`);
	out.push(`  typed-array store            ${mib(store.bytes)} MiB  ${(store.bytes / NODES / 1024).toFixed(0)} KiB per node-hour  goal 8 MiB: ratio ${(store.bytes / 2 ** 23).toFixed(2)}`);
	out.push(`  anchor: same points as JS objects ${objectBytes > 0 ? `${mib(objectBytes)} MiB  store/objects ${(store.bytes / objectBytes).toFixed(3)}` : '(run with --expose-gc for the heap figure)'}`);
	objects.length = 0;

	// 2. A 24-hour recording of 64 nodes at the record default of 10 s.
	const dir = mkdtempSync(join(tmpdir(), 'zeektop-bench-history-'));
	try {
		const path = join(dir, 'day.zrec');
		const file = openRecordingForAppend(path, 3600_000);
		const enc = new RecordingEncoder({startedAt: new Date(T0).toISOString(), intervalMs: 10_000, hostname: 'sensor-1', zeektop: 'bench'});
		const frames = 8640;
		const tw = performance.now();
		let batch: Uint8Array[] = [enc.start()];
		for (let i = 0; i < frames; i++) {
			const s = snaps[i % snaps.length]!;
			s.wallMs = T0 + i * 10_000;
			batch.push(...enc.encode(s));
			if (batch.length > 256) {
				file.append(batch);
				batch = [];
			}
		}
		file.append(batch);
		file.close();
		const writeMs = performance.now() - tw;
		const size = statSync(path).size;
		const reads: number[] = [];
		const opens: number[] = [];
		let points = 0;
		for (let k = 0; k < 3; k++) {
			const a = performance.now();
			readFileSync(path);
			reads.push(performance.now() - a);
			const b = performance.now();
			const replay = openReplay(path);
			replay.snapshotAt(replay.span!.toMs);
			opens.push(performance.now() - b);
			points = replay.store.keys().reduce((n, key) => n + replay.store.get(key)!.length, 0);
		}
		out.push(`replay: 24 h × ${NODES} nodes at 10 s = ${frames} frames, ${mib(size)} MiB (${(size / frames / NODES).toFixed(0)} B per node-frame), written in ${writeMs.toFixed(0)} ms`);
		out.push(`  open (read, CRC, ${points} points into the store, last snapshot) ${median(opens).toFixed(0)} ms  goal 1000 ms: ratio ${(median(opens) / 1000).toFixed(2)}`);
		out.push(`  anchor: readFileSync of the file ${median(reads).toFixed(1)} ms  open/read ${(median(opens) / median(reads)).toFixed(1)}`);

		// 3. Scrub step vs one table frame.
		const replay = openReplay(path);
		const keys = replay.store.keys();
		const span = replay.span!;
		const frame = replay.snapshotAt(span.toMs)!;
		const scrubs: number[] = [];
		const frames2: number[] = [];
		let sink = 0;
		for (let k = 0; k < 200; k++) {
			const at = span.fromMs + r() * (span.toMs - span.fromMs);
			const a = performance.now();
			for (const key of keys) {
				const h = replay.store.get(key)!;
				for (const c of HISTORY_COLUMNS) sink += h.valueAt(c, at) ?? 0;
			}
			scrubs.push(performance.now() - a);
			const b = performance.now();
			sink += renderOnceText(frame, 200, true).length;
			frames2.push(performance.now() - b);
		}
		const snapAt: number[] = [];
		for (let k = 0; k < 50; k++) {
			const a = performance.now();
			sink += replay.snapshotAt(span.fromMs + r() * (span.toMs - span.fromMs), 60)!.rows.length;
			snapAt.push(performance.now() - a);
		}
		out.push(`scrub step: ${keys.length} rows × ${HISTORY_COLUMNS.length} columns value-at-time ${(median(scrubs) * 1000).toFixed(0)} µs; whole replay snapshot at a moment ${median(snapAt).toFixed(2)} ms`);
		out.push(`  anchor: one table frame (--once text, ${keys.length} rows) ${median(frames2).toFixed(2)} ms  scrub/frame ${(median(scrubs) / median(frames2)).toFixed(3)}  snapshot/frame ${(median(snapAt) / median(frames2)).toFixed(2)}${sink === 0 ? '' : ''}`);
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
	return out;
}
