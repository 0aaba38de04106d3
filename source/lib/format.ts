/** Formatting of bytes, percents, rates and durations for narrow columns. Pure. */

export function formatBytes(bytes: number | null | undefined): string {
	if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '-';
	const neg = bytes < 0;
	let v = Math.abs(bytes);
	const units = ['B', 'K', 'M', 'G', 'T'];
	let u = 0;
	while (v >= 1024 && u < units.length - 1) {
		v /= 1024;
		u++;
	}
	const s = u === 0 ? String(Math.round(v)) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
	// A value that rounds to zero has no sign: a flat RSS rate is 0B, not -0B.
	return (neg && Number(s) !== 0 ? '-' : '') + s + units[u];
}

export function formatPercent(p: number | null | undefined, digits = 1): string {
	if (p === null || p === undefined || !Number.isFinite(p)) return '-';
	return p.toFixed(digits);
}

/** 1234 → 1.2k, 2500000 → 2.5M. */
export function formatCount(n: number | null | undefined): string {
	if (n === null || n === undefined || !Number.isFinite(n)) return '-';
	const a = Math.abs(n);
	if (a < 1000) return a < 10 && n % 1 !== 0 ? n.toFixed(1) : String(Math.round(n));
	if (a < 1e6) return (n / 1e3).toFixed(a < 1e4 ? 1 : 0) + 'k';
	if (a < 1e9) return (n / 1e6).toFixed(a < 1e7 ? 1 : 0) + 'M';
	return (n / 1e9).toFixed(1) + 'G';
}

/** Seconds → "3d04h", "5h12m", "12m05s", "42s". */
export function formatDuration(seconds: number | null | undefined): string {
	if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '-';
	const s = Math.floor(seconds);
	const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
	const p = (n: number) => String(n).padStart(2, '0');
	if (d > 0) return `${d}d${p(h)}h`;
	if (h > 0) return `${h}h${p(m)}m`;
	if (m > 0) return `${m}m${p(r)}s`;
	return `${r}s`;
}

export function padEnd(s: string, width: number): string {
	return s.length >= width ? s.slice(0, width) : s + ' '.repeat(width - s.length);
}

export function padStart(s: string, width: number): string {
	return s.length >= width ? s.slice(0, width) : ' '.repeat(width - s.length) + s;
}

/** Cut to width with an ASCII marker (non-ASCII costs most in Ink). */
export function truncate(s: string, width: number): string {
	if (width <= 0) return '';
	if (s.length <= width) return s;
	if (width <= 2) return s.slice(0, width);
	return s.slice(0, width - 1) + '~';
}
