/**
 * Regex search over frame names, as flamegraph.pl's search box: which frames match, and what
 * share of the samples they cover. A match nested inside another match is already counted by the
 * outer one, so matched samples never exceed 100%.
 */
import {ROOT_ID, type FlameTree} from './tree.js';

export type SearchCase = 'smart' | 'sensitive' | 'insensitive';

export type SearchOptions = {
	/**
	 * 'smart' (default): case-insensitive unless the pattern has an upper-case letter, as in
	 * vim/ripgrep smartcase. Ignored when a RegExp is passed.
	 */
	caseMode?: SearchCase;
};

export type SearchError = {ok: false; pattern: string; error: string};

export type SearchResult = {
	ok: true;
	pattern: string;
	/** Per node id: 1 when the frame's name matches. The synthetic root never matches. */
	matched: Uint8Array;
	/** Frames matched in the whole tree. */
	matchedFrames: number;
	/** Samples under matched frames in the whole tree, nested matches counted once. */
	matchedSamples: number;
	percentOfTotal: number;
	zoomId: number;
	/** Samples of the zoomed frame covered by matches (all of it if the zoomed frame or one of its ancestors matches). */
	zoomMatchedSamples: number;
	percentOfZoom: number;
	/** Matched ids inside the zoomed subtree, in layout order (depth-first, left to right) for n/N. */
	order: Int32Array;
};

export type SearchOutcome = SearchResult | SearchError;

export type CompiledSearch = {ok: true; pattern: string; regex: RegExp} | SearchError;

/**
 * Compile a user's pattern. An invalid regex is a value with a readable message, never a throw.
 * The global/sticky flags are dropped (they make RegExp.test stateful).
 */
export function compileSearch(pattern: string | RegExp, options: SearchOptions = {}): CompiledSearch {
	if (pattern instanceof RegExp) {
		const flags = pattern.flags.replace(/[gy]/g, '');
		return {ok: true, pattern: pattern.source, regex: new RegExp(pattern.source, flags)};
	}
	const mode = options.caseMode ?? 'smart';
	const insensitive = mode === 'insensitive' || (mode === 'smart' && !/\p{Lu}/u.test(pattern));
	try {
		return {ok: true, pattern, regex: new RegExp(pattern, insensitive ? 'iu' : 'u')};
	} catch (unicodeError) {
		// Patterns that are valid only without the u flag (e.g. "\-" or "{") are still accepted.
		try {
			return {ok: true, pattern, regex: new RegExp(pattern, insensitive ? 'i' : '')};
		} catch {
			return {ok: false, pattern, error: `invalid regex /${pattern}/: ${messageOf(unicodeError)}`};
		}
	}
}

function messageOf(error: unknown): string {
	const message = error instanceof Error ? error.message : String(error);
	// V8 says "Invalid regular expression: /(/u: Unterminated group"; keep the reason only.
	const colon = message.lastIndexOf(': ');
	return colon >= 0 ? message.slice(colon + 2) : message;
}

// One matched-names bitmap per tree and regex: n/N and re-layouts repeat the same search.
const nameMatchCache = new WeakMap<FlameTree, {key: string; names: Uint8Array}>();

function matchNames(tree: FlameTree, regex: RegExp): Uint8Array {
	const key = `${regex.flags}/${regex.source}`;
	const cached = nameMatchCache.get(tree);
	if (cached !== undefined && cached.key === key) return cached.names;
	const names = new Uint8Array(tree.names.length);
	for (let i = 1; i < tree.names.length; i++) if (regex.test(tree.names[i]!)) names[i] = 1;
	nameMatchCache.set(tree, {key, names});
	return names;
}

/**
 * Search frame names. An empty pattern matches nothing (it clears the search) rather than every
 * frame. `zoomId` limits `order` and percentOfZoom to what the zoomed view shows.
 */
export function searchFlame(
	tree: FlameTree,
	pattern: string | RegExp,
	zoomId: number = ROOT_ID,
	options: SearchOptions = {},
): SearchOutcome {
	const zoom = Number.isInteger(zoomId) && zoomId >= 0 && zoomId < tree.size ? zoomId : ROOT_ID;
	const matched = new Uint8Array(tree.size);
	if (pattern === '') return emptyResult('', zoom, matched);
	const compiled = compileSearch(pattern, options);
	if (!compiled.ok) return compiled;
	const names = matchNames(tree, compiled.regex);
	const {nameId, total, end, parent} = tree;
	let matchedFrames = 0;
	for (let id = 1; id < tree.size; id++) {
		if (names[nameId[id]!] === 1) {
			matched[id] = 1;
			matchedFrames++;
		}
	}
	// Outermost matches only: skip the subtree of a match.
	const outermost = (from: number, to: number): number => {
		let sum = 0;
		for (let id = from; id < to; ) {
			if (matched[id] === 1) {
				sum += total[id]!;
				id = end[id]!;
			} else id++;
		}
		return sum;
	};
	const matchedSamples = outermost(1, tree.size);
	let zoomCovered = false;
	for (let a = zoom; a > ROOT_ID; a = parent[a]!) if (matched[a] === 1) zoomCovered = true;
	const zoomStop = end[zoom]!;
	const zoomMatchedSamples = zoomCovered ? total[zoom]! : outermost(zoom === ROOT_ID ? 1 : zoom, zoomStop);
	let inZoom = 0;
	for (let id = zoom; id < zoomStop; id++) inZoom += matched[id]!;
	const order = new Int32Array(inZoom);
	for (let id = zoom, k = 0; id < zoomStop; id++) if (matched[id] === 1) order[k++] = id;
	return {
		ok: true,
		pattern: compiled.pattern,
		matched,
		matchedFrames,
		matchedSamples,
		percentOfTotal: share(matchedSamples, tree.totalSamples),
		zoomId: zoom,
		zoomMatchedSamples,
		percentOfZoom: share(zoomMatchedSamples, total[zoom]!),
		order,
	};
}

function emptyResult(pattern: string, zoom: number, matched: Uint8Array): SearchResult {
	return {
		ok: true,
		pattern,
		matched,
		matchedFrames: 0,
		matchedSamples: 0,
		percentOfTotal: 0,
		zoomId: zoom,
		zoomMatchedSamples: 0,
		percentOfZoom: 0,
		order: new Int32Array(0),
	};
}

function share(part: number, whole: number): number {
	return whole > 0 ? (part * 100) / whole : 0;
}

export function isMatch(result: SearchOutcome | null | undefined, id: number): boolean {
	return result !== null && result !== undefined && result.ok && result.matched[id] === 1;
}

/**
 * The next (direction 1) or previous (-1) id in `order` after/before `fromId`, wrapping around;
 * undefined if there are no matches. `accept` can skip matches the view cannot show.
 */
export function stepMatch(
	order: Int32Array,
	fromId: number,
	direction: 1 | -1,
	accept: (id: number) => boolean = () => true,
): number | undefined {
	const n = order.length;
	if (n === 0) return undefined;
	// First index whose id is > fromId (binary search: order is ascending).
	let lo = 0;
	let hi = n;
	while (lo < hi) {
		const mid = (lo + hi) >> 1;
		if (order[mid]! <= fromId) lo = mid + 1;
		else hi = mid;
	}
	// Forward from the first id above fromId; backward from the last id at or below it (fromId
	// itself is skipped below).
	let i = direction === 1 ? lo % n : (lo - 1 + n) % n;
	for (let step = 0; step < n; step++) {
		const id = order[i]!;
		if (id !== fromId && accept(id)) return id;
		i = (i + direction + n) % n;
	}
	return undefined;
}
