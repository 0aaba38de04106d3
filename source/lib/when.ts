/**
 * Durations (`--history 1h`, `90m`, `30s`, `2h30m`, `1d`) and moments (`--at`: ISO 8601, epoch
 * seconds, or relative to a reference like `-5m`). Pure; errors are one line naming the fix.
 */

const UNIT_MS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86400_000};

/** Milliseconds, or a string saying what is wrong. */
export function parseDurationMs(text: string): number | string {
	const t = text.trim();
	if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
	const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
	let total = 0;
	let matched = 0;
	for (let m = re.exec(t); m; m = re.exec(t)) {
		total += Number(m[1]) * UNIT_MS[m[2]!]!;
		matched = re.lastIndex;
	}
	if (t === '' || matched !== t.length) return `'${text}' is not a duration: use e.g. 90s, 30m, 1h, 2h30m or 1d`;
	return total;
}

/**
 * A moment in ms since the epoch. Relative (`-5m`, `+30s`) counts from `relativeToMs` (for replay,
 * the recording's end); `now` is the reference itself.
 */
export function parseMomentMs(text: string, relativeToMs: number): number | string {
	const t = text.trim();
	if (t === 'now' || t === 'end') return relativeToMs;
	if (/^[-+]/.test(t)) {
		const d = parseDurationMs(t.slice(1));
		if (typeof d === 'string') return `'${text}' is not a time: use ISO 8601 (2026-12-04T12:00:00Z) or a relative time like -5m`;
		return t.startsWith('-') ? relativeToMs - d : relativeToMs + d;
	}
	if (/^\d{9,11}(\.\d+)?$/.test(t)) return Number(t) * 1000;
	if (/^\d{4}-\d{2}-\d{2}/.test(t)) {
		const ms = Date.parse(t);
		if (Number.isFinite(ms)) return ms;
	}
	return `'${text}' is not a time: use ISO 8601 (2026-12-04T12:00:00Z) or a relative time like -5m`;
}
