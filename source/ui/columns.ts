import type {NodeRow} from '../state/tracker.js';
import {escapeText} from '../lib/escape.js';
import {formatBytes, formatCount, formatDuration, formatPercent, padEnd, padStart, truncate} from '../lib/format.js';
import {sparkline} from './glyphs.js';

/**
 * The node table's columns as data: the TUI and `--once` render from the same list. Columns are
 * dropped by priority (highest number first) until the row fits the width.
 */

export type ColumnId =
	| 'node' | 'role' | 'pid' | 'cpu' | 'cpuSpark' | 'main' | 'rss' | 'rssSpark' | 'rssRate' | 'threads'
	| 'cpus' | 'state' | 'uptime' | 'restarts' | 'pkts' | 'drop' | 'dropSpark' | 'lag' | 'sess' | 'heap';

export type Emphasis = 'hot' | 'warn' | undefined;

export type Column = {
	id: ColumnId;
	title: string;
	width: number;
	align: 'left' | 'right';
	/** Lower is more important; the highest is dropped first. */
	drop: number;
	/** Key used by sort keys (P, M, N, < >). */
	sortable: boolean;
	text(row: NodeRow, ctx: CellContext): string;
	emphasis?(row: NodeRow): Emphasis;
	sortValue?(row: NodeRow): number | string;
};

/** What the table and `--once` say when no Zeek process is found. */
export const EMPTY_STATE =
	'No Zeek processes found: looked in /proc for processes named zeek or zeek.<node> (zeekctl, zeek -j supervisor, systemd, standalone). Try `zeektop demo` for a simulated sensor.';

export type CellContext = {nowMs: number; unicode: boolean};

/** 40s, 12m, 3h: the age of the newest heap dump in a few columns. */
export function shortAge(ms: number): string {
	const s = Math.max(0, Math.round(ms / 1000));
	if (s < 60) return `${s}s`;
	if (s < 3600) return `${Math.round(s / 60)}m`;
	if (s < 86400 * 2) return `${Math.round(s / 3600)}h`;
	return `${Math.round(s / 86400)}d`;
}

/**
 * HEAP: '-' no jemalloc, 'off' jemalloc without profiling, 'on' profiling (no dumps yet), 'idle'
 * prof_active:false, '4@40s' four dumps, the newest 40 s old; '?' unknown (unreadable).
 */
export function heapCell(row: NodeRow, nowMs: number): string {
	const h = row.heap;
	if (!h) return row.launch === 'remote' ? '' : '-';
	switch (h.kind) {
		case 'no-jemalloc': return '-';
		case 'unknown': return '?';
		case 'jemalloc-no-profiling': return 'off';
		case 'profiling':
			if (h.dumps === 0 || h.newestDumpAtMs === null) return h.paused ? 'idle' : 'on';
			return `${h.dumps}@${shortAge(nowMs - h.newestDumpAtMs)}`;
	}
}

const dash = (v: string | number | null | undefined) => (v === null || v === undefined ? '-' : String(v));

export const COLUMNS: Column[] = [
	{
		id: 'node', title: 'NODE', width: 12, align: 'left', drop: 0, sortable: true,
		text: r => escapeText(r.node ?? (r.role === 'standalone' ? 'standalone' : r.comm)) + (r.nameTruncated ? '~' : ''),
		sortValue: r => r.node ?? '',
	},
	{id: 'role', title: 'ROLE', width: 7, align: 'left', drop: 10, sortable: true, text: r => r.role, sortValue: r => r.role},
	{id: 'pid', title: 'PID', width: 7, align: 'right', drop: 5, sortable: true, text: r => String(r.pid), sortValue: r => r.pid},
	{
		id: 'cpu', title: 'CPU%', width: 6, align: 'right', drop: 0, sortable: true,
		text: r => formatPercent(r.cpuPercent),
		emphasis: r => ((r.cpuPercent ?? 0) >= 90 ? 'hot' : (r.cpuPercent ?? 0) >= 60 ? 'warn' : undefined),
		sortValue: r => r.cpuPercent ?? -1,
	},
	{
		id: 'cpuSpark', title: 'CPU', width: 10, align: 'left', drop: 7, sortable: false,
		text: (r, c) => sparkline(r.cpuHistory, 10, 100, c.unicode),
	},
	{
		id: 'main', title: 'MAIN%', width: 6, align: 'right', drop: 1, sortable: true,
		text: r => formatPercent(r.mainThreadCpuPercent),
		emphasis: r => ((r.mainThreadCpuPercent ?? 0) >= 90 ? 'hot' : (r.mainThreadCpuPercent ?? 0) >= 70 ? 'warn' : undefined),
		sortValue: r => r.mainThreadCpuPercent ?? -1,
	},
	{
		id: 'rss', title: 'RSS', width: 7, align: 'right', drop: 0, sortable: true,
		text: r => formatBytes(r.rssBytes), sortValue: r => r.rssBytes ?? -1,
	},
	{
		id: 'rssSpark', title: 'MEM', width: 10, align: 'left', drop: 8, sortable: false,
		text: (r, c) => sparkline(r.rssHistory, 10, undefined, c.unicode),
	},
	{
		id: 'rssRate', title: 'RSS/min', width: 8, align: 'right', drop: 2, sortable: true,
		text: r => (r.rssBytesPerMinute === null ? '-' : (r.rssBytesPerMinute > 0 ? '+' : '') + formatBytes(r.rssBytesPerMinute)),
		emphasis: r => ((r.rssBytesPerMinute ?? 0) > 1024 * 1024 ? 'warn' : undefined),
		sortValue: r => r.rssBytesPerMinute ?? -Infinity,
	},
	{id: 'threads', title: 'THR', width: 4, align: 'right', drop: 11, sortable: true, text: r => dash(r.threads), sortValue: r => r.threads ?? -1},
	{
		id: 'cpus', title: 'CPUS', width: 6, align: 'right', drop: 12, sortable: false,
		text: r => (r.cpusAllowed === null ? '-' : r.cpusAllowed.length <= 6 ? r.cpusAllowed : `${r.cpusAllowedCount}cpu`),
	},
	{
		id: 'state', title: 'S', width: 4, align: 'left', drop: 6, sortable: false,
		text: r => (r.vanishedTicks > 0 ? 'gone' : r.state),
	},
	{
		id: 'uptime', title: 'UP', width: 6, align: 'right', drop: 13, sortable: true,
		text: (r, c) => formatDuration(r.startedAtMs === null ? null : (c.nowMs - r.startedAtMs) / 1000),
		sortValue: r => -(r.startedAtMs ?? 0),
	},
	{
		id: 'heap', title: 'HEAP', width: 7, align: 'right', drop: 8, sortable: true,
		text: (r, c) => heapCell(r, c.nowMs),
		sortValue: r => (r.heap?.kind === 'profiling' ? 1000 + r.heap.dumps : r.heap?.kind === 'jemalloc-no-profiling' ? 1 : 0),
	},
	{
		id: 'restarts', title: 'RST', width: 3, align: 'right', drop: 3, sortable: true,
		text: r => String(r.restarts),
		emphasis: r => (r.restarts > 0 ? 'warn' : undefined),
		sortValue: r => r.restarts,
	},
];

/** Zeek's own numbers (metrics endpoint); '-' until a scrape answered for the node. */
const METRIC_COLUMNS: Column[] = [
	{
		id: 'pkts', title: 'PKTS/s', width: 7, align: 'right', drop: 3, sortable: true,
		text: r => formatCount(r.metrics?.receivedPacketsPerSecond), sortValue: r => r.metrics?.receivedPacketsPerSecond ?? -1,
	},
	{
		id: 'drop', title: 'DROP%', width: 6, align: 'right', drop: 1, sortable: true,
		text: r => formatPercent(r.metrics?.dropPercent, r.metrics?.dropPercent && r.metrics.dropPercent < 0.1 ? 2 : 1),
		emphasis: r => ((r.metrics?.dropPercent ?? 0) > 0 ? 'hot' : undefined),
		sortValue: r => r.metrics?.dropPercent ?? -1,
	},
	{
		id: 'dropSpark', title: 'DROPS', width: 8, align: 'left', drop: 9, sortable: false,
		text: (r, c) => sparkline(r.metrics?.dropHistory ?? [], 8, undefined, c.unicode),
		emphasis: r => ((r.metrics?.dropPercent ?? 0) > 0 ? 'hot' : undefined),
	},
	{
		id: 'lag', title: 'LAG', width: 6, align: 'right', drop: 4, sortable: true,
		text: r => (r.metrics?.packetLagSeconds == null ? '-' : r.metrics.packetLagSeconds < 10 ? r.metrics.packetLagSeconds.toFixed(2) : r.metrics.packetLagSeconds.toFixed(0)),
		emphasis: r => ((r.metrics?.packetLagSeconds ?? 0) > 1 ? 'hot' : undefined),
		sortValue: r => r.metrics?.packetLagSeconds ?? -1,
	},
	{
		id: 'sess', title: 'SESS', width: 6, align: 'right', drop: 6, sortable: true,
		text: r => formatCount(r.metrics?.activeSessions), sortValue: r => r.metrics?.activeSessions ?? -1,
	},
];

// Metric columns sit after RSS/min: CPU, memory, then packets.
COLUMNS.splice(COLUMNS.findIndex(c => c.id === 'rssRate') + 1, 0, ...METRIC_COLUMNS);

export const SORTABLE = COLUMNS.filter(c => c.sortable).map(c => c.id);

const METRIC_IDS = new Set<ColumnId>(['pkts', 'drop', 'dropSpark', 'lag', 'sess']);

/**
 * Columns that fit `width` (1 space between columns). NODE is as wide as the longest name
 * (`nameWidth`, 12..24) before anything else is kept: an operator identifies nodes by name, so
 * sparklines and minor columns go first. Then NODE takes any slack up to 24. Metric columns are
 * left out while no node has metrics (--no-metrics, or nothing scraped yet).
 */
export function fitColumns(width: number, withMetrics = true, columns: Column[] = COLUMNS, nameWidth = 12): Column[] {
	const wanted = Math.max(12, Math.min(24, Math.ceil(nameWidth)));
	let chosen = (withMetrics ? [...columns] : columns.filter(c => !METRIC_IDS.has(c.id)))
		.map(c => (c.id === 'node' ? {...c, width: Math.max(c.width, wanted)} : c));
	const total = (cs: Column[]) => cs.reduce((a, c) => a + c.width, 0) + cs.length - 1;
	while (total(chosen) > width && chosen.length > 1) {
		const worst = chosen.reduce((a, c) => (c.drop > a.drop ? c : a));
		chosen = chosen.filter(c => c !== worst);
	}
	const slack = width - total(chosen);
	if (slack > 0) {
		chosen = chosen.map(c => (c.id === 'node' ? {...c, width: c.width + Math.min(slack, Math.max(0, 24 - c.width))} : c));
	}
	return chosen;
}

/** The width NODE needs for these rows' names (as drawn: escaped, `~` when cut at 15). */
export function nodeNameWidth(rows: readonly NodeRow[]): number {
	let w = 0;
	const node = COLUMNS.find(c => c.id === 'node')!;
	for (const r of rows) w = Math.max(w, node.text(r, {nowMs: 0, unicode: false}).length);
	return w;
}

export function cell(column: Column, text: string): string {
	return column.align === 'right' ? padStart(text, column.width) : padEnd(truncate(text, column.width), column.width);
}

export function headerLine(columns: Column[]): string {
	return columns.map(c => cell(c, c.title)).join(' ');
}

export function rowLine(columns: Column[], row: NodeRow, ctx: CellContext): string {
	return columns.map(c => cell(c, c.text(row, ctx))).join(' ');
}
