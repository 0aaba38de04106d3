/**
 * The diff view on top of the flame view's state machine (flame-nav): the diff tree's `tree` is an
 * ordinary FlameTree, so selection, zoom, search and flip work unchanged; only the tables differ.
 * diffTables(diff) gives reduceFlame / reduceFlameKey the rows the diff view shows (the change
 * table, callers and callees with before/after), so the cursor and Enter follow what is on screen.
 */
import {diffSortOf, diffTopFunctions, type DiffTopRow, type DiffTree} from './diff.js';
import {currentZoom, type FlameTable, type FlameViewState} from './flame-nav.js';
import {callees, callers, type CallRow} from './top.js';
import {findByPath, nameOf, pathOf, ROOT_ID, type FlameTree} from './tree.js';

export type DiffCallRow = {function: string; before: number; after: number};

export type DiffTable =
	| {kind: 'none'}
	| {kind: 'top'; rows: DiffTopRow[]}
	| {kind: 'callers'; function: string; callers: DiffCallRow[]; callees: DiffCallRow[]};

/** The zoom's node in the before and after trees (-1 where that profile has no such frame). */
function zoomsOf(diff: DiffTree, zoom: number): {before: number; after: number} {
	if (zoom === ROOT_ID) return {before: ROOT_ID, after: ROOT_ID};
	const path = pathOf(diff.tree, zoom);
	return {before: findByPath(diff.beforeTree, path) ?? -1, after: findByPath(diff.afterTree, path) ?? -1};
}

function joinCalls(a: CallRow[], b: CallRow[], scale: number): DiffCallRow[] {
	const byName = new Map<string, DiffCallRow>();
	for (const r of a) byName.set(r.function, {function: r.function, before: r.samples * scale, after: 0});
	for (const r of b) {
		const row = byName.get(r.function);
		if (row) row.after = r.samples;
		else byName.set(r.function, {function: r.function, before: 0, after: r.samples});
	}
	const change = (r: DiffCallRow) => Math.abs(r.after - r.before);
	return [...byName.values()].sort((x, y) => change(y) - change(x) || y.after - x.after || (x.function < y.function ? -1 : x.function > y.function ? 1 : 0));
}

const cache = new WeakMap<DiffTree, {key: string; table: DiffTable}>();

/** What the diff view's table shows for this state (memoised per diff and inputs). */
export function diffTable(diff: DiffTree, state: FlameViewState): DiffTable {
	if (state.mode === 'flame') return {kind: 'none'};
	const zoom = currentZoom(state);
	const fn = state.selectedId > ROOT_ID && state.selectedId < diff.tree.size ? nameOf(diff.tree, state.selectedId) : '';
	const key = state.mode === 'top' ? `top ${zoom} ${state.sort}` : `callers ${zoom} ${fn}`;
	const hit = cache.get(diff);
	if (hit !== undefined && hit.key === key) return hit.table;
	let table: DiffTable;
	if (state.mode === 'top') table = {kind: 'top', rows: diffTopFunctions(diff, {zoomId: zoom, sort: diffSortOf(state.sort)})};
	else {
		const z = zoomsOf(diff, zoom);
		const side = (tree: FlameTree, id: number, f: typeof callers) => (id < 0 ? [] : f(tree, fn, {zoomId: id}));
		table = {
			kind: 'callers',
			function: fn,
			callers: joinCalls(side(diff.beforeTree, z.before, callers), side(diff.afterTree, z.after, callers), diff.scaleBefore),
			callees: joinCalls(side(diff.beforeTree, z.before, callees), side(diff.afterTree, z.after, callees), diff.scaleBefore),
		};
	}
	cache.set(diff, {key, table});
	return table;
}

/**
 * The table provider for flame-nav / flame-keys (FlameViewContext.table): the diff table's rows in
 * the shape the reducer reads (function names and row count; the numbers are the after side).
 */
export function diffTables(diff: DiffTree): (tree: FlameTree, state: FlameViewState) => FlameTable {
	const shaped = new WeakMap<DiffTable, FlameTable>();
	return (_tree, state) => {
		const t = diffTable(diff, state);
		let out = shaped.get(t);
		if (out === undefined) shaped.set(t, (out = shape(t)));
		return out;
	};
}

function shape(t: DiffTable): FlameTable {
	{
		if (t.kind === 'none') return t;
		if (t.kind === 'top') {
			return {
				kind: 'top',
				rows: t.rows.map(r => ({function: r.function, selfSamples: r.selfAfter, totalSamples: r.totalAfter, selfPercent: 0, totalPercent: 0})),
			};
		}
		const call = (r: DiffCallRow) => ({function: r.function, samples: r.after, percent: 0});
		return {kind: 'callers', function: t.function, callers: t.callers.map(call), callees: t.callees.map(call)};
	}
}
