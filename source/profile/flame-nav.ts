/**
 * The flame view as a small pure state machine: a command (from the keymap) and the tree in,
 * the next view state out. No Ink, no timers; the UI renders what this returns.
 *
 * Arrow keys move on screen, so their meaning follows the orientation:
 *   rootAtTop (icicle):          up = parent (toward the root), down = child (toward the leaves)
 *   root at bottom (flamegraph): up = child,                    down = parent
 *   left / right (both):         previous / next frame on the same row: the sibling, else the
 *                                nearest frame at the same depth under another parent (cousin)
 * `child` picks the widest child (the first of equally wide ones). From an ancestor row of a zoomed
 * view (drawn full width above the zoomed frame) `child` follows the path back to the zoom.
 * In the 'top' and 'callers' tables, up/down move the table cursor and `activate` jumps to the
 * function: from 'top' it selects the function's widest frame in the flame view; from 'callers'
 * it makes the chosen caller/callee the subject. Zoom scopes the tables too.
 *
 * Selection and zoom are node ids of one tree; `rebaseFlameState` re-resolves them by stack path
 * when a new capture replaces the tree.
 */
import {isDrawn, layoutFlame, type FlameLayout} from './flame-layout.js';
import {searchFlame, stepMatch, type SearchOutcome} from './search.js';
import {callees, callers, topFunctions, type CallRow, type TopRow, type TopSort} from './top.js';
import {ROOT_ID, isWithin, nameOf, pathOf, resolvePath, type FlameTree} from './tree.js';

export type FlameMode = 'flame' | 'top' | 'callers';
export const FLAME_MODES: readonly FlameMode[] = ['flame', 'top', 'callers'];

export type FlameSearchState = {
	pattern: string;
	/** Set when the pattern is not a valid regex; the previous selection is kept. */
	error?: string;
};

export type FlameViewState = {
	readonly selectedId: number;
	/** Zoomed frames, outermost first; the last one is the current zoom. Empty: not zoomed. */
	readonly zoomStack: readonly number[];
	readonly search: FlameSearchState | null;
	readonly rootAtTop: boolean;
	readonly mode: FlameMode;
	readonly sort: TopSort;
	/** Cursor row in the 'top' / 'callers' tables (callers first, then callees). */
	readonly tableRow: number;
};

export type FlameCommand =
	| {type: 'up'}
	| {type: 'down'}
	| {type: 'left'}
	| {type: 'right'}
	| {type: 'parent'}
	| {type: 'child'}
	| {type: 'prevSibling'}
	| {type: 'nextSibling'}
	| {type: 'select'; id: number}
	| {type: 'zoomIn'}
	| {type: 'zoomOut'}
	| {type: 'zoomReset'}
	| {type: 'activate'}
	| {type: 'flip'}
	| {type: 'search'; pattern: string}
	| {type: 'clearSearch'}
	| {type: 'nextMatch'}
	| {type: 'prevMatch'}
	| {type: 'cycleMode'}
	| {type: 'setMode'; mode: FlameMode}
	| {type: 'sortBy'; sort: TopSort};

export type FlameViewContext = {
	/**
	 * Columns of the flame view. When given, frames narrower than one column (not drawn by
	 * layoutFlame) are skipped by every move, and a selection that becomes hidden (zoom out)
	 * climbs to its nearest drawn ancestor.
	 */
	width?: number;
	/**
	 * The 'top' / 'callers' table the view shows, when it is not flameTable's (the diff view's
	 * change table: profile/diff-nav). Cursor moves and Enter follow this table's rows.
	 */
	table?: (tree: FlameTree, state: FlameViewState) => FlameTable;
};

export function initialFlameState(overrides: Partial<FlameViewState> = {}): FlameViewState {
	return {
		selectedId: ROOT_ID,
		zoomStack: [],
		search: null,
		rootAtTop: false,
		mode: 'flame',
		sort: 'self',
		tableRow: 0,
		...overrides,
	};
}

export function currentZoom(state: FlameViewState): number {
	return state.zoomStack[state.zoomStack.length - 1] ?? ROOT_ID;
}

// --- tree moves (pure helpers, also useful to the UI) ---

export function parentOf(tree: FlameTree, id: number): number {
	return id > ROOT_ID ? tree.parent[id]! : id;
}

/** Widest drawn child (first of equals in name order), or -1. */
export function widestChild(tree: FlameTree, id: number, drawn: (id: number) => boolean = () => true): number {
	let best = -1;
	for (let c = tree.firstChild[id]!; c >= 0; c = tree.nextSibling[c]!) {
		if (!drawn(c)) continue;
		if (best < 0 || tree.total[c]! > tree.total[best]!) best = c;
	}
	return best;
}

/** Next (1) or previous (-1) drawn frame at the same depth inside `scope`'s subtree, or -1. */
export function sameRowNeighbour(
	tree: FlameTree,
	id: number,
	direction: 1 | -1,
	scope: number,
	drawn: (id: number) => boolean = () => true,
): number {
	const {depth, end} = tree;
	const d = depth[id]!;
	if (direction === 1) {
		const stop = end[scope]!;
		for (let i = end[id]!; i < stop; ) {
			if (!drawn(i) || depth[i]! > d) i = end[i]!;
			else if (depth[i] === d) return i;
			else i++;
		}
		return -1;
	}
	for (let i = id - 1; i > scope; i--) if (depth[i] === d && drawn(i)) return i;
	return -1;
}

/** The child of `ancestor` on the path down to `descendant` (-1 if not a strict ancestor). */
function childToward(tree: FlameTree, ancestor: number, descendant: number): number {
	if (descendant <= ancestor || !isWithin(tree, descendant, ancestor)) return -1;
	let c = descendant;
	while (tree.parent[c] !== ancestor) c = tree.parent[c]!;
	return c;
}

// --- selectors for the view ---

/** The layout the flame view shows for this state. */
export function flameLayoutFor(tree: FlameTree, state: FlameViewState, width: number, maxRows?: number): FlameLayout {
	return layoutFlame(tree, {width, maxRows, zoomId: currentZoom(state), rootAtTop: state.rootAtTop});
}

/** The active search evaluated on the zoomed view (null when there is none). */
export function flameSearch(tree: FlameTree, state: FlameViewState): SearchOutcome | null {
	return state.search === null ? null : searchFlame(tree, state.search.pattern, currentZoom(state));
}

// --- tables ---

export type FlameTable =
	| {kind: 'none'}
	| {kind: 'top'; rows: TopRow[]}
	| {kind: 'callers'; function: string; callers: CallRow[]; callees: CallRow[]};

const tableCache = new WeakMap<FlameTree, {key: string; table: FlameTable}>();

/** What the 'top' / 'callers' table shows for this state (memoised per tree and inputs). */
export function flameTable(tree: FlameTree, state: FlameViewState): FlameTable {
	if (state.mode === 'flame') return {kind: 'none'};
	const zoomId = currentZoom(state);
	const fn = state.selectedId > ROOT_ID && state.selectedId < tree.size ? nameOf(tree, state.selectedId) : '';
	const key = state.mode === 'top' ? `top ${zoomId} ${state.sort}` : `callers ${zoomId} ${fn}`;
	const cached = tableCache.get(tree);
	if (cached !== undefined && cached.key === key) return cached.table;
	const table: FlameTable =
		state.mode === 'top'
			? {kind: 'top', rows: topFunctions(tree, {zoomId, sort: state.sort})}
			: {kind: 'callers', function: fn, callers: callers(tree, fn, {zoomId}), callees: callees(tree, fn, {zoomId})};
	tableCache.set(tree, {key, table});
	return table;
}

function tableLength(table: FlameTable): number {
	if (table.kind === 'top') return table.rows.length;
	if (table.kind === 'callers') return table.callers.length + table.callees.length;
	return 0;
}

function tableFunction(table: FlameTable, row: number): string | undefined {
	if (table.kind === 'top') return table.rows[row]?.function;
	if (table.kind === 'callers') {
		return row < table.callers.length ? table.callers[row]?.function : table.callees[row - table.callers.length]?.function;
	}
	return undefined;
}

/** Widest drawn frame named `fn` in the zoomed view, or -1. */
function widestNamed(tree: FlameTree, fn: string, zoom: number, drawn: (id: number) => boolean): number {
	const target = tree.names.indexOf(fn, 1);
	if (target < 0) return -1;
	let best = -1;
	for (let id = zoom, stop = tree.end[zoom]!; id < stop; ) {
		if (!drawn(id)) {
			id = tree.end[id]!;
			continue;
		}
		if (tree.nameId[id] === target && (best < 0 || tree.total[id]! > tree.total[best]!)) best = id;
		id++;
	}
	return best;
}

// --- the reducer ---

export function reduceFlame(
	state: FlameViewState,
	command: FlameCommand,
	tree: FlameTree,
	context: FlameViewContext = {},
): FlameViewState {
	const s = normalizeFlameState(state, tree, context);
	const zoom = currentZoom(s);
	const drawn = (id: number) => isDrawn(tree, zoom, id, context.width);
	const sel = s.selectedId;
	const select = (id: number): FlameViewState => (id >= 0 && id !== sel && drawn(id) ? {...s, selectedId: id} : s);
	const toParent = () => select(parentOf(tree, sel));
	const toChild = () => {
		const onPath = childToward(tree, sel, zoom);
		return select(onPath >= 0 ? onPath : widestChild(tree, sel, drawn));
	};
	const sideways = (direction: 1 | -1) => {
		// Ancestor rows and the zoomed frame are full width: nothing beside them.
		if (isWithin(tree, zoom, sel)) return s;
		return select(sameRowNeighbour(tree, sel, direction, zoom, drawn));
	};
	const inTable = s.mode !== 'flame';
	const tableOf = context.table ?? flameTable;
	const moveRow = (delta: number): FlameViewState => {
		const n = tableLength(tableOf(tree, s));
		const row = Math.max(0, Math.min(n - 1, s.tableRow + delta));
		return row === s.tableRow ? s : {...s, tableRow: row};
	};

	switch (command.type) {
		case 'up':
			if (inTable) return moveRow(-1);
			return s.rootAtTop ? toParent() : toChild();
		case 'down':
			if (inTable) return moveRow(1);
			return s.rootAtTop ? toChild() : toParent();
		case 'left':
			return inTable ? s : sideways(-1);
		case 'right':
			return inTable ? s : sideways(1);
		case 'parent':
			return toParent();
		case 'child':
			return toChild();
		case 'prevSibling':
			return isWithin(tree, zoom, sel) ? s : select(tree.prevSibling[sel]!);
		case 'nextSibling':
			return isWithin(tree, zoom, sel) ? s : select(tree.nextSibling[sel]!);
		case 'select':
			return select(command.id);
		case 'zoomIn':
			return zoomTo(s, tree, sel, context);
		case 'zoomOut':
			if (s.zoomStack.length === 0) return s;
			return normalizeFlameState({...s, zoomStack: s.zoomStack.slice(0, -1)}, tree, context);
		case 'zoomReset':
			if (s.zoomStack.length === 0) return s;
			return normalizeFlameState({...s, zoomStack: []}, tree, context);
		case 'activate': {
			if (!inTable) return zoomTo(s, tree, sel, context);
			const table = tableOf(tree, s);
			const fn = tableFunction(table, s.tableRow);
			if (fn === undefined) return s;
			const id = widestNamed(tree, fn, zoom, drawn);
			if (id < 0) return s;
			return s.mode === 'top' ? {...s, selectedId: id, mode: 'flame'} : {...s, selectedId: id, tableRow: 0};
		}
		case 'flip':
			return {...s, rootAtTop: !s.rootAtTop};
		case 'search': {
			if (command.pattern === '') return s.search === null ? s : {...s, search: null};
			const result = searchFlame(tree, command.pattern, zoom);
			if (!result.ok) return {...s, search: {pattern: command.pattern, error: result.error}};
			const next = firstMatchFrom(result.order, sel, drawn);
			return {...s, search: {pattern: command.pattern}, selectedId: next ?? sel};
		}
		case 'clearSearch':
			return s.search === null ? s : {...s, search: null};
		case 'nextMatch':
		case 'prevMatch': {
			if (s.search === null || s.search.error !== undefined) return s;
			const result = searchFlame(tree, s.search.pattern, zoom);
			if (!result.ok) return s;
			const id = stepMatch(result.order, sel, command.type === 'nextMatch' ? 1 : -1, drawn);
			return id === undefined ? s : select(id);
		}
		case 'cycleMode': {
			const mode = FLAME_MODES[(FLAME_MODES.indexOf(s.mode) + 1) % FLAME_MODES.length]!;
			return {...s, mode, tableRow: 0};
		}
		case 'setMode':
			return command.mode === s.mode ? s : {...s, mode: command.mode, tableRow: 0};
		case 'sortBy':
			return command.sort === s.sort ? s : {...s, sort: command.sort, tableRow: 0};
	}
}

function firstMatchFrom(order: Int32Array, from: number, drawn: (id: number) => boolean): number | undefined {
	let fallback: number | undefined;
	for (const id of order) {
		if (!drawn(id)) continue;
		if (id >= from) return id;
		fallback ??= id;
	}
	return fallback;
}

/**
 * Zoom on `target`: inside the current zoom it is pushed; an ancestor of the current zoom (picked
 * on an ancestor row) unwinds the stack to it. Zooming on the root resets the zoom.
 */
function zoomTo(s: FlameViewState, tree: FlameTree, target: number, context: FlameViewContext): FlameViewState {
	const zoom = currentZoom(s);
	if (target === zoom) return s;
	let zoomStack: number[];
	if (isWithin(tree, target, zoom)) zoomStack = [...s.zoomStack, target];
	else {
		zoomStack = s.zoomStack.filter(z => isWithin(tree, target, z));
		if (target !== ROOT_ID && zoomStack[zoomStack.length - 1] !== target) zoomStack.push(target);
	}
	return normalizeFlameState({...s, zoomStack, selectedId: target}, tree, context);
}

/**
 * Keep the state consistent with the tree: zoom ids valid and nested, the selection drawn in the
 * zoomed view (else its nearest drawn ancestor, else the zoomed frame), the table row ≥ 0.
 */
export function normalizeFlameState(state: FlameViewState, tree: FlameTree, context: FlameViewContext = {}): FlameViewState {
	let zoomStack = state.zoomStack;
	let valid = 0;
	let outer = ROOT_ID;
	for (const z of zoomStack) {
		if (!Number.isInteger(z) || z <= outer || z >= tree.size || !isWithin(tree, z, outer)) break;
		outer = z;
		valid++;
	}
	if (valid !== zoomStack.length) zoomStack = zoomStack.slice(0, valid);
	const zoom = zoomStack[zoomStack.length - 1] ?? ROOT_ID;
	let selectedId = state.selectedId;
	if (!Number.isInteger(selectedId) || selectedId < 0 || selectedId >= tree.size) selectedId = zoom;
	if (!isDrawn(tree, zoom, selectedId, context.width)) {
		if (isWithin(tree, selectedId, zoom)) {
			while (!isDrawn(tree, zoom, selectedId, context.width)) selectedId = tree.parent[selectedId]!;
		} else selectedId = zoom;
	}
	const tableRow = Math.max(0, Math.floor(state.tableRow) || 0);
	if (zoomStack === state.zoomStack && selectedId === state.selectedId && tableRow === state.tableRow) return state;
	return {...state, zoomStack, selectedId, tableRow};
}

/**
 * Carry a view over to a new tree (a fresh capture of the same process): zoom and selection are
 * re-resolved by stack path; a frame that vanished falls back to its deepest surviving ancestor.
 */
export function rebaseFlameState(
	state: FlameViewState,
	oldTree: FlameTree,
	newTree: FlameTree,
	context: FlameViewContext = {},
): FlameViewState {
	const map = (id: number): number =>
		id >= 0 && id < oldTree.size ? resolvePath(newTree, pathOf(oldTree, id)).id : ROOT_ID;
	const zoomStack: number[] = [];
	for (const z of state.zoomStack) {
		const id = map(z);
		if (id !== ROOT_ID && id !== zoomStack[zoomStack.length - 1]) zoomStack.push(id);
	}
	return normalizeFlameState({...state, zoomStack, selectedId: map(state.selectedId)}, newTree, context);
}
