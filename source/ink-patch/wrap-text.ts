// Drop-in for ink/build/wrap-text.js with a bounded cache (see measure-text.ts).
import wrapAnsi from 'wrap-ansi';
import cliTruncate from 'cli-truncate';

const LIMIT = 2000;
const cache = new Map<string, string>();

export default function wrapText(text: string, maxWidth: number, wrapType: string): string {
	const key = text + String(maxWidth) + String(wrapType);
	const cached = cache.get(key);
	if (cached !== undefined) return cached;
	let wrapped = text;
	if (wrapType === 'wrap') wrapped = wrapAnsi(text, maxWidth, {trim: false, hard: true});
	if (wrapType.startsWith('truncate')) {
		const position = wrapType === 'truncate-middle' ? 'middle' : wrapType === 'truncate-start' ? 'start' : 'end';
		wrapped = cliTruncate(text, maxWidth, {position});
	}
	if (cache.size >= LIMIT) cache.delete(cache.keys().next().value!);
	cache.set(key, wrapped);
	return wrapped;
}
