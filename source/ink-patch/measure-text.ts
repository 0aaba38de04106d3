// Drop-in for ink/build/measure-text.js with a bounded cache. Ink 6.8 keeps every distinct text it
// ever measured (ink#986): a live table that changes every tick grows by megabytes per hour.
import widestLine from 'widest-line';

const LIMIT = 2000;
const cache = new Map<string, {width: number; height: number}>();

export default function measureText(text: string): {width: number; height: number} {
	if (text.length === 0) return {width: 0, height: 0};
	const cached = cache.get(text);
	if (cached) return cached;
	const dimensions = {width: widestLine(text), height: text.split('\n').length};
	if (cache.size >= LIMIT) cache.delete(cache.keys().next().value!);
	cache.set(text, dimensions);
	return dimensions;
}
