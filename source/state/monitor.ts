import type {Clock} from '../lib/clock.js';
import type {ProcFs} from '../collect/procfs.js';
import {Sampler, type Sample} from '../collect/sampler.js';
import {Tracker, type NodeRow} from './tracker.js';
import {hostView, type HostView} from './host.js';

export type Problem = {scope: string; message: string};

export type Snapshot = {
	wallMs: number;
	host: HostView;
	rows: NodeRow[];
	problems: Problem[];
	/** Ticks so far (the first has no rates). */
	tick: number;
};

export type MonitorOptions = {
	procfs: ProcFs;
	clock: Clock;
	scanIntervalMs?: number;
	threadPids?: () => Iterable<number>;
	cwdUnder?: string;
	/** Problems known up front (e.g. what the simulated sensor lacks). */
	notes?: Problem[];
};

/** Sampler + tracker + host view: one call per tick gives the next Snapshot. */
export class Monitor {
	readonly sampler: Sampler;
	readonly tracker = new Tracker();
	private prev: Sample | undefined;
	private ticks = 0;

	constructor(private readonly options: MonitorOptions) {
		this.sampler = new Sampler(options.procfs, options.clock, {
			scanIntervalMs: options.scanIntervalMs,
			threadPids: options.threadPids,
			cwdUnder: options.cwdUnder,
		});
	}

	tick(): Snapshot {
		const sample = this.sampler.tick();
		const rows = this.tracker.apply(sample);
		const host = hostView(this.prev, sample);
		this.prev = sample;
		this.ticks++;
		return {wallMs: sample.wallMs, host, rows, problems: [...(this.options.notes ?? []), ...collectProblems(rows)], tick: this.ticks};
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
