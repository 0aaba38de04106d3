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
		zeekVersion: snapshot.zeekVersion ?? null,
		nodes: snapshot.rows.map(nodeJson),
		problems: snapshot.problems,
	};
}

function round(v: number | null | undefined, digits = 1): number | null {
	if (v === null || v === undefined || !Number.isFinite(v)) return null;
	const f = 10 ** digits;
	return Math.round(v * f) / f;
}

export function nodeJson(r: NodeRow) {
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
		metrics: r.metrics === null ? null : {
			receivedPacketsPerSecond: round(r.metrics.receivedPacketsPerSecond),
			droppedPacketsPerSecond: round(r.metrics.droppedPacketsPerSecond),
			dropPercent: round(r.metrics.dropPercent, 3),
			packetLagSeconds: round(r.metrics.packetLagSeconds, 3),
			activeSessions: r.metrics.activeSessions,
			eventsPerSecond: round(r.metrics.eventsPerSecond),
			logWritesPerSecond: round(r.metrics.logWritesPerSecond),
			newSessionsPerSecond: round(r.metrics.newSessionsPerSecond),
			zeekVersion: r.metrics.zeekVersion,
			topEventHandlers: r.metrics.topEventHandlers.slice(0, 5).map(h => ({name: h.name, perSecond: round(h.perSecond)})),
			restarted: r.metrics.restarted,
			source: r.metrics.target,
			ageSeconds: Number.isFinite(r.metrics.ageMs) ? round(r.metrics.ageMs / 1000) : null,
		},
		heap: r.heap === null ? null : {
			state: r.heap.kind,
			summary: r.heap.summary,
			dumps: r.heap.dumps,
			newestDumpAt: r.heap.newestDumpAtMs === null ? null : new Date(r.heap.newestDumpAtMs).toISOString(),
			dumpDir: r.heap.dumpDir,
			mallocConf: r.heap.mallocConf,
		},
	};
}
