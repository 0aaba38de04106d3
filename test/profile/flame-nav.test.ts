import {test} from 'node:test';
import assert from 'node:assert/strict';
import {
	currentZoom,
	flameLayoutFor,
	flameSearch,
	flameTable,
	initialFlameState,
	rebaseFlameState,
	reduceFlame,
	sameRowNeighbour,
	widestChild,
	type FlameCommand,
	type FlameViewContext,
	type FlameViewState,
} from '../../source/profile/flame-nav.js';
import {buildTree, findByPath, nameOf, parseFoldedLines, pathOf, type FlameTree} from '../../source/profile/tree.js';
import {SAMPLE} from '../helpers/folded-sample.js';

const tree = buildTree(parseFoldedLines(SAMPLE).stacks);
const at = (t: FlameTree, ...path: string[]) => findByPath(t, path)!;

/** Apply commands one by one; after each, "selected-name [zoom-name]" (zoom shown when zoomed). */
function run(
	state: FlameViewState,
	commands: FlameCommand[],
	context: FlameViewContext = {},
	t: FlameTree = tree,
): {trace: string[]; state: FlameViewState} {
	const trace: string[] = [];
	for (const command of commands) {
		state = reduceFlame(state, command, t, context);
		const zoom = currentZoom(state);
		trace.push(`${nameOf(t, state.selectedId)}${zoom === 0 ? '' : ` [${nameOf(t, zoom)}]`}`);
	}
	return {trace, state};
}

const c = <T extends FlameCommand['type']>(type: T) => ({type}) as Extract<FlameCommand, {type: T}>;

test('root at the bottom: up goes to the widest child, down to the parent; left/right stay on the row', () => {
	const {trace} = run(initialFlameState(), [
		c('up'),
		c('up'),
		c('up'),
		c('up'),
		c('up'),
		c('up'),
		c('right'),
		c('right'),
		c('down'),
		c('right'),
		c('left'),
		c('left'),
		c('down'),
		c('down'),
		c('left'),
		c('down'),
		c('down'),
		c('down'),
	]);
	assert.deepEqual(trace, [
		'zeek',
		'main',
		'run_loop',
		'dispatch',
		'analyze_tcp',
		'analyze_tcp', // no children
		'analyze_udp',
		'analyze_udp', // nothing further right on that row
		'dispatch',
		'pcap_next',
		'dispatch',
		'parse_b', // a cousin under init (no width given: every frame is reachable)
		'init',
		'main',
		'log_thread',
		'zeek',
		'all',
		'all',
	]);
});

test('with a width, frames narrower than a column are skipped', () => {
	const start = initialFlameState({selectedId: at(tree, 'zeek', 'main', 'run_loop', 'dispatch')});
	const {trace} = run(start, [c('left'), c('down'), c('left'), c('up')], {width: 40});
	// parse_a/parse_b are 0.4 column wide at 40 columns; init has no drawn child.
	assert.deepEqual(trace, ['dispatch', 'run_loop', 'init', 'init']);
});

test('rootAtTop flips the vertical arrows; flip toggles it', () => {
	const {trace, state} = run(initialFlameState({rootAtTop: true}), [c('down'), c('down'), c('up'), c('flip'), c('up')]);
	assert.deepEqual(trace, ['zeek', 'main', 'zeek', 'zeek', 'main']);
	assert.equal(state.rootAtTop, false);
});

test('zoom in, move through ancestor rows, zoom out, and zoom to an ancestor', () => {
	const dispatch = at(tree, 'zeek', 'main', 'run_loop', 'dispatch');
	const {trace, state} = run(initialFlameState({selectedId: dispatch}), [
		c('zoomIn'),
		c('right'), // the zoomed frame is full width: nothing beside it
		c('down'), // ancestor row
		c('right'),
		c('up'), // back toward the zoom, not to the widest child of run_loop
		c('up'),
		c('zoomIn'),
		c('zoomOut'),
		c('down'),
		c('down'),
		c('down'),
		c('zoomIn'), // main is an ancestor of the zoom: unwinds the stack to it
		c('zoomReset'),
		c('zoomOut'),
	]);
	assert.deepEqual(trace, [
		'dispatch [dispatch]',
		'dispatch [dispatch]',
		'run_loop [dispatch]',
		'run_loop [dispatch]',
		'dispatch [dispatch]',
		'analyze_tcp [dispatch]',
		'analyze_tcp [analyze_tcp]',
		'analyze_tcp [dispatch]',
		'dispatch [dispatch]',
		'run_loop [dispatch]',
		'main [dispatch]',
		'main [main]',
		'main',
		'main',
	]);
	assert.deepEqual(state.zoomStack, []);
});

test('zoom stack keeps nesting; zooming in on the root resets', () => {
	const s0 = initialFlameState({selectedId: at(tree, 'zeek', 'main')});
	const {state} = run(s0, [c('zoomIn'), c('up'), c('up'), c('zoomIn')]);
	assert.deepEqual(
		state.zoomStack.map(id => nameOf(tree, id)),
		['main', 'dispatch'],
	);
	const back = run(state, [c('down'), c('down'), c('down'), c('down'), c('zoomIn')]).state;
	assert.equal(back.selectedId, 0);
	assert.deepEqual(back.zoomStack, []);
});

test('zoom out leaves a selection that became too narrow on its nearest drawn ancestor', () => {
	const parseA = at(tree, 'zeek', 'main', 'init', 'parse_a');
	const s0 = initialFlameState({selectedId: at(tree, 'zeek', 'main', 'init')});
	const {trace} = run(s0, [c('zoomIn'), c('up'), c('zoomOut')], {width: 40});
	assert.deepEqual(trace, ['init [init]', 'parse_a [init]', 'init']);
	assert.equal(parseA, at(tree, 'zeek', 'main', 'init', 'parse_a'));
});

test('search selects the first match from the cursor; n/N wrap; errors keep the selection', () => {
	const s0 = initialFlameState({selectedId: at(tree, 'zeek', 'main', 'run_loop')});
	const {trace, state} = run(s0, [
		{type: 'search', pattern: 'analyze|write'},
		c('nextMatch'),
		c('nextMatch'),
		c('nextMatch'),
		c('prevMatch'),
		{type: 'search', pattern: 'analyze('},
		c('nextMatch'),
		{type: 'search', pattern: ''},
	]);
	assert.deepEqual(trace, [
		'analyze_tcp',
		'analyze_udp',
		'write', // wraps to the start of the layout order
		'analyze_tcp',
		'write',
		'write',
		'write',
		'write',
	]);
	assert.equal(state.search, null);
	const bad = reduceFlame(s0, {type: 'search', pattern: 'analyze('}, tree);
	assert.equal(bad.search?.pattern, 'analyze(');
	assert.match(bad.search?.error ?? '', /invalid regex/);
	assert.equal(bad.selectedId, s0.selectedId);
});

test('search inside a zoom only visits matches the view shows', () => {
	const s0 = initialFlameState({selectedId: at(tree, 'zeek', 'main', 'run_loop', 'dispatch')});
	const {trace} = run(s0, [c('zoomIn'), {type: 'search', pattern: 'a'}, c('nextMatch'), c('nextMatch'), c('nextMatch')]);
	assert.deepEqual(trace, [
		'dispatch [dispatch]',
		'dispatch [dispatch]',
		'analyze_tcp [dispatch]',
		'analyze_udp [dispatch]',
		'dispatch [dispatch]',
	]);
});

test('modes: cycle, table cursor, sort, activate', () => {
	let s = initialFlameState();
	s = reduceFlame(s, c('cycleMode'), tree);
	assert.equal(s.mode, 'top');
	const table = flameTable(tree, s);
	assert.equal(table.kind, 'top');
	assert.equal(table.kind === 'top' && table.rows[1]!.function, 'analyze_udp');
	s = reduceFlame(s, c('down'), tree);
	assert.equal(s.tableRow, 1);
	s = reduceFlame(s, c('up'), tree);
	s = reduceFlame(s, c('up'), tree);
	assert.equal(s.tableRow, 0, 'clamped at the top');
	for (let i = 0; i < 50; i++) s = reduceFlame(s, c('down'), tree);
	assert.equal(s.tableRow, 11, 'clamped at the last of 12 functions');
	s = reduceFlame(s, {type: 'sortBy', sort: 'total'}, tree);
	assert.equal(s.sort, 'total');
	assert.equal(s.tableRow, 0);
	s = reduceFlame(s, c('down'), tree);
	s = reduceFlame(s, c('activate'), tree); // row 1 by total: main
	assert.equal(s.mode, 'flame');
	assert.equal(s.selectedId, at(tree, 'zeek', 'main'));
	s = reduceFlame(s, {type: 'setMode', mode: 'callers'}, tree);
	const callersTable = flameTable(tree, s);
	assert.deepEqual(callersTable.kind === 'callers' && callersTable.callers, [{function: 'zeek', samples: 95, percent: 100}]);
	assert.deepEqual(
		callersTable.kind === 'callers' && callersTable.callees.map(r => r.function),
		['run_loop', 'init'],
	);
	s = reduceFlame(s, c('activate'), tree); // row 0: the caller zeek becomes the subject
	assert.equal(s.mode, 'callers');
	assert.equal(s.selectedId, at(tree, 'zeek'));
	s = reduceFlame(s, c('cycleMode'), tree);
	assert.equal(s.mode, 'flame');
});

test('widestChild and sameRowNeighbour primitives', () => {
	assert.equal(nameOf(tree, widestChild(tree, at(tree, 'zeek'))), 'main');
	assert.equal(widestChild(tree, at(tree, 'zeek', 'log_thread', 'write')), -1);
	const udp = at(tree, 'zeek', 'main', 'run_loop', 'dispatch', 'analyze_udp');
	assert.equal(sameRowNeighbour(tree, udp, 1, 0), -1);
	assert.equal(nameOf(tree, sameRowNeighbour(tree, at(tree, 'zeek', 'main', 'init'), 1, 0)), 'run_loop');
	assert.equal(nameOf(tree, sameRowNeighbour(tree, at(tree, 'zeek', 'main', 'init'), -1, 0)), 'write');
});

test('rebase: zoom and selection follow their stack path into a new capture', () => {
	const dispatch = at(tree, 'zeek', 'main', 'run_loop', 'dispatch');
	const state = run(initialFlameState({selectedId: dispatch}), [c('zoomIn'), c('up')]).state;
	assert.equal(nameOf(tree, state.selectedId), 'analyze_tcp');
	// New capture: more frames (ids shift), analyze_tcp gone.
	const next = buildTree(
		parseFoldedLines(`zeek;aaa_new;x 50
zeek;main;run_loop;dispatch;analyze_udp 20
zeek;main;run_loop;dispatch;analyze_icmp 20
zeek;main;run_loop;pcap_next 20
`).stacks,
	);
	const moved = rebaseFlameState(state, tree, next);
	assert.deepEqual(pathOf(next, currentZoom(moved)), ['zeek', 'main', 'run_loop', 'dispatch']);
	assert.deepEqual(pathOf(next, moved.selectedId), ['zeek', 'main', 'run_loop', 'dispatch']);
	// The zoomed frame itself vanished: fall back to the deepest surviving ancestor.
	const gone = buildTree(parseFoldedLines('zeek;main;other 5\n').stacks);
	const fallback = rebaseFlameState(state, tree, gone);
	assert.deepEqual(pathOf(gone, currentZoom(fallback)), ['zeek', 'main']);
	assert.equal(fallback.selectedId, currentZoom(fallback));
});

test('invalid state is repaired, never thrown on', () => {
	const s = reduceFlame(initialFlameState({selectedId: 999, zoomStack: [4, 2]}), c('up'), tree);
	assert.deepEqual(s.zoomStack, [4], 'a zoom entry outside the previous one is dropped');
	assert.equal(nameOf(tree, s.selectedId), 'run_loop');
});

test('view selectors follow the state', () => {
	const dispatch = at(tree, 'zeek', 'main', 'run_loop', 'dispatch');
	let s = reduceFlame(initialFlameState({selectedId: dispatch, rootAtTop: true}), c('zoomIn'), tree);
	const layout = flameLayoutFor(tree, s, 40, 10);
	assert.equal(layout.zoomId, dispatch);
	assert.equal(layout.rootAtTop, true);
	assert.equal(flameSearch(tree, s), null);
	s = reduceFlame(s, {type: 'search', pattern: 'udp'}, tree);
	const result = flameSearch(tree, s);
	assert.ok(result?.ok);
	assert.equal(result.percentOfZoom, (20 * 100) / 60);
});
