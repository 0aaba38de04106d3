import {Ring, slope} from '../lib/ring.js';
import type {LaunchMode, Role, ZeekProcess} from '../collect/discover.js';
import {CLOCK_TICKS, type ProcSample, type Sample} from '../collect/sampler.js';
import {parseCpuList} from '../collect/proc-parse.js';
import type {NodeMetrics} from '../collect/metrics/collector.js';

/**
 * Turns the stream of Samples into table rows: CPU rates, histories, RSS slope, restarts and
 * vanished rows. Deterministic given the samples (no clock, no I/O), so it is tested without Ink.
 */

export type ThreadRow = {tid: number; name: string; cpuPercent: number | null; state: string; processor: number};

export type NodeRow = {
	/** Identity for selection: the node name, or `pid:N` for nameless (standalone) processes. */
	key: string;
	node: string | null;
	role: Role;
	launch: LaunchMode;
	pid: number;
	iface: string | null;
	comm: string;
	cmdline: string[];
	cwd: string | null;
	exe: string | null;
	nameTruncated: boolean;
	cpuPercent: number | null;
	mainThreadCpuPercent: number | null;
	rssBytes: number | null;
	/** Least-squares slope of RSS over the slope window: the leak signal. */
	rssBytesPerMinute: number | null;
	threads: number | null;
	cpusAllowed: string | null;
	cpusAllowedCount: number | null;
	lastCpu: number | null;
	state: string;
	startedAtMs: number | null;
	restarts: number;
	/** 0 while alive; counts ticks since the process vanished. */
	vanishedTicks: number;
	cpuHistory: number[];
	mainHistory: number[];
	rssHistory: number[];
	threadList: ThreadRow[] | null;
	hints: string[];
	environ: Map<string, string> | null;
	/** Zeek's own numbers from the metrics endpoint (null: none scraped for this node). */
	metrics: NodeMetrics | null;
	/** jemalloc state (HEAP column, detail pane); null until probed, and for remote rows. */
	heap: HeapStatus | null;
};

/** What the table knows of a node's jemalloc: probed every few seconds, not every tick. */
export type HeapStatus = {
	kind: 'no-jemalloc' | 'jemalloc-no-profiling' | 'profiling' | 'unknown';
	/** "profiling on, 4 dumps, last 40 s ago". */
	summary: string;
	dumps: number;
	/** Wall-clock ms of the newest dump (its mtime). */
	newestDumpAtMs: number | null;
	/** prof_active:false at start: sampling is off until switched on. */
	paused: boolean;
	dumpDir: string | null;
	mallocConf: string | null;
	/** What to do next, in a few words. */
	hint: string | null;
};

type Track = {
	proc: ZeekProcess;
	prev: {atMs: number; cpuTicks: number; mainTicks: number | null; threads: Map<number, number>} | null;
	cpu: Ring;
	main: Ring;
	rss: Ring;
	rssTimes: Ring;
	restarts: number;
	vanishedTicks: number;
	last: NodeRow | null;
};

export type TrackerOptions = {
	historyLength?: number;
	/** Ticks a vanished node keeps its dimmed row. */
	vanishedKeepTicks?: number;
	/** RSS slope window. */
	slopeWindowMs?: number;
};

export function rowKey(p: {node: string | null; pid: number}): string {
	return p.node ?? `pid:${p.pid}`;
}

export class Tracker {
	private readonly tracks = new Map<string, Track>();
	private readonly historyLength: number;
	private readonly vanishedKeep: number;
	private readonly slopeWindowMs: number;
	private bootTimeSec: number | null = null;

	constructor(options: TrackerOptions = {}) {
		this.historyLength = options.historyLength ?? 120;
		this.vanishedKeep = options.vanishedKeepTicks ?? 5;
		this.slopeWindowMs = options.slopeWindowMs ?? 5 * 60_000;
	}

	apply(sample: Sample): NodeRow[] {
		this.bootTimeSec = sample.host.bootTimeSec;
		if (sample.discovery) {
			const seen = new Set<string>();
			for (const proc of sample.discovery.processes) {
				const key = rowKey(proc);
				if (seen.has(key)) continue; // two processes claiming one name: first (lowest pid) wins
				seen.add(key);
				const track = this.tracks.get(key);
				if (!track) {
					this.tracks.set(key, this.newTrack(proc));
				} else if (track.proc.pid !== proc.pid) {
					// Same node name, new pid: a restart. Keep the history.
					track.restarts++;
					track.proc = proc;
					track.prev = null;
					track.vanishedTicks = 0;
				} else {
					track.proc = proc;
				}
			}
		}
		const rows: NodeRow[] = [];
		for (const [key, track] of this.tracks) {
			const s = sample.procs.get(track.proc.pid);
			if (!s || !s.ok) {
				track.vanishedTicks++;
				if (track.vanishedTicks > this.vanishedKeep) {
					this.tracks.delete(key);
					continue;
				}
				rows.push(this.vanishedRow(key, track, s));
				continue;
			}
			track.vanishedTicks = 0;
			rows.push(this.liveRow(key, track, s, sample.monotonicMs));
		}
		return rows;
	}

	private newTrack(proc: ZeekProcess): Track {
		const n = this.historyLength;
		// The slope window needs up to one point per tick over its span; 2048 covers 5 min at 150 ms.
		return {
			proc, prev: null, cpu: new Ring(n), main: new Ring(n), rss: new Ring(2048), rssTimes: new Ring(2048),
			restarts: 0, vanishedTicks: 0, last: null,
		};
	}

	private liveRow(key: string, track: Track, s: Extract<ProcSample, {ok: true}>, atMs: number): NodeRow {
		const prev = track.prev;
		let cpu: number | null = null;
		let main: number | null = null;
		let threadList: ThreadRow[] | null = null;
		const dt = prev ? (atMs - prev.atMs) / 1000 : 0;
		if (prev && dt > 0) {
			cpu = Math.max(0, ((s.cpuTicks - prev.cpuTicks) / CLOCK_TICKS / dt) * 100);
			if (s.mainTicks !== null && prev.mainTicks !== null) {
				main = Math.max(0, ((s.mainTicks - prev.mainTicks) / CLOCK_TICKS / dt) * 100);
			}
		}
		const threadTicks = new Map<number, number>();
		if (s.threads) {
			threadList = s.threads.map(t => {
				threadTicks.set(t.tid, t.cpuTicks);
				const before = prev?.threads.get(t.tid);
				const pct = before !== undefined && dt > 0 ? Math.max(0, ((t.cpuTicks - before) / CLOCK_TICKS / dt) * 100) : null;
				return {tid: t.tid, name: t.name, cpuPercent: pct, state: t.state, processor: t.processor};
			});
		}
		track.prev = {atMs, cpuTicks: s.cpuTicks, mainTicks: s.mainTicks, threads: threadTicks};
		if (cpu !== null) track.cpu.push(cpu);
		if (main !== null) track.main.push(main);
		track.rss.push(s.rssBytes);
		track.rssTimes.push(atMs);
		const proc = track.proc;
		const startedAtMs = this.bootTimeSec === null ? null : (this.bootTimeSec + s.startTicks / CLOCK_TICKS) * 1000;
		const row: NodeRow = {
			key,
			node: proc.node,
			role: proc.role,
			launch: proc.launch,
			pid: proc.pid,
			iface: proc.iface,
			comm: s.comm,
			cmdline: proc.cmdline,
			cwd: proc.cwd,
			exe: proc.exe,
			nameTruncated: proc.nameTruncated,
			cpuPercent: cpu,
			mainThreadCpuPercent: main,
			rssBytes: s.rssBytes,
			rssBytesPerMinute: this.rssSlope(track, atMs),
			threads: s.numThreads,
			cpusAllowed: s.cpusAllowed,
			cpusAllowedCount: s.cpusAllowed === null ? null : parseCpuList(s.cpusAllowed).length,
			lastCpu: s.processor >= 0 ? s.processor : null,
			state: s.state,
			startedAtMs,
			restarts: track.restarts,
			vanishedTicks: 0,
			cpuHistory: track.cpu.last(this.historyLength),
			mainHistory: track.main.last(this.historyLength),
			rssHistory: track.rss.last(this.historyLength),
			threadList,
			hints: proc.hints,
			environ: proc.environ,
			metrics: null,
			heap: null,
		};
		track.last = row;
		return row;
	}

	private rssSlope(track: Track, atMs: number): number | null {
		const xs: number[] = [];
		const ys: number[] = [];
		for (let i = 0; i < track.rss.length; i++) {
			const t = track.rssTimes.at(i)!;
			if (atMs - t > this.slopeWindowMs) continue;
			xs.push(t / 60_000);
			ys.push(track.rss.at(i)!);
		}
		// Less than ~5 s of data says nothing about a leak.
		if (xs.length < 3 || (xs.at(-1)! - xs[0]!) * 60 < 5) return null;
		return slope(xs, ys);
	}

	private vanishedRow(key: string, track: Track, s: ProcSample | undefined): NodeRow {
		const base = track.last ?? this.emptyRow(key, track);
		return {
			...base,
			cpuPercent: null,
			mainThreadCpuPercent: null,
			state: s && !s.ok && s.error.kind === 'denied' ? '?' : 'gone',
			vanishedTicks: track.vanishedTicks,
			threadList: null,
		};
	}

	private emptyRow(key: string, track: Track): NodeRow {
		const p = track.proc;
		return {
			key, node: p.node, role: p.role, launch: p.launch, pid: p.pid, iface: p.iface, comm: p.comm, cmdline: p.cmdline,
			cwd: p.cwd, exe: p.exe, nameTruncated: p.nameTruncated, cpuPercent: null, mainThreadCpuPercent: null,
			rssBytes: null, rssBytesPerMinute: null, threads: null, cpusAllowed: null, cpusAllowedCount: null, lastCpu: null,
			state: '?', startedAtMs: null, restarts: track.restarts, vanishedTicks: 0, cpuHistory: [], mainHistory: [],
			rssHistory: [], threadList: null, hints: p.hints, environ: p.environ, metrics: null, heap: null,
		};
	}
}

/** A node known only from metrics (another host in /services.json, or no local pid). */
export function metricsOnlyRow(name: string, m: NodeMetrics, roleOf: (n: string) => NodeRow['role']): NodeRow {
	return {
		key: name, node: name, role: roleOf(name), launch: 'remote', pid: 0, iface: null, comm: '', cmdline: [], cwd: null, exe: null,
		nameTruncated: false, cpuPercent: m.cpuPercent, mainThreadCpuPercent: null, rssBytes: m.rssBytes, rssBytesPerMinute: null,
		threads: null, cpusAllowed: null, cpusAllowedCount: null, lastCpu: null, state: 'remote',
		startedAtMs: m.startTimeSeconds === null ? null : m.startTimeSeconds * 1000, restarts: 0, vanishedTicks: 0, cpuHistory: [],
		mainHistory: [], rssHistory: [], threadList: null, hints: [], environ: null, metrics: m, heap: null,
	};
}
