// Drop-in for ink/build/measure-text.js with a bounded cache. Ink 6.8 keeps every distinct text it
// ever measured (ink#986): a live table that changes every tick grows by megabytes per hour.
//
// And a fast width for zeektop's own text: a table that changes every tick misses any cache, and
// widest-line → string-width takes its slow path (grapheme segmentation, an emoji regex per
// cluster) as soon as a line holds one sparkline block. Lines made only of printable ASCII, SGR
// codes and a few one-column symbols (box drawing, block elements, …, ·, ▲ ▼) are measured by
// counting; anything else goes to widest-line as before.
import widestLine from 'widest-line';

const LIMIT = 2000;
const cache = new Map<string, {width: number; height: number}>();

/** SGR sequences (colours, bold, inverse): zero columns. */
const SGR = /\u001b\[[0-9;]*m/g;
/** Characters string-width counts as one column (ambiguous-width ones as narrow, its default). */
const ONE_COLUMN = /^[\u0020-\u007e\u00b7\u2026\u2500-\u259f\u25b2\u25bc]*$/;

/** Width of one line when it is made of one-column characters only; undefined otherwise. */
export function simpleLineWidth(line: string): number | undefined {
	const visible = line.includes('\u001b') ? line.replace(SGR, '') : line;
	return ONE_COLUMN.test(visible) ? visible.length : undefined;
}

let calls = 0;
/** How often fastWidestLine ran (tests check that Ink's renderer reaches it). */
export function fastWidestLineCalls(): number {
	return calls;
}

export function fastWidestLine(text: string): number {
	calls++;
	let widest = 0;
	for (const line of text.split('\n')) {
		const w = simpleLineWidth(line) ?? widestLine(line);
		if (w > widest) widest = w;
	}
	return widest;
}

export default function measureText(text: string): {width: number; height: number} {
	if (text.length === 0) return {width: 0, height: 0};
	const cached = cache.get(text);
	if (cached) return cached;
	const dimensions = {width: fastWidestLine(text), height: text.split('\n').length};
	if (cache.size >= LIMIT) cache.delete(cache.keys().next().value!);
	cache.set(text, dimensions);
	return dimensions;
}
