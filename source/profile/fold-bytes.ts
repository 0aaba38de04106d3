
/** Byte and text helpers of the perf script folder (fold.ts): scanning, fingerprints, Perl's truth. */
// Perl's \s (no locale, byte semantics): space, \t, \n, \v, \f, \r.
export function isSpace(c: number): boolean {
	return c === 32 || (c >= 9 && c <= 13);
}

// Perl's \w on bytes: [A-Za-z0-9_].
export function isWord(c: number): boolean {
	return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

export function isLowerHex(c: number): boolean {
	return (c >= 48 && c <= 57) || (c >= 97 && c <= 102);
}

/**
 * A copy of `s` that does not keep its source alive. V8 represents a slice as a view of its
 * parent string, so a cached slice of one stdout chunk would pin the whole chunk: over a long
 * capture the caches would hold most of the input. Concatenating then slicing forces a fresh
 * flat string. Only used when something is remembered (cache misses), so it costs little.
 */
export function detach(s: string): string {
	return s.length < 13 ? s : (' ' + s).slice(1);
}

/** A flat copy of a (cons) string: see push. */
export function flat(s: string): string {
	return s.length < 13 ? s : (' ' + s).slice(1);
}

/** fingerprint() of latin1 bytes: the same function of the same characters. */
export function fingerprintBytes(bytes: Uint8Array, s: number, e: number): number {
	let h = (e - s) | 0;
	let i = s;
	const firstEnd = Math.min(e, s + 192);
	for (; i < firstEnd; i++) {
		const c = bytes[i]!;
		h = Math.imul(h ^ c, 0x01000193);
		if (c === 10) break;
	}
	const step = (e - i) / 32;
	if (step >= 1) {
		for (let k = 0; k < 32; k++) h = Math.imul(h ^ bytes[i + Math.floor(k * step)]!, 0x01000193);
	} else {
		for (; i < e; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
	}
	return h;
}

/** Index of the first newline at or after `from` that is followed by another, or -1. */
export function blankAfter(bytes: Uint8Array, from: number): number {
	let j = bytes.indexOf(10, from);
	while (j >= 0 && bytes[j + 1] !== 10) j = bytes.indexOf(10, j + 1);
	return j;
}

type NodeBuffer = {
	compare(a: Uint8Array, b: Uint8Array): number;
	prototype: {latin1Slice(this: Uint8Array, s: number, e: number): string};
};
// Node's Buffer when there is one (a global, not an import: this module stays pure): a native
// memcmp and a latin1 decoder. Elsewhere the same in plain JS.
const nodeBuffer = (globalThis as {Buffer?: NodeBuffer}).Buffer;

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	if (nodeBuffer) return nodeBuffer.compare(a, b) === 0;
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
	return true;
}

/** A copy of bytes[s, e) (Buffer's slice would be a view, which the caller's next read overwrites). */
export function copyBytes(bytes: Uint8Array, s: number, e: number): Uint8Array {
	return Uint8Array.prototype.slice.call(bytes, s, e);
}

/** bytes[s, e) as latin1 text, one character per byte. */
export function latin1(bytes: Uint8Array, s: number, e: number): string {
	if (nodeBuffer) return nodeBuffer.prototype.latin1Slice.call(bytes, s, e);
	let out = '';
	for (let i = s; i < e; i += 8192) out += String.fromCharCode(...bytes.subarray(i, Math.min(e, i + 8192)));
	return out;
}

// Perl treats undef, '' and '0' as false; the script tests TIDs and periods that way.
export function perlFalse(s: string | undefined): boolean {
	return s === undefined || s === '' || s === '0';
}

// The Perl patterns, with Perl's ASCII \s spelled out (JS \s also matches Unicode spaces).
export const EVENT_LINE = /^([^\t\n\v\f\r ][^\n]+?)[\t\n\v\f\r ]+(\d+)\/*(\d+)*[\t\n\v\f\r ]+/;
export const PERIOD_EVENT = /:[\t\n\v\f\r ]*(\d+)*[\t\n\v\f\r ]+([^\t\n\v\f\r ]+):[\t\n\v\f\r ]*$/;
export const STACK_LINE = /^[\t\n\v\f\r ]*([A-Za-z0-9_]+)[\t\n\v\f\r ]*([^\n]+) \(([^\t\n\v\f\r ]*)\)/;
export const JIT_MODULE = /\/tmp\/perf-\d+\.map/;

/** Bound on remembered stack lines (~200 bytes each with the Map): a long capture cannot grow it. */
export const LINE_CACHE_MAX = 50_000;
/** Bounds on remembered sample bodies (count, and characters of their text, one byte each). */
export const BLOCK_CACHE_MAX = 20_000;
export const BLOCK_CACHE_MAX_CHARS = 16 * 2 ** 20;
/** A longer sample body is read line by line (no cache entry can be that big). */
export const BLOCK_MAX_CHARS = 64 * 1024;
/** Bodies kept per fingerprint; a body whose bucket is full is read line by line. */
export const BUCKET_MAX = 8;

/**
 * A cheap fingerprint of text[s, e): its length, its first line (the leaf frame, which differs
 * most between samples) and 32 characters spread over the rest. Hashing every character of every
 * body would cost as much as the per-line cache it replaces (V8 hashes a string char by char,
 * where comparing two equal strings is a memcmp); a collision only costs a comparison, since
 * the candidates are checked with ===.
 */
export function fingerprint(text: string, s: number, e: number): number {
	let h = (e - s) | 0;
	let i = s;
	const firstEnd = Math.min(e, s + 192);
	for (; i < firstEnd; i++) {
		const c = text.charCodeAt(i);
		h = Math.imul(h ^ c, 0x01000193);
		if (c === 10) break;
	}
	const step = (e - i) / 32;
	if (step >= 1) {
		for (let k = 0; k < 32; k++) h = Math.imul(h ^ text.charCodeAt(i + Math.floor(k * step)), 0x01000193);
	} else {
		for (; i < e; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
	}
	return h;
}

/**
 * One sample body (the stack lines between an event line and the blank line that ends the
 * sample), read once. Samples repeat byte for byte apart from their event line (the timestamp
 * differs), so a repeated body costs one hash lookup instead of one per stack line, and its
 * folded stack is not built and hashed again for every sample.
 */
export type Block = {
	/** The body's text (detached from the input), or its bytes for pushLatin1. */
	body: string | Uint8Array;
	/** The body's frames, outermost first, each `;`-prefixed: a stack is `root + suffix`. */
	suffix: string;
	/** The body's frame groups in input order (for the odd sample that already has frames). */
	groups: string[];
	unrecognized: number;
	firstUnrecognized: string | undefined;
	/** Root frame → summed period of the samples not yet added to `stacks`. */
	roots: Map<string, number>;
};

export type ModuleInfo = {base: string; kernel: boolean; jit: boolean};

