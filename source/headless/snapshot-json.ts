import type {Snapshot} from '../state/monitor.js';
import type {NodeRow} from '../state/tracker.js';

/** The `--once --json` document. Field names carry units; numbers are null when unknown. */
export function snapshotJson(snapshot: Snapshot): unknown {
	const h = snapshot.host;
	return {
		timestamp: new Date(snapshot.wallMs).toISOString(),
		host: {
			hostname: h.hostname,
			cpuCount: h.cpuCount,
			cpuPercent: round(h.cpuPercent),
			corePercents: h.corePercents.map(v => round(v)),
			load: h.load,
			memTotalBytes: h.memTotalBytes,
			memUsedBytes: h.memUsedBytes,
			zeektopCpuPercent: round(h.selfCpuPercent),
			zeektopRssBytes: h.selfRssBytes,
		},
		nodes: snapshot.rows.map(nodeJson),
		problems: snapshot.problems,
	};
}

function round(v: number | null | undefined, digits = 1): number | null {
	if (v === null || v === undefined || !Number.isFinite(v)) return null;
	const f = 10 ** digits;
	return Math.round(v * f) / f;
}

function nodeJson(r: NodeRow) {
	return {
		node: r.node,
		role: r.role,
		launch: r.launch,
		pid: r.pid,
		interface: r.iface,
		cpuPercent: round(r.cpuPercent),
		mainThreadCpuPercent: round(r.mainThreadCpuPercent),
		rssBytes: r.rssBytes,
		rssBytesPerMinute: round(r.rssBytesPerMinute, 0),
		threads: r.threads,
		cpusAllowed: r.cpusAllowed,
		lastCpu: r.lastCpu,
		state: r.vanishedTicks > 0 ? 'gone' : r.state,
		startedAt: r.startedAtMs === null ? null : new Date(r.startedAtMs).toISOString(),
		restarts: r.restarts,
		nameTruncated: r.nameTruncated,
		cwd: r.cwd,
		exe: r.exe,
		cmdline: r.cmdline,
	};
}
