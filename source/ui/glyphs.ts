/** Pure string glyphs: sparklines and bars. ASCII fallback when the locale is not UTF-8. */

const BLOCKS = ['\u2581', '\u2582', '\u2583', '\u2584', '\u2585', '\u2586', '\u2587', '\u2588'];
const ASCII = ['_', '.', '-', '~', '=', '+', '*', '#'];

export function unicodeOk(env: NodeJS.ProcessEnv = process.env): boolean {
	const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
	return /utf-?8/i.test(locale);
}

/**
 * The last `width` values as a sparkline scaled to `max` (or the values' max). Missing points on
 * the left are blanks, so a new row fills in from the right.
 */
export function sparkline(values: number[], width: number, max?: number, unicode = true): string {
	if (width <= 0) return '';
	const glyphs = unicode ? BLOCKS : ASCII;
	const tail = values.slice(-width);
	const top = max ?? Math.max(1e-9, ...tail);
	let out = ' '.repeat(width - tail.length);
	for (const v of tail) {
		if (!Number.isFinite(v) || v <= 0) {
			out += ' ';
			continue;
		}
		const i = Math.min(glyphs.length - 1, Math.max(0, Math.ceil((v / top) * glyphs.length) - 1));
		out += glyphs[i];
	}
	return out;
}

/** A horizontal bar `[||||    ]` of `width` cells for a 0..100 percent. */
export function bar(percent: number, width: number, unicode = true): string {
	if (width <= 0) return '';
	const p = Math.min(100, Math.max(0, percent));
	const full = Math.round((p / 100) * width);
	return (unicode ? '|' : '|').repeat(full) + ' '.repeat(width - full);
}
