import type {Snapshot} from './monitor.js';
import type {NodeRow} from './tracker.js';

/**
 * One history store per sensor: per node (by row key, i.e. the node name, so a restarted node
 * keeps its history) a bounded ring of typed-array columns. Live samples, backfill from Zeek's
 * stats.log and zeekctl's cron stats, and recordings all feed the same store; the table, charts,
 * `--once --json` and replay read it.
 *
 * Layout per point (35 bytes): time as Uint32 ms after the node's base time, seven Float32
 * columns, mainThreadCpuPercent as Uint16 hundredths (one thread never exceeds ~100 %), and one
 * byte holding the source code and the restart mark. `restarts` is not stored per point: it is the
 * number of restart marks up to that point (marks are few, kept as a sorted list of times).
 * Missing values are NaN (Uint16: 65535), read back as null.
 */

export const FLOAT_COLUMNS = [
	'cpuPercent', 'rssBytes', 'receivedPacketsPerSecond', 'dropPercent', 'packetLagSeconds', 'activeSessions', 'eventsPerSecond',
] as const;
export type FloatColumn = typeof FLOAT_COLUMNS[number];
/** Every column a point has, with the node's own field names (as in `--once --json`). */
export const HISTORY_COLUMNS = [...FLOAT_COLUMNS, 'mainThreadCpuPercent', 'restarts'] as const;
export type HistoryColumn = typeof HISTORY_COLUMNS[number];
export type StoredColumn = Exclude<HistoryColumn, 'restarts'>;
export const STORED_COLUMNS: readonly StoredColumn[] = [...FLOAT_COLUMNS, 'mainThreadCpuPercent'];

export const HISTORY_SOURCES = ['proc', 'metrics', 'stats.log', 'zeekctl', 'recording'] as const;
export type HistorySource = typeof HISTORY_SOURCES[number];

export type HistoryValues = Partial<Record<StoredColumn, number | null>>;
export type HistoryPoint = {atMs: number; source: HistorySource; restart: boolean} & Record<HistoryColumn, number | null>;

export const BYTES_PER_POINT = 4 + FLOAT_COLUMNS.length * 4 + 2 + 1;
const MAIN_NULL = 0xffff;
const MAIN_MAX = (MAIN_NULL - 1) / 100;
const RESTART_BIT = 0x08;
const SOURCE_MASK = 0x07;
/** Uint32 ms offsets cover 49 days; rebase well before that. */
const REBASE_AFTER_MS = 2 ** 32 - 24 * 3600_000;

export type NodeHistoryOptions = {capacity: number; durationMs: number};

export class NodeHistory {
	readonly capacity: number;
	durationMs: number;
	private baseMs = Number.NaN;
	private readonly times: Uint32Array;
	private readonly floats: Float32Array[];
	private readonly main: Uint16Array;
	private readonly flags: Uint8Array;
	private start = 0;
	private count = 0;
	/** Times of restart marks still in the ring, oldest first. */
	private readonly restartTimes: number[] = [];
	/** Restart marks that fell out of the ring (so `restarts` keeps counting). */
	private restartsEvicted = 0;
	/** The row's restart count at the last live feed: an increase is a restart. */
	lastRowRestarts: number | null = null;
	/** Points refused because they were older than the newest one. */
	outOfOrder = 0;

	constructor(options: NodeHistoryOptions) {
		this.capacity = Math.max(2, Math.floor(options.capacity));
		this.durationMs = options.durationMs;
		this.times = new Uint32Array(this.capacity);
		this.floats = FLOAT_COLUMNS.map(() => new Float32Array(this.capacity));
		this.main = new Uint16Array(this.capacity);
		this.flags = new Uint8Array(this.capacity);
	}

	get length(): number {
		return this.count;
	}

	/** Bytes held by the typed arrays (what a node-hour costs). */
	get bytes(): number {
		return this.capacity * BYTES_PER_POINT;
	}

	private slot(i: number): number {
		return (this.start + i) % this.capacity;
	}

	timeAt(i: number): number {
		return this.baseMs + this.times[this.slot(i)]!;
	}

	get newestMs(): number | null {
		return this.count === 0 ? null : this.timeAt(this.count - 1);
	}

	get oldestMs(): number | null {
		return this.count === 0 ? null : this.timeAt(0);
	}

	/**
	 * Appends a point; points must come oldest first (an older one is refused and counted in
	 * outOfOrder). Points older than durationMs before the newest fall out, as does the oldest
	 * when the ring is full.
	 */
	push(atMs: number, source: HistorySource, values: HistoryValues, restart = false): boolean {
		if (!Number.isFinite(atMs)) return false;
		const newest = this.newestMs;
		if (newest !== null && atMs < newest) {
			this.outOfOrder++;
			return false;
		}
		if (Number.isNaN(this.baseMs)) this.baseMs = Math.floor(atMs);
		if (atMs - this.baseMs >= REBASE_AFTER_MS) {
			// Offsets are Uint32 ms: points more than ~48 days older than this one cannot stay.
			while (this.count > 0 && atMs - this.oldestMs! >= REBASE_AFTER_MS) this.evictOldest();
			this.rebase(this.oldestMs ?? Math.floor(atMs));
		}
		if (this.count === this.capacity) this.evictOldest();
		const s = this.slot(this.count);
		this.times[s] = Math.round(atMs - this.baseMs);
		for (let c = 0; c < FLOAT_COLUMNS.length; c++) {
			const v = values[FLOAT_COLUMNS[c]!];
			this.floats[c]![s] = v === null || v === undefined || !Number.isFinite(v) ? Number.NaN : v;
		}
		const m = values.mainThreadCpuPercent;
		this.main[s] = m === null || m === undefined || !Number.isFinite(m) ? MAIN_NULL : Math.round(Math.min(MAIN_MAX, Math.max(0, m)) * 100);
		this.flags[s] = HISTORY_SOURCES.indexOf(source) | (restart ? RESTART_BIT : 0);
		this.count++;
		if (restart) this.restartTimes.push(this.timeAt(this.count - 1));
		const cutoff = atMs - this.durationMs;
		while (this.count > 1 && this.timeAt(0) < cutoff) this.evictOldest();
		return true;
	}

	private evictOldest(): void {
		if (this.count === 0) return;
		const s = this.slot(0);
		if (this.flags[s]! & RESTART_BIT) {
			this.restartTimes.shift();
			this.restartsEvicted++;
		}
		this.start = (this.start + 1) % this.capacity;
		this.count--;
	}

	private rebase(newBaseMs: number): void {
		const shift = newBaseMs - this.baseMs;
		for (let i = 0; i < this.count; i++) {
			const s = this.slot(i);
			this.times[s] = Math.max(0, this.times[s]! - shift);
		}
		this.baseMs = newBaseMs;
	}

	sourceAt(i: number): HistorySource {
		return HISTORY_SOURCES[this.flags[this.slot(i)]! & SOURCE_MASK]!;
	}

	restartAt(i: number): boolean {
		return (this.flags[this.slot(i)]! & RESTART_BIT) !== 0;
	}

	/** Restart marks at or before atMs (counting those that fell out). */
	restartsAt(atMs: number): number {
		const t = this.restartTimes;
		let lo = 0, hi = t.length;
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (t[mid]! <= atMs) lo = mid + 1;
			else hi = mid;
		}
		return this.restartsEvicted + lo;
	}

	/** The stored value of a column at index i (null: not known at that point). */
	valueAtIndex(column: HistoryColumn, i: number): number | null {
		if (column === 'restarts') return this.restartsAt(this.timeAt(i));
		const s = this.slot(i);
		if (column === 'mainThreadCpuPercent') {
			const m = this.main[s]!;
			return m === MAIN_NULL ? null : m / 100;
		}
		const v = this.floats[FLOAT_COLUMNS.indexOf(column)]![s]!;
		return Number.isNaN(v) ? null : v;
	}

	/** Index of the newest point at or before atMs, -1 when there is none. */
	indexAt(atMs: number): number {
		let lo = 0, hi = this.count;
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (this.timeAt(mid) <= atMs) lo = mid + 1;
			else hi = mid;
		}
		return lo - 1;
	}

	/**
	 * The column's value at time atMs: from the newest point at or before it that knows the
	 * column, no older than staleMs (sources come at different cadences: a 5-minute stats.log
	 * point still says what the node did 3 minutes later, a 1-second /proc point does not).
	 */
	valueAt(column: HistoryColumn, atMs: number, staleMs = 330_000): number | null {
		let i = this.indexAt(atMs);
		if (column === 'restarts') return i < 0 ? null : this.restartsAt(atMs);
		for (; i >= 0; i--) {
			if (atMs - this.timeAt(i) > staleMs) return null;
			const v = this.valueAtIndex(column, i);
			if (v !== null) return v;
		}
		return null;
	}

	/** Indices [from, to) of the points with fromMs <= time <= toMs. */
	window(fromMs: number, toMs: number): {from: number; to: number} {
		const to = this.indexAt(toMs) + 1;
		let from = this.indexAt(fromMs);
		if (from < 0 || this.timeAt(from) < fromMs) from++;
		return {from: Math.min(from, to), to};
	}

	/** Smallest and largest known value of a column over a window (sparkline and chart scaling). */
	range(column: HistoryColumn, fromMs = -Infinity, toMs = Infinity): {min: number; max: number} | null {
		const w = this.window(fromMs, toMs);
		let min = Infinity, max = -Infinity;
		for (let i = w.from; i < w.to; i++) {
			const v = this.valueAtIndex(column, i);
			if (v === null) continue;
			if (v < min) min = v;
			if (v > max) max = v;
		}
		return min === Infinity ? null : {min, max};
	}

	/** The values of one column over a window, oldest first (null where unknown), with their times. */
	series(column: HistoryColumn, fromMs = -Infinity, toMs = Infinity): {times: number[]; values: Array<number | null>} {
		const w = this.window(fromMs, toMs);
		const times: number[] = [];
		const values: Array<number | null> = [];
		for (let i = w.from; i < w.to; i++) {
			times.push(this.timeAt(i));
			values.push(this.valueAtIndex(column, i));
		}
		return {times, values};
	}

	point(i: number): HistoryPoint {
		const p = {atMs: this.timeAt(i), source: this.sourceAt(i), restart: this.restartAt(i)} as HistoryPoint;
		for (const c of HISTORY_COLUMNS) p[c] = this.valueAtIndex(c, i);
		return p;
	}

	/** Points in a window, oldest first. */
	points(fromMs = -Infinity, toMs = Infinity): HistoryPoint[] {
		const w = this.window(fromMs, toMs);
		const out: HistoryPoint[] = [];
		for (let i = w.from; i < w.to; i++) out.push(this.point(i));
		return out;
	}
}

export type HistoryStoreOptions = {
	/** How far back the store keeps points (--history DURATION). Default one hour. */
	durationMs?: number;
	/** The refresh interval: the ring holds durationMs / intervalMs points plus a little slack. */
	intervalMs?: number;
};

export const DEFAULT_HISTORY_MS = 3600_000;

export class HistoryStore {
	readonly durationMs: number;
	readonly intervalMs: number;
	readonly capacity: number;
	private readonly nodes = new Map<string, NodeHistory>();

	constructor(options: HistoryStoreOptions = {}) {
		this.durationMs = options.durationMs ?? DEFAULT_HISTORY_MS;
		this.intervalMs = Math.max(1, options.intervalMs ?? 1000);
		// The slack takes the backfilled points (one per stats interval) that precede live ones.
		this.capacity = Math.ceil(this.durationMs / this.intervalMs) + 64;
	}

	node(key: string): NodeHistory {
		let h = this.nodes.get(key);
		if (!h) {
			h = new NodeHistory({capacity: this.capacity, durationMs: this.durationMs});
			this.nodes.set(key, h);
		}
		return h;
	}

	get(key: string): NodeHistory | undefined {
		return this.nodes.get(key);
	}

	keys(): string[] {
		return [...this.nodes.keys()];
	}

	get bytes(): number {
		let n = 0;
		for (const h of this.nodes.values()) n += h.bytes;
		return n;
	}

	/** Oldest and newest time over all nodes (the scrub range). */
	span(): {fromMs: number; toMs: number} | null {
		let from = Infinity, to = -Infinity;
		for (const h of this.nodes.values()) {
			if (h.length === 0) continue;
			from = Math.min(from, h.oldestMs!);
			to = Math.max(to, h.newestMs!);
		}
		return from === Infinity ? null : {fromMs: from, toMs: to};
	}
}

/** The history columns of one table row. */
export function rowValues(r: NodeRow): HistoryValues {
	const m = r.metrics;
	return {
		cpuPercent: r.cpuPercent,
		mainThreadCpuPercent: r.mainThreadCpuPercent,
		rssBytes: r.rssBytes,
		receivedPacketsPerSecond: m?.receivedPacketsPerSecond ?? null,
		dropPercent: m?.dropPercent ?? null,
		packetLagSeconds: m?.packetLagSeconds ?? null,
		activeSessions: m?.activeSessions ?? null,
		eventsPerSecond: m?.eventsPerSecond ?? null,
	};
}

/**
 * One live tick into the store: a point per row that is alive (a vanished row adds nothing, which
 * leaves a gap), `proc` for local rows and `metrics` for rows known only from an endpoint. A row
 * whose restart count went up (same name, new pid) or whose metrics saw a reset gets the restart
 * mark. Call it with every Snapshot the Monitor produces (App's tick, `record`), after backfill.
 */
export function feedHistory(store: HistoryStore, snapshot: Snapshot, source?: HistorySource): void {
	for (const r of snapshot.rows) {
		if (r.vanishedTicks > 0) continue;
		const h = store.node(r.key);
		const restarted = (h.lastRowRestarts !== null && r.restarts > h.lastRowRestarts) || (r.launch === 'remote' && r.metrics?.restarted === true);
		h.lastRowRestarts = r.restarts;
		h.push(snapshot.wallMs, source ?? (r.launch === 'remote' ? 'metrics' : 'proc'), rowValues(r), restarted);
	}
}

/** A backfilled point (collect/backfill.ts gives these). */
export type BackfillInput = {node: string; atMs: number; source: HistorySource; values: HistoryValues; restart: boolean};

/**
 * Backfilled points into the store, oldest first per node. `alias` maps a stats.log peer to a row
 * key where they differ (a standalone node logs as peer "zeek" but may be the nameless row
 * `pid:N`). Run it before the first live tick: a point older than a node's newest is refused.
 */
export function applyBackfill(store: HistoryStore, points: BackfillInput[], alias: ReadonlyMap<string, string> = new Map()): number {
	const sorted = [...points].sort((a, b) => a.atMs - b.atMs);
	let added = 0;
	for (const p of sorted) {
		if (store.node(alias.get(p.node) ?? p.node).push(p.atMs, p.source, p.values, p.restart)) added++;
	}
	return added;
}
