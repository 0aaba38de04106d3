/**
 * The call tree behind the flame graph, built from folded stacks ("root;...;leaf" → samples).
 *
 * Nodes live in flat typed arrays, numbered in pre-order with siblings sorted by name (byte-wise
 * code-unit order, like flamegraph.pl's sort of the folded lines). Pre-order numbering buys a lot:
 * the subtree of `id` is exactly the id range [id, end[id]), layout order is id order, and "is a
 * inside b" is two comparisons. The tree is a plain value (no methods, no closures) so it can be
 * posted to a worker or kept beside the previous capture for re-resolving a zoom by path.
 */

export const ROOT_ID = 0;
/** Name of the synthetic root, as flamegraph.pl labels it. */
export const ROOT_NAME = 'all';

export type FlameTree = {
	/** Number of nodes including the synthetic root (id 0). */
	readonly size: number;
	/** Interned frame names, indexed by nameId. names[0] is the root's "all" and is used by no frame. */
	readonly names: readonly string[];
	readonly nameId: Int32Array;
	/** Parent id; -1 for the root. */
	readonly parent: Int32Array;
	/** Root 0, first frame of each stack 1. */
	readonly depth: Int32Array;
	/** Inclusive samples. Counts may be fractional (period-weighted or scaled folds). */
	readonly total: Float64Array;
	/** Samples whose stack ends at this frame. */
	readonly self: Float64Array;
	/** First child in name order; -1 if none. Children of a node are consecutive siblings. */
	readonly firstChild: Int32Array;
	readonly nextSibling: Int32Array;
	readonly prevSibling: Int32Array;
	readonly childCount: Int32Array;
	/** One past the last id of the subtree: the subtree of id is [id, end[id]). */
	readonly end: Int32Array;
	/** Sum of all counts (= total[0]). */
	readonly totalSamples: number;
	/** Depth of the deepest frame (0 for an empty tree). */
	readonly maxDepth: number;
	/** Input stacks with a positive count. */
	readonly stackCount: number;
};

const SEMICOLON = 59;

/**
 * Build the tree. Stacks may repeat (counts are summed) and come in any order; order never changes
 * the result, only the speed (unsorted input is sorted first, which pays for itself). Entries
 * whose count is not a positive finite number are ignored.
 */
export function buildTree(stacks: Iterable<readonly [string, number]>): FlameTree {
	// Gather, and sort unless already sorted: in sorted input most of a stack is shared with the
	// previous one and is found by comparing strings instead of a map lookup per frame.
	let keys: string[] = [];
	let counts: number[] = [];
	let sorted = true;
	let last = '';
	for (const [stack, samples] of stacks) {
		if (!(samples > 0) || samples === Infinity) continue;
		if (stack < last) sorted = false;
		last = stack;
		keys.push(stack);
		counts.push(samples);
	}
	const stackCount = keys.length;
	if (!sorted) {
		const merged = new Map<string, number>();
		for (let i = 0; i < keys.length; i++) merged.set(keys[i]!, (merged.get(keys[i]!) ?? 0) + counts[i]!);
		keys = [...merged.keys()].sort();
		counts = keys.map(key => merged.get(key)!);
	}

	// Temporary trie in creation order (a parent's id is always below its children's). Children
	// are a linked list; a node with many children also gets a nameId → child map.
	let capacity = 1024;
	let tParent = new Int32Array(capacity);
	let tName = new Int32Array(capacity);
	let tSelf = new Float64Array(capacity);
	let tFirstKid = new Int32Array(capacity).fill(-1);
	let tLastKid = new Int32Array(capacity).fill(-1);
	let tNextKid = new Int32Array(capacity).fill(-1);
	let tKidCount = new Int32Array(capacity);
	const bigKids = new Map<number, Map<number, number>>();
	const intern = new Map<string, number>();
	const names: string[] = [ROOT_NAME];
	let count = 1;
	tParent[0] = -1;

	const grow = () => {
		capacity *= 2;
		const int32 = (old: Int32Array, fill: number) => {
			const a = new Int32Array(capacity);
			if (fill !== 0) a.fill(fill, old.length);
			a.set(old);
			return a;
		};
		tParent = int32(tParent, 0);
		tName = int32(tName, 0);
		tFirstKid = int32(tFirstKid, -1);
		tLastKid = int32(tLastKid, -1);
		tNextKid = int32(tNextKid, -1);
		tKidCount = int32(tKidCount, 0);
		const s = new Float64Array(capacity);
		s.set(tSelf);
		tSelf = s;
	};

	const childOf = (node: number, name: string): number => {
		let nid = intern.get(name);
		if (nid === undefined) {
			nid = names.length;
			names.push(name);
			intern.set(name, nid);
		} else {
			const lastKid = tLastKid[node]!;
			if (lastKid >= 0 && tName[lastKid] === nid) return lastKid;
			if (tKidCount[node]! > SMALL_FAMILY) {
				const found = bigKids.get(node)!.get(nid);
				if (found !== undefined) return found;
			} else {
				for (let k = tFirstKid[node]!; k >= 0; k = tNextKid[k]!) if (tName[k] === nid) return k;
			}
		}
		const child = count++;
		if (child >= capacity) grow();
		tParent[child] = node;
		tName[child] = nid;
		const lastKid = tLastKid[node]!;
		if (lastKid < 0) tFirstKid[node] = child;
		else tNextKid[lastKid] = child;
		tLastKid[node] = child;
		const kids = tKidCount[node]! + 1;
		tKidCount[node] = kids;
		if (kids > SMALL_FAMILY) {
			let map = bigKids.get(node);
			if (map === undefined) {
				map = new Map();
				for (let k = tFirstKid[node]!; k >= 0; k = tNextKid[k]!) map.set(tName[k]!, k);
				bigKids.set(node, map);
			} else map.set(nid, child);
		}
		return child;
	};

	const path: number[] = [0];
	// ends[k]: offset just past frame k of the previous stack.
	const ends: number[] = [];
	let prev = '';
	let prevDepth = 0;
	for (let i = 0; i < keys.length; i++) {
		const stack = keys[i]!;
		const length = stack.length;
		let depth = 0;
		let node = 0;
		if (length > 0) {
			let start = 0;
			if (prevDepth > 0) {
				// Largest k such that the first k frames equal the previous stack's (monotone in k,
				// so binary search). Equality of two substrings is a native comparison; it measured
				// 2x faster than a charCodeAt loop and 10x faster than startsWith.
				let lo = 0;
				let hi = prevDepth;
				while (lo < hi) {
					const mid = (lo + hi + 1) >> 1;
					const e = ends[mid - 1]!;
					if (
						(e === length || (e < length && stack.charCodeAt(e) === SEMICOLON)) &&
						stack.substring(0, e) === prev.substring(0, e)
					) {
						lo = mid;
					} else hi = mid - 1;
				}
				depth = lo;
				if (depth > 0) start = ends[depth - 1]! + 1;
			}
			node = path[depth]!;
			while (start <= length) {
				let stop = stack.indexOf(';', start);
				if (stop < 0) stop = length;
				node = childOf(node, stack.slice(start, stop));
				ends[depth] = stop;
				depth++;
				path[depth] = node;
				start = stop + 1;
			}
		}
		tSelf[node] = tSelf[node]! + counts[i]!;
		prev = stack;
		prevDepth = depth;
	}

	// Inclusive totals and subtree sizes; parents precede children in creation order.
	const tTotal = tSelf.slice(0, count);
	const tSize = new Int32Array(count).fill(1);
	for (let id = count - 1; id > 0; id--) {
		const p = tParent[id]!;
		tTotal[p] = tTotal[p]! + tTotal[id]!;
		tSize[p] = tSize[p]! + tSize[id]!;
	}

	const nameId = new Int32Array(count);
	const parent = new Int32Array(count);
	const depthArr = new Int32Array(count);
	const total = new Float64Array(count);
	const self = new Float64Array(count);
	const firstChild = new Int32Array(count).fill(-1);
	const nextSibling = new Int32Array(count).fill(-1);
	const prevSibling = new Int32Array(count).fill(-1);
	const childCount = new Int32Array(count);
	const end = new Int32Array(count);
	parent[0] = -1;

	// Rank every distinct name once, so that sorting siblings compares integers, not strings.
	// (The default sort is code-unit order, like `<`, and faster than a comparator.)
	const ordered = names.slice(1).sort();
	const rank = new Int32Array(names.length);
	for (let i = 0; i < ordered.length; i++) rank[intern.get(ordered[i]!)!] = i + 1;
	const byName = (a: number, b: number): number => rank[tName[a]!]! - rank[tName[b]!]!;

	// Pre-order numbering. A child's final id is known before it is visited: its parent's id + 1
	// plus the sizes of the siblings before it, so links are set when the parent is visited.
	const stack: number[] = [0];
	const kids: number[] = [];
	let next = 0;
	let maxDepth = 0;
	while (stack.length > 0) {
		const t = stack.pop()!;
		const id = next++;
		const d = depthArr[id]!;
		if (d > maxDepth) maxDepth = d;
		nameId[id] = t === 0 ? 0 : tName[t]!;
		total[id] = tTotal[t]!;
		self[id] = tSelf[t]!;
		end[id] = id + tSize[t]!;
		if (tFirstKid[t]! < 0) continue;
		kids.length = 0;
		for (let k = tFirstKid[t]!; k >= 0; k = tNextKid[k]!) kids.push(k);
		if (kids.length > 1) kids.sort(byName);
		childCount[id] = kids.length;
		let cid = id + 1;
		let before = -1;
		firstChild[id] = cid;
		for (const k of kids) {
			parent[cid] = id;
			depthArr[cid] = d + 1;
			prevSibling[cid] = before;
			if (before >= 0) nextSibling[before] = cid;
			before = cid;
			cid += tSize[k]!;
		}
		for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
	}

	return {
		size: count,
		names,
		nameId,
		parent,
		depth: depthArr,
		total,
		self,
		firstChild,
		nextSibling,
		prevSibling,
		childCount,
		end,
		totalSamples: total[0]!,
		maxDepth,
		stackCount,
	};
}

/** Above this many children a node's children are also indexed by name. */
const SMALL_FAMILY = 8;

export function nameOf(tree: FlameTree, id: number): string {
	return tree.names[tree.nameId[id]!] ?? '';
}

export function isValidId(tree: FlameTree, id: number): boolean {
	return Number.isInteger(id) && id >= 0 && id < tree.size;
}

/** True when `id` is `ancestor` or lies in its subtree. */
export function isWithin(tree: FlameTree, id: number, ancestor: number): boolean {
	return id >= ancestor && id < tree.end[ancestor]!;
}

export function childrenOf(tree: FlameTree, id: number): number[] {
	const out: number[] = [];
	for (let c = tree.firstChild[id]!; c >= 0; c = tree.nextSibling[c]!) out.push(c);
	return out;
}

/** Ids from the root (0) down to `id`, inclusive. */
export function ancestryOf(tree: FlameTree, id: number): number[] {
	const out: number[] = [];
	for (let a = id; a >= 0; a = tree.parent[a]!) out.push(a);
	return out.reverse();
}

/** Frame names from the first frame below the root down to `id` (the root itself is []). */
export function pathOf(tree: FlameTree, id: number): string[] {
	const out: string[] = [];
	for (let a = id; a > 0; a = tree.parent[a]!) out.push(nameOf(tree, a));
	return out.reverse();
}

function childNamed(tree: FlameTree, id: number, name: string): number {
	for (let c = tree.firstChild[id]!; c >= 0; c = tree.nextSibling[c]!) {
		if (tree.names[tree.nameId[c]!] === name) return c;
	}
	return -1;
}

/** The node at exactly this path of names, or undefined. findByPath(tree, []) is the root. */
export function findByPath(tree: FlameTree, path: readonly string[]): number | undefined {
	let id = 0;
	for (const name of path) {
		id = childNamed(tree, id, name);
		if (id < 0) return undefined;
	}
	return id;
}

/**
 * The deepest node along `path` that exists (the root if none does). Used to re-resolve a zoom or
 * a selection on new data: if the exact frame vanished, the view falls back to its nearest ancestor.
 */
export function resolvePath(tree: FlameTree, path: readonly string[]): {id: number; matchedDepth: number} {
	let id = 0;
	let matchedDepth = 0;
	for (const name of path) {
		const c = childNamed(tree, id, name);
		if (c < 0) break;
		id = c;
		matchedDepth++;
	}
	return {id, matchedDepth};
}

export type FoldedParse = {
	stacks: Array<[string, number]>;
	/** Lines that are neither blank nor "stack count" (flamegraph.pl ignores them too). */
	skippedLines: number;
};

/**
 * Folded text ("frame;frame;... count" per line) → stacks. The count is the last blank-separated
 * token and may be fractional (inferno accepts "12.5"); a frame may contain spaces. Blank lines are
 * ignored, malformed lines counted in skippedLines, never thrown on. (fold.ts's parseFolded reads
 * the same format into a Map; this one also says how many lines it could not read.)
 */
export function parseFoldedLines(text: string): FoldedParse {
	const stacks: Array<[string, number]> = [];
	let skippedLines = 0;
	let start = 0;
	const length = text.length;
	while (start < length) {
		let stop = text.indexOf('\n', start);
		if (stop < 0) stop = length;
		let e = stop;
		while (e > start && isBlank(text.charCodeAt(e - 1))) e--;
		if (e > start) {
			let s = e;
			while (s > start && !isBlank(text.charCodeAt(s - 1))) s--;
			const token = text.slice(s, e);
			// Exactly one blank separates: a tidied frame may itself end in a blank ("foo  3" is
			// the stack "foo " — flamegraph.pl's regex reads it so too).
			if (s > start && COUNT.test(token)) {
				stacks.push([text.slice(start, s - 1), Number(token)]);
			} else skippedLines++;
		}
		start = stop + 1;
	}
	return {stacks, skippedLines};
}

const COUNT = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

function isBlank(c: number): boolean {
	return c === 32 || c === 9 || c === 13;
}

/**
 * Period-weighted folded stacks (stackcollapse-perf weights each sample by its period, e.g. the
 * nanoseconds of a cpu-clock tick) → sample counts, so that the view can say "N samples". With
 * one fixed period (perf record -F) the result is exact integers.
 */
export function stacksInSamples(stacks: ReadonlyMap<string, number>, samples: number): Array<[string, number]> {
	let weight = 0;
	for (const count of stacks.values()) weight += count;
	if (!(weight > 0) || !(samples > 0) || weight === samples) return [...stacks];
	return [...stacks].map(([stack, count]) => [stack, (count * samples) / weight]);
}
