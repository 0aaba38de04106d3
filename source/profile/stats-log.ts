/**
 * Backfill parsers (pure): Zeek's stats.log (policy/misc/stats, ASCII TSV with headers or JSON
 * lines) and zeekctl's cron stats (`<spool>/stats.log`). Both give points per node with the
 * node's own field names; bad and partial lines are skipped and counted, never fatal.
 */

export type StatsValues = {
	cpuPercent?: number | null;
	mainThreadCpuPercent?: number | null;
	rssBytes?: number | null;
	receivedPacketsPerSecond?: number | null;
	dropPercent?: number | null;
	packetLagSeconds?: number | null;
	activeSessions?: number | null;
	eventsPerSecond?: number | null;
};

export type StatsPoint = {node: string; atMs: number; values: StatsValues; restart: boolean};

export type StatsParse = {
	points: StatsPoint[];
	/** Lines skipped (wrong field count, bad numbers, cut off at the end of the file, not JSON). */
	badLines: number;
	/** The first few reasons, for `problems` (untrusted text: escape before display). */
	samples: string[];
	/** zeekctl `error error <msg>` lines: zeekctl's own complaints. */
	errors: string[];
};

const MAX_SAMPLES = 3;
const MIB = 1024 * 1024;

function newParse(): StatsParse {
	return {points: [], badLines: 0, samples: [], errors: []};
}

function bad(out: StatsParse, lineNo: number, why: string): void {
	out.badLines++;
	if (out.samples.length < MAX_SAMPLES) out.samples.push(`line ${lineNo}: ${why}`);
}

/** Zeek's ASCII escaping: `\xNN` for separators and non-printables, `\\` for a backslash. */
export function unescapeZeek(s: string): string {
	if (!s.includes('\\')) return s;
	return s.replace(/\\(x[0-9a-fA-F]{2}|\\)/g, (_, e: string) => (e === '\\' ? '\\' : String.fromCharCode(Number.parseInt(e.slice(1), 16))));
}

/** Lines of a text, and whether the last one was cut off (no newline: a write in progress). */
function splitLines(text: string): {lines: string[]; partialLast: boolean} {
	const lines = text.split('\n');
	const last = lines.pop()!;
	const partialLast = last.length > 0;
	if (partialLast) lines.push(last);
	return {lines, partialLast};
}

type Raw = {
	ts: number;
	peer: string;
	mem: number | null;
	pktsProc: number | null;
	pktsDropped: number | null;
	pktLag: number | null;
	eventsProc: number | null;
	activeConns: number | null;
};

/**
 * Zeek's counters in stats.log are per stats interval; the interval is the time since the same
 * peer's previous line (the first line of a peer has no rate).
 */
function toPoints(raws: Raw[], out: StatsParse): void {
	const prevTs = new Map<string, number>();
	for (const r of raws) {
		const prev = prevTs.get(r.peer);
		prevTs.set(r.peer, r.ts);
		const dt = prev === undefined ? 0 : r.ts - prev;
		const rate = (n: number | null) => (n === null || !(dt > 0) ? null : n / dt);
		let dropPercent: number | null = null;
		if (r.pktsProc !== null && r.pktsDropped !== null) {
			const seen = r.pktsProc + r.pktsDropped;
			dropPercent = seen > 0 ? (r.pktsDropped / seen) * 100 : 0;
		}
		out.points.push({
			node: r.peer,
			atMs: r.ts * 1000,
			restart: false,
			values: {
				rssBytes: r.mem === null ? null : r.mem * MIB,
				receivedPacketsPerSecond: rate(r.pktsProc),
				dropPercent,
				packetLagSeconds: r.pktLag,
				activeSessions: r.activeConns,
				eventsPerSecond: rate(r.eventsProc),
			},
		});
	}
}

const num = (s: string | undefined | null, unset: string): number | null | undefined => {
	if (s === undefined || s === null) return null;
	if (s === unset || s === '') return null;
	const v = Number(s);
	return Number.isFinite(v) ? v : undefined;
};

/**
 * Zeek's stats.log: ASCII (TSV, `#fields` header, escapes, possibly several header blocks when
 * files were concatenated) or JSON lines (`LogAscii::use_json=T`, ts as epoch or ISO 8601).
 * Points come out in file order.
 */
export function parseZeekStatsLog(text: string): StatsParse {
	const out = newParse();
	const {lines, partialLast} = splitLines(text);
	let sep = '\t';
	let unset = '-';
	let fields: string[] | null = null;
	let col: Record<string, number> = {};
	const raws: Raw[] = [];
	for (let n = 0; n < lines.length; n++) {
		const line = lines[n]!.replace(/\r$/, '');
		const lineNo = n + 1;
		if (line === '') continue;
		if (partialLast && n === lines.length - 1) {
			bad(out, lineNo, 'cut off at the end of the file');
			continue;
		}
		if (line.startsWith('#')) {
			if (line.startsWith('#separator ')) {
				sep = unescapeZeek(line.slice('#separator '.length));
				continue;
			}
			const parts = line.split(sep);
			const key = parts[0]!;
			if (key === '#unset_field') unset = parts[1] ?? '-';
			else if (key === '#fields') {
				fields = parts.slice(1);
				col = {};
				fields.forEach((f, i) => (col[f] = i));
			}
			continue;
		}
		if (line.startsWith('{')) {
			const raw = jsonRaw(line);
			if (typeof raw === 'string') bad(out, lineNo, raw);
			else raws.push(raw);
			continue;
		}
		if (!fields) {
			bad(out, lineNo, 'data before a #fields header');
			continue;
		}
		const parts = line.split(sep);
		if (parts.length !== fields.length) {
			bad(out, lineNo, `${parts.length} fields, the header has ${fields.length}`);
			continue;
		}
		const get = (name: string) => (col[name] === undefined ? null : parts[col[name]!]!);
		const ts = num(get('ts'), unset);
		if (ts === null || ts === undefined) {
			bad(out, lineNo, 'ts is not a time');
			continue;
		}
		const numbers: Array<number | null> = [];
		let failed: string | null = null;
		for (const name of ['mem', 'pkts_proc', 'pkts_dropped', 'pkt_lag', 'events_proc', 'active_tcp_conns', 'active_udp_conns', 'active_icmp_conns']) {
			const v = num(get(name), unset);
			if (v === undefined) {
				failed = `${name} is not a number`;
				break;
			}
			numbers.push(v);
		}
		if (failed) {
			bad(out, lineNo, failed);
			continue;
		}
		const [mem, pktsProc, pktsDropped, pktLag, eventsProc, tcp, udp, icmp] = numbers as Array<number | null>;
		const peerField = get('peer');
		raws.push({
			ts, peer: peerField === null || peerField === unset ? 'zeek' : unescapeZeek(peerField),
			mem: mem!, pktsProc: pktsProc!, pktsDropped: pktsDropped!, pktLag: pktLag!, eventsProc: eventsProc!,
			activeConns: tcp === null && udp === null && icmp === null ? null : (tcp ?? 0) + (udp ?? 0) + (icmp ?? 0),
		});
	}
	toPoints(raws, out);
	return out;
}

function jsonRaw(line: string): Raw | string {
	let o: unknown;
	try {
		o = JSON.parse(line);
	} catch {
		return 'not JSON';
	}
	if (typeof o !== 'object' || o === null || Array.isArray(o)) return 'not a JSON object';
	const r = o as Record<string, unknown>;
	let ts: number | null = null;
	if (typeof r.ts === 'number') ts = r.ts;
	else if (typeof r.ts === 'string') {
		const ms = Date.parse(r.ts);
		ts = Number.isFinite(ms) ? ms / 1000 : null;
	}
	if (ts === null || !Number.isFinite(ts)) return 'ts is not a time';
	const n = (k: string): number | null => (typeof r[k] === 'number' && Number.isFinite(r[k]) ? r[k] : null);
	const conns = ['active_tcp_conns', 'active_udp_conns', 'active_icmp_conns'].map(n);
	return {
		ts, peer: typeof r.peer === 'string' ? r.peer : 'zeek', mem: n('mem'), pktsProc: n('pkts_proc'), pktsDropped: n('pkts_dropped'),
		pktLag: n('pkt_lag'), eventsProc: n('events_proc'),
		activeConns: conns.every(c => c === null) ? null : conns.reduce<number>((a, c) => a + (c ?? 0), 0),
	};
}

/**
 * zeekctl's cron stats: `<epoch> <node> parent <key> <value>` (pid, vsize, rss in bytes, cpu in
 * %, cmd), `<epoch> <node> interface <key> <value>` (capstats: pkts, kpps, mbps, nic_pkts,
 * nic_drops, ...) and `<epoch> <node> error error <msg>`. One point per node and epoch; a node
 * whose pid changed between two epochs restarted. `$total` (the sum of all interfaces) is skipped.
 */
export function parseZeekctlStats(text: string): StatsParse {
	const out = newParse();
	const {lines, partialLast} = splitLines(text);
	type Acc = {node: string; ts: number; pid: number | null; cpu: number | null; rss: number | null; kpps: number | null; nicPkts: number | null; nicDrops: number | null};
	const groups = new Map<string, Acc>();
	for (let n = 0; n < lines.length; n++) {
		const line = lines[n]!.replace(/\r$/, '');
		const lineNo = n + 1;
		if (line.trim() === '') continue;
		if (partialLast && n === lines.length - 1) {
			bad(out, lineNo, 'cut off at the end of the file');
			continue;
		}
		const m = /^(\S+) (\S+) (\S+) (\S+)(?: (.*))?$/.exec(line);
		if (!m) {
			bad(out, lineNo, 'not `<epoch> <node> parent|interface <key> <value>`');
			continue;
		}
		const [, epoch, node, kind, key, value = ''] = m as unknown as [string, string, string, string, string, string?];
		const ts = Number(epoch);
		if (!Number.isFinite(ts) || ts <= 0) {
			bad(out, lineNo, 'the epoch is not a number');
			continue;
		}
		if (kind === 'error') {
			if (out.errors.length < MAX_SAMPLES) out.errors.push(`${node}: ${value}`);
			continue;
		}
		if (kind !== 'parent' && kind !== 'interface') {
			bad(out, lineNo, `unknown record type ${kind.slice(0, 20)}`);
			continue;
		}
		if (node === '$total') continue;
		if (key === 'cmd') continue;
		const v = Number(value);
		if (value === '' || !Number.isFinite(v)) {
			bad(out, lineNo, `${key} is not a number`);
			continue;
		}
		const gk = `${epoch}\u0000${node}`;
		let g = groups.get(gk);
		if (!g) {
			g = {node, ts, pid: null, cpu: null, rss: null, kpps: null, nicPkts: null, nicDrops: null};
			groups.set(gk, g);
		}
		if (kind === 'parent') {
			if (key === 'pid') g.pid = v;
			else if (key === 'cpu') g.cpu = v;
			else if (key === 'rss') g.rss = v;
		} else if (key === 'kpps') g.kpps = v;
		else if (key === 'nic_pkts') g.nicPkts = v;
		else if (key === 'nic_drops') g.nicDrops = v;
	}
	const accs = [...groups.values()].sort((a, b) => a.ts - b.ts);
	const lastPid = new Map<string, number>();
	for (const g of accs) {
		const before = lastPid.get(g.node);
		if (g.pid !== null) lastPid.set(g.node, g.pid);
		let dropPercent: number | null = null;
		if (g.nicPkts !== null && g.nicDrops !== null) {
			const seen = g.nicPkts + g.nicDrops;
			dropPercent = seen > 0 ? (g.nicDrops / seen) * 100 : 0;
		}
		out.points.push({
			node: g.node,
			atMs: g.ts * 1000,
			restart: before !== undefined && g.pid !== null && g.pid !== before,
			values: {cpuPercent: g.cpu, rssBytes: g.rss, receivedPacketsPerSecond: g.kpps === null ? null : g.kpps * 1000, dropPercent},
		});
	}
	return out;
}
