/**
 * Which profile text is this? Decided from the first lines only (never the whole text), so a
 * multi-megabyte `perf script` dump costs the same as a small one.
 *
 * - `perf-script`: `perf script` output, with or without call chains: event lines starting in
 *   column 0 (`comm pid[/tid] [cpu] time: [period] event:`) and indented `ip symbol (module)`
 *   lines; `# ` header lines are allowed.
 * - `folded`: `frame;frame;... count` lines (stackcollapse output, zeektop captures).
 * - `jeprof-collapsed`: `jeprof --collapsed` output, folded lines whose frames carry jeprof's
 *   `<0000000000031b30>` offset suffixes (and `[inline]` frames). It is folded text too, but
 *   its numbers are bytes or objects and its frames keep C++ argument lists.
 * - `unknown`: anything else (jeprof --text, heap_v2 dumps, empty input).
 */
export type ProfileFormat = 'folded' | 'perf-script' | 'jeprof-collapsed' | 'unknown';

const MAX_LINES = 200;
const MAX_CHARS = 256 * 1024;

// `    7f0a1b2c symbol+0x1f (/usr/lib/libc.so.6)`, `ffff [unknown] ([unknown])`.
const PERF_STACK_LINE = /^\s*[0-9a-fA-F]+\s+\S.*\(\S*\)\s*$/;
// Event line with a timestamp: `zeek.worker-1  8740/8740 [001]  668.066826:    1000000 cpu-clock: `
// (the comm may contain blanks; perf may indent it; a frame may follow on the same line).
const PERF_EVENT_TIMED = /^\s*\S.*?\s\d+(?:\/\d+)?\s+(?:\[\d+\]\s+)?\d+\.\d+:\s/;
// Event line without a timestamp: `java 19983 cycles:`.
const PERF_EVENT_UNTIMED = /^\S.*?\s\d+(?:\/\d+)?\s+(?:\[\d+\]\s+)?(?:\d+\s+)?\S+:\s*$/;
// `stack count` (count possibly fractional; a differential file has two counts).
const FOLDED_LINE = /^\S(?:.*\S)? -?\d+(?:\.\d+)?$/;
const JEPROF_FRAME = /<[0-9a-f]{16}>(?:;| -?\d+$)|;[^;]* \[inline\](?:;| -?\d+$)/;

export function detectProfileFormat(text: string): ProfileFormat {
	let perfStack = 0;
	let perfEvent = 0;
	let folded = 0;
	let jeprof = 0;
	let other = 0;
	let lines = 0;
	let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
	const limit = Math.min(text.length, MAX_CHARS);
	while (start < limit && lines < MAX_LINES) {
		let end = text.indexOf('\n', start);
		if (end < 0 || end > limit) end = limit;
		let line = text.slice(start, end);
		start = end + 1;
		if (line.endsWith('\r')) line = line.slice(0, -1);
		if (line.trim() === '') continue;
		lines++;
		if (line.startsWith('#')) continue; // perf script headers, austin metadata
		if (FOLDED_LINE.test(line)) {
			folded++;
			if (JEPROF_FRAME.test(line)) jeprof++;
		} else if (PERF_EVENT_TIMED.test(line) || PERF_EVENT_UNTIMED.test(line)) {
			perfEvent++;
		} else if (PERF_STACK_LINE.test(line)) {
			perfStack++;
		} else {
			other++;
		}
	}
	if (perfEvent > 0 && perfEvent + perfStack >= folded + other) return 'perf-script';
	// Folded text may carry `#` comments (austin) and a stray bad line; it must dominate.
	if (folded > 0 && folded >= 2 * (other + perfEvent + perfStack)) {
		return jeprof > 0 ? 'jeprof-collapsed' : 'folded';
	}
	return 'unknown';
}
