/**
 * Rates between two scrapes of one node. Counters follow Prometheus rate() semantics for resets:
 * a counter below its previous value (a restart) counts from zero, so its delta is its current
 * value; a changed process_start_time_seconds marks every counter as reset. Rates are never
 * negative. A series missing from either scrape gives null, never 0.
 */
import type {ZeekRaw} from './zeek.js';

export type HandlerRate = {name: string; perSecond: number};

export type ZeekRates = {
	node: string;
	receivedPacketsPerSecond: number | null;
	droppedPacketsPerSecond: number | null;
	linkPacketsPerSecond: number | null;
	receivedBytesPerSecond: number | null;
	/** dropped ÷ (received + dropped) over the window, in percent; 0 when no packet arrived. */
	dropPercent: number | null;
	packetLagSeconds: number | null;
	timerLagSeconds: number | null;
	activeSessions: number | null;
	newSessionsPerSecond: number | null;
	eventsPerSecond: number | null;
	logWritesPerSecond: number | null;
	/** Busiest event handlers by rate, highest first (ties by name); only handlers that ran. */
	topEventHandlers: HandlerRate[];
	zeekVersion: string | null;
	/** CPU time per wall time over the window, in percent of one core (may exceed 100). */
	cpuPercent: number | null;
	rssBytes: number | null;
	startTimeSeconds: number | null;
	/** The process restarted (or a counter reset) between the two scrapes. */
	restarted: boolean;
};

export type DeriveOptions = {
	/** How many handlers topEventHandlers keeps (default 10). */
	topHandlers?: number;
};

/** Start times closer than this are the same process (the value is computed, it can wobble). */
const START_TIME_TOLERANCE_SECONDS = 1;

/**
 * Rates for `cur` against the scrape before it. Without `prev`, or with a window that is not a
 * positive number of seconds, every rate is null; gauges (lag, sessions, memory, version) are
 * always reported from `cur`.
 */
export function deriveRates(
	prev: ZeekRaw | undefined,
	cur: ZeekRaw,
	elapsedSeconds: number,
	options: DeriveOptions = {},
): ZeekRates {
	const window = prev !== undefined && Number.isFinite(elapsedSeconds) && elapsedSeconds > 0;
	// Zeek's counters only go down when the process starts over, so one that did marks a restart
	// for all of them (one that happens to be above its old value still counts from zero).
	const reset = prev !== undefined && (startTimeChanged(prev, cur) || anyCounterWentBack(prev, cur));

	const rate = (p: number | null | undefined, c: number | null): number | null => {
		if (!window) return null;
		const d = counterDelta(p, c, reset);
		return d === null ? null : d / elapsedSeconds;
	};
	const mapRate = (p: Map<string, number> | undefined, pTotal: number | null | undefined, c: Map<string, number>, cTotal: number | null) => {
		if (!window || p === undefined || pTotal === null || pTotal === undefined || cTotal === null) return null;
		return mapDeltas(p, c, reset);
	};

	const received = window ? counterDelta(prev?.receivedPackets, cur.receivedPackets, reset) : null;
	const dropped = window ? counterDelta(prev?.droppedPackets, cur.droppedPackets, reset) : null;
	let dropPercent: number | null = null;
	if (received !== null && dropped !== null) {
		const seen = received + dropped;
		dropPercent = seen > 0 ? (dropped / seen) * 100 : 0;
	}

	const handlerDeltas = mapRate(prev?.eventHandlerInvocationsByName, prev?.eventHandlerInvocations, cur.eventHandlerInvocationsByName, cur.eventHandlerInvocations);
	let eventsPerSecond: number | null = null;
	const topEventHandlers: HandlerRate[] = [];
	if (handlerDeltas !== null) {
		let total = 0;
		for (const [name, delta] of handlerDeltas) {
			total += delta;
			if (delta > 0) topEventHandlers.push({name, perSecond: delta / elapsedSeconds});
		}
		eventsPerSecond = total / elapsedSeconds;
		topEventHandlers.sort((a, b) => b.perSecond - a.perSecond || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
		topEventHandlers.length = Math.min(topEventHandlers.length, options.topHandlers ?? 10);
	}

	const logDeltas = mapRate(prev?.logWritesBySeries, prev?.logWrites, cur.logWritesBySeries, cur.logWrites);
	const sessionDeltas = mapRate(prev?.totalSessionsByProtocol, prev?.totalSessions, cur.totalSessionsByProtocol, cur.totalSessions);
	const cpu = rate(prev?.cpuSeconds, cur.cpuSeconds);

	return {
		node: cur.node,
		receivedPacketsPerSecond: received === null ? null : received / elapsedSeconds,
		droppedPacketsPerSecond: dropped === null ? null : dropped / elapsedSeconds,
		linkPacketsPerSecond: rate(prev?.linkPackets, cur.linkPackets),
		receivedBytesPerSecond: rate(prev?.receivedBytes, cur.receivedBytes),
		dropPercent,
		packetLagSeconds: cur.packetLagSeconds,
		timerLagSeconds: cur.timerLagSeconds,
		activeSessions: cur.activeSessions,
		newSessionsPerSecond: sessionDeltas === null ? null : sumValues(sessionDeltas) / elapsedSeconds,
		eventsPerSecond,
		logWritesPerSecond: logDeltas === null ? null : sumValues(logDeltas) / elapsedSeconds,
		topEventHandlers,
		zeekVersion: cur.zeekVersion,
		cpuPercent: cpu === null ? null : cpu * 100,
		rssBytes: cur.rssBytes,
		startTimeSeconds: cur.startTimeSeconds,
		restarted: reset,
	};
}

/** Increase of a counter; after a reset (restart, or the value went down) the current value. */
export function counterDelta(prev: number | null | undefined, cur: number | null, reset = false): number | null {
	if (cur === null || prev === null || prev === undefined || Number.isNaN(cur) || Number.isNaN(prev)) return null;
	if (reset) return cur;
	if (cur < prev) return wentBack(prev, cur) ? cur : 0;
	return cur - prev;
}

/** Below its previous value by more than float noise (CPU seconds are sums of doubles). */
function wentBack(prev: number, cur: number): boolean {
	return prev - cur > 1e-9 * Math.max(1, Math.abs(prev));
}

/**
 * Per-series deltas of a labelled counter. A series new in `cur` started at 0 after `prev` (Zeek
 * creates a series on its first increment), so its delta is its value.
 */
function mapDeltas(prev: Map<string, number>, cur: Map<string, number>, reset: boolean): Map<string, number> {
	const out = new Map<string, number>();
	for (const [key, value] of cur) out.set(key, counterDelta(prev.get(key) ?? 0, value, reset) ?? 0);
	return out;
}

function sumValues(map: Map<string, number>): number {
	let total = 0;
	for (const v of map.values()) total += v;
	return total;
}

function startTimeChanged(prev: ZeekRaw, cur: ZeekRaw): boolean {
	return prev.startTimeSeconds !== null && cur.startTimeSeconds !== null
		&& Math.abs(cur.startTimeSeconds - prev.startTimeSeconds) > START_TIME_TOLERANCE_SECONDS;
}

function anyCounterWentBack(prev: ZeekRaw, cur: ZeekRaw): boolean {
	const pairs: [number | null, number | null][] = [
		[prev.receivedPackets, cur.receivedPackets],
		[prev.droppedPackets, cur.droppedPackets],
		[prev.linkPackets, cur.linkPackets],
		[prev.eventHandlerInvocations, cur.eventHandlerInvocations],
		[prev.logWrites, cur.logWrites],
		[prev.totalSessions, cur.totalSessions],
		[prev.cpuSeconds, cur.cpuSeconds],
	];
	return pairs.some(([p, c]) => p !== null && c !== null && wentBack(p, c));
}
