import type {Clock} from '../lib/clock.js';
import {escapeText} from '../lib/escape.js';
import {Ring, slope} from '../lib/ring.js';
import {
	assembleFleet, fleetQueries, historyByKey, historyQueries, rateWindowSeconds,
	type Family, type FleetNode, type ScrapeTarget, type VectorSample,
} from '../profile/promql.js';
import {PrometheusClient, type FailureStatus, type Outcome, type PrometheusAuth} from './prometheus.js';

/**
 * The fleet a Prometheus server knows, refreshed in the background on its own interval: the
 * caller reads nodes() and problems() whenever it draws and never waits on the network. A
 * refresh is one query per metric family (about a dozen, in parallel) plus the targets list,
 * whatever the number of nodes; history is backfilled once from range queries, then grows one
 * point per refresh. A failed refresh keeps the last good data, marked with its age.
 */

export type RemoteNode = FleetNode & {
	source: 'prometheus';
	/** The --prometheus URL the node came from. */
	server: string;
	/** Since the last good answer of that server (ms). */
	ageMs: number;
	/** Older than two refresh intervals. */
	stale: boolean;
	/** False when the node was in an earlier answer but not the last one (its target is down). */
	up: boolean;
	/** The target's last scrape error from Prometheus, '' when none. */
	lastError: string;
	restarts: number;
	/** process_start_time_seconds changed at the last refresh. */
	restarted: boolean;
	cpuHistory: number[];
	rssHistory: number[];
	dropHistory: number[];
	rssBytesPerMinute: number | null;
	/** Refreshes the node has been missing for (0 while present). */
	missingRefreshes: number;
};

export type PrometheusSourceOptions = {
	urls: string[];
	auth?: PrometheusAuth | null;
	caPem?: string | Buffer | null;
	/** Only these hosts (instance without port), pushed into every query. */
	hosts?: string[];
	clock: Clock;
	/** Default 5000. */
	intervalMs?: number;
	/** Per HTTP call; default min(4000, interval). */
	timeoutMs?: number;
	/** Per answer; default 64 MiB. */
	maxBytes?: number;
	/** Points kept per sparkline; default 60. */
	historyLength?: number;
	/** Fixed rate() window; default four scrape intervals of the Zeek targets. */
	rateWindowSeconds?: number;
	/** Refreshes a node that left the answers keeps its row (default 3). */
	keepMissingRefreshes?: number;
	/** Called after each refresh that changed something (new data or a new problem). */
	onUpdate?: () => void;
};

type Track = {
	node: FleetNode;
	cpu: Ring;
	rss: Ring;
	rssTimes: Ring;
	drop: Ring;
	restarts: number;
	restarted: boolean;
	missing: number;
};

type ServerState = {
	client: PrometheusClient;
	url: string;
	status: 'pending' | 'ok' | FailureStatus;
	detail: string;
	lastOkMs: number | null;
	lastDurationMs: number | null;
	windowSeconds: number | null;
	targets: Map<string, ScrapeTarget>;
	tracks: Map<string, Track>;
	backfilled: boolean;
	inFlight: Promise<void> | null;
};

export type ServerStatus = {
	url: string;
	state: ServerState['status'];
	detail: string;
	lastOkAgeSeconds: number | null;
	lastRefreshMs: number | null;
	rateWindowSeconds: number | null;
	nodes: number;
};

export class PrometheusSource {
	private readonly servers: ServerState[];
	private readonly intervalMs: number;
	private readonly timeoutMs: number;
	private readonly historyLength: number;
	private readonly keepMissing: number;
	private timer: NodeJS.Timeout | null = null;
	private stopped = false;

	constructor(private readonly options: PrometheusSourceOptions) {
		this.intervalMs = options.intervalMs ?? 5000;
		this.timeoutMs = options.timeoutMs ?? Math.min(4000, this.intervalMs);
		this.historyLength = options.historyLength ?? 60;
		this.keepMissing = options.keepMissingRefreshes ?? 3;
		this.servers = options.urls.map(url => ({
			client: new PrometheusClient({url, auth: options.auth, caPem: options.caPem, timeoutMs: this.timeoutMs, maxBytes: options.maxBytes ?? 64 << 20}),
			url, status: 'pending', detail: '', lastOkMs: null, lastDurationMs: null, windowSeconds: options.rateWindowSeconds ?? null,
			targets: new Map(), tracks: new Map(), backfilled: false, inFlight: null,
		}));
	}

	/** Refresh now and then every interval, in the background; returns at once. */
	start(): void {
		if (this.timer !== null || this.stopped) return;
		const tick = () => {
			if (this.stopped) return;
			void this.refresh();
			this.timer = setTimeout(tick, this.intervalMs);
			this.timer.unref();
		};
		tick();
	}

	async stop(): Promise<void> {
		this.stopped = true;
		if (this.timer !== null) clearTimeout(this.timer);
		this.timer = null;
		await Promise.all(this.servers.map(s => s.inFlight));
		await Promise.all(this.servers.map(s => s.client.close()));
	}

	/**
	 * One refresh of every server (a server still busy with the previous one is left alone, so a
	 * slow Prometheus never gets two at once). Resolves when done, backfill included; never throws.
	 */
	async refresh(): Promise<void> {
		await Promise.all(this.servers.map(s => (s.inFlight ??= this.refreshServer(s).finally(() => { s.inFlight = null; }))));
	}

	private async refreshServer(s: ServerState): Promise<void> {
		const started = performance.now();
		const hosts = this.options.hosts ?? [];
		// The window needs the scrape intervals: the first refresh asks for the targets first.
		const targetsCall = s.client.targets();
		if (s.windowSeconds === null) {
			const t = await targetsCall;
			if (!t.ok) return this.fail(s, t);
			this.takeTargets(s, t.value);
			s.windowSeconds = rateWindowSeconds(t.value.map(x => x.scrapeIntervalSeconds));
		}
		const queries = fleetQueries(s.windowSeconds!, hosts);
		// Every family evaluated at the same instant.
		const at = Math.round(this.options.clock.now()) / 1000;
		const families = Object.keys(queries) as Family[];
		const [targets, ...answers] = await Promise.all([targetsCall, ...families.map(f => s.client.query(queries[f], at))]);
		const failedAt = answers.findIndex(a => !a.ok);
		if (failedAt >= 0) {
			const failed = answers[failedAt] as Extract<Outcome<VectorSample[]>, {ok: false}>;
			// The query's family tells an API error apart; a network failure is the same for all.
			const detail = failed.status === 'api-error' || failed.status === 'http-error' ? `${failed.detail} (query for ${families[failedAt]})` : failed.detail;
			return this.fail(s, {status: failed.status, detail});
		}
		if (!targets!.ok) return this.fail(s, targets!);
		const byFamily: Partial<Record<Family, VectorSample[]>> = {};
		families.forEach((f, i) => { byFamily[f] = (answers[i] as {value: VectorSample[]}).value; });
		const fleet = assembleFleet(byFamily);
		this.takeTargets(s, targets!.value);
		if (this.options.rateWindowSeconds === undefined) {
			const zeekInstances = new Set(fleet.map(n => n.instance));
			const intervals = [...s.targets.values()].filter(t => zeekInstances.has(t.instance)).map(t => t.scrapeIntervalSeconds);
			if (intervals.length > 0) s.windowSeconds = rateWindowSeconds(intervals);
		}
		this.takeFleet(s, fleet, at);
		s.status = 'ok';
		s.detail = '';
		s.lastOkMs = this.options.clock.monotonic();
		s.lastDurationMs = performance.now() - started;
		this.options.onUpdate?.();
		if (!s.backfilled && fleet.length > 0) {
			s.backfilled = true;
			await this.backfill(s, fleet, at, hosts);
			this.options.onUpdate?.();
		}
	}

	private fail(s: ServerState, r: {status: FailureStatus; detail: string}): void {
		const changed = s.status !== r.status || s.detail !== r.detail;
		s.status = r.status;
		s.detail = r.detail;
		if (changed) this.options.onUpdate?.();
	}

	private takeTargets(s: ServerState, targets: ScrapeTarget[]): void {
		s.targets = new Map();
		for (const t of targets) {
			// Two jobs scraping one instance: a down one is the news.
			const old = s.targets.get(t.instance);
			if (old === undefined || t.health === 'down') s.targets.set(t.instance, t);
		}
	}

	private takeFleet(s: ServerState, fleet: FleetNode[], atSeconds: number): void {
		const seen = new Set<string>();
		const n = this.historyLength;
		for (const node of fleet) {
			seen.add(node.key);
			let track = s.tracks.get(node.key);
			if (!track) {
				track = {node, cpu: new Ring(n), rss: new Ring(n), rssTimes: new Ring(n), drop: new Ring(n), restarts: 0, restarted: false, missing: 0};
				s.tracks.set(node.key, track);
			} else {
				const before = track.node.startTimeSeconds;
				track.restarted = before !== null && node.startTimeSeconds !== null && Math.abs(node.startTimeSeconds - before) > 1;
				if (track.restarted) track.restarts++;
				track.node = node;
				track.missing = 0;
			}
			if (node.cpuPercent !== null) track.cpu.push(node.cpuPercent);
			if (node.rssBytes !== null) {
				track.rss.push(node.rssBytes);
				track.rssTimes.push(atSeconds);
			}
			if (node.dropPercent !== null) track.drop.push(node.dropPercent);
		}
		for (const [key, track] of s.tracks) {
			if (seen.has(key)) continue;
			track.missing++;
			if (track.missing > this.keepMissing) s.tracks.delete(key);
		}
	}

	private async backfill(s: ServerState, fleet: FleetNode[], endSeconds: number, hosts: string[]): Promise<void> {
		const step = Math.max(1, Math.round(this.intervalMs / 1000));
		const start = endSeconds - step * (this.historyLength - 1);
		const q = historyQueries(s.windowSeconds!, hosts);
		const [cpu, rss, drop] = await Promise.all([
			s.client.queryRange(q.cpu, start, endSeconds, step),
			s.client.queryRange(q.rss, start, endSeconds, step),
			s.client.queryRange(q.drop, start, endSeconds, step),
		]);
		// History is a nicety: a failed backfill leaves the sparklines to grow from now on.
		const n = this.historyLength;
		const fill = (r: Outcome<import('../profile/promql.js').MatrixSeries[]>, nanAs: number | null, apply: (t: Track, points: Array<[number, number]>) => void) => {
			if (!r.ok) return;
			for (const [key, points] of historyByKey(r.value, fleet, nanAs)) {
				const track = s.tracks.get(key);
				if (track) apply(track, points);
			}
		};
		fill(cpu, null, (t, pts) => { t.cpu = ringOf(n, pts.map(p => p[1])); });
		fill(drop, 0, (t, pts) => { t.drop = ringOf(n, pts.map(p => p[1])); });
		fill(rss, null, (t, pts) => {
			t.rss = ringOf(n, pts.map(p => p[1]));
			t.rssTimes = ringOf(n, pts.map(p => p[0]));
		});
	}

	/** Every remote node, deduplicated across servers (the first server that has it, fresh, wins). */
	nodes(): RemoteNode[] {
		const now = this.options.clock.monotonic();
		const out = new Map<string, RemoteNode>();
		for (const s of this.servers) {
			const ageMs = s.lastOkMs === null ? Infinity : now - s.lastOkMs;
			for (const track of s.tracks.values()) {
				const node = this.remoteNode(s, track, ageMs);
				const have = out.get(node.key);
				if (have === undefined || (!have.up && node.up)) out.set(node.key, node);
			}
		}
		return [...out.values()];
	}

	private remoteNode(s: ServerState, t: Track, ageMs: number): RemoteNode {
		const target = s.targets.get(t.node.instance);
		const up = t.missing === 0;
		const values: Partial<FleetNode> = up ? {} : {
			receivedPacketsPerSecond: null, droppedPacketsPerSecond: null, linkPacketsPerSecond: null, receivedBytesPerSecond: null,
			dropPercent: null, eventsPerSecond: null, logWritesPerSecond: null, newSessionsPerSecond: null, cpuPercent: null,
		};
		return {
			...t.node,
			...values,
			source: 'prometheus',
			server: s.url,
			ageMs,
			stale: ageMs > 2 * this.intervalMs,
			up,
			lastError: target?.lastError ?? (up ? '' : 'not in the last answer'),
			restarts: t.restarts,
			restarted: t.restarted,
			cpuHistory: t.cpu.last(this.historyLength),
			rssHistory: t.rss.last(this.historyLength),
			dropHistory: t.drop.last(this.historyLength),
			rssBytesPerMinute: rssSlope(t),
			missingRefreshes: t.missing,
		};
	}

	/** One line per server in trouble (escaped: details quote what the server sent). */
	problems(): Array<{scope: string; message: string}> {
		const now = this.options.clock.monotonic();
		const out: Array<{scope: string; message: string}> = [];
		for (const s of this.servers) {
			const scope = `prometheus ${escapeText(s.url)}`;
			if (s.status !== 'ok' && s.status !== 'pending') {
				const age = s.lastOkMs === null ? 'no data yet' : `showing data ${Math.round((now - s.lastOkMs) / 1000)} s old`;
				out.push({scope, message: `${s.status}: ${escapeText(s.detail)} (${age})`});
				continue;
			}
			const zeek = new Set([...s.tracks.values()].map(t => t.node.instance));
			const down = [...s.targets.values()].filter(t => t.health === 'down' && zeek.has(t.instance));
			if (down.length > 0) {
				const first = down[0]!;
				const more = down.length > 1 ? ` and ${down.length - 1} more` : '';
				out.push({scope, message: `${down.length} Zeek target${down.length > 1 ? 's' : ''} down: ${escapeText(first.instance)} (${escapeText(first.lastError || 'down')})${more}`});
			}
		}
		return out;
	}

	status(): ServerStatus[] {
		const now = this.options.clock.monotonic();
		return this.servers.map(s => ({
			url: s.url, state: s.status, detail: s.detail,
			lastOkAgeSeconds: s.lastOkMs === null ? null : Math.round((now - s.lastOkMs) / 100) / 10,
			lastRefreshMs: s.lastDurationMs === null ? null : Math.round(s.lastDurationMs),
			rateWindowSeconds: s.windowSeconds, nodes: s.tracks.size,
		}));
	}
}

function ringOf(capacity: number, values: number[]): Ring {
	const r = new Ring(capacity);
	for (const v of values.slice(-capacity)) r.push(v);
	return r;
}

/** RSS slope over the history, per minute; null with under 3 points or 5 s of span (as local rows). */
function rssSlope(t: Track): number | null {
	if (t.rss.length < 3) return null;
	const times = t.rssTimes.last(t.rssTimes.length);
	const values = t.rss.last(t.rss.length);
	if (times.length !== values.length || times.at(-1)! - times[0]! < 5) return null;
	return slope(times.map(x => x / 60), values);
}
