import {test} from 'node:test';
import assert from 'node:assert/strict';
import {KEYMAP, SCOPES_BY_VIEW, commandFor} from '../../source/ui/keymap.js';
import {HEAP_BINDINGS} from '../../source/ui/keymap-heap.js';
import {initialHeapUi, reduceHeapKey, heapScopes, type HeapUiState} from '../../source/ui/heap-keys.js';
import {assertNoKeyTwice} from '../helpers/keymap.js';

/** A report with a base: four tabs, 30 growth rows, 20 live rows, 12 sites, page of 10. */
const report: HeapUiState = {
	...initialHeapUi,
	screen: 'report',
	tabs: ['growth', 'live', 'sites', 'flame'],
	tab: 'growth',
	counts: {growth: 30, live: 20, sites: 12, flame: 0},
	pageSize: 10,
	actions: ['dump', 'wait'],
};

const HANDLED = new Set([
	'nextTab', 'prevTab', 'tabGrowth', 'tabLive', 'tabSites', 'tabFlame', 'up', 'down', 'pageUp', 'pageDown', 'home', 'end',
	'patterns', 'basis', 'dump', 'wait', 'capture', 'refresh', 'back', 'confirm', 'cancel', 'explore',
]);

test('heap bindings: scopes heap/confirm, help text, every command handled, every key resolves', () => {
	assert.ok(HEAP_BINDINGS.length > 0);
	for (const b of HEAP_BINDINGS) {
		assert.ok(b.scope === 'heap' || b.scope === 'confirm', `${b.command} in ${b.scope}`);
		assert.ok(b.help.length > 10, `${b.command} help`);
		assert.ok(HANDLED.has(b.command), `${b.command} is handled by reduceHeapKey`);
		for (const key of b.keys) assert.equal(commandFor(key, [b.scope]), b.command);
	}
	for (const c of HANDLED) assert.ok(HEAP_BINDINGS.some(b => b.command === c), `${c} has a key`);
	for (const b of KEYMAP.filter(k => k.scope === 'heap' || k.scope === 'confirm')) assert.ok(HEAP_BINDINGS.includes(b));
});

test('no key bound twice within the heap view (with global) nor within the confirmation', () => {
	assertNoKeyTwice(['heap', 'confirm']);
	// Esc and Backspace go back in both.
	for (const key of ['escape', 'backspace']) {
		assert.equal(commandFor(key, SCOPES_BY_VIEW.heap), 'back');
		assert.equal(commandFor(key, SCOPES_BY_VIEW.confirm), 'cancel');
	}
});

test('tabs: Tab / Shift-Tab cycle, 1-4 jump; growth only with a base', () => {
	const r = (s: HeapUiState, k: string) => reduceHeapKey(s, k).state;
	assert.equal(r(report, 'tab').tab, 'live');
	assert.equal(r(r(r(r(report, 'tab'), 'tab'), 'tab'), 'tab').tab, 'growth', 'wraps around');
	assert.equal(r(report, 'S-tab').tab, 'flame');
	assert.equal(r(report, '3').tab, 'sites');
	assert.equal(r(report, '4').tab, 'flame');
	assert.equal(r(r(report, '4'), '2').tab, 'live');
	const noBase: HeapUiState = {...report, tabs: ['live', 'sites', 'flame'], tab: 'live'};
	const one = reduceHeapKey(noBase, '1');
	assert.equal(one.state.tab, 'live');
	assert.match(one.state.message!, /no growth: there is no base dump/);
	assert.equal(r(noBase, 'S-tab').tab, 'flame');
	assert.equal(r(noBase, 'b').message, 'no base dump: only the live heap can be shown');
	// Not on a report yet: tabs do nothing but say why.
	const busy = {...report, screen: 'progress' as const};
	assert.equal(r(busy, 'tab').tab, 'growth');
	assert.match(r(busy, '2').message!, /when jeprof has finished/);
});

test('rows: up/down/page/home/end move the cursor of the current tab, clamped', () => {
	const r = (s: HeapUiState, ...keys: string[]) => keys.reduce((acc, k) => reduceHeapKey(acc, k).state, s);
	assert.equal(r(report, 'down').cursor.growth, 1);
	assert.equal(r(report, 'j', 'j', 'k').cursor.growth, 1);
	assert.equal(r(report, 'up').cursor.growth, 0, 'clamped at the top');
	assert.equal(r(report, 'pagedown').cursor.growth, 10);
	assert.equal(r(report, 'space', 'space', 'space', 'C-f').cursor.growth, 29, 'clamped at the last row');
	assert.equal(r(report, 'end').cursor.growth, 29);
	assert.equal(r(report, 'G').cursor.growth, 29);
	assert.equal(r(report, 'G', 'pageup').cursor.growth, 19);
	assert.equal(r(report, 'G', 'C-b', 'C-b', 'C-b').cursor.growth, 0);
	assert.equal(r(report, 'G', 'home').cursor.growth, 0);
	assert.equal(r(report, 'G', 'g').cursor.growth, 0);
	// Per tab: moving on live leaves growth alone.
	const live = r(report, '2', 'j', 'j');
	assert.deepEqual([live.cursor.growth, live.cursor.live], [0, 2]);
	assert.equal(r(report, '2', 'G').cursor.live, 19);
	// The flame tab has no rows.
	assert.deepEqual(r(report, '4', 'j'), r(report, '4'));
});

test('text screens scroll within their length', () => {
	const guidance: HeapUiState = {...report, screen: 'guidance', textLines: 28, pageSize: 20};
	const r = (s: HeapUiState, ...keys: string[]) => keys.reduce((acc, k) => reduceHeapKey(acc, k).state, s);
	assert.equal(r(guidance, 'j').scroll, 1);
	assert.equal(r(guidance, 'G').scroll, 8);
	assert.equal(r(guidance, 'j', 'j', 'k', 'k', 'k').scroll, 0);
	assert.equal(r(guidance, 'pagedown', 'pagedown').scroll, 8);
	// The pattern list of the sites tab scrolls too.
	const patterns = r(report, 'a');
	assert.deepEqual([patterns.showPatterns, patterns.tab], [true, 'sites']);
	assert.equal(r({...patterns, textLines: 22}, 'j', 'j').scroll, 2);
	assert.equal(r(patterns, 'a').showPatterns, false);
});

test('back: exits; cancels first when something runs; closes the pattern list first', () => {
	assert.deepEqual(reduceHeapKey(report, 'escape'), {state: report, exit: true});
	assert.deepEqual(reduceHeapKey(report, 'backspace'), {state: report, exit: true});
	assert.deepEqual(reduceHeapKey(report, 'left'), {state: report, exit: true});
	for (const screen of ['progress', 'dumping', 'waiting', 'capturing'] as const) {
		const s = {...report, screen};
		assert.deepEqual(reduceHeapKey(s, 'escape'), {state: s, exit: true, intent: 'cancel'}, screen);
	}
	for (const screen of ['guidance', 'offer', 'failed', 'cancelled'] as const) {
		const s = {...report, screen};
		assert.deepEqual(reduceHeapKey(s, 'escape'), {state: s, exit: true}, screen);
	}
	const patterns = reduceHeapKey(report, 'a').state;
	const back = reduceHeapKey(patterns, 'escape');
	assert.equal(back.exit, undefined);
	assert.equal(back.state.showPatterns, false);
});

test('d asks first; y/Enter confirm with the intent, n/Esc/Backspace cancel; other keys wait', () => {
	const asked = reduceHeapKey(report, 'd');
	assert.equal(asked.state.confirm, 'dump');
	assert.equal(asked.intent, undefined, 'nothing touches the node before the answer');
	assert.deepEqual(heapScopes(asked.state), ['confirm']);
	for (const yes of ['y', 'return']) {
		const r = reduceHeapKey(asked.state, yes);
		assert.equal(r.intent, 'dump');
		assert.equal(r.state.confirm, null);
	}
	for (const no of ['n', 'escape', 'backspace']) {
		const r = reduceHeapKey(asked.state, no);
		assert.equal(r.intent, undefined);
		assert.equal(r.exit, undefined);
		assert.equal(r.state.confirm, null);
	}
	for (const other of ['q', 'C-c', '?', 'd', 'j', 'tab']) {
		const r = reduceHeapKey(asked.state, other);
		assert.deepEqual(r, {state: asked.state}, `${other} is ignored while asking`);
	}
	// Capture asks too; wait does not (it does not touch the node).
	const capture = {...report, actions: ['capture' as const]};
	assert.equal(reduceHeapKey(capture, 'c').state.confirm, 'capture');
	assert.equal(reduceHeapKey(reduceHeapKey(capture, 'c').state, 'y').intent, 'capture');
	assert.equal(reduceHeapKey(report, 'w').intent, 'wait');
});

test('actions not available here say why instead', () => {
	const none = {...report, actions: []};
	assert.match(reduceHeapKey(none, 'd').state.message!, /needs gdb and jemalloc profiling/);
	assert.match(reduceHeapKey(none, 'w').state.message!, /no interval dumps/);
	assert.match(reduceHeapKey(none, 'c').state.message!, /prof_active:false/);
	for (const k of ['d', 'w', 'c']) assert.equal(reduceHeapKey(none, k).intent, undefined);
	// The message goes with the next key.
	const said = reduceHeapKey(none, 'd').state;
	assert.equal(reduceHeapKey(said, 'x').state.message, null);
});

test('r refreshes, b flips the basis, globals pass through, unbound keys change nothing', () => {
	assert.equal(reduceHeapKey(report, 'r').intent, 'refresh');
	assert.equal(reduceHeapKey(report, 'b').state.basis, 'live');
	assert.equal(reduceHeapKey(reduceHeapKey(report, 'b').state, 'b').state.basis, 'growth');
	assert.equal(reduceHeapKey(report, 'q').global, 'quit');
	assert.equal(reduceHeapKey(report, 'C-c').global, 'quit');
	for (const k of ['?', 'h', 'f1']) assert.equal(reduceHeapKey(report, k).global, 'help');
	for (const k of ['x', 'z', 'P', '5', 'C-x']) assert.deepEqual(reduceHeapKey(report, k), {state: report}, k);
	// Backspace arrives as DEL (^?), which Ink 6.8 names 'delete': it goes back like Esc.
	assert.equal(reduceHeapKey(report, 'delete').exit, true);
});
