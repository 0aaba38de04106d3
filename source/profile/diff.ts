/**
 * Differential profiles: what changed between a "before" profile A and an "after" profile B.
 *
 * Two parts:
 * - the folded diff, line for line what FlameGraph's `difffolded.pl [-n] [-s] A B` prints
 *   (`stack countA countB`, the input of `flamegraph.pl` for a differential SVG). Reimplemented
 *   from the script's documented behaviour and checked against it in tests; no Perl copied.
 * - a diff tree for the terminal views: the call tree of the profile whose widths are drawn (B,
 *   or A with `negate`, as `flamegraph.pl --negate`), with every node's before/after self and total
 *   samples, so the flame layout, navigation and top tables work on it unchanged.
 *
 * Colour follows flamegraph.pl: a frame's hue is the change of its *self* samples (the stacks that
 * end there), red where B grew, blue where it shrank, strength relative to the largest change of
 * any one stack. Ancestors of a change stay neutral, so the eye goes to where time moved.
 *
 * Text is taken as given: the command decodes files as latin1 (one char per byte, as Perl sees
 * them) for the byte-exact folded output, and as UTF-8 for display.
 */
import {topFunctions, type TopSort} from './top.js';
import {buildTree, ROOT_ID, type FlameTree} from './tree.js';

// ---------------------------------------------------------------------------------------------
// difffolded.pl

export type FoldedCounts = {
	/** stack → summed count, in first-appearance order (the order the output lines take). */
	stacks: Map<string, number>;
	total: number;
	/**
	 * Lines that are not `stack count`. difffolded.pl does not skip them: Perl's undefined stack
	 * becomes the empty key, so each file with such a line contributes a ` 0 0` line to the output.
	 */
	unreadLines: number;
};

// Perl's \s on bytes without unicode_strings: space, \t, \n, \v, \f, \r (JS \s also has U+00A0).
function isPerlSpace(c: number): boolean {
	return c === 32 || (c >= 9 && c <= 13);
}

function isDigit(c: number): boolean {
	return c >= 48 && c <= 57;
}

/**
 * The count of a `stack count` line as difffolded.pl's /^(.*)\s+?(\d+(?:\.\d*)?)$/ reads it, or
 * -1 when the line does not match. The greedy `.*` makes the stack as long as possible, so the
 * blank before the count is the line's last blank and the count has none: one scan from the end.
 */
function splitCountAt(line: string): number {
	let k = line.length - 1;
	while (k >= 0 && !isPerlSpace(line.charCodeAt(k))) k--;
	if (k < 0) return -1;
	const start = k + 1;
	let i = start;
	const n = line.length;
	while (i < n && isDigit(line.charCodeAt(i))) i++;
	if (i === start) return -1;
	if (i < n) {
		if (line.charCodeAt(i) !== 46) return -1; // '.'
		i++;
		while (i < n && isDigit(line.charCodeAt(i))) i++;
		if (i < n) return -1;
	}
	return k;
}

const HEX = /0x[0-9a-fA-F]+/g;

/** `-s`: every `0x<hex>` in a stack becomes `0x...`. */
export function stripHexAddresses(stack: string): string {
	return stack.indexOf('0x') < 0 ? stack : stack.replace(HEX, '0x...');
}

/** One folded file as difffolded.pl accumulates it (see FoldedCounts.unreadLines). */
export function parseFoldedForDiff(text: string, options: {stripHex?: boolean} = {}): FoldedCounts {
	const stacks = new Map<string, number>();
	let total = 0;
	let unreadLines = 0;
	let start = 0;
	const length = text.length;
	while (start < length) {
		let stop = text.indexOf('\n', start);
		if (stop < 0) stop = length;
		const line = text.slice(start, stop);
		start = stop + 1;
		const k = splitCountAt(line);
		let stack: string;
		let count: number;
		if (k < 0) {
			unreadLines++;
			stack = '';
			count = 0;
		} else {
			stack = line.slice(0, k);
			count = Number(line.slice(k + 1));
			if (options.stripHex) stack = stripHexAddresses(stack);
		}
		stacks.set(stack, (stacks.get(stack) ?? 0) + count);
		total += count;
	}
	return {stacks, total, unreadLines};
}

/** Stacks with `-s` applied, merged where stripping made two stacks equal (order kept). */
export function stripHexStacks(stacks: Iterable<readonly [string, number]>): Map<string, number> {
	const out = new Map<string, number>();
	for (const [stack, count] of stacks) {
		const key = stripHexAddresses(stack);
		out.set(key, (out.get(key) ?? 0) + count);
	}
	return out;
}

export type FoldedDiffLine = readonly [stack: string, before: number, after: number];

export type FoldedDiff =
	| {ok: true; lines: FoldedDiffLine[]; totalBefore: number; totalAfter: number; normalized: boolean}
	| {ok: false; error: string};

function sumOf(stacks: ReadonlyMap<string, number>): number {
	let total = 0;
	for (const count of stacks.values()) total += count;
	return total;
}

/**
 * difffolded.pl's output lines: every stack of A then the new ones of B, with 0 where a stack is
 * missing. `normalize` (-n) scales A's counts to B's total and truncates toward zero, as the
 * script's int(). A has no samples but B has some: no ratio exists (the script dies there too).
 */
export function diffFolded(
	before: ReadonlyMap<string, number>,
	after: ReadonlyMap<string, number>,
	options: {normalize?: boolean; totalBefore?: number; totalAfter?: number} = {},
): FoldedDiff {
	const total1 = options.totalBefore ?? sumOf(before);
	const total2 = options.totalAfter ?? sumOf(after);
	const normalized = options.normalize === true && total1 !== total2;
	const keys = new Set<string>(before.keys());
	for (const key of after.keys()) keys.add(key);
	if (normalized && total1 === 0 && keys.size > 0) {
		return {ok: false, error: 'cannot normalize: the first profile has no samples (leave out --normalize)'};
	}
	const lines: FoldedDiffLine[] = [];
	for (const stack of keys) {
		let a = before.get(stack) ?? 0;
		const b = after.get(stack) ?? 0;
		if (normalized) a = Math.trunc((a * total2) / total1);
		lines.push([stack, a, b]);
	}
	return {ok: true, lines, totalBefore: total1, totalAfter: total2, normalized};
}

/**
 * A number as Perl prints it: integers exactly, anything else with %.15g. (Perl keeps integral
 * sums as integers, so `1.0 + 2` prints `3`, as here.)
 */
export function formatPerlNumber(n: number): string {
	if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) return Math.abs(n) < 2 ** 53 ? String(n) : BigInt(n).toString();
	if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Inf' : '-Inf';
	const exp = Number(n.toExponential(14).split('e')[1]);
	if (exp < -4 || exp >= 15) {
		const [mantissa, e] = n.toExponential(14).split('e') as [string, string];
		const m = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
		const sign = e.startsWith('-') ? '-' : '+';
		const digits = e.replace(/^[+-]/, '');
		return `${m}e${sign}${digits.padStart(2, '0')}`;
	}
	const fixed = n.toFixed(Math.max(0, 14 - exp));
	return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/** The folded diff as text: `stack before after` per line, every line ending in \n. */
export function formatFoldedDiff(lines: readonly FoldedDiffLine[]): string {
	let out = '';
	for (const [stack, a, b] of lines) out += `${stack} ${formatPerlNumber(a)} ${formatPerlNumber(b)}\n`;
	return out;
}

// ---------------------------------------------------------------------------------------------
// the diff tree

export type DiffTreeOptions = {
	/** Widths from A (before) instead of B (after), as flamegraph.pl --negate on `difffolded B A`. */
	negate?: boolean;
	/** Scale A's counts to B's total when the totals differ (no truncation: these are views). */
	normalize?: boolean;
};

export type DiffTree = {
	/** The drawn profile's tree: B's, or A's with negate. Layout, navigation and search use it. */
	readonly tree: FlameTree;
	readonly negate: boolean;
	/** Per node of `tree`: A's samples (scaled by scaleBefore) and B's, for the same stack path. */
	readonly beforeSelf: Float64Array;
	readonly beforeTotal: Float64Array;
	readonly afterSelf: Float64Array;
	readonly afterTotal: Float64Array;
	/** Per node: 1 when the other profile has no frame at this path (new in B; gone from B with negate). */
	readonly onlyHere: Uint8Array;
	/**
	 * Per node: the other profile's samples under children this tree does not have (frames that
	 * vanished, or appeared with negate), already scaled. They cannot be drawn at these widths.
	 */
	readonly hiddenOther: Float64Array;
	/** Both profiles as trees, unscaled, for per-function tables. */
	readonly beforeTree: FlameTree;
	readonly afterTree: FlameTree;
	/** Per node of `tree`: the node with the same path in the other tree, or -1. */
	readonly otherId: Int32Array;
	/** Raw totals. */
	readonly totalBefore: number;
	readonly totalAfter: number;
	/** Factor applied to A's counts (1 unless normalized). */
	readonly scaleBefore: number;
	readonly normalized: boolean;
	/** Largest |B − A| of one stack (at least 1): full colour strength, as flamegraph.pl. */
	readonly maxDelta: number;
	/** The stacks as given (positive counts, summed), unscaled: for the folded export. */
	readonly beforeStacks: ReadonlyMap<string, number>;
	readonly afterStacks: ReadonlyMap<string, number>;
};

/**
 * Build the diff tree. Both profiles become trees (buildTree: pre-order, siblings in name order),
 * then one merge walk pairs nodes with the same path: siblings are sorted the same way in both
 * trees, so pairing children is a merge of two sorted lists and the whole walk is linear.
 */
export function buildDiffTree(
	before: Iterable<readonly [string, number]>,
	after: Iterable<readonly [string, number]>,
	options: DiffTreeOptions = {},
): DiffTree {
	const aStacks = new Map<string, number>();
	for (const [s, c] of before) if (c > 0 && c !== Infinity) aStacks.set(s, (aStacks.get(s) ?? 0) + c);
	const bStacks = new Map<string, number>();
	for (const [s, c] of after) if (c > 0 && c !== Infinity) bStacks.set(s, (bStacks.get(s) ?? 0) + c);
	// One sort of the union instead of one inside each buildTree: sorted input takes buildTree's
	// fast path (prefix sharing by string comparison, no map), which halves its time (bench/diff).
	const keys = new Set<string>(aStacks.keys());
	for (const key of bStacks.keys()) keys.add(key);
	const union = [...keys].sort();
	const sortedOf = (stacks: ReadonlyMap<string, number>): Array<[string, number]> => {
		const out: Array<[string, number]> = [];
		for (const key of union) {
			const c = stacks.get(key);
			if (c !== undefined) out.push([key, c]);
		}
		return out;
	};
	const beforeTree = buildTree(sortedOf(aStacks));
	const afterTree = buildTree(sortedOf(bStacks));
	const totalBefore = beforeTree.totalSamples;
	const totalAfter = afterTree.totalSamples;
	const normalized = options.normalize === true && totalBefore > 0 && totalAfter > 0 && totalBefore !== totalAfter;
	const scaleBefore = normalized ? totalAfter / totalBefore : 1;
	const negate = options.negate === true;
	const tree = negate ? beforeTree : afterTree;
	const other = negate ? afterTree : beforeTree;
	const scaleHere = negate ? scaleBefore : 1;
	const scaleOther = negate ? 1 : scaleBefore;

	const n = tree.size;
	const otherId = new Int32Array(n).fill(-1);
	const hiddenOther = new Float64Array(n);
	const onlyHere = new Uint8Array(n);
	otherId[ROOT_ID] = ROOT_ID;
	const hereNames = tree.names;
	const otherNames = other.names;
	for (let t = 0; t < n; t++) {
		const o = otherId[t]!;
		if (o < 0) {
			onlyHere[t] = 1;
			continue;
		}
		let c = tree.firstChild[t]!;
		let k = other.firstChild[o]!;
		while (c >= 0 && k >= 0) {
			const nc = hereNames[tree.nameId[c]!]!;
			const nk = otherNames[other.nameId[k]!]!;
			if (nc === nk) {
				otherId[c] = k;
				c = tree.nextSibling[c]!;
				k = other.nextSibling[k]!;
			} else if (nc < nk) c = tree.nextSibling[c]!;
			else {
				hiddenOther[t] = hiddenOther[t]! + other.total[k]! * scaleOther;
				k = other.nextSibling[k]!;
			}
		}
		for (; k >= 0; k = other.nextSibling[k]!) hiddenOther[t] = hiddenOther[t]! + other.total[k]! * scaleOther;
	}

	const hereSelf = new Float64Array(n);
	const hereTotal = new Float64Array(n);
	const otherSelf = new Float64Array(n);
	const otherTotal = new Float64Array(n);
	for (let id = 0; id < n; id++) {
		hereSelf[id] = tree.self[id]! * scaleHere;
		hereTotal[id] = tree.total[id]! * scaleHere;
		const o = otherId[id]!;
		if (o >= 0) {
			otherSelf[id] = other.self[o]! * scaleOther;
			otherTotal[id] = other.total[o]! * scaleOther;
		}
	}

	let maxDelta = 1;
	for (const [s, b] of bStacks) {
		const d = Math.abs(b - (aStacks.get(s) ?? 0) * scaleBefore);
		if (d > maxDelta) maxDelta = d;
	}
	for (const [s, a] of aStacks) {
		if (bStacks.has(s)) continue;
		const d = a * scaleBefore;
		if (d > maxDelta) maxDelta = d;
	}

	return {
		tree,
		negate,
		beforeSelf: negate ? hereSelf : otherSelf,
		beforeTotal: negate ? hereTotal : otherTotal,
		afterSelf: negate ? otherSelf : hereSelf,
		afterTotal: negate ? otherTotal : hereTotal,
		onlyHere,
		hiddenOther,
		beforeTree,
		afterTree,
		otherId,
		totalBefore,
		totalAfter,
		scaleBefore,
		normalized,
		maxDelta,
		beforeStacks: aStacks,
		afterStacks: bStacks,
	};
}

/**
 * The diff as difffolded.pl text (`stack before after`), for flamegraph.pl: what the view shows,
 * so normalized the way `difffolded.pl -n` normalizes (A scaled to B's total, truncated).
 */
export function foldedDiffOf(diff: DiffTree): string {
	const folded = diffFolded(diff.beforeStacks, diff.afterStacks, {normalize: diff.normalized});
	return folded.ok ? formatFoldedDiff(folded.lines) : '';
}

/** B − A of the frame's self samples: what the colour shows. */
export function selfDelta(diff: DiffTree, id: number): number {
	return diff.afterSelf[id]! - diff.beforeSelf[id]!;
}

/** B − A of the frame's inclusive samples. */
export function totalDelta(diff: DiffTree, id: number): number {
	return diff.afterTotal[id]! - diff.beforeTotal[id]!;
}

export type Rgb = {r: number; g: number; b: number};

/**
 * flamegraph.pl's differential colour for a frame: white when its self samples did not change,
 * red (B grew) or blue (B shrank) toward full strength at the largest change of any stack.
 */
export function diffColor(diff: DiffTree, id: number): Rgb {
	const value = selfDelta(diff, id);
	const max = diff.maxDelta;
	if (value > 0) {
		const gb = Math.trunc((210 * (max - Math.min(value, max))) / max);
		return {r: 255, g: gb, b: gb};
	}
	if (value < 0) {
		const rg = Math.trunc((210 * (max + Math.max(value, -max))) / max);
		return {r: rg, g: rg, b: 255};
	}
	return {r: 255, g: 255, b: 255};
}

/**
 * The change as a signed level for a terminal: 0 unchanged (or less than 1 % of the largest
 * change), ±1..±levels by strength, + where B grew.
 */
export function diffLevel(diff: DiffTree, id: number, levels = 3): number {
	const value = selfDelta(diff, id);
	const ratio = Math.min(1, Math.abs(value) / diff.maxDelta);
	if (ratio < 0.01) return 0;
	const level = Math.max(1, Math.ceil(ratio * levels));
	return value > 0 ? level : -level;
}

// ---------------------------------------------------------------------------------------------
// per-function table

export type DiffTopRow = {
	function: string;
	selfBefore: number;
	selfAfter: number;
	totalBefore: number;
	totalAfter: number;
	/** In both profiles, only in A (gone), only in B (new). */
	presence: 'both' | 'before' | 'after';
};

export type DiffTopSort = 'self' | 'total' | 'name' | 'selfChange' | 'totalChange';

/**
 * Per function: self and total before and after (A scaled when normalized), once-per-stack totals
 * as topFunctions counts them. With `zoomId` (a node of diff.tree) only that subtree, in both
 * profiles (the other profile's subtree at the same path; none if it has no such frame).
 * Default sort: largest |self change| first.
 */
export function diffTopFunctions(diff: DiffTree, options: {zoomId?: number; sort?: DiffTopSort} = {}): DiffTopRow[] {
	const zoom = options.zoomId !== undefined && options.zoomId >= 0 && options.zoomId < diff.tree.size ? options.zoomId : ROOT_ID;
	const hereZoom = zoom;
	const otherZoom = diff.otherId[zoom]!;
	const beforeZoom = diff.negate ? hereZoom : otherZoom;
	const afterZoom = diff.negate ? otherZoom : hereZoom;
	const rowsA = beforeZoom < 0 ? [] : topFunctions(diff.beforeTree, {zoomId: beforeZoom});
	const rowsB = afterZoom < 0 ? [] : topFunctions(diff.afterTree, {zoomId: afterZoom});
	const byName = new Map<string, DiffTopRow>();
	const s = diff.scaleBefore;
	for (const r of rowsA) {
		byName.set(r.function, {function: r.function, selfBefore: r.selfSamples * s, totalBefore: r.totalSamples * s, selfAfter: 0, totalAfter: 0, presence: 'before'});
	}
	for (const r of rowsB) {
		const row = byName.get(r.function);
		if (row) {
			row.selfAfter = r.selfSamples;
			row.totalAfter = r.totalSamples;
			row.presence = 'both';
		} else byName.set(r.function, {function: r.function, selfBefore: 0, totalBefore: 0, selfAfter: r.selfSamples, totalAfter: r.totalSamples, presence: 'after'});
	}
	return sortDiffTopRows([...byName.values()], options.sort ?? 'selfChange');
}

const compareNames = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function sortDiffTopRows(rows: readonly DiffTopRow[], by: DiffTopSort): DiffTopRow[] {
	const out = rows.slice();
	const selfC = (r: DiffTopRow) => r.selfAfter - r.selfBefore;
	const totalC = (r: DiffTopRow) => r.totalAfter - r.totalBefore;
	const key: Record<DiffTopSort, (a: DiffTopRow, b: DiffTopRow) => number> = {
		name: (a, b) => compareNames(a.function, b.function),
		self: (a, b) => b.selfAfter - a.selfAfter || b.totalAfter - a.totalAfter || compareNames(a.function, b.function),
		total: (a, b) => b.totalAfter - a.totalAfter || b.selfAfter - a.selfAfter || compareNames(a.function, b.function),
		selfChange: (a, b) => Math.abs(selfC(b)) - Math.abs(selfC(a)) || Math.abs(totalC(b)) - Math.abs(totalC(a)) || compareNames(a.function, b.function),
		totalChange: (a, b) => Math.abs(totalC(b)) - Math.abs(totalC(a)) || Math.abs(selfC(b)) - Math.abs(selfC(a)) || compareNames(a.function, b.function),
	};
	out.sort(key[by]);
	return out;
}

/** Map a TopSort of the plain view onto the diff table (the view's `s`/`t` keys keep working). */
export function diffSortOf(sort: TopSort): DiffTopSort {
	return sort === 'self' ? 'selfChange' : sort === 'total' ? 'totalChange' : 'name';
}

/** The line a diff screen shows about normalization (undefined when counts are raw and equal). */
export function normalizationNote(diff: Pick<DiffTree, 'normalized' | 'scaleBefore' | 'totalBefore' | 'totalAfter'>, unit = 'samples'): string | undefined {
	if (diff.normalized) {
		return `normalized: A (${formatCount(diff.totalBefore)} ${unit}) scaled x${diff.scaleBefore.toFixed(3)} to B's ${formatCount(diff.totalAfter)}`;
	}
	if (diff.totalBefore !== diff.totalAfter) {
		return `raw counts: A has ${formatCount(diff.totalBefore)} ${unit}, B ${formatCount(diff.totalAfter)} (not normalized)`;
	}
	return undefined;
}

function formatCount(n: number): string {
	return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
