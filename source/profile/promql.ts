/**
 * The fleet through a Prometheus server, the pure half: the PromQL zeektop sends, and the
 * Prometheus HTTP API answers (vector, matrix, targets) turned into one record per (host, node).
 * No I/O here; collect/prometheus.ts does the HTTP and collect/fleet.ts the cadence.
 *
 * One query per metric family per refresh, aggregated `by (instance, node, endpoint)`: the cost
 * is one answer series per node whatever the number of handlers, streams or protocols behind it.
 * The node is the `node` label (Zeek 8), else `endpoint` (Zeek 5.1–7.x); Zeek 7's
 * zeek_version_info and a standalone Zeek 8's series carry neither, and belong to the only node
 * their instance serves (the same rule as the local collector's, collect/metrics/collector.ts).
 */

export type Labels = Record<string, string>;
export type VectorSample = {labels: Labels; value: number};
export type MatrixSeries = {labels: Labels; points: Array<[timeSeconds: number, value: number]>};

export type ScrapeTarget = {
	instance: string;
	job: string;
	health: 'up' | 'down' | 'unknown';
	lastError: string;
	/** Seconds since the epoch of the last scrape; null before the first. */
	lastScrapeSeconds: number | null;
	scrapeIntervalSeconds: number | null;
};

export type ApiAnswer =
	| {ok: true; data: unknown; warnings: string[]}
	| {ok: false; kind: 'garbage' | 'api-error'; detail: string};

/** The `{status, data}` envelope every /api/v1 answer has; anything else is garbage. */
export function parseApiEnvelope(text: string): ApiAnswer {
	let doc: unknown;
	try {
		doc = JSON.parse(text);
	} catch {
		return {ok: false, kind: 'garbage', detail: `not JSON: ${preview(text)}`};
	}
	if (!isObject(doc) || (doc['status'] !== 'success' && doc['status'] !== 'error')) {
		return {ok: false, kind: 'garbage', detail: `JSON without the API's "status": ${preview(text)}`};
	}
	if (doc['status'] === 'error') {
		const type = typeof doc['errorType'] === 'string' ? doc['errorType'] : 'error';
		const error = typeof doc['error'] === 'string' ? doc['error'] : '';
		return {ok: false, kind: 'api-error', detail: `${type}: ${error}`.slice(0, 300)};
	}
	const warnings = Array.isArray(doc['warnings']) ? doc['warnings'].filter((w): w is string => typeof w === 'string') : [];
	return {ok: true, data: doc['data'], warnings};
}

/** First characters of a bad answer, on one line (the caller escapes it before display). */
export function preview(text: string, max = 60): string {
	const flat = text.replace(/\s+/g, ' ').trim();
	return flat.length > max ? `${flat.slice(0, max)}…` : flat === '' ? '(empty)' : flat;
}

function isObject(v: unknown): v is Record<string, unknown> {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Prometheus sample values are strings: "1.5", "NaN", "+Inf". */
function sampleValue(v: unknown): number | null {
	if (typeof v !== 'string') return null;
	const n = Number(v);
	if (!Number.isNaN(n)) return n;
	if (v === 'NaN') return NaN;
	if (v === '+Inf' || v === 'Inf') return Infinity;
	if (v === '-Inf') return -Infinity;
	return null;
}

function labelsOf(v: unknown): Labels | null {
	if (!isObject(v)) return null;
	const out: Labels = {};
	for (const [k, val] of Object.entries(v)) {
		if (typeof val !== 'string') return null;
		out[k] = val;
	}
	return out;
}

export type Parsed<T> = {ok: true; value: T} | {ok: false; detail: string};

export function parseVector(data: unknown): Parsed<VectorSample[]> {
	if (!isObject(data) || data['resultType'] !== 'vector' || !Array.isArray(data['result'])) {
		return {ok: false, detail: 'answer is not an instant vector'};
	}
	const out: VectorSample[] = [];
	for (const item of data['result'] as unknown[]) {
		if (!isObject(item)) return {ok: false, detail: 'vector item is not an object'};
		const labels = labelsOf(item['metric']);
		const pair = item['value'];
		const value = Array.isArray(pair) && pair.length === 2 ? sampleValue(pair[1]) : null;
		if (labels === null || value === null) return {ok: false, detail: 'vector item without metric labels or value'};
		out.push({labels, value});
	}
	return {ok: true, value: out};
}

export function parseMatrix(data: unknown): Parsed<MatrixSeries[]> {
	if (!isObject(data) || data['resultType'] !== 'matrix' || !Array.isArray(data['result'])) {
		return {ok: false, detail: 'answer is not a range matrix'};
	}
	const out: MatrixSeries[] = [];
	for (const item of data['result'] as unknown[]) {
		if (!isObject(item) || !Array.isArray(item['values'])) return {ok: false, detail: 'matrix item without values'};
		const labels = labelsOf(item['metric']);
		if (labels === null) return {ok: false, detail: 'matrix item without metric labels'};
		const points: Array<[number, number]> = [];
		for (const p of item['values'] as unknown[]) {
			const t = Array.isArray(p) && p.length === 2 && typeof p[0] === 'number' ? p[0] : null;
			const v = Array.isArray(p) && p.length === 2 ? sampleValue(p[1]) : null;
			if (t === null || v === null) return {ok: false, detail: 'matrix point is not [time, "value"]'};
			points.push([t, v]);
		}
		out.push({labels, points});
	}
	return {ok: true, value: out};
}

export function parseTargets(data: unknown): Parsed<ScrapeTarget[]> {
	if (!isObject(data) || !Array.isArray(data['activeTargets'])) return {ok: false, detail: 'answer has no activeTargets'};
	const out: ScrapeTarget[] = [];
	for (const t of data['activeTargets'] as unknown[]) {
		if (!isObject(t)) return {ok: false, detail: 'target is not an object'};
		const labels = labelsOf(t['labels']) ?? {};
		const health = t['health'] === 'up' || t['health'] === 'down' ? t['health'] : 'unknown';
		const last = typeof t['lastScrape'] === 'string' ? Date.parse(t['lastScrape']) : NaN;
		out.push({
			instance: labels['instance'] ?? '',
			job: labels['job'] ?? '',
			health,
			lastError: typeof t['lastError'] === 'string' ? t['lastError'] : '',
			// A never-scraped target reports 0001-01-01.
			lastScrapeSeconds: Number.isFinite(last) && last > 0 ? last / 1000 : null,
			scrapeIntervalSeconds: typeof t['scrapeInterval'] === 'string' ? parseDurationSeconds(t['scrapeInterval']) : null,
		});
	}
	return {ok: true, value: out};
}

/** Prometheus durations: "15s", "1m30s", "500ms", "1h". Null when not one. */
export function parseDurationSeconds(text: string): number | null {
	const units: Record<string, number> = {ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000};
	const re = /(\d+)(ms|s|m|h|d|w|y)/gy;
	let total = 0;
	let matched = 0;
	let m: RegExpExecArray | null;
	while ((m = re.exec(text)) !== null) {
		total += Number(m[1]) * units[m[2]!]!;
		matched = re.lastIndex;
	}
	return matched === text.length && text.length > 0 ? total : null;
}

/** "sensor-a:9994" → "sensor-a"; "[::1]:9991" → "::1"; no port → as is. */
export function hostOfInstance(instance: string): string {
	const bracket = /^\[([^\]]+)\](?::\d+)?$/.exec(instance);
	if (bracket) return bracket[1]!;
	const colon = instance.lastIndexOf(':');
	if (colon > 0 && instance.indexOf(':') === colon && /^\d+$/.test(instance.slice(colon + 1))) return instance.slice(0, colon);
	return instance;
}

/** A PromQL double-quoted string literal. */
export function promqlString(s: string): string {
	return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** RE2 escaping of a literal (PromQL regexes are RE2, fully anchored). */
export function re2Literal(s: string): string {
	return s.replace(/[\\.+*?()|[\]{}^$-]/g, '\\$&');
}

/**
 * The label matcher for a host filter, pushed into every query so Prometheus sends only those
 * hosts' series: `instance=~"(sensor\-a|sensor\-b)(:[0-9]+)?"`. Empty list: no filter.
 */
export function hostMatcher(hosts: readonly string[]): string {
	if (hosts.length === 0) return '';
	const alternatives = hosts.map(h => re2Literal(h.includes(':') && !h.startsWith('[') ? `[${h}]` : h));
	return `instance=~${promqlString(`(${alternatives.join('|')})(:[0-9]+)?`)}`;
}

export type Family =
	| 'version' | 'receivedPackets' | 'droppedPackets' | 'linkPackets' | 'receivedBytes' | 'packetLag' | 'activeSessions'
	| 'newSessions' | 'events' | 'logWrites' | 'cpu' | 'rss' | 'startTime';

export const GROUP_LABELS = 'instance, node, endpoint';

/**
 * The instant queries of one refresh, one per family. `windowSeconds` is the rate() range: at
 * least two scrape intervals, or rate() has fewer than two samples and answers nothing.
 */
export function fleetQueries(windowSeconds: number, hosts: readonly string[] = []): Record<Family, string> {
	const w = `[${Math.max(1, Math.ceil(windowSeconds))}s]`;
	const m = hostMatcher(hosts);
	const sel = (name: string) => `${name}{${m}}`;
	const by = `by (${GROUP_LABELS})`;
	const rate = (name: string) => `sum ${by} (rate(${sel(name)}${w}))`;
	const gauge = (agg: 'sum' | 'max', name: string) => `${agg} ${by} (${sel(name)})`;
	return {
		version: `group by (${GROUP_LABELS}, version_string) (${sel('zeek_version_info')})`,
		receivedPackets: rate('zeek_net_received_packets_total'),
		droppedPackets: rate('zeek_net_dropped_packets_total'),
		linkPackets: rate('zeek_net_link_packets_total'),
		receivedBytes: rate('zeek_net_received_bytes_total'),
		packetLag: gauge('max', 'zeek_net_packet_lag_seconds'),
		activeSessions: gauge('sum', 'zeek_active_sessions'),
		newSessions: rate('zeek_total_sessions_total'),
		events: rate('zeek_event_handler_invocations_total'),
		// Zeek 6+ counts per stream, and also per writer: one of them, never both (Zeek 5: log_writes).
		logWrites: `${rate('zeek_log_stream_writes_total')} or ${rate('zeek_log_writes_total')}`,
		// Zeek 6: process_cpu_seconds_total; Zeek 8: user + system.
		// (One {__name__=~} selector would not do: rate() drops the name, user and system collide.)
		cpu: `${rate('process_cpu_seconds_total')} or (${rate('process_cpu_user_seconds_total')} + ${rate('process_cpu_system_seconds_total')})`,
		rss: gauge('max', 'process_resident_memory_bytes'),
		startTime: gauge('max', 'process_start_time_seconds'),
	};
}

/** Range queries for sparklines and history: CPU %, RSS, drop %. */
export function historyQueries(windowSeconds: number, hosts: readonly string[] = []): {cpu: string; rss: string; drop: string} {
	const q = fleetQueries(windowSeconds, hosts);
	return {
		cpu: `(${q.cpu}) * 100`,
		rss: q.rss,
		// 0/0 (no packets) is NaN: the caller reads it as 0 %, as the local collector does.
		drop: `100 * (${q.droppedPackets}) / ((${q.receivedPackets}) + (${q.droppedPackets}))`,
	};
}

/** The rate() range for a set of scrape intervals: four of the slowest (≥ 2 are needed). */
export function rateWindowSeconds(intervalsSeconds: readonly (number | null)[], fallbackSeconds = 60): number {
	const known = intervalsSeconds.filter((s): s is number => s !== null && s > 0);
	if (known.length === 0) return fallbackSeconds;
	return Math.max(...known) * 4;
}

export type FleetNode = {
	/** `host/node`, or `host/instance` for a standalone Zeek (no node name). */
	key: string;
	host: string;
	/** Null for a standalone Zeek. */
	node: string | null;
	instance: string;
	zeekVersion: string | null;
	receivedPacketsPerSecond: number | null;
	droppedPacketsPerSecond: number | null;
	linkPacketsPerSecond: number | null;
	receivedBytesPerSecond: number | null;
	dropPercent: number | null;
	packetLagSeconds: number | null;
	activeSessions: number | null;
	newSessionsPerSecond: number | null;
	eventsPerSecond: number | null;
	logWritesPerSecond: number | null;
	cpuPercent: number | null;
	rssBytes: number | null;
	startTimeSeconds: number | null;
};

type Group = {instance: string; node: string};

const groupOf = (labels: Labels): Group => ({
	instance: labels['instance'] ?? '',
	node: labels['node'] || labels['endpoint'] || '',
});

/**
 * The fleet from one refresh's answers. A node exists when zeek_version_info names it (other
 * exporters' process_* series are not Zeek's); label-less series of an instance go to its only
 * named node, or its manager (Zeek 5/6 serve a cluster from the manager), else nowhere.
 */
export function assembleFleet(answers: Partial<Record<Family, VectorSample[]>>): FleetNode[] {
	const zeek = new Set<string>(); // instances with a zeek_version_info
	for (const s of answers.version ?? []) zeek.add(groupOf(s.labels).instance);
	const names = new Map<string, Set<string>>(); // instance → node names its series carry
	for (const list of Object.values(answers)) {
		for (const s of list ?? []) {
			const g = groupOf(s.labels);
			if (g.node === '' || !zeek.has(g.instance)) continue;
			let set = names.get(g.instance);
			if (!set) names.set(g.instance, (set = new Set()));
			set.add(g.node);
		}
	}
	const owner = (g: Group): string | null => {
		if (!zeek.has(g.instance)) return null;
		if (g.node !== '') return g.node;
		const known = names.get(g.instance);
		if (known === undefined) return '';
		if (known.size === 1) return [...known][0]!;
		return known.has('manager') ? 'manager' : null;
	};

	const nodes = new Map<string, FleetNode>();
	const nodeFor = (instance: string, node: string): FleetNode => {
		const host = hostOfInstance(instance);
		const key = `${host}/${node === '' ? instance : node}`;
		let n = nodes.get(key);
		if (!n) nodes.set(key, (n = emptyNode(key, host, node === '' ? null : node, instance)));
		return n;
	};
	// Version first, so every node exists before the values arrive.
	const versionLabelled = new Set<string>();
	for (const s of answers.version ?? []) {
		const g = groupOf(s.labels);
		const node = owner(g);
		if (node === null) continue;
		const n = nodeFor(g.instance, node);
		const v = s.labels['version_string'];
		// A node's own labelled version wins over the instance's unlabelled one.
		if (v && (n.zeekVersion === null || (g.node !== '' && !versionLabelled.has(n.key)))) n.zeekVersion = v;
		if (g.node !== '') versionLabelled.add(n.key);
	}
	const set = (family: Family, field: keyof FleetNode) => {
		const labelledSeen = new Set<string>();
		for (const s of answers[family] ?? []) {
			const g = groupOf(s.labels);
			const node = owner(g);
			if (node === null) continue;
			const n = nodeFor(g.instance, node);
			// Labelled values win; unlabelled ones fill what the node's own series left empty.
			if (g.node === '' && labelledSeen.has(n.key)) continue;
			if (g.node === '' && (n as Record<string, unknown>)[field] !== null) continue;
			if (g.node !== '') labelledSeen.add(n.key);
			(n as Record<string, unknown>)[field] = Number.isFinite(s.value) ? s.value : null;
		}
	};
	set('receivedPackets', 'receivedPacketsPerSecond');
	set('droppedPackets', 'droppedPacketsPerSecond');
	set('linkPackets', 'linkPacketsPerSecond');
	set('receivedBytes', 'receivedBytesPerSecond');
	set('packetLag', 'packetLagSeconds');
	set('activeSessions', 'activeSessions');
	set('newSessions', 'newSessionsPerSecond');
	set('events', 'eventsPerSecond');
	set('logWrites', 'logWritesPerSecond');
	set('cpu', 'cpuPercent');
	set('rss', 'rssBytes');
	set('startTime', 'startTimeSeconds');
	for (const n of nodes.values()) {
		if (n.cpuPercent !== null) n.cpuPercent *= 100;
		const r = n.receivedPacketsPerSecond;
		const d = n.droppedPacketsPerSecond;
		if (r !== null && d !== null) n.dropPercent = r + d > 0 ? (d / (r + d)) * 100 : 0;
	}
	return [...nodes.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function emptyNode(key: string, host: string, node: string | null, instance: string): FleetNode {
	return {
		key, host, node, instance, zeekVersion: null, receivedPacketsPerSecond: null, droppedPacketsPerSecond: null,
		linkPacketsPerSecond: null, receivedBytesPerSecond: null, dropPercent: null, packetLagSeconds: null, activeSessions: null,
		newSessionsPerSecond: null, eventsPerSecond: null, logWritesPerSecond: null, cpuPercent: null, rssBytes: null,
		startTimeSeconds: null,
	};
}

/**
 * Range answers per node key (same ownership rule as assembleFleet), values at each step; NaN
 * (drop % of no packets) reads as 0, a missing step is skipped.
 */
export function historyByKey(series: readonly MatrixSeries[], fleet: readonly FleetNode[], nanAs: number | null): Map<string, Array<[timeSeconds: number, value: number]>> {
	const byGroup = new Map<string, FleetNode>();
	for (const n of fleet) byGroup.set(`${n.instance}\u0000${n.node ?? ''}`, n);
	const byInstance = new Map<string, FleetNode[]>();
	for (const n of fleet) {
		let list = byInstance.get(n.instance);
		if (!list) byInstance.set(n.instance, (list = []));
		list.push(n);
	}
	const out = new Map<string, Array<[number, number]>>();
	for (const s of series) {
		const g = groupOf(s.labels);
		let n = byGroup.get(`${g.instance}\u0000${g.node}`);
		if (!n && g.node === '') {
			const list = byInstance.get(g.instance) ?? [];
			n = list.length === 1 ? list[0] : list.find(x => x.node === 'manager');
			if (n && out.has(n.key)) continue; // the node's own labelled series came first
		}
		if (!n) continue;
		const values: Array<[number, number]> = [];
		for (const [t, v] of s.points) {
			if (Number.isNaN(v)) {
				if (nanAs !== null) values.push([t, nanAs]);
			} else if (Number.isFinite(v)) values.push([t, v]);
		}
		out.set(n.key, values);
	}
	return out;
}
