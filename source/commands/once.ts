import type {Monitor, Snapshot} from '../state/monitor.js';
import {EMPTY_STATE, fitColumns, headerLine, nodeNameWidth, rowLine} from '../ui/columns.js';
import {formatBytes, formatPercent} from '../lib/format.js';
import {escapeText} from '../lib/escape.js';
import {snapshotJson} from './snapshot-json.js';

/**
 * Two samples `intervalMs` apart (so rates exist), then one snapshot. Metrics are scraped at both
 * samples, so their rates exist too; a scrape never takes longer than its timeout.
 */
export async function takeSnapshot(monitor: Monitor, intervalMs: number): Promise<Snapshot> {
	monitor.backgroundScrapes = false;
	monitor.tick();
	await monitor.metrics?.scrapeAll();
	await new Promise(resolve => setTimeout(resolve, intervalMs));
	monitor.tick();
	await monitor.metrics?.scrapeAll();
	return monitor.tick();
}

export {EMPTY_STATE} from '../ui/columns.js';

export function renderOnceText(snapshot: Snapshot, width: number, unicode: boolean): string {
	const h = snapshot.host;
	const lines: string[] = [];
	lines.push(
		`${escapeText(h.hostname)}  cpus ${h.cpuCount}  cpu ${formatPercent(h.cpuPercent)}%  load ${h.load.map(l => l.toFixed(2)).join(' ')}  mem ${formatBytes(h.memUsedBytes)}/${formatBytes(h.memTotalBytes)}  zeektop ${formatPercent(h.selfCpuPercent)}%`,
	);
	if (snapshot.rows.length === 0) {
		lines.push(EMPTY_STATE);
	} else {
		const cols = fitColumns(width, snapshot.rows.some(r => r.metrics !== null), undefined, nodeNameWidth(snapshot.rows));
		lines.push(headerLine(cols));
		const ctx = {nowMs: snapshot.wallMs, unicode};
		for (const r of snapshot.rows) lines.push(rowLine(cols, r, ctx).trimEnd());
	}
	for (const p of snapshot.problems) lines.push(`! ${escapeText(p.scope)}: ${escapeText(p.message)}`);
	return lines.join('\n') + '\n';
}

export function renderOnceJson(snapshot: Snapshot): string {
	return JSON.stringify(snapshotJson(snapshot), null, 2) + '\n';
}
