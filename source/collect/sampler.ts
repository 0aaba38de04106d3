import {hostname} from 'node:os';
import type {Clock} from '../lib/clock.js';
import type {ReadError} from '../lib/result.js';
import {discoverZeek, type Discovery} from './discover.js';
import {
	parseKb, parseLoadavg, parseMeminfo, parseProcStatCpus, parseStat, parseStatus,
	type CpuTimes,
} from './proc-parse.js';
import type {ProcFs} from './procfs.js';

/** Linux USER_HZ: fixed at 100 on every architecture the kernel exports to userspace. */
export const CLOCK_TICKS = 100;

export type ThreadSample = {tid: number; name: string; cpuTicks: number; state: string; processor: number};

export type ProcSample =
	| {
		pid: number;
		ok: true;
		comm: string;
		state: string;
		cpuTicks: number;
		/** Main thread (tid == pid): the one that saturates on a worker. */
		mainTicks: number | null;
		numThreads: number;
		startTicks: number;
		rssBytes: number;
		processor: number;
		cpusAllowed: string | null;
		threads?: ThreadSample[];
	}
	| {pid: number; ok: false; error: ReadError};

export type HostSample = {
	hostname: string;
	cpuCount: number;
	/** cpu (aggregate) first, then cpu0..N. */
	cpus: CpuTimes[];
	load: [number, number, number];
	memTotalBytes: number;
	memAvailableBytes: number;
	bootTimeSec: number | null;
};

export type Sample = {
	monotonicMs: number;
	wallMs: number;
	host: HostSample;
	procs: Map<number, ProcSample>;
	/** Present on ticks that did a full scan. */
	discovery?: Discovery;
	self: {cpuMicros: number; rssBytes: number};
};

export type SamplerOptions = {
	/** Full /proc scan cadence. */
	scanIntervalMs?: number;
	/** Pids whose threads are read this tick (the detail view's node). */
	threadPids?: () => Iterable<number>;
	/** Only Zeek processes whose cwd is below this directory (the demo's spool). */
	cwdUnder?: string;
};

/** One tick of /proc reading. Never throws: every failure is data. */
export class Sampler {
	private lastScanMs = -Infinity;
	private known: number[] = [];
	private needScan = true;

	constructor(
		private readonly procfs: ProcFs,
		private readonly clock: Clock,
		private readonly options: SamplerOptions = {},
	) {}

	/** Ask for a full scan on the next tick (e.g. after a key press or a restart). */
	requestScan(): void {
		this.needScan = true;
	}

	tick(): Sample {
		const now = this.clock.monotonic();
		let discovery: Discovery | undefined;
		if (this.needScan || now - this.lastScanMs >= (this.options.scanIntervalMs ?? 5000)) {
			discovery = discoverZeek(this.procfs, this.options.cwdUnder ? {cwdUnder: this.options.cwdUnder} : undefined);
			this.known = discovery.processes.map(p => p.pid);
			this.lastScanMs = now;
			this.needScan = false;
		}
		const threadPids = new Set(this.options.threadPids?.() ?? []);
		const procs = new Map<number, ProcSample>();
		for (const pid of this.known) {
			const s = this.readProc(pid, threadPids.has(pid));
			procs.set(pid, s);
			// A known pid vanished: a node may have restarted with a new pid. Scan next tick.
			if (!s.ok && s.error.kind === 'vanished') this.needScan = true;
		}
		const mem = process.memoryUsage.rss();
		const cpu = process.cpuUsage();
		return {
			monotonicMs: now,
			wallMs: this.clock.now(),
			host: this.readHost(),
			procs,
			discovery,
			self: {cpuMicros: cpu.user + cpu.system, rssBytes: mem},
		};
	}

	readProc(pid: number, withThreads: boolean): ProcSample {
		const statR = this.procfs.read(pid, 'stat');
		if (!statR.ok) return {pid, ok: false, error: statR.error};
		const stat = parseStat(statR.value);
		if (!stat) return {pid, ok: false, error: {kind: 'malformed', message: `/proc/${pid}/stat unparsable`}};
		const mainR = this.procfs.read(pid, 'task', pid, 'stat');
		const main = mainR.ok ? parseStat(mainR.value) : undefined;
		const statusR = this.procfs.read(pid, 'status');
		const status = statusR.ok ? parseStatus(statusR.value) : undefined;
		const rss = parseKb(status?.get('VmRSS')) ?? stat.rssPages * 4096;
		const sample: ProcSample = {
			pid,
			ok: true,
			comm: stat.comm,
			state: stat.state,
			cpuTicks: stat.utimeTicks + stat.stimeTicks,
			mainTicks: main ? main.utimeTicks + main.stimeTicks : null,
			numThreads: stat.numThreads,
			startTicks: stat.startTicks,
			rssBytes: rss,
			processor: stat.processor,
			cpusAllowed: status?.get('Cpus_allowed_list') ?? null,
		};
		if (withThreads) sample.threads = this.readThreads(pid);
		return sample;
	}

	readThreads(pid: number): ThreadSample[] {
		const list = this.procfs.list(pid, 'task');
		if (!list.ok) return [];
		const threads: ThreadSample[] = [];
		for (const name of list.value) {
			const r = this.procfs.read(pid, 'task', name, 'stat');
			if (!r.ok) continue;
			const s = parseStat(r.value);
			if (s) {
				threads.push({
					tid: s.pid, name: s.comm, cpuTicks: s.utimeTicks + s.stimeTicks, state: s.state, processor: s.processor,
				});
			}
		}
		return threads.sort((a, b) => a.tid - b.tid);
	}

	private cachedHostname: string | undefined;
	private cachedBoot: number | null | undefined;

	readHost(): HostSample {
		this.cachedHostname ??= hostname();
		const statR = this.procfs.read('stat');
		const cpus = statR.ok ? parseProcStatCpus(statR.value) : [];
		if (this.cachedBoot === undefined) {
			const m = statR.ok ? /^btime (\d+)$/m.exec(statR.value) : null;
			this.cachedBoot = m ? Number(m[1]) : null;
		}
		const memR = this.procfs.read('meminfo');
		const mem = memR.ok ? parseMeminfo(memR.value) : {totalBytes: 0, availableBytes: 0};
		const loadR = this.procfs.read('loadavg');
		return {
			hostname: this.cachedHostname,
			cpuCount: Math.max(1, cpus.length - 1),
			cpus,
			load: loadR.ok ? parseLoadavg(loadR.value) : [0, 0, 0],
			memTotalBytes: mem.totalBytes,
			memAvailableBytes: mem.availableBytes,
			bootTimeSec: this.cachedBoot,
		};
	}
}

