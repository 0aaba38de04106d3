import type {Sample} from '../collect/sampler.js';

export type HostView = {
	hostname: string;
	cpuCount: number;
	/** Busy % per core (0..100), from /proc/stat deltas. */
	corePercents: number[];
	cpuPercent: number | null;
	load: [number, number, number];
	memTotalBytes: number;
	memUsedBytes: number;
	/** zeektop's own CPU, 100 = one core: the observer must not become the problem. */
	selfCpuPercent: number | null;
	selfRssBytes: number;
};

/** Host header numbers from two consecutive samples. Pure. */
export function hostView(prev: Sample | undefined, cur: Sample): HostView {
	const h = cur.host;
	const corePercents: number[] = [];
	let cpuPercent: number | null = null;
	let selfCpuPercent: number | null = null;
	if (prev) {
		const byLabel = new Map(prev.host.cpus.map(c => [c.label, c]));
		for (const c of h.cpus) {
			const p = byLabel.get(c.label);
			const dt = p ? c.total - p.total : 0;
			const pct = p && dt > 0 ? Math.min(100, Math.max(0, ((c.busy - p.busy) / dt) * 100)) : 0;
			if (c.label === 'cpu') cpuPercent = pct;
			else corePercents.push(pct);
		}
		const dtMs = cur.monotonicMs - prev.monotonicMs;
		if (dtMs > 0) selfCpuPercent = ((cur.self.cpuMicros - prev.self.cpuMicros) / 1000 / dtMs) * 100;
	} else {
		for (const c of h.cpus) if (c.label !== 'cpu') corePercents.push(0);
	}
	return {
		hostname: h.hostname,
		cpuCount: h.cpuCount,
		corePercents,
		cpuPercent,
		load: h.load,
		memTotalBytes: h.memTotalBytes,
		memUsedBytes: h.memTotalBytes - h.memAvailableBytes,
		selfCpuPercent,
		selfRssBytes: cur.self.rssBytes,
	};
}
