import {appendFileSync, existsSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {parseMetrics} from '../collect/metrics/parse.js';
import {extractZeekNodes, type ZeekRaw} from '../collect/metrics/zeek.js';
import {parseStat} from '../collect/proc-parse.js';

/**
 * What a real sensor leaves behind for history: Zeek's stats.log (policy/misc/stats, ASCII with
 * headers, one line per node and stats interval, written by the logger in its cwd — in a cluster
 * the manager's when there is no logger) and zeekctl's cron stats `<spool>/stats.log`. The first
 * `backdateMs` (default one hour) are written at start as if the sensor had run before (values
 * follow each node's behaviour); after that every line comes from the running nodes: RSS and CPU
 * from /proc, packets, drops, lag, sessions and events from their metrics endpoints.
 */

export type StatsNode = {
	readonly node: string;
	readonly role: string;
	readonly behaviour: string;
	readonly pid: number;
	readonly cwd: string;
	readonly metricsPort?: number;
	readonly interface?: string;
};

export type StatsWriterOptions = {
	spoolDir: string;
	layout: string;
	nodes: readonly StatsNode[];
	/** Zeek's Stats::report_interval (real default 5 min; the sim's 10 s so the demo moves). */
	statsIntervalMs?: number;
	/** zeekctl's cron interval (real: 5 min from cron; the sim's 30 s). */
	cronIntervalMs?: number;
	backdateMs?: number;
	now?: () => number;
};

export type StatsWriter = {statsLogPath: string; cronPath: string; stop(): void; tickNow(): Promise<void>};

export const STATS_FIELDS = [
	'ts', 'peer', 'mem', 'pkts_proc', 'bytes_recv', 'pkts_dropped', 'pkts_link', 'pkt_lag', 'pkts_filtered', 'events_proc', 'events_queued',
	'active_tcp_conns', 'active_udp_conns', 'active_icmp_conns', 'tcp_conns', 'udp_conns', 'icmp_conns', 'timers', 'active_timers', 'files',
	'active_files', 'dns_requests', 'active_dns_requests', 'reassem_tcp_size', 'reassem_file_size', 'reassem_frag_size', 'reassem_unknown_size',
];
const STATS_TYPES = ['time', 'string', ...Array.from({length: 5}, () => 'count'), 'interval', ...Array.from({length: 19}, () => 'count')];

const pad = (n: number) => String(n).padStart(2, '0');
function zeekDate(ms: number): string {
	const d = new Date(ms);
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}-${pad(d.getHours())}-${pad(d.getMinutes())}-${pad(d.getSeconds())}`;
}

export function statsLogHeader(openMs: number): string {
	return ['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tstats', `#open\t${zeekDate(openMs)}`,
		`#fields\t${STATS_FIELDS.join('\t')}`, `#types\t${STATS_TYPES.join('\t')}`].join('\n') + '\n';
}

/** Zeek's ASCII writer escapes the separator and non-printables as \xNN. */
function escapeField(s: string): string {
	return s.replace(/[\\\t\u0000-\u001f\u007f]/g, c => (c === '\\' ? '\\\\' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

type Line = {memMB: number; pkts: number; bytes: number; dropped: number; link: number; lag: number | null; events: number; tcp: number; udp: number; icmp: number};

export function statsLine(tsMs: number, peer: string, l: Line): string {
	const f = (n: number) => String(Math.max(0, Math.round(n)));
	const cols = [(tsMs / 1000).toFixed(6), escapeField(peer), f(l.memMB), f(l.pkts), f(l.bytes), f(l.dropped), f(l.link), l.lag === null ? '-' : l.lag.toFixed(6), '-',
		f(l.events), f(l.events), f(l.tcp), f(l.udp), f(l.icmp), f(l.tcp / 2), f(l.udp / 2), f(l.icmp / 2), f(l.events / 5), f(l.tcp * 3), '0', '0', '0', '0', '0', '0', '0', '0'];
	return cols.join('\t') + '\n';
}

/** Deterministic noise per node and time. */
function noise(seed: string, t: number): number {
	let h = 2166136261;
	for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
	h = Math.imul(h ^ Math.floor(t / 1000), 16777619);
	h ^= h >>> 13;
	h = Math.imul(h, 0x5bd1e995);
	return ((h ^ (h >>> 15)) >>> 0) / 2 ** 32;
}

const packetNode = (n: StatsNode) => n.role === 'worker' || n.role === 'standalone';

/** What the node did at time t before the sim started (ageMs before now). */
function pastLine(n: StatsNode, tMs: number, ageMs: number, intervalS: number): Line {
	const r = noise(n.node, tMs);
	let memMB = packetNode(n) ? 180 : 120;
	if (n.behaviour === 'leaking') memMB += Math.max(0, 300 - ageMs / 12_000); // grew by ~300 MB over the hour
	memMB += r * 4;
	if (!packetNode(n)) return {memMB, pkts: 0, bytes: 0, dropped: 0, link: 0, lag: null, events: 40 * intervalS * (0.8 + 0.4 * r), tcp: 0, udp: 0, icmp: 0};
	const pps = (n.behaviour === 'overloaded' ? 9000 : 2500) * (0.85 + 0.3 * r);
	const pkts = pps * intervalS;
	const dropFrac = n.behaviour === 'overloaded' ? 0.25 + 0.1 * Math.sin(tMs / 300_000) : 0;
	const dropped = (pkts * dropFrac) / (1 - dropFrac);
	return {
		memMB, pkts, bytes: pkts * 900, dropped, link: pkts + dropped, lag: n.behaviour === 'overloaded' ? 0.3 + 1.5 * r : 0.0005 + r * 0.003,
		events: pkts * 1.7, tcp: 180 + 60 * r, udp: 320 + 80 * r, icmp: 3,
	};
}

function rssKiB(pid: number): number | null {
	try {
		const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return m ? Number(m[1]) : null;
	} catch {
		return null;
	}
}

function vsizeBytes(pid: number): number | null {
	try {
		const m = /VmSize:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return m ? Number(m[1]) * 1024 : null;
	} catch {
		return null;
	}
}

function cpuTicks(pid: number): number | null {
	try {
		const s = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
		return s ? s.utimeTicks + s.stimeTicks : null;
	} catch {
		return null;
	}
}

async function scrape(port: number, node: string): Promise<Map<string, ZeekRaw> | null> {
	try {
		const res = await fetch(`http://127.0.0.1:${port}/metrics`, {signal: AbortSignal.timeout(2000)});
		const parsed = parseMetrics(await res.text());
		return parsed.ok ? extractZeekNodes(parsed.families, {defaultNode: node}) : null;
	} catch {
		// a node restarting: this interval has no line for it
		return null;
	}
}

export function startStatsWriters(options: StatsWriterOptions): StatsWriter {
	const now = options.now ?? Date.now;
	const statsIntervalMs = options.statsIntervalMs ?? 10_000;
	const cronIntervalMs = options.cronIntervalMs ?? 30_000;
	const backdateMs = options.backdateMs ?? 3600_000;
	const logger = options.nodes.find(n => n.role === 'logger') ?? options.nodes.find(n => n.role === 'manager') ?? options.nodes[0]!;
	const statsLogPath = join(logger.cwd, 'stats.log');
	const cronPath = join(options.spoolDir, 'stats.log');
	const start = now();

	// The hour before: Zeek's lines every stats interval, zeekctl's every cron run.
	let text = statsLogHeader(start - backdateMs);
	// Backdated lines no denser than every 10 s (stats) and 60 s (cron), whatever the live cadence.
	const pastStatsMs = Math.max(statsIntervalMs, 10_000);
	const pastCronMs = Math.max(cronIntervalMs, 60_000);
	for (let t = start - backdateMs; t < start; t += pastStatsMs) {
		for (const n of options.nodes) text += statsLine(t, n.node, pastLine(n, t, start - t, pastStatsMs / 1000));
	}
	if (!existsSync(statsLogPath)) writeFileSync(statsLogPath, text);
	let cron = '';
	const pastPid = new Map(options.nodes.map((n, i) => [n.node, 20_000 + i * 97]));
	for (let t = start - backdateMs; t < start; t += pastCronMs) {
		for (const n of options.nodes) {
			// The crashing node was restarted by cron now and then: a new pid.
			if (n.behaviour === 'crashing' && noise(n.node, t) < 0.15) pastPid.set(n.node, pastPid.get(n.node)! + 1);
			const l = pastLine(n, t, start - t, pastCronMs / 1000);
			cron += cronLines(t, n, pastPid.get(n.node)!, l.memMB * 1024 * 1024, (l.memMB + 600) * 1024 * 1024, packetNode(n) ? 20 + noise(n.node, t + 1) * 30 : 1, packetNode(n) ? l.pkts / (pastCronMs / 1000) : null, l.pkts, l.dropped);
		}
	}
	if (!existsSync(cronPath)) writeFileSync(cronPath, cron);

	// Live: counters remembered between lines per node (and pid: a restart starts over).
	type Prev = {pid: number; raw: ZeekRaw | null; ticks: number | null; atMs: number};
	const prevStats = new Map<string, Prev>();
	const prevCron = new Map<string, Prev>();
	const delta = (c: number | null | undefined, p: number | null | undefined) => (c === null || c === undefined ? 0 : p === null || p === undefined || c < p ? c : c - p);

	const scrapeAll = async (): Promise<Map<string, ZeekRaw>> => {
		const raws = new Map<string, ZeekRaw>();
		const owners = options.nodes.filter(n => n.metricsPort !== undefined);
		for (const m of await Promise.all(owners.map(n => scrape(n.metricsPort!, n.node)))) for (const [k, v] of m ?? []) raws.set(k, v);
		return raws;
	};

	const writeStats = async () => {
		const raws = await scrapeAll();
		const t = now();
		let out = '';
		for (const n of options.nodes) {
			const kib = rssKiB(n.pid);
			if (kib === null) continue;
			const raw = raws.get(n.node) ?? null;
			const p = prevStats.get(n.node);
			const same = p && p.pid === n.pid;
			prevStats.set(n.node, {pid: n.pid, raw, ticks: null, atMs: t});
			const pr = same ? p.raw : null;
			const sessions = raw?.activeSessionsByProtocol;
			out += statsLine(t, n.node, {
				memMB: kib / 1024, pkts: delta(raw?.receivedPackets, pr?.receivedPackets), bytes: delta(raw?.receivedBytes, pr?.receivedBytes),
				dropped: delta(raw?.droppedPackets, pr?.droppedPackets), link: delta(raw?.linkPackets, pr?.linkPackets), lag: raw?.packetLagSeconds ?? null,
				events: delta(raw?.eventHandlerInvocations, pr?.eventHandlerInvocations),
				tcp: sessions?.get('tcp') ?? 0, udp: sessions?.get('udp') ?? 0, icmp: sessions?.get('icmp') ?? 0,
			});
		}
		if (out) appendFileSync(statsLogPath, out);
	};

	const writeCron = async () => {
		const raws = await scrapeAll();
		const t = now();
		let out = '';
		for (const n of options.nodes) {
			const kib = rssKiB(n.pid);
			const ticks = cpuTicks(n.pid);
			if (kib === null || ticks === null) {
				out += `${(t / 1000).toFixed(2)} ${n.node} error error node not running\n`;
				continue;
			}
			const raw = raws.get(n.node) ?? null;
			const p = prevCron.get(n.node);
			prevCron.set(n.node, {pid: n.pid, raw, ticks, atMs: t});
			const same = p && p.pid === n.pid;
			const dt = same ? (t - p.atMs) / 1000 : 0;
			const cpu = same && dt > 0 && p.ticks !== null ? ((ticks - p.ticks) / 100 / dt) * 100 : 0;
			const pkts = same ? delta(raw?.receivedPackets, p.raw?.receivedPackets) : 0;
			const drops = same ? delta(raw?.droppedPackets, p.raw?.droppedPackets) : 0;
			out += cronLines(t, n, n.pid, kib * 1024, vsizeBytes(n.pid) ?? 0, cpu, packetNode(n) && dt > 0 ? pkts / dt : null, pkts, drops);
		}
		if (out) appendFileSync(cronPath, out);
	};

	const errors = (p: Promise<void>) => p.catch(() => undefined);
	const statsTimer = setInterval(() => void errors(writeStats()), statsIntervalMs);
	const cronTimer = setInterval(() => void errors(writeCron()), cronIntervalMs);
	statsTimer.unref();
	cronTimer.unref();
	// A first live cron run right away gives /proc baselines (zeekctl's cpu needs two).
	void errors(writeCron());
	return {
		statsLogPath,
		cronPath,
		stop() {
			clearInterval(statsTimer);
			clearInterval(cronTimer);
		},
		async tickNow() {
			await writeStats();
			await writeCron();
		},
	};
}

/** zeekctl's cron lines for one node: parent pid/vsize/rss/cpu/cmd, and capstats for a worker's interface. */
function cronLines(tMs: number, n: StatsNode, pid: number, rss: number, vsize: number, cpu: number, pps: number | null, pkts: number, drops: number): string {
	const ts = (tMs / 1000).toFixed(2);
	let s = '';
	s += `${ts} ${n.node} parent cmd zeek\n`;
	s += `${ts} ${n.node} parent cpu ${cpu.toFixed(1)}\n`;
	s += `${ts} ${n.node} parent pid ${pid}\n`;
	s += `${ts} ${n.node} parent rss ${Math.round(rss)}\n`;
	s += `${ts} ${n.node} parent vsize ${Math.round(vsize)}\n`;
	if (n.role === 'worker' && pps !== null) {
		s += `${ts} ${n.node} interface kpps ${(pps / 1000).toFixed(3)}\n`;
		s += `${ts} ${n.node} interface mbps ${((pps * 900 * 8) / 1e6).toFixed(3)}\n`;
		s += `${ts} ${n.node} interface nic_drops ${Math.round(drops)}\n`;
		s += `${ts} ${n.node} interface nic_pkts ${Math.round(pkts)}\n`;
		s += `${ts} ${n.node} interface pkts ${Math.round(pkts)}\n`;
	}
	return s;
}
