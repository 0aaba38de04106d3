import {
	decodeFrame, decodeJson, encodeFrame, encodeJsonRecord, FIELD_INDEX, FRAME_FIELDS, RecordingError, RecordType, RECORDING_VERSION,
	ROW_HAS_METRICS, ROW_METRICS_RESTARTED, scanRecording, type FrameData, type FrameField, type RawRecord,
} from '../profile/recording-format.js';
import type {NodeMetrics} from '../collect/metrics/collector.js';
import type {HostView} from './host.js';
import type {Problem, Snapshot} from './monitor.js';
import type {HeapStatus, NodeRow} from './tracker.js';
import {HistoryStore, type HistoryValues} from './history.js';

/**
 * Snapshots ⇄ recording records (pure; profile/recording-format.ts is the byte format,
 * collect/recording.ts the file). A replay is opened into the same HistoryStore the live table
 * uses, and gives the Snapshot of any moment for the table and `--once --json`.
 */

export type RecordingMeta = {version: number; startedAt: string; intervalMs: number; hostname: string; zeektop: string};

/** What a node is: recorded when it appears and when it changes. The environment is never recorded (it can hold secrets). */
export type NodeInfo = {
	id: number;
	key: string;
	node: string | null;
	role: NodeRow['role'];
	launch: NodeRow['launch'];
	pid: number;
	iface: string | null;
	comm: string;
	cmdline: string[];
	cwd: string | null;
	exe: string | null;
	nameTruncated: boolean;
	cpusAllowed: string | null;
	cpusAllowedCount: number | null;
	startedAtMs: number | null;
	hints: string[];
	heap: HeapStatus | null;
	metrics: {zeekVersion: string | null; target: string; topEventHandlers: NodeMetrics['topEventHandlers']; startTimeSeconds: number | null} | null;
};

/** Busiest-handler lists change every scrape: they are written at most this often per node. */
const HANDLERS_EVERY_MS = 60_000;

function infoOf(id: number, r: NodeRow): NodeInfo {
	const m = r.metrics;
	return {
		id, key: r.key, node: r.node, role: r.role, launch: r.launch, pid: r.pid, iface: r.iface, comm: r.comm, cmdline: r.cmdline, cwd: r.cwd,
		exe: r.exe, nameTruncated: r.nameTruncated, cpusAllowed: r.cpusAllowed, cpusAllowedCount: r.cpusAllowedCount, startedAtMs: r.startedAtMs,
		hints: r.hints, heap: r.heap,
		metrics: m === null ? null : {zeekVersion: m.zeekVersion, target: m.target, topEventHandlers: m.topEventHandlers.slice(0, 10), startTimeSeconds: m.startTimeSeconds},
	};
}

function fieldsOf(r: NodeRow): Float32Array {
	const f = new Float32Array(FRAME_FIELDS.length).fill(Number.NaN);
	const set = (k: FrameField, v: number | null | undefined) => {
		if (v !== null && v !== undefined && Number.isFinite(v)) f[FIELD_INDEX[k]] = v;
	};
	set('cpuPercent', r.cpuPercent);
	set('mainThreadCpuPercent', r.mainThreadCpuPercent);
	set('rssBytesPerMinute', r.rssBytesPerMinute);
	set('threads', r.threads);
	set('lastCpu', r.lastCpu);
	set('restarts', r.restarts);
	set('vanishedTicks', r.vanishedTicks);
	const m = r.metrics;
	if (m) {
		set('receivedPacketsPerSecond', m.receivedPacketsPerSecond);
		set('droppedPacketsPerSecond', m.droppedPacketsPerSecond);
		set('dropPercent', m.dropPercent);
		set('packetLagSeconds', m.packetLagSeconds);
		set('activeSessions', m.activeSessions);
		set('eventsPerSecond', m.eventsPerSecond);
		set('logWritesPerSecond', m.logWritesPerSecond);
		set('newSessionsPerSecond', m.newSessionsPerSecond);
		set('metricsAgeMs', m.ageMs);
	}
	return f;
}

export function hostNumbers(h: HostView): number[] {
	return [h.cpuPercent ?? Number.NaN, h.load[0], h.load[1], h.load[2], h.memTotalBytes, h.memUsedBytes, h.selfCpuPercent ?? Number.NaN, h.selfRssBytes];
}

/** Turns each Snapshot into the records to append. One per recording session. */
export class RecordingEncoder {
	private readonly ids = new Map<string, number>();
	private readonly written = new Map<number, {sig: string; handlers: string; atMs: number}>();
	private lastProblems = '';

	constructor(private readonly meta: Omit<RecordingMeta, 'version'>) {}

	/** The META record that opens the session. */
	start(): Uint8Array {
		return encodeJsonRecord(RecordType.Meta, {version: RECORDING_VERSION, ...this.meta});
	}

	encode(s: Snapshot): Uint8Array[] {
		const out: Uint8Array[] = [];
		const rows: FrameData['rows'] = [];
		for (const r of s.rows) {
			let id = this.ids.get(r.key);
			if (id === undefined) {
				id = this.ids.size;
				if (id > 0xffff) continue; // 65536 node names in one session: the rest are not recorded
				this.ids.set(r.key, id);
			}
			// A cheap signature first: the full description is built only when something in it changed.
			const m = r.metrics;
			const sig = `${r.pid}|${r.node}|${r.role}|${r.launch}|${r.cwd}|${r.iface}|${r.comm}|${r.cpusAllowed}|${r.startedAtMs}|${r.nameTruncated}|${r.hints.length}|${r.heap?.kind}|${r.heap?.summary}|${m?.zeekVersion}|${m?.target}|${m?.startTimeSeconds}`;
			const last = this.written.get(id);
			const handlersDue = last !== undefined && s.wallMs - last.atMs >= HANDLERS_EVERY_MS && m !== null;
			const handlers = !last || last.sig !== sig || handlersDue ? JSON.stringify(m?.topEventHandlers.slice(0, 10) ?? []) : '';
			if (!last || last.sig !== sig || (handlersDue && handlers !== last.handlers)) {
				out.push(encodeJsonRecord(RecordType.Node, infoOf(id, r)));
				this.written.set(id, {sig, handlers, atMs: s.wallMs});
			}
			let flags = 0;
			if (r.metrics) flags |= ROW_HAS_METRICS;
			if (r.metrics?.restarted) flags |= ROW_METRICS_RESTARTED;
			rows.push({id, state: r.vanishedTicks > 0 ? 'gone' : r.state, flags, rssBytes: r.rssBytes, fields: fieldsOf(r)});
		}
		const problems = JSON.stringify({problems: s.problems, zeekVersion: s.zeekVersion ?? null, hostname: s.host.hostname});
		if (problems !== this.lastProblems) {
			out.push(encodeJsonRecord(RecordType.Problems, JSON.parse(problems)));
			this.lastProblems = problems;
		}
		out.push(encodeFrame({wallMs: s.wallMs, tick: s.tick, host: hostNumbers(s.host), cpuCount: s.host.cpuCount, corePercents: s.host.corePercents, rows}));
		return out;
	}
}

type FrameRef = {wallMs: number; record: number; session: number};
type Versioned<T> = Array<{record: number; value: T}>;

/** Newest entry written at or before record index `at`. */
function latest<T>(list: Versioned<T> | undefined, at: number): T | undefined {
	if (!list) return undefined;
	let lo = 0, hi = list.length;
	while (lo < hi) {
		const mid = (lo + hi) >> 1;
		if (list[mid]!.record <= at) lo = mid + 1;
		else hi = mid;
	}
	return lo === 0 ? undefined : list[lo - 1]!.value;
}

const nan = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? null : v);

export type ReplayOptions = {name?: string; crc?: (bytes: Uint8Array) => number};

/** A recording opened for replay: the history store over its whole span, and snapshots of any moment. */
export class Replay {
	readonly store: HistoryStore;
	readonly meta: RecordingMeta[] = [];
	readonly frames: FrameRef[] = [];
	readonly tornBytes: number;
	readonly tornReason: string | null;
	private readonly records: RawRecord[];
	/** Per session, per node id: its infos over time. */
	private readonly infos: Array<Map<number, Versioned<NodeInfo>>> = [];
	private readonly nodeAtRecord = new Map<number, NodeInfo>();
	private readonly problems: Versioned<{problems: Problem[]; zeekVersion: string | null; hostname: string}> = [];

	constructor(bytes: Uint8Array, options: ReplayOptions = {}) {
		const scan = scanRecording(bytes, options.name, options.crc);
		this.records = scan.records;
		this.tornBytes = scan.tornBytes;
		this.tornReason = scan.tornReason;
		let session = -1;
		for (let i = 0; i < this.records.length; i++) {
			const rec = this.records[i]!;
			if (rec.type === RecordType.Meta) {
				session++;
				this.meta.push(decodeJson(rec.payload) as RecordingMeta);
				this.infos.push(new Map());
			} else if (session < 0) {
				throw new RecordingError(`${options.name ?? 'the file'} is a damaged recording (data before its first session header)`);
			} else if (rec.type === RecordType.Node) {
				const info = decodeJson(rec.payload) as NodeInfo;
				this.nodeAtRecord.set(i, info);
				const map = this.infos[session]!;
				const list = map.get(info.id) ?? [];
				list.push({record: i, value: info});
				map.set(info.id, list);
			} else if (rec.type === RecordType.Problems) {
				this.problems.push({record: i, value: decodeJson(rec.payload) as {problems: Problem[]; zeekVersion: string | null; hostname: string}});
			} else if (rec.type === RecordType.Frame) {
				const v = new DataView(rec.payload.buffer, rec.payload.byteOffset, rec.payload.byteLength);
				this.frames.push({wallMs: v.getFloat64(0, true), record: i, session});
			}
		}
		const first = this.frames[0]?.wallMs ?? 0;
		const lastMs = this.frames.at(-1)?.wallMs ?? 0;
		const intervalMs = this.meta[0]?.intervalMs ?? 1000;
		// Every frame fits: the store spans the whole recording.
		this.store = new HistoryStore({durationMs: Math.max(1, lastMs - first) + intervalMs, intervalMs: Math.max(1, (lastMs - first + intervalMs) / Math.max(1, this.frames.length))});
		this.fillStore();
	}

	/** One pass over the frames in file order, reading the history columns straight from the bytes. */
	private fillStore(): void {
		const lastRestarts = new Map<string, number>();
		const current = new Map<number, NodeInfo>();
		const F = FRAME_FIELDS.length;
		const at = (k: FrameField) => 12 + FIELD_INDEX[k] * 4;
		const oCpu = at('cpuPercent'), oMain = at('mainThreadCpuPercent'), oPps = at('receivedPacketsPerSecond'), oDrop = at('dropPercent');
		const oLag = at('packetLagSeconds'), oSess = at('activeSessions'), oEv = at('eventsPerSecond'), oRestarts = at('restarts');
		const values: HistoryValues = {};
		for (let i = 0; i < this.records.length; i++) {
			const rec = this.records[i]!;
			if (rec.type === RecordType.Meta) {
				current.clear(); // node ids are per session
				continue;
			}
			if (rec.type === RecordType.Node) {
				const info = this.nodeAtRecord.get(i);
				if (info) current.set(info.id, info);
				continue;
			}
			if (rec.type !== RecordType.Frame) continue;
			const p = rec.payload;
			const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
			const wallMs = v.getFloat64(0, true);
			let o = 8 + 4 + 8 * 8;
			o += 2;
			const cores = v.getUint16(o, true);
			o += 2 + cores * 4;
			const n = v.getUint16(o, true);
			o += 2;
			const rowBytes = 12 + F * 4;
			if (o + n * rowBytes > p.byteLength) continue;
			for (let k = 0; k < n; k++, o += rowBytes) {
				const info = current.get(v.getUint16(o, true));
				if (!info || p[o + 2] === 201 /* gone */) continue;
				const f32 = (off: number) => {
					const x = v.getFloat32(o + off, true);
					return Number.isNaN(x) ? null : x;
				};
				const rss = v.getFloat64(o + 4, true);
				values.cpuPercent = f32(oCpu);
				values.mainThreadCpuPercent = f32(oMain);
				values.rssBytes = Number.isNaN(rss) ? null : rss;
				values.receivedPacketsPerSecond = f32(oPps);
				values.dropPercent = f32(oDrop);
				values.packetLagSeconds = f32(oLag);
				values.activeSessions = f32(oSess);
				values.eventsPerSecond = f32(oEv);
				const restarts = f32(oRestarts) ?? 0;
				const before = lastRestarts.get(info.key);
				lastRestarts.set(info.key, restarts);
				const restarted = (before !== undefined && restarts > before) || (p[o + 3]! & ROW_METRICS_RESTARTED) !== 0;
				this.store.node(info.key).push(wallMs, 'recording', values, restarted);
			}
		}
	}

	get span(): {fromMs: number; toMs: number} | null {
		return this.frames.length === 0 ? null : {fromMs: this.frames[0]!.wallMs, toMs: this.frames.at(-1)!.wallMs};
	}

	/** Index of the newest frame at or before atMs (-1: before the first). */
	frameIndexAt(atMs: number): number {
		let lo = 0, hi = this.frames.length;
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (this.frames[mid]!.wallMs <= atMs) lo = mid + 1;
			else hi = mid;
		}
		return lo - 1;
	}

	/** The Snapshot the table showed at atMs (the newest frame at or before it); null before the first frame. */
	snapshotAt(atMs: number, historyLength = 120): Snapshot | null {
		const i = this.frameIndexAt(atMs);
		if (i < 0) return null;
		const ref = this.frames[i]!;
		const frame = decodeFrame(this.records[ref.record]!.payload);
		const infos = this.infos[ref.session]!;
		const p = latest(this.problems, ref.record);
		const h = frame.host;
		const host: HostView = {
			hostname: p?.hostname ?? this.meta[ref.session]?.hostname ?? '', cpuCount: frame.cpuCount, corePercents: frame.corePercents,
			cpuPercent: nan(h[0]), load: [h[1] ?? 0, h[2] ?? 0, h[3] ?? 0], memTotalBytes: h[4] ?? 0, memUsedBytes: h[5] ?? 0,
			selfCpuPercent: nan(h[6]), selfRssBytes: h[7] ?? 0,
		};
		const rows: NodeRow[] = [];
		for (const r of frame.rows) {
			const info = latest(infos.get(r.id), ref.record);
			if (info) rows.push(this.rowOf(info, r, frame.wallMs, historyLength));
		}
		return {wallMs: frame.wallMs, host, rows, problems: p?.problems ?? [], tick: frame.tick, zeekVersion: p?.zeekVersion ?? null};
	}

	private rowOf(info: NodeInfo, r: FrameData['rows'][number], atMs: number, historyLength: number): NodeRow {
		const x = (k: FrameField) => nan(r.fields[FIELD_INDEX[k]]);
		const hist = this.store.get(info.key);
		const last = (col: 'cpuPercent' | 'mainThreadCpuPercent' | 'rssBytes') => {
			const values: number[] = [];
			if (!hist) return values;
			for (let i = hist.indexAt(atMs); i >= 0 && values.length < historyLength; i--) {
				const v = hist.valueAtIndex(col, i);
				if (v !== null) values.push(v);
			}
			return values.reverse();
		};
		let metrics: NodeMetrics | null = null;
		if (r.flags & ROW_HAS_METRICS) {
			metrics = {
				node: info.node ?? info.key, receivedPacketsPerSecond: x('receivedPacketsPerSecond'), droppedPacketsPerSecond: x('droppedPacketsPerSecond'),
				linkPacketsPerSecond: null, receivedBytesPerSecond: null, dropPercent: x('dropPercent'), packetLagSeconds: x('packetLagSeconds'),
				timerLagSeconds: null, activeSessions: x('activeSessions'), newSessionsPerSecond: x('newSessionsPerSecond'),
				eventsPerSecond: x('eventsPerSecond'), logWritesPerSecond: x('logWritesPerSecond'), topEventHandlers: info.metrics?.topEventHandlers ?? [],
				zeekVersion: info.metrics?.zeekVersion ?? null, cpuPercent: info.launch === 'remote' ? x('cpuPercent') : null,
				rssBytes: info.launch === 'remote' ? r.rssBytes : null, startTimeSeconds: info.metrics?.startTimeSeconds ?? null,
				restarted: (r.flags & ROW_METRICS_RESTARTED) !== 0, dropHistory: [], target: info.metrics?.target ?? '', ageMs: x('metricsAgeMs') ?? Number.NaN,
			};
		}
		const vanished = x('vanishedTicks') ?? 0;
		return {
			key: info.key, node: info.node, role: info.role, launch: info.launch, pid: info.pid, iface: info.iface, comm: info.comm,
			cmdline: info.cmdline, cwd: info.cwd, exe: info.exe, nameTruncated: info.nameTruncated, cpuPercent: x('cpuPercent'),
			mainThreadCpuPercent: x('mainThreadCpuPercent'), rssBytes: r.rssBytes, rssBytesPerMinute: x('rssBytesPerMinute'), threads: x('threads'),
			cpusAllowed: info.cpusAllowed, cpusAllowedCount: info.cpusAllowedCount, lastCpu: x('lastCpu'), state: r.state,
			startedAtMs: info.startedAtMs, restarts: x('restarts') ?? 0, vanishedTicks: vanished, cpuHistory: last('cpuPercent'),
			mainHistory: last('mainThreadCpuPercent'), rssHistory: last('rssBytes'), threadList: null, hints: info.hints, environ: null,
			metrics, heap: info.heap,
		};
	}
}
