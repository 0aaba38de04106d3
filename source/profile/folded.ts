import {isSpace} from './fold-bytes.js';
/** Folded stacks as text: byte-wise order (as Perl's sort), formatting and parsing. */
/**
 * Byte-wise order of the UTF-8 encodings (Perl's `cmp` on bytes), which is code point order.
 * JS string comparison is UTF-16 code unit order; the two only disagree when a surrogate pair
 * (astral character) meets a character in U+E000..U+FFFF.
 */
export function compareBytewise(a: string, b: string): number {
	const n = Math.min(a.length, b.length);
	for (let i = 0; i < n; i++) {
		let x = a.charCodeAt(i);
		let y = b.charCodeAt(i);
		if (x === y) continue;
		if (x >= 0xd800 && y >= 0xd800) {
			x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
			y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
		}
		return x - y;
	}
	return a.length - b.length;
}

const HIGH_UNITS = /[\uD800-\uFFFF]/;

export function sortedStackKeys(stacks: ReadonlyMap<string, number>): string[] {
	const keys = [...stacks.keys()];
	// Default sort is UTF-16 order: right unless some key has a unit at or above U+D800.
	if (keys.some(k => HIGH_UNITS.test(k))) keys.sort(compareBytewise);
	else keys.sort();
	return keys;
}

/** `stack count\n` lines in byte-wise order of the stack text, as the Perl script prints them. */
export function formatFolded(stacks: ReadonlyMap<string, number>): string {
	let out = '';
	for (const key of sortedStackKeys(stacks)) out += `${key} ${stacks.get(key)!}\n`;
	return out;
}

/**
 * Read folded stacks (`frame;frame;... count` lines). Tolerant: blank and malformed lines are
 * ignored, a trailing `\r` is dropped, duplicate stacks are summed, counts may be fractional.
 * The stack is everything before the last blank, kept verbatim.
 */
export function parseFolded(text: string): Map<string, number> {
	const stacks = new Map<string, number>();
	let start = 0;
	while (start < text.length) {
		let end = text.indexOf('\n', start);
		if (end < 0) end = text.length;
		let lineEnd = end;
		if (lineEnd > start && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
		let space = lineEnd - 1;
		while (space >= start && !isSpace(text.charCodeAt(space))) space--;
		if (space > start && space < lineEnd - 1) {
			const count = Number(text.slice(space + 1, lineEnd));
			// Only the last blank separates: a frame may itself end in a blank (`foo (bar (x))`
			// tidies to `foo `), so `foo  3` is the stack `foo ` with count 3.
			if (Number.isFinite(count)) {
				const stack = text.slice(start, space);
				stacks.set(stack, (stacks.get(stack) ?? 0) + count);
			}
		}
		start = end + 1;
	}
	return stacks;
}

