import {test} from 'node:test';
import assert from 'node:assert/strict';
import {FLAME_BINDINGS} from '../../source/ui/keymap-flame.js';
import {KEYMAP} from '../../source/ui/keymap.js';
import {
	captureCommandFor,
	flameCommandFor,
	initialFlameUiState,
	reduceCaptureKey,
	reduceFlameKey,
	type FlameKeyResult,
	type FlameUiState,
} from '../../source/ui/flame-keys.js';
import {buildTree, findByPath, parseFoldedLines} from '../../source/profile/tree.js';
import {assertNoKeyTwice} from '../helpers/keymap.js';

const tree = buildTree(parseFoldedLines('main;a;b 3\nmain;a;c 1\nmain;d 4\nother 2\n').stacks);
const id = (path: string) => findByPath(tree, path === '' ? [] : path.split(';'))!;
const WIDTH = 80;

/** One key: a printable key carries itself as input, a named key none. */
function press(state: FlameUiState, name: string): FlameKeyResult {
	return reduceFlameKey(state, name, name.length === 1 ? name : '', tree, WIDTH);
}
function keys(state: FlameUiState, ...names: string[]): FlameUiState {
	for (const name of names) state = press(state, name).state;
	return state;
}

// Every command of the flame view, exactly as the reducer names them.
const FLAME_COMMANDS = [
	'up', 'down', 'left', 'right', 'pageUp', 'pageDown', 'home', 'end', 'activate', 'zoomOut', 'zoomReset', 'back', 'search',
	'nextMatch', 'prevMatch', 'flip', 'cycleMode', 'cycleModeBack', 'modeFlame', 'modeTop', 'modeCallers', 'cycleSort', 'export',
];
const SEARCH_COMMANDS = ['searchApply', 'searchCancel', 'searchDelete', 'searchClear', 'quit'];
const CAPTURE_COMMANDS = ['cancelCapture', 'showPartial', 'toggleMainThread'];

test('keymap: every flame, search and capture command has keys and help; exactly these commands', () => {
	const byScope = (scope: string) => FLAME_BINDINGS.filter(b => b.scope === scope).map(b => b.command);
	assert.deepEqual(byScope('flame'), FLAME_COMMANDS);
	assert.deepEqual(byScope('flameSearch'), SEARCH_COMMANDS);
	assert.deepEqual(byScope('capture'), CAPTURE_COMMANDS);
	for (const b of FLAME_BINDINGS) {
		assert.ok(b.keys.length > 0 && b.help.length > 10, `${b.command}: keys and help`);
		assert.ok(KEYMAP.includes(b), `${b.command} is in the keymap (help overlay, README)`);
	}
});

test('keymap: no key twice in the flame, search or capture views (global included); F-keys have letters', () => {
	assertNoKeyTwice(['flame', 'flameSearch', 'capture']);
	for (const b of FLAME_BINDINGS) {
		if (b.keys.some(k => /^f\d+$/.test(k))) assert.ok(b.keys.some(k => /^[a-zA-Z]$/.test(k)), `${b.command} has a letter alias`);
	}
	// q quits and ?/h show help, so the flame view goes back with Esc/Backspace.
	const flame = initialFlameUiState();
	assert.equal(flameCommandFor(flame, 'escape'), 'back');
	assert.equal(flameCommandFor(flame, 'backspace'), 'zoomOut');
});

test('every key of every flame binding: key -> command in its view, and the reducer handles it', () => {
	const flame = initialFlameUiState();
	const prompt = {...flame, searchDraft: 'x'};
	for (const b of FLAME_BINDINGS) {
		for (const key of b.keys) {
			if (b.scope === 'flame') {
				assert.equal(flameCommandFor(flame, key), b.command, `${key} in the flame view`);
				const r = press(flame, key);
				assert.ok(r.state !== undefined);
			} else if (b.scope === 'flameSearch') {
				assert.equal(flameCommandFor(prompt, key), b.command, `${key} in the search prompt`);
			} else {
				assert.equal(captureCommandFor(key), b.command, `${key} in the capture view`);
			}
		}
	}
	// Global keys in the flame view are effects for the caller.
	assert.equal(press(flame, 'q').effect, 'quit');
	assert.equal(press(flame, 'C-c').effect, 'quit');
	for (const k of ['?', 'h', 'f1']) assert.equal(press(flame, k).effect, 'help', k);
	assert.equal(press(flame, 'e').effect, 'export');
	// In the prompt, q and ? are text; Ctrl-c still quits.
	assert.equal(keys(prompt, 'q', '?', 'h').searchDraft, 'xq?h');
	assert.equal(press(prompt, 'C-c').effect, 'quit');
	// Unbound keys change nothing.
	assert.equal(press(flame, 'z').state, flame);
	assert.equal(press(flame, 'C-x').state, flame);
});

test('navigation: children, siblings, parent; arrows follow the orientation', () => {
	let s = initialFlameUiState();
	assert.equal(s.rootAtTop, true, 'root on top by default');
	assert.equal(s.selectedId, id(''));
	s = keys(s, 'down');
	assert.equal(s.selectedId, id('main'), 'down = widest child when the root is on top');
	s = keys(s, 'j');
	assert.equal(s.selectedId, id('main;a'), 'ties go to the first name');
	s = keys(s, 'right');
	assert.equal(s.selectedId, id('main;d'));
	s = keys(s, 'right');
	assert.equal(s.selectedId, id('main;d'), 'nothing right of d on its row');
	s = keys(s, 'left', 'down', 'right');
	assert.equal(s.selectedId, id('main;a;c'));
	s = keys(s, 'right');
	assert.equal(s.selectedId, id('main;a;c'));
	s = keys(s, 'up', 'k');
	assert.equal(s.selectedId, id('main'));
	s = keys(s, 'right');
	assert.equal(s.selectedId, id('other'));
	s = keys(s, 'home');
	assert.equal(s.selectedId, id(''), 'Home selects the zoomed frame');
	// Flipped: the root at the bottom, so up goes toward the leaves.
	s = keys(s, 'f');
	assert.equal(s.rootAtTop, false);
	s = keys(s, 'up', 'up');
	assert.equal(s.selectedId, id('main;a'));
	s = keys(s, 'down');
	assert.equal(s.selectedId, id('main'));
	assert.equal(keys(s, 'f').rootAtTop, true);
});

test('zoom: Enter zooms, Backspace and Esc zoom out, 0 resets, Esc at the top level leaves', () => {
	let s = keys(initialFlameUiState(), 'down', 'return');
	assert.deepEqual(s.zoomStack, [id('main')]);
	s = keys(s, 'down', 'return');
	assert.deepEqual(s.zoomStack, [id('main'), id('main;a')]);
	assert.equal(s.selectedId, id('main;a'));
	s = keys(s, 'backspace');
	assert.deepEqual(s.zoomStack, [id('main')]);
	assert.equal(s.selectedId, id('main;a'), 'the selection stays');
	s = keys(s, 'return', 'down', 'return');
	assert.deepEqual(s.zoomStack, [id('main'), id('main;a'), id('main;a;b')]);
	s = keys(s, '0');
	assert.deepEqual(s.zoomStack, []);
	s = keys(s, 'down', 'return');
	let r = press(s, 'escape');
	assert.deepEqual(r.state.zoomStack, []);
	assert.equal(r.exit, undefined);
	r = press(r.state, 'escape');
	assert.equal(r.exit, true, 'Esc with nothing to undo leaves the view');
	assert.equal(press(r.state, 'backspace').exit, undefined, 'Backspace never leaves');
	// Zoom scopes moves: nothing beside the zoomed frame.
	s = keys(initialFlameUiState(), 'down', 'return', 'right');
	assert.equal(s.selectedId, id('main'));
});

test('search: / opens a prompt; typing, Backspace, Ctrl-u; Enter applies; n/N cycle; Esc cancels, then clears', () => {
	let s = keys(initialFlameUiState(), '/');
	assert.equal(s.searchDraft, '');
	s = keys(s, 'b', 'x', 'backspace', '|', 'd', 'left', 'C-x');
	assert.equal(s.searchDraft, 'b|d', 'named keys and Ctrl keys are not typed');
	s = keys(s, 'return');
	assert.equal(s.searchDraft, null);
	assert.deepEqual(s.search, {pattern: 'b|d'});
	assert.equal(s.selectedId, id('main;a;b'), 'first match in layout order');
	s = keys(s, 'n');
	assert.equal(s.selectedId, id('main;d'));
	s = keys(s, 'n');
	assert.equal(s.selectedId, id('main;a;b'), 'wraps around');
	s = keys(s, 'N');
	assert.equal(s.selectedId, id('main;d'));
	// A second prompt cancelled keeps the first search.
	s = keys(s, '/', 'o', 'escape');
	assert.equal(s.searchDraft, null);
	assert.deepEqual(s.search, {pattern: 'b|d'});
	s = keys(s, '/', 'z', 'C-u', 'o', 't', 'h', 'e', 'r', 'return');
	assert.deepEqual(s.search, {pattern: 'other'});
	assert.equal(s.selectedId, id('other'));
	// Invalid regex: an error, the selection stays.
	s = keys(s, '/', '(', 'return');
	assert.match(s.search?.error ?? '', /invalid regex/);
	assert.equal(s.selectedId, id('other'));
	// Esc clears the search before it leaves.
	const r = press(s, 'escape');
	assert.equal(r.state.search, null);
	assert.equal(r.exit, undefined);
	// An empty search clears too; space types a space.
	s = keys(initialFlameUiState(), '/', 'a', 'return', '/', 'return');
	assert.equal(s.search, null);
	assert.equal(keys(initialFlameUiState(), '/', 'a', 'space', 'b').searchDraft, 'a b');
});

test('a paste arrives as one event: replayed key by key', () => {
	let r = reduceFlameKey(initialFlameUiState(), '/', '/', tree, WIDTH);
	r = reduceFlameKey(r.state, 'oth\r', 'oth\r', tree, WIDTH);
	assert.deepEqual(r.state.search, {pattern: 'oth'});
	assert.equal(r.state.selectedId, id('other'));
	// Outside the prompt a burst of keys moves as the keys would.
	r = reduceFlameKey(initialFlameUiState(), 'jj', 'jj', tree, WIDTH);
	assert.equal(r.state.selectedId, id('main;a'));
	assert.equal(reduceFlameKey(initialFlameUiState(), 'jq', 'jq', tree, WIDTH).effect, 'quit');
});

test('modes and tables: Tab / Shift-Tab / g t c, sort cycling, table cursor, Enter jumps to the function', () => {
	let s = initialFlameUiState();
	s = keys(s, 'tab');
	assert.equal(s.mode, 'top');
	s = keys(s, 'tab');
	assert.equal(s.mode, 'callers');
	s = keys(s, 'tab');
	assert.equal(s.mode, 'flame');
	s = keys(s, 'S-tab');
	assert.equal(s.mode, 'callers');
	assert.equal(keys(s, 'g').mode, 'flame');
	assert.equal(keys(s, 'f2').mode, 'flame');
	assert.equal(keys(s, 'f4').mode, 'callers');
	s = keys(s, 't');
	assert.equal(s.mode, 'top');
	assert.equal(keys(s, 'f3').mode, 'top');
	// Sort: self -> total -> name -> self.
	assert.deepEqual([1, 2, 3].map(n => keys(s, ...Array<string>(n).fill('s')).sort), ['total', 'name', 'self']);
	// Cursor: down, end, page keys clamp; home.
	s = keys(s, 'down', 'j');
	assert.equal(s.tableRow, 2);
	assert.equal(keys(s, 'end').tableRow, 5);
	assert.equal(keys(s, 'pagedown').tableRow, 5);
	assert.equal(keys(s, 'pageup').tableRow, 0);
	assert.equal(keys(s, 'home').tableRow, 0);
	// Rows by self: d, b, other, c, main, a. Enter on 'other' selects its frame in the flame graph.
	s = keys(s, 'return');
	assert.equal(s.mode, 'flame');
	assert.equal(s.selectedId, id('other'));
	// Esc in a table returns to the flame graph instead of leaving.
	const r = press(keys(s, 'tab'), 'escape');
	assert.equal(r.state.mode, 'flame');
	assert.equal(r.exit, undefined);
	// Callers of a: main; callees b, c. Enter on a caller makes it the subject.
	s = keys(initialFlameUiState(), 'down', 'down', 'c');
	s = keys(s, 'return');
	assert.equal(s.selectedId, id('main'));
	assert.equal(s.mode, 'callers');
});

test('capture keys: Esc stops then discards, Enter shows a partial capture, t records again; global keys', () => {
	for (const phase of ['preflight', 'starting', 'recording', 'stopping', 'reading'] as const) {
		assert.deepEqual(reduceCaptureKey(phase, 'escape'), {intent: 'cancel'}, phase);
		assert.deepEqual(reduceCaptureKey(phase, 'return'), {}, `${phase}: Enter does nothing while perf runs`);
		assert.deepEqual(reduceCaptureKey(phase, 'q'), {effect: 'quit'});
		assert.deepEqual(reduceCaptureKey(phase, '?'), {effect: 'help'});
		assert.deepEqual(reduceCaptureKey(phase, 'x'), {});
	}
	for (const phase of ['preflight', 'starting', 'recording'] as const) assert.deepEqual(reduceCaptureKey(phase, 't'), {intent: 'restart'});
	// Once perf is writing or being read, t would throw away a finished recording: ignored.
	for (const phase of ['stopping', 'reading', 'partial', 'failed'] as const) assert.deepEqual(reduceCaptureKey(phase, 't'), {}, phase);
	assert.deepEqual(reduceCaptureKey('partial', 'return'), {intent: 'keep'});
	assert.deepEqual(reduceCaptureKey('partial', 'escape'), {intent: 'discard'});
	assert.deepEqual(reduceCaptureKey('failed', 'escape'), {intent: 'back'});
	assert.deepEqual(reduceCaptureKey('failed', 'return'), {});
});
