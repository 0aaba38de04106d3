import type {ZeekProcess} from '../../source/collect/discover.js';
import type {ProcSample, Sample} from '../../source/collect/sampler.js';
import {Tracker} from '../../source/state/tracker.js';
import {hostView} from '../../source/state/host.js';
import type {Snapshot} from '../../source/state/monitor.js';

/** Deterministic scenes for frame tests: synthetic samples through the real Tracker. */

export function proc(pid: number, node: string | null, role: ZeekProcess['role'], extra: Partial<ZeekProcess> = {}): ZeekProcess {
	return {
		pid, node, nameSource: 'environ', nameTruncated: false, role, launch: 'zeekctl', iface: role === 'worker' ? 'af_packet::eth0' : null,
		comm: 'zeek', cmdline: ['/opt/zeek/bin/zeek', '-p', node ?? 'standalone'], cwd: `/spool/${node}`, exe: '/opt/zeek/bin/zeek',
		cgroup: null, environ: new Map([['CLUSTER_NODE', node ?? '']]), hints: [], ...extra,
	};
}

type Load = {cpuPerTick: number; mainPerTick: number; rss: number; rssGrowth?: number};

export function sceneSnapshots(procs: ZeekProcess[], loads: Load[], ticks: number, tickMs = 1000): Snapshot[] {
	const tracker = new Tracker();
	const out: Snapshot[] = [];
	let prev: Sample | undefined;
	for (let t = 0; t < ticks; t++) {
		const samples = new Map<number, ProcSample>();
		procs.forEach((p, i) => {
			const l = loads[i]!;
			samples.set(p.pid, {
				pid: p.pid, ok: true, comm: p.comm, state: l.cpuPerTick > 50 ? 'R' : 'S', cpuTicks: t * l.cpuPerTick, mainTicks: t * l.mainPerTick,
				numThreads: 12, startTicks: 100, rssBytes: l.rss + t * (l.rssGrowth ?? 0), processor: i % 2, cpusAllowed: '0-1',
			});
		});
		const sample: Sample = {
			monotonicMs: t * tickMs, wallMs: 1_790_000_000_000 + t * tickMs,
			host: {
				hostname: 'sensor-1', cpuCount: 2,
				cpus: [{label: 'cpu', busy: t * 120, total: t * 200}, {label: 'cpu0', busy: t * 90, total: t * 100}, {label: 'cpu1', busy: t * 30, total: t * 100}],
				load: [1.5, 1.2, 0.9], memTotalBytes: 16 * 2 ** 30, memAvailableBytes: 10 * 2 ** 30, bootTimeSec: 1_789_990_000,
			},
			procs: samples,
			discovery: t === 0 ? {processes: procs, skipped: []} : undefined,
			self: {cpuMicros: t * 20_000, rssBytes: 60 * 2 ** 20},
		};
		const rows = tracker.apply(sample);
		out.push({wallMs: sample.wallMs, host: hostView(prev, sample), rows, problems: [], tick: t + 1});
		prev = sample;
	}
	return out;
}

export function defaultScene(ticks = 12): Snapshot[] {
	return sceneSnapshots(
		[
			proc(1001, 'manager', 'manager'), proc(1002, 'logger-1', 'logger'), proc(1003, 'proxy-1', 'proxy'),
			proc(1004, 'worker-1', 'worker'), proc(1005, 'worker-2', 'worker'), proc(1006, 'worker-3', 'worker'),
		],
		[
			{cpuPerTick: 3, mainPerTick: 2, rss: 300 * 2 ** 20}, {cpuPerTick: 5, mainPerTick: 4, rss: 250 * 2 ** 20},
			{cpuPerTick: 2, mainPerTick: 1, rss: 200 * 2 ** 20}, {cpuPerTick: 99, mainPerTick: 97, rss: 500 * 2 ** 20},
			{cpuPerTick: 20, mainPerTick: 15, rss: 400 * 2 ** 20, rssGrowth: 2 * 2 ** 20}, {cpuPerTick: 15, mainPerTick: 12, rss: 350 * 2 ** 20},
		],
		ticks,
	);
}

/** A monitor that replays snapshots (the last one repeats). */
export function replayMonitor(snaps: Snapshot[]) {
	let i = 0;
	return {tick: () => snaps[Math.min(i++, snaps.length - 1)]!};
}
