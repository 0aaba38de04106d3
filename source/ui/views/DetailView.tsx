import React from 'react';
import {Box, Text} from 'ink';
import type {NodeRow} from '../../state/tracker.js';
import {escapeText} from '../../lib/escape.js';
import {formatBytes, formatDuration, formatPercent, padEnd, padStart, truncate} from '../../lib/format.js';
import {sparkline} from '../glyphs.js';
import {pick, type Theme} from '../theme.js';
import type {SavedCaptureRef} from '../table-keys.js';

/** Lines of the detail pane for one node. Pure, so frame tests need no Ink. */
export function detailLines(row: NodeRow, width: number, height: number, nowMs: number, unicode: boolean, captures: readonly SavedCaptureRef[] = [], capturesRoot?: string): string[] {
	const w = Math.max(20, width);
	const chartWidth = Math.max(10, Math.min(120, w - 22));
	const lines: string[] = [];
	const name = escapeText(row.node ?? 'standalone');
	lines.push(truncate(`${name}  ${row.role}  pid ${row.pid}  ${row.launch}${row.iface ? `  iface ${escapeText(row.iface)}` : ''}  state ${row.vanishedTicks > 0 ? 'gone' : row.state}  up ${formatDuration(row.startedAtMs === null ? null : (nowMs - row.startedAtMs) / 1000)}  restarts ${row.restarts}`, w));
	const maxCpu = Math.max(100, ...row.cpuHistory);
	lines.push(`CPU%  ${padStart(formatPercent(row.cpuPercent), 6)} ${sparkline(row.cpuHistory, chartWidth, maxCpu, unicode)}`);
	lines.push(`MAIN% ${padStart(formatPercent(row.mainThreadCpuPercent), 6)} ${sparkline(row.mainHistory, chartWidth, 100, unicode)}`);
	lines.push(`RSS   ${padStart(formatBytes(row.rssBytes), 6)} ${sparkline(row.rssHistory, chartWidth, undefined, unicode)}`);
	lines.push(`RSS/min ${row.rssBytesPerMinute === null ? '-' : formatBytes(row.rssBytesPerMinute)}   threads ${row.threads ?? '-'}   cpus ${escapeText(row.cpusAllowed ?? '-')}   last cpu ${row.lastCpu ?? '-'}`);
	lines.push(truncate(`cmd  ${escapeText(row.cmdline.join(' '))}`, w));
	lines.push(truncate(`cwd  ${escapeText(row.cwd ?? '(unreadable)')}   exe ${escapeText(row.exe ?? '(unreadable)')}`, w));
	const env = row.environ;
	if (env) {
		const interesting = ['CLUSTER_NODE', 'MALLOC_CONF', 'LD_PRELOAD', 'ZEEKPATH'].filter(k => env.has(k));
		if (interesting.length > 0) lines.push(truncate(`env  ${interesting.map(k => `${k}=${escapeText(env.get(k)!)}`).join('  ')}`, w));
	}
	for (const h of row.hints) lines.push(truncate(`hint ${escapeText(h)}`, w));
	const m = row.metrics;
	if (m) {
		const f = (v: number | null, d = 1) => (v === null ? '-' : v.toFixed(d));
		lines.push(truncate(`zeek ${escapeText(m.zeekVersion ?? '?')}  pkts/s ${f(m.receivedPacketsPerSecond, 0)}  drops/s ${f(m.droppedPacketsPerSecond, 0)}  drop ${f(m.dropPercent, 2)}%  lag ${f(m.packetLagSeconds, 2)} s  sessions ${m.activeSessions ?? '-'}  events/s ${f(m.eventsPerSecond, 0)}  logs/s ${f(m.logWritesPerSecond, 0)}  (scraped ${Number.isFinite(m.ageMs) ? Math.round(m.ageMs / 1000) : '-'} s ago)`, w));
		if (m.topEventHandlers.length > 0) {
			lines.push(truncate(`busiest events/s: ${m.topEventHandlers.slice(0, 6).map(h => `${escapeText(h.name)} ${h.perSecond.toFixed(0)}`).join('  ')}`, w));
		}
	} else {
		lines.push('metrics: none scraped for this node yet');
	}
	const heap = row.heap;
	if (heap) {
		lines.push(truncate(`heap ${escapeText(heap.summary)}${heap.dumpDir && heap.kind === 'profiling' ? `   dumps in ${escapeText(heap.dumpDir)}` : ''}`, w));
		if (heap.mallocConf) lines.push(truncate(`     MALLOC_CONF=${escapeText(heap.mallocConf)}`, w));
		if (heap.hint) lines.push(truncate(`     ${escapeText(heap.hint)}`, w));
	}
	if (captures.length > 0) {
		lines.push(truncate(`captures (${captures.length === 1 ? '1 opens it' : `1-${captures.length} open one`})${capturesRoot ? ` in ${escapeText(capturesRoot)}` : ''}`, w));
		captures.forEach((c, i) => {
			const when = c.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
			lines.push(truncate(`  ${i + 1}  ${when}  ${escapeText(c.label)}`, w));
		});
	} else {
		lines.push('captures: none yet (p records a perf profile, m takes a heap profile)');
	}
	lines.push('');
	if (row.threadList && row.threadList.length > 0) {
		lines.push(`${padStart('TID', 8)} ${padEnd('THREAD', 16)} ${padStart('CPU%', 6)} S CPU`);
		const sorted = [...row.threadList].sort((a, b) => (b.cpuPercent ?? -1) - (a.cpuPercent ?? -1) || a.tid - b.tid);
		for (const t of sorted) {
			lines.push(`${padStart(String(t.tid), 8)} ${padEnd(escapeText(t.name), 16)} ${padStart(formatPercent(t.cpuPercent), 6)} ${t.state} ${padStart(String(t.processor), 3)}${t.tid === row.pid ? '  main' : ''}`);
		}
	} else {
		lines.push('threads: reading...');
	}
	return lines.slice(0, Math.max(0, height));
}

export function DetailView(props: {row: NodeRow | undefined; width: number; height: number; nowMs: number; theme: Theme; captures?: readonly SavedCaptureRef[]; capturesRoot?: string}) {
	if (!props.row) return <Text>The node is gone.</Text>;
	const lines = detailLines(props.row, props.width, props.height, props.nowMs, props.theme.unicode, props.captures, props.capturesRoot);
	return (
		<Box flexDirection="column" height={props.height}>
			{lines.map((l, i) => (
				<Text key={i} wrap="truncate" color={i === 0 ? pick(props.theme, 'cyan') : undefined} bold={i === 0}>{l || ' '}</Text>
			))}
		</Box>
	);
}
