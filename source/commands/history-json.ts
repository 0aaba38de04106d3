import type {HistoryStore, NodeHistory} from '../state/history.js';
import {HISTORY_COLUMNS} from '../state/history.js';

/**
 * `history` per node in the `--once --json` document: the node's points oldest first, each
 * `{at, source, <the node's field names>}` with source one of "stats.log", "zeekctl", "proc",
 * "metrics", "recording"; `restart: true` on the first point after a restart; `restarts` counts
 * the restarts seen up to that point.
 */

function round(v: number | null, digits: number): number | null {
	if (v === null || !Number.isFinite(v)) return null;
	const f = 10 ** digits;
	return Math.round(v * f) / f;
}

const DIGITS: Record<string, number> = {rssBytes: 0, dropPercent: 3, packetLagSeconds: 3, activeSessions: 0, restarts: 0};

export function historyPointsJson(h: NodeHistory, fromMs = -Infinity, toMs = Infinity): Array<Record<string, unknown>> {
	const out: Array<Record<string, unknown>> = [];
	const w = h.window(fromMs, toMs);
	for (let i = w.from; i < w.to; i++) {
		const p: Record<string, unknown> = {at: new Date(h.timeAt(i)).toISOString(), source: h.sourceAt(i)};
		for (const c of HISTORY_COLUMNS) p[c] = round(h.valueAtIndex(c, i), DIGITS[c] ?? 1);
		if (h.restartAt(i)) p.restart = true;
		out.push(p);
	}
	return out;
}

type JsonDoc = {nodes: Array<{node: string | null; pid: number} & Record<string, unknown>>};

/**
 * Adds `history` to each node of a snapshotJson() document (keys as the tracker's: the node name,
 * or `pid:N`), up to toMs (replay: the moment shown). A node without history gets [].
 */
export function addHistory(doc: unknown, store: HistoryStore, toMs = Infinity, fromMs = -Infinity): unknown {
	const d = doc as JsonDoc;
	for (const n of d.nodes) {
		const h = store.get(n.node ?? `pid:${n.pid}`);
		n.history = h ? historyPointsJson(h, fromMs, toMs) : [];
	}
	return doc;
}
