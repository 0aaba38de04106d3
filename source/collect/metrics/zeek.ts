/**
 * From parsed metric families to per-node Zeek numbers (raw, cumulative; rates are derive.ts's).
 *
 * Metric names, and the Zeek versions they were seen in (corpora: real Zeek 8.0.10 scrapes,
 * Zeek docs examples for 5.1 / 6.0 / 7.0, btest baselines):
 *
 * | quantity                | metric                                                        | seen in        |
 * |-------------------------|---------------------------------------------------------------|----------------|
 * | packets received        | zeek_net_received_packets_total                               | 6.0, 8.0       |
 * | packets dropped         | zeek_net_dropped_packets_total                                | 6.0, 8.0       |
 * | packets on the link     | zeek_net_link_packets_total                                   | 6.0, 8.0       |
 * | bytes received          | zeek_net_received_bytes_total                                 | 6.0, 8.0       |
 * | packet lag (gauge, s)   | zeek_net_packet_lag_seconds                                   | 8.0            |
 * | network time (gauge, s) | zeek_net_timestamp_seconds                                    | 8.0            |
 * | timer lag (gauge, s)    | zeek_timers_lag_time_seconds — on 8.0 workers it holds the network timestamp, not a lag; see timerLag() | 8.0 |
 * | active sessions         | zeek_active_sessions{protocol}, summed                        | 6.0, 8.0       |
 * | sessions seen           | zeek_total_sessions_total{protocol}, summed                   | 6.0, 8.0       |
 * | event handler calls     | zeek_event_handler_invocations_total{name}                    | 6.0, 7.0, 8.0  |
 * | log writes              | zeek_log_stream_writes_total{stream}; else zeek_log_writer_writes_total; else zeek_log_writes_total{log_id} | 6.0/8.0; 6.0/8.0; 5.1 |
 * | version                 | zeek_version_info{version_string} (or major.minor.patch)      | 5.1, 6.0, 7.0, 8.0 |
 * | CPU seconds             | process_cpu_seconds_total; else process_cpu_user_seconds_total + process_cpu_system_seconds_total | 6.0; 8.0 |
 * | resident memory         | process_resident_memory_bytes                                 | 6.0, 8.0       |
 * | virtual memory          | process_virtual_memory_bytes                                  | 6.0, 8.0       |
 * | open fds                | process_open_fds                                              | 6.0, 8.0       |
 * | process start time      | process_start_time_seconds                                    | 8.0            |
 *
 * The node is the `node` label (Zeek 8), else a non-empty `endpoint` label (Zeek 5.1–7.x;
 * Zeek 6 standalone writes endpoint=""), else none. A series missing from a scrape is null,
 * never 0.
 */
import type {Labels, MetricFamily, Sample} from './parse.js';

export type ZeekRaw = {
	/** Node name; '' for a standalone Zeek (no node label and no defaultNode). */
	node: string;
	receivedPackets: number | null;
	droppedPackets: number | null;
	linkPackets: number | null;
	receivedBytes: number | null;
	packetLagSeconds: number | null;
	networkTimeSeconds: number | null;
	/** Lag of the timer manager behind network time; null when Zeek reports a timestamp there. */
	timerLagSeconds: number | null;
	activeSessions: number | null;
	activeSessionsByProtocol: Map<string, number>;
	totalSessions: number | null;
	totalSessionsByProtocol: Map<string, number>;
	/** Sum over handlers; null when the family is absent. */
	eventHandlerInvocations: number | null;
	eventHandlerInvocationsByName: Map<string, number>;
	logWrites: number | null;
	/** Per stream (or writer, or log_id on Zeek 5), for reset-safe deltas. */
	logWritesBySeries: Map<string, number>;
	zeekVersion: string | null;
	cpuSeconds: number | null;
	rssBytes: number | null;
	virtualMemoryBytes: number | null;
	openFds: number | null;
	startTimeSeconds: number | null;
};

export type ExtractOptions = {
	/**
	 * Node the scrape came from. Samples without a node label go to it; without it they make the
	 * '' (standalone) node, and only when no sample of the scrape names a node.
	 */
	defaultNode?: string;
};

export function emptyZeekRaw(node: string): ZeekRaw {
	return {
		node,
		receivedPackets: null,
		droppedPackets: null,
		linkPackets: null,
		receivedBytes: null,
		packetLagSeconds: null,
		networkTimeSeconds: null,
		timerLagSeconds: null,
		activeSessions: null,
		activeSessionsByProtocol: new Map(),
		totalSessions: null,
		totalSessionsByProtocol: new Map(),
		eventHandlerInvocations: null,
		eventHandlerInvocationsByName: new Map(),
		logWrites: null,
		logWritesBySeries: new Map(),
		zeekVersion: null,
		cpuSeconds: null,
		rssBytes: null,
		virtualMemoryBytes: null,
		openFds: null,
		startTimeSeconds: null,
	};
}

/** The node a sample belongs to, or null when it names none. */
export function nodeOf(labels: Labels): string | null {
	const node = Object.hasOwn(labels, 'node') ? labels['node'] : undefined;
	if (node !== undefined && node !== '') return node;
	const endpoint = Object.hasOwn(labels, 'endpoint') ? labels['endpoint'] : undefined;
	if (endpoint !== undefined && endpoint !== '') return endpoint;
	return null;
}

/** Per-node values accumulated from the families, before the final fix-ups. */
type Acc = {
	raw: ZeekRaw;
	cpuUser: number | null;
	cpuSystem: number | null;
	cpuTotal: number | null;
	timersLag: number | null;
	versionParts: {major?: string; minor?: string; patch?: string} | null;
	streamWrites: Map<string, number> | null;
	writerWrites: Map<string, number> | null;
	legacyWrites: Map<string, number> | null;
};

type Handler = (acc: Acc, sample: Sample) => void;

/**
 * Strings kept across scrapes (handler, stream, node names) are copied once and shared: a string
 * sliced out of a scrape would otherwise keep that whole scrape text alive in memory.
 */
const interned = new Map<string, string>();
const INTERN_LIMIT = 100_000;
function intern(s: string): string {
	const known = interned.get(s);
	if (known !== undefined) return known;
	if (interned.size >= INTERN_LIMIT) interned.clear();
	const copy = s.length < 13 ? s : (' ' + s).slice(1); // V8 copies strings shorter than 13
	interned.set(copy, copy);
	return copy;
}

const add = (map: Map<string, number>, key: string, value: number) => {
	const old = map.get(key);
	map.set(old === undefined ? intern(key) : key, (old ?? 0) + value);
};
const labelOr = (labels: Labels, name: string, fallback: string) =>
	(Object.hasOwn(labels, name) ? labels[name] : undefined) ?? fallback;
const seriesKey = (labels: Labels) =>
	Object.entries(labels).filter(([k]) => k !== 'node' && k !== 'endpoint').map(([k, v]) => `${k}=${v}`).join(',');

const HANDLERS: ReadonlyMap<string, Handler> = new Map<string, Handler>([
	['zeek_net_received_packets_total', (a, s) => { a.raw.receivedPackets = s.value; }],
	['zeek_net_dropped_packets_total', (a, s) => { a.raw.droppedPackets = s.value; }],
	['zeek_net_link_packets_total', (a, s) => { a.raw.linkPackets = s.value; }],
	['zeek_net_received_bytes_total', (a, s) => { a.raw.receivedBytes = s.value; }],
	['zeek_net_packet_lag_seconds', (a, s) => { a.raw.packetLagSeconds = s.value; }],
	['zeek_net_timestamp_seconds', (a, s) => { a.raw.networkTimeSeconds = s.value; }],
	['zeek_timers_lag_time_seconds', (a, s) => { a.timersLag = s.value; }],
	['zeek_active_sessions', (a, s) => { add(a.raw.activeSessionsByProtocol, labelOr(s.labels, 'protocol', ''), s.value); }],
	['zeek_total_sessions_total', (a, s) => { add(a.raw.totalSessionsByProtocol, labelOr(s.labels, 'protocol', ''), s.value); }],
	['zeek_event_handler_invocations_total', (a, s) => {
		add(a.raw.eventHandlerInvocationsByName, labelOr(s.labels, 'name', ''), s.value);
	}],
	['zeek_log_stream_writes_total', (a, s) => { add(a.streamWrites ??= new Map(), labelOr(s.labels, 'stream', seriesKey(s.labels)), s.value); }],
	['zeek_log_writer_writes_total', (a, s) => { add(a.writerWrites ??= new Map(), seriesKey(s.labels), s.value); }],
	['zeek_log_writes_total', (a, s) => { add(a.legacyWrites ??= new Map(), labelOr(s.labels, 'log_id', seriesKey(s.labels)), s.value); }],
	['zeek_version_info', (a, s) => {
		if (a.raw.zeekVersion !== null || a.versionParts !== null) return;
		const version = labelOr(s.labels, 'version_string', '');
		if (version !== '') a.raw.zeekVersion = intern(version);
		else a.versionParts = {major: s.labels['major'], minor: s.labels['minor'], patch: s.labels['patch']};
	}],
	['process_cpu_seconds_total', (a, s) => { a.cpuTotal = s.value; }],
	['process_cpu_user_seconds_total', (a, s) => { a.cpuUser = s.value; }],
	['process_cpu_system_seconds_total', (a, s) => { a.cpuSystem = s.value; }],
	['process_resident_memory_bytes', (a, s) => { a.raw.rssBytes = s.value; }],
	['process_virtual_memory_bytes', (a, s) => { a.raw.virtualMemoryBytes = s.value; }],
	['process_open_fds', (a, s) => { a.raw.openFds = s.value; }],
	['process_start_time_seconds', (a, s) => { a.raw.startTimeSeconds = s.value; }],
]);

/** Names of the families extractZeekNodes reads (for callers that want to filter a scrape). */
export const ZEEK_METRIC_NAMES: readonly string[] = [...HANDLERS.keys()];

/**
 * Per-node raw Zeek numbers from one scrape. One scrape usually holds one node (Zeek 7+ serves
 * metrics per node), but a Zeek 5/6 manager aggregates its cluster with `endpoint` labels.
 */
export function extractZeekNodes(families: readonly MetricFamily[], options: ExtractOptions = {}): Map<string, ZeekRaw> {
	const labelled = new Map<string, Acc>();
	let unlabelled: Acc | null = null;
	const accFor = (node: string): Acc => {
		let acc = labelled.get(node);
		if (acc === undefined) labelled.set(node, acc = newAcc(intern(node)));
		return acc;
	};
	for (const family of families) {
		const handle = HANDLERS.get(family.name);
		if (handle === undefined) continue;
		for (const sample of family.samples) {
			if (sample.name !== family.name) continue; // e.g. a _created beside a counter
			const node = nodeOf(sample.labels);
			if (node !== null) handle(accFor(node), sample);
			else handle(unlabelled ??= newAcc(''), sample);
		}
	}

	const out = new Map<string, ZeekRaw>();
	const defaultNode = options.defaultNode;
	if (unlabelled !== null) {
		if (defaultNode !== undefined) {
			// Labelled values win; unlabelled ones fill what the node's own series left empty.
			const target = labelled.get(defaultNode);
			if (target === undefined) {
				unlabelled.raw.node = defaultNode;
				labelled.set(defaultNode, unlabelled);
			} else {
				mergeMissing(target, unlabelled);
			}
		} else if (labelled.size === 0) {
			labelled.set('', unlabelled);
		}
		// Otherwise: a multi-node scrape's unlabelled series (exposer, Broker, …) belong to no node.
	}
	for (const acc of labelled.values()) out.set(acc.raw.node, finish(acc));
	return out;
}

function newAcc(node: string): Acc {
	return {
		raw: emptyZeekRaw(node),
		cpuUser: null,
		cpuSystem: null,
		cpuTotal: null,
		timersLag: null,
		versionParts: null,
		streamWrites: null,
		writerWrites: null,
		legacyWrites: null,
	};
}

function mergeMissing(target: Acc, from: Acc): void {
	const t = target.raw as Record<string, unknown>;
	const f = from.raw as Record<string, unknown>;
	for (const key of Object.keys(f)) {
		const value = f[key];
		if (value instanceof Map) {
			if ((t[key] as Map<string, number>).size === 0) t[key] = value;
		} else if (t[key] === null && value !== null) {
			t[key] = value;
		}
	}
	for (const key of ['cpuUser', 'cpuSystem', 'cpuTotal', 'timersLag', 'versionParts', 'streamWrites', 'writerWrites', 'legacyWrites'] as const) {
		if (target[key] === null) (target as Record<string, unknown>)[key] = from[key];
	}
}

function sum(map: Map<string, number>): number {
	let total = 0;
	for (const v of map.values()) total += v;
	return total;
}

function finish(acc: Acc): ZeekRaw {
	const raw = acc.raw;
	if (raw.activeSessionsByProtocol.size > 0) raw.activeSessions = sum(raw.activeSessionsByProtocol);
	if (raw.totalSessionsByProtocol.size > 0) raw.totalSessions = sum(raw.totalSessionsByProtocol);
	if (raw.eventHandlerInvocationsByName.size > 0) raw.eventHandlerInvocations = sum(raw.eventHandlerInvocationsByName);
	const writes = acc.streamWrites ?? acc.writerWrites ?? acc.legacyWrites;
	if (writes !== null) {
		raw.logWritesBySeries = writes;
		raw.logWrites = sum(writes);
	}
	if (raw.zeekVersion === null && acc.versionParts !== null) {
		const {major, minor, patch} = acc.versionParts;
		if (major !== undefined && minor !== undefined) raw.zeekVersion = `${major}.${minor}.${patch ?? '0'}`;
	}
	if (acc.cpuTotal !== null) raw.cpuSeconds = acc.cpuTotal;
	else if (acc.cpuUser !== null && acc.cpuSystem !== null) raw.cpuSeconds = acc.cpuUser + acc.cpuSystem;
	raw.timerLagSeconds = timerLag(acc.timersLag, raw.networkTimeSeconds);
	return raw;
}

/**
 * zeek_timers_lag_time_seconds is network time minus the time of the last expired timer. On Zeek
 * 8.0.10 workers and standalone nodes it equals zeek_net_timestamp_seconds (no timer has
 * expired in its accounting, so the "lag" is the whole epoch); that is a timestamp, not a lag.
 */
export function timerLag(value: number | null, networkTimeSeconds: number | null): number | null {
	if (value === null || !Number.isFinite(value) || value < 0) return null;
	if (networkTimeSeconds !== null && Math.abs(value - networkTimeSeconds) < 1) return null;
	if (value > 1e8) return null; // > 3 years: an epoch timestamp, whatever the network time says
	return value;
}
