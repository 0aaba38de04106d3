/**
 * The zeektop recording format, version 1 (pure codec; file I/O is collect/recording.ts).
 *
 *   file    := header record*
 *   header  := "ZEEKTOP-RECORDING 1\n"                      (20 bytes of ASCII)
 *   record  := length:u32le type:u8 payload[length] crc:u32le
 *              crc is CRC-32 (IEEE) of the type byte and the payload.
 *   type 1 META     JSON {version, startedAt, intervalMs, hostname, zeektop}: starts a session;
 *                   node ids are per session (appending to a file starts a new one).
 *   type 2 NODE     JSON {id, ...}: what a node is (name, role, pid, cmdline, ...); written when a
 *                   node first appears and whenever that changes (a restart: a new pid).
 *   type 3 FRAME    binary, one per tick: wallMs:f64 tick:u32 host:f64×8 cpuCount:u16
 *                   cores:u16 core%:f32×cores rows:u16, then per row id:u16 state:u8 flags:u8
 *                   rssBytes:f64 and FRAME_FIELDS.length × f32 (NaN: unknown).
 *   type 4 PROBLEMS JSON {problems, zeekVersion}: written when they change.
 *   Unknown types are skipped (a later minor addition); a reader refuses a higher version.
 *
 * Append-only and crash-safe: every record goes out in one write, so a crash leaves at most one
 * torn record at the end, which the reader detects (short or failing its CRC) and skips; the
 * writer cuts it off before appending again. All numbers little-endian.
 */

export const RECORDING_MAGIC = 'ZEEKTOP-RECORDING ';
export const RECORDING_VERSION = 1;
export const RECORDING_HEADER = `${RECORDING_MAGIC}${RECORDING_VERSION}\n`;

export const RecordType = {Meta: 1, Node: 2, Frame: 3, Problems: 4} as const;
export type RecordType = typeof RecordType[keyof typeof RecordType];

/** Per-row numbers of a frame, in this order (the row's own field names). */
export const FRAME_FIELDS = [
	'cpuPercent', 'mainThreadCpuPercent', 'rssBytesPerMinute', 'threads', 'lastCpu', 'restarts', 'vanishedTicks',
	'receivedPacketsPerSecond', 'droppedPacketsPerSecond', 'dropPercent', 'packetLagSeconds', 'activeSessions',
	'eventsPerSecond', 'logWritesPerSecond', 'newSessionsPerSecond', 'metricsAgeMs',
] as const;
export type FrameField = typeof FRAME_FIELDS[number];
export const FIELD_INDEX: Readonly<Record<FrameField, number>> = Object.fromEntries(FRAME_FIELDS.map((f, i) => [f, i])) as Record<FrameField, number>;

export const HOST_FIELDS = ['cpuPercent', 'load1', 'load5', 'load15', 'memTotalBytes', 'memUsedBytes', 'selfCpuPercent', 'selfRssBytes'] as const;

/** Row flags. */
export const ROW_HAS_METRICS = 1;
export const ROW_METRICS_RESTARTED = 2;

export type FrameRow = {id: number; state: string; flags: number; rssBytes: number | null; fields: Float32Array};
export type FrameData = {
	wallMs: number;
	tick: number;
	host: number[];
	cpuCount: number;
	corePercents: number[];
	rows: FrameRow[];
};

export class RecordingError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'RecordingError';
	}
}

// ---- CRC-32 ---------------------------------------------------------------------------------

const CRC_TABLE = (() => {
	const t = new Int32Array(256);
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		t[n] = c;
	}
	return t;
})();

export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
	let c = -1;
	for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
	return (c ^ -1) >>> 0;
}

// ---- records ----------------------------------------------------------------------------------

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeRecord(type: RecordType, payload: Uint8Array): Uint8Array {
	const out = new Uint8Array(4 + 1 + payload.length + 4);
	const view = new DataView(out.buffer);
	view.setUint32(0, payload.length, true);
	out[4] = type;
	out.set(payload, 5);
	view.setUint32(5 + payload.length, crc32(out, 4, 5 + payload.length), true);
	return out;
}

export function encodeJsonRecord(type: RecordType, value: unknown): Uint8Array {
	return encodeRecord(type, encoder.encode(JSON.stringify(value)));
}

export function decodeJson(payload: Uint8Array): unknown {
	return JSON.parse(decoder.decode(payload));
}

const STATE_REMOTE = 200;
const STATE_GONE = 201;

function stateCode(s: string): number {
	if (s === 'remote') return STATE_REMOTE;
	if (s === 'gone') return STATE_GONE;
	const c = s.length === 1 ? s.charCodeAt(0) : 0;
	return c > 0x20 && c < 0x7f ? c : 0;
}

function stateOf(code: number): string {
	if (code === STATE_REMOTE) return 'remote';
	if (code === STATE_GONE) return 'gone';
	return code === 0 ? '?' : String.fromCharCode(code);
}

const ROW_BYTES = 2 + 1 + 1 + 8 + FRAME_FIELDS.length * 4;

export function encodeFrame(f: FrameData): Uint8Array {
	const head = 8 + 4 + HOST_FIELDS.length * 8 + 2 + 2 + f.corePercents.length * 4 + 2;
	const buf = new Uint8Array(head + f.rows.length * ROW_BYTES);
	const v = new DataView(buf.buffer);
	let o = 0;
	v.setFloat64(o, f.wallMs, true); o += 8;
	v.setUint32(o, f.tick >>> 0, true); o += 4;
	for (let i = 0; i < HOST_FIELDS.length; i++) {
		v.setFloat64(o, f.host[i] ?? Number.NaN, true); o += 8;
	}
	v.setUint16(o, Math.min(0xffff, f.cpuCount), true); o += 2;
	v.setUint16(o, f.corePercents.length, true); o += 2;
	for (const c of f.corePercents) {
		v.setFloat32(o, c, true); o += 4;
	}
	v.setUint16(o, f.rows.length, true); o += 2;
	for (const r of f.rows) {
		v.setUint16(o, r.id, true); o += 2;
		buf[o++] = stateCode(r.state);
		buf[o++] = r.flags;
		v.setFloat64(o, r.rssBytes ?? Number.NaN, true); o += 8;
		for (let i = 0; i < FRAME_FIELDS.length; i++) {
			v.setFloat32(o, r.fields[i] ?? Number.NaN, true); o += 4;
		}
	}
	return encodeRecord(RecordType.Frame, buf);
}

/** The time of a frame without decoding the rest. */
export function frameWallMs(payload: Uint8Array): number {
	return new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getFloat64(0, true);
}

export function decodeFrame(payload: Uint8Array): FrameData {
	const v = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
	let o = 0;
	const need = (n: number) => {
		if (o + n > payload.byteLength) throw new RecordingError('a frame record is shorter than its contents');
	};
	need(12 + HOST_FIELDS.length * 8 + 4);
	const wallMs = v.getFloat64(o, true); o += 8;
	const tick = v.getUint32(o, true); o += 4;
	const host: number[] = [];
	for (let i = 0; i < HOST_FIELDS.length; i++) {
		host.push(v.getFloat64(o, true)); o += 8;
	}
	const cpuCount = v.getUint16(o, true); o += 2;
	const cores = v.getUint16(o, true); o += 2;
	need(cores * 4 + 2);
	const corePercents: number[] = [];
	for (let i = 0; i < cores; i++) {
		corePercents.push(v.getFloat32(o, true)); o += 4;
	}
	const n = v.getUint16(o, true); o += 2;
	need(n * ROW_BYTES);
	const rows: FrameRow[] = [];
	for (let k = 0; k < n; k++) {
		const id = v.getUint16(o, true); o += 2;
		const state = stateOf(payload[o++]!);
		const flags = payload[o++]!;
		const rss = v.getFloat64(o, true); o += 8;
		const fields = new Float32Array(FRAME_FIELDS.length);
		for (let i = 0; i < FRAME_FIELDS.length; i++) {
			fields[i] = v.getFloat32(o, true); o += 4;
		}
		rows.push({id, state, flags, rssBytes: Number.isNaN(rss) ? null : rss, fields});
	}
	return {wallMs, tick, host, cpuCount, corePercents, rows};
}

export type RawRecord = {type: number; offset: number; payload: Uint8Array};
export type ScanResult = {
	version: number;
	records: RawRecord[];
	/** Bytes after the last good record (a torn write, or damage): skipped. */
	tornBytes: number;
	/** Where the good part ends (the writer truncates to this before appending). */
	goodEnd: number;
	/** Why the tail was skipped, when it was. */
	tornReason: string | null;
};

/** Checks the header; a file that is not a recording gets a RecordingError with a one-line message. */
export function checkHeader(bytes: Uint8Array, name: string): number {
	const head = decoder.decode(bytes.subarray(0, Math.min(bytes.length, 32)));
	if (!head.startsWith(RECORDING_MAGIC)) {
		throw new RecordingError(`${name} is not a zeektop recording (it does not start with "${RECORDING_MAGIC.trim()}"): make one with \`zeektop record FILE\``);
	}
	const nl = head.indexOf('\n');
	const version = Number(head.slice(RECORDING_MAGIC.length, nl < 0 ? undefined : nl));
	if (nl < 0 || !Number.isInteger(version) || version < 1) {
		throw new RecordingError(`${name} has a damaged recording header: it cannot be read`);
	}
	if (version > RECORDING_VERSION) {
		throw new RecordingError(`${name} is a version ${version} recording; this zeektop reads version ${RECORDING_VERSION}: upgrade zeektop to replay it`);
	}
	return nl + 1;
}

/**
 * Splits a recording into records, stopping at the first torn or damaged one. `crc` may be a
 * faster CRC-32 of the same definition (node:zlib's, passed in by collect/).
 */
export function scanRecording(bytes: Uint8Array, name = 'the file', crc: (bytes: Uint8Array) => number = b => crc32(b)): ScanResult {
	const start = checkHeader(bytes, name);
	const version = Number(decoder.decode(bytes.subarray(RECORDING_MAGIC.length, start - 1)));
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const records: RawRecord[] = [];
	let o = start;
	let tornReason: string | null = null;
	while (o < bytes.length) {
		if (o + 5 > bytes.length) {
			tornReason = 'a record header cut off';
			break;
		}
		const length = view.getUint32(o, true);
		const end = o + 5 + length + 4;
		if (end > bytes.length) {
			tornReason = 'a record cut off';
			break;
		}
		const stored = view.getUint32(o + 5 + length, true);
		if (crc(bytes.subarray(o + 4, o + 5 + length)) !== stored) {
			tornReason = 'a record failing its checksum';
			break;
		}
		records.push({type: bytes[o + 4]!, offset: o, payload: bytes.subarray(o + 5, o + 5 + length)});
		o = end;
	}
	return {version, records, tornBytes: bytes.length - o, goodEnd: o, tornReason};
}
