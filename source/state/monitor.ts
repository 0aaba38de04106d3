import type {Clock} from '../lib/clock.js';
import type {ProcFs} from '../collect/procfs.js';
import {Sampler, type Sample} from '../collect/sampler.js';
import {Tracker, metricsOnlyRow, type NodeRow} from './tracker.js';
import type {MetricsCollector} from '../collect/metrics/collector.js';
import {listeningPortsByPid} from '../collect/sockets.js';
import {recoverTruncatedNames, roleOf} from '../collect/discover.js';
import {hostView, type HostView} from './host.js';
import {detectJemalloc, type JemallocState} from '../capture/jemalloc.js';
import type {HeapStatus} from './tracker.js';

export type Problem = {scope: string; message: string};

export type Snapshot = {
	wallMs: number;
	host: HostView;
	rows: NodeRow[];
	problems: Problem[];
	/** Ticks so far (the first has no rates). */
	tick: number;
	zeekVersion?: string | null;
};

export type MonitorOptions = {
	procfs: ProcFs;
	clock: Clock;
	scanIntervalMs?: number;
	threadPids?: () => Iterable<number>;
	cwdUnder?: string;
	/** Problems known up front (e.g. what the simulated sensor lacks). */
	notes?: Problem[];
	metrics?: MetricsCollector;
	/** How often a node's jemalloc state (HEAP column) is looked at again; 0: never. Default 5 s. */
	heapProbeMs?: number;
};

/** JemallocState → what the table and the detail pane show. */
export function heapStatusOf(state: JemallocState): HeapStatus {
	const s = state.conf.settings;
	let hint: string | null = null;
	if (state.kind === 'no-jemalloc') hint = 'not built with or preloading jemalloc: m shows how to enable it';
	else if (state.kind === 'jemalloc-no-profiling') hint = 'jemalloc without prof:true: m shows how to enable profiling for this launch mode';
	else if (state.kind === 'profiling' && state.dumps.length === 0) hint = s.profActive ? 'm dumps on demand (through gdb) or waits for the next interval dump' : 'prof_active:false: m can sample for a while, then dump';
	else if (state.kind === 'profiling') hint = 'm shows the growth since the dump before the newest';
	const newest = state.dumps.at(-1);
	return {
		kind: state.kind,
		summary: state.summary,
		dumps: state.dumps.length,
		newestDumpAtMs: newest ? newest.mtimeMs : null,
		paused: state.kind === 'profiling' && s.prof && !s.profActive,
		dumpDir: state.dumpDir ?? null,
		mallocConf: state.mallocConfEnv ?? null,
		hint,
	};
}

/** Sampler + tracker + host view: one call per tick gives the next Snapshot. */
export class Monitor {
	readonly sampler: Sampler;
	readonly tracker = new Tracker();
	private prev: Sample | undefined;
	readonly metrics: MetricsCollector | undefined;
	private ticks = 0;
	private readonly heapProbes = new Map<number, {atMs: number; status: HeapStatus}>();
	/** --once drives scrapes itself (scrapeAll at both samples). */
	backgroundScrapes = true;

	constructor(private readonly options: MonitorOptions) {
		this.metrics = options.metrics;
		this.sampler = new Sampler(options.procfs, options.clock, {
			scanIntervalMs: options.scanIntervalMs,
			threadPids: options.threadPids,
			cwdUnder: options.cwdUnder,
		});
	}

	tick(): Snapshot {
		const sample = this.sampler.tick();
		const metrics = this.metrics;
		if (metrics && sample.discovery) {
			recoverTruncatedNames(sample.discovery.processes, metrics.knownNodeNames());
			const pids = sample.discovery.processes.map(p => p.pid);
			metrics.updateSockets(listeningPortsByPid(this.options.procfs, pids));
		}
		// Scrapes run in the background on their own cadence; this tick uses what is there.
		if (metrics && this.backgroundScrapes) void metrics.scrapeDue();
		const rows = this.tracker.apply(sample);
		if (metrics) this.attachMetrics(rows, metrics);
		this.attachHeap(rows);
		const host = hostView(this.prev, sample);
		this.prev = sample;
		this.ticks++;
		const problems = [...(this.options.notes ?? []), ...collectProblems(rows), ...(metrics?.problems() ?? [])];
		const zeekVersion = rows.find(r => r.metrics?.zeekVersion)?.metrics?.zeekVersion ?? null;
		return {wallMs: sample.wallMs, host, rows, problems, tick: this.ticks, zeekVersion};
	}

	/**
	 * jemalloc state per local process: looked at again every heapProbeMs (the dumps change), never
	 * again for a process without jemalloc (that does not change while it runs).
	 */
	private attachHeap(rows: NodeRow[]): void {
		const every = this.options.heapProbeMs ?? 5000;
		if (every <= 0) return;
		const now = this.options.clock.monotonic();
		const alive = new Set<number>();
		for (const r of rows) {
			if (r.launch === 'remote') continue;
			alive.add(r.pid);
			let probe = this.heapProbes.get(r.pid);
			if (r.vanishedTicks === 0 && (!probe || (probe.status.kind !== 'no-jemalloc' && now - probe.atMs >= every))) {
				probe = {atMs: now, status: heapStatusOf(detectJemalloc(r.pid, this.options.procfs, {clock: this.options.clock}))};
				this.heapProbes.set(r.pid, probe);
			}
			r.heap = probe?.status ?? null;
		}
		for (const pid of this.heapProbes.keys()) if (!alive.has(pid)) this.heapProbes.delete(pid);
	}

	private attachMetrics(rows: NodeRow[], metrics: MetricsCollector): void {
		const byNode = metrics.nodeMetrics();
		const used = new Set<string>();
		for (const r of rows) {
			const key = byNode.has(`pid:${r.pid}`) ? `pid:${r.pid}` : r.node ?? '';
			const m = byNode.get(key);
			if (m) {
				r.metrics = m;
				used.add(key);
			}
		}
		for (const [key, m] of byNode) {
			if (used.has(key) || key.startsWith('pid:') || key === '') continue;
			rows.push(metricsOnlyRow(key, m, name => roleOf(name, null)));
		}
	}
}

function collectProblems(rows: NodeRow[]): Problem[] {
	const problems: Problem[] = [];
	const hints = new Set<string>();
	for (const r of rows) {
		for (const h of r.hints) {
			// One hint per kind, not one per node: permissions are the same for all.
			const generic = h.replace(/\/proc\/\d+\//, '/proc/PID/');
			if (hints.has(generic)) continue;
			hints.add(generic);
			problems.push({scope: r.node ?? `pid ${r.pid}`, message: h});
		}
		if (r.nameTruncated) {
			problems.push({
				scope: r.node ?? `pid ${r.pid}`,
				message: `node name cut at 15 characters in comm (zeek.${r.node}); its full name is recovered from metrics labels once they are scraped`,
			});
		}
	}
	return problems;
}
