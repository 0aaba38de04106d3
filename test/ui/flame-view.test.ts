import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {corpusDir} from '../helpers/env.js';
import {foldPerfScriptToMap} from '../../source/profile/fold.js';
import {buildTree, childrenOf, parseFoldedLines, type FlameTree} from '../../source/profile/tree.js';
import {isDrawn} from '../../source/profile/flame-layout.js';
import {stacksInSamples} from '../../source/commands/flame.js';
import {initialFlameUiState, reduceFlameKey, type FlameUiState} from '../../source/ui/flame-keys.js';
import {colorEnabled} from '../../source/ui/theme.js';
import {flameFrameLines, flameRowLines, type FlameHeader} from '../../source/ui/views/FlameView.js';

const SMALL = 'main;a;b 3\nmain;a;c 1\nmain;d 4\nother 2\n';
const small = buildTree(parseFoldedLines(SMALL).stacks);
const header: FlameHeader = {title: 'perf', node: 'worker-1', pid: 42, seconds: 3, samples: 10, lostSamples: 0};
const noColor = {color: false, unicode: false};
const color = {color: true, unicode: false};
const SGR = /\u001b\[[0-9;]*m/g;
const plain = (line: string) => line.replace(SGR, '');

function frame(tree: FlameTree, state: FlameUiState, width: number, height: number, theme = noColor, h: FlameHeader = header): string[] {
	return flameFrameLines({tree, state, width, height, theme, header: h});
}

/** Apply key names in order (printable keys carry themselves as input). */
function keys(tree: FlameTree, state: FlameUiState, width: number, ...names: string[]): FlameUiState {
	for (const name of names) state = reduceFlameKey(state, name, name.length === 1 ? name : '', tree, width).state;
	return state;
}

const FOOTER = 'Enter zoom  Esc back  / search  f flip  Tab view  s sort  q quit  ? help';

test('80x24, small profile: exact lines; root on top; selection in inverse video only', () => {
	const lines = frame(small, initialFlameUiState(), 80, 24);
	assert.equal(lines.length, 24);
	const expected = [
		'perf  worker-1  pid 42  3.0 s  10 samples  0 lost                        [flame]',
		'[all---------------------------------------------------------------------------]',
		'[main----------------------------------------------------------][other---------]',
		'[a-----------------------------][d-----------------------------]',
		'[b---------------------][c-----]',
		...Array<string>(17).fill(''),
		'all: 10 samples, 4 stacks, depth 3   arrows move, Enter zooms',
		FOOTER,
	];
	assert.deepEqual(lines.map(plain), expected);
	assert.equal(lines[1], `\u001b[7m${expected[1]}\u001b[0m`, 'the selected root is inverse');
	for (const line of lines) assert.ok(plain(line).length <= 80);
});

test('80x24, small profile: move to d, flip to root at the bottom, zoom into main', () => {
	let s = keys(small, initialFlameUiState(), 80, 'down', 'down', 'right');
	let lines = frame(small, s, 80, 24);
	assert.equal(lines[3], '[a-----------------------------]\u001b[7m[d-----------------------------]\u001b[0m');
	assert.equal(lines[22], 'd  4 samples (40.00% of all)  self 4');

	s = keys(small, s, 80, 'f');
	lines = frame(small, s, 80, 24).map(plain);
	assert.deepEqual(lines.slice(18, 22), [
		'[b---------------------][c-----]',
		'[a-----------------------------][d-----------------------------]',
		'[main----------------------------------------------------------][other---------]',
		'[all---------------------------------------------------------------------------]',
	], 'flame orientation: the root stands on the status line');
	assert.deepEqual(lines.slice(1, 18), Array<string>(17).fill(''));

	s = keys(small, initialFlameUiState(), 80, 'down', 'return');
	lines = frame(small, s, 80, 24).map(plain);
	assert.deepEqual(lines.slice(0, 5), [
		'perf  worker-1  pid 42  3.0 s  10 samples  0 lost                [flame, zoom 1]',
		'[all===========================================================================]',
		'[main--------------------------------------------------------------------------]',
		'[a-------------------------------------][d-------------------------------------]',
		'[b---------------------------][c-------]',
	]);
	assert.equal(lines[22], 'main  8 samples (80.00% of all, 100.00% of zoom)  self 0');
});

test('80x24, small profile: search marks matches and reports shares of all and of the zoom', () => {
	let s = keys(small, initialFlameUiState(), 80, '/', 'b', '|', 'd', 'return');
	let lines = frame(small, s, 80, 24).map(plain);
	assert.equal(lines[3], '[a-----------------------------][d*****************************]');
	assert.equal(lines[4], '[b*********************][c-----]');
	assert.equal(lines[22], '/b|d/  2 frames, 70.00% of all samples   n/N next/prev  Esc clears');
	assert.match(lines[21]!, /^b {2}3 samples \(30\.00% of all\)/, 'the first match is selected');
	s = keys(small, s, 80, 'up', 'up', 'return');
	lines = frame(small, s, 80, 24).map(plain);
	assert.match(lines[22]!, /^\/b\|d\/ {2}2 frames, 70\.00% of all samples, 87\.50% of the zoomed frame/);

	// The prompt while typing, then an invalid regex.
	s = keys(small, initialFlameUiState(), 80, '/', '(');
	lines = frame(small, s, 80, 24).map(plain);
	assert.equal(lines[22], '/(_   Enter search  Esc cancel');
	assert.match(lines[23]!, /^Enter search {2}Esc cancel/);
	s = keys(small, s, 80, 'return');
	assert.match(frame(small, s, 80, 24).map(plain)[22]!, /^\/\(\/ {2}invalid regex/);
});

test('colour: blocks by frame kind, matches highlighted; NO_COLOR: no colour codes at all', () => {
	const tree = buildTree(parseFoldedLines('zeek;main;zeek::Foo::Bar;__libc_malloc 5\nzeek;main;do_syscall_64 3\nzeek;main;[unknown] 2\n').stacks);
	const s = keys(tree, initialFlameUiState(), 100, '/', 'F', 'o', 'o', 'return');
	const colored = frame(tree, s, 100, 30, color).join('\n');
	assert.match(colored, /\u001b\[30;48;5;\d+m/, 'coloured cells');
	assert.match(colored, /48;5;201m/, 'the match is magenta');
	assert.match(colored, /\u001b\[1;7;/, 'the selection is bold inverse');

	assert.equal(colorEnabled({NO_COLOR: '1'}, true), false);
	for (const state of [s, keys(tree, s, 100, 'tab'), keys(tree, s, 100, 'tab', 'tab'), keys(tree, s, 100, '/')]) {
		const codes = new Set(frame(tree, state, 100, 30, noColor).join('\n').match(SGR) ?? []);
		for (const code of codes) assert.ok(code === '\u001b[7m' || code === '\u001b[0m', `no colour without colour: ${JSON.stringify(code)}`);
	}
});

test('top and callers tables: sort marker, cursor, callers and callees of the selected function', () => {
	let s = keys(small, initialFlameUiState(), 80, 'tab');
	let lines = frame(small, s, 80, 24).map(plain);
	assert.deepEqual(lines.slice(0, 8), [
		'perf  worker-1  pid 42  3.0 s  10 samples  0 lost                  [top by self]',
		' SELF%v  TOTAL% KIND    FUNCTION',
		'  40.00   40.00 zeek    d                                                       ',
		'  30.00   30.00 zeek    b',
		'  20.00   20.00 zeek    other',
		'  10.00   10.00 zeek    c',
		'   0.00   80.00 zeek    main',
		'   0.00   40.00 zeek    a',
	]);
	assert.equal(lines[22], 'd  self 4 (40.00%)  total 4 (40.00%)  row 1/6');
	s = keys(small, s, 80, 's');
	lines = frame(small, s, 80, 24).map(plain);
	assert.equal(lines[1], '  SELF% TOTAL%v KIND    FUNCTION');
	assert.match(lines[2]!, /^ {3}0\.00 {3}80\.00 zeek {4}main/);

	// Select a (flame), then the callers view.
	s = keys(small, initialFlameUiState(), 80, 'down', 'down', 'c');
	lines = frame(small, s, 80, 24).map(plain);
	assert.deepEqual(lines.slice(1, 8).map(l => l.trimEnd()), [
		'a: 4 samples, 40.00% of all',
		'  SAMPLES       %  CALLERS (who calls it)',
		'        4  100.00  main',
		'  SAMPLES       %  CALLEES (what it calls)',
		'        3   75.00  b',
		'        1   25.00  c',
		'',
	]);
	assert.equal(lines[22], 'main  calls it: 4 samples (100.00%)  Enter: make it the subject');
	// 120 columns: the top table also shows sample counts.
	lines = frame(small, keys(small, initialFlameUiState(), 120, 't'), 120, 40).map(plain);
	assert.equal(lines[1], ' SELF%v  TOTAL%      SELF     TOTAL KIND    FUNCTION');
});

test('120x40 and 80x24, real Zeek worker profile: fits, keeps the selection on screen, says what was cut', () => {
	const text = readFileSync(corpusDir('zeek-real', 'supervisor-cluster', 'perf', 'zeek.worker-1.perf-script-fp.txt'), 'utf8');
	const fold = foldPerfScriptToMap(text);
	const tree = buildTree(stacksInSamples(fold.stacks, fold.samples));
	const h: FlameHeader = {title: 'perf', node: 'worker-1', pid: 21667, seconds: 1.1, samples: fold.samples};
	for (const [width, height] of [[120, 40], [80, 24], [79, 23], [200, 60]] as const) {
		let s = initialFlameUiState();
		const check = (what: string) => {
			const lines = frame(tree, s, width, height, noColor, h);
			assert.ok(lines.length <= height, `${what}: ${lines.length} lines > ${height}`);
			for (const l of lines) assert.ok(plain(l).length <= width, `${what}: line wider than ${width}: ${plain(l)}`);
			return lines;
		};
		let lines = check('initial');
		assert.match(lines[0]!, /^perf {2}worker-1 {2}pid 21667 {2}1\.1 s {2}104 samples/);
		assert.ok(lines.some(l => l.includes('[zeek.worker-1-')), 'the process root frame');
		assert.ok(lines.some(l => /\[zeek::run_state::detail::run_loop-*\]/.test(l)), 'Zeek frames are drawn');
		const cut = height < 55;
		if (cut) assert.ok(lines.some(l => /^\(\d+ deeper rows not shown\)$/.test(l)), 'a 54-deep profile is cut, and says so');
		else assert.ok(!lines.some(l => l.includes('rows not shown')), 'nothing cut when it all fits');
		// Down the widest path to its leaf, then the deepest frame drawn: both stay visible.
		for (let i = 0; i < 60; i++) s = keys(tree, s, width, 'down');
		lines = check('leaf');
		assert.ok(childrenOf(tree, s.selectedId).every(c => !isDrawn(tree, 0, c, width)), 'reached a drawn leaf');
		assert.ok(lines.some(l => l.includes('\u001b[7m')), 'the selected leaf is on screen');
		let deepest = 0;
		for (let id = 1; id < tree.size; id++) if (isDrawn(tree, 0, id, width) && tree.depth[id]! > tree.depth[deepest]!) deepest = id;
		s = {...s, selectedId: deepest};
		lines = check('deep');
		assert.ok(lines.some(l => l.includes('\u001b[7m')), 'the selected leaf is on screen');
		if (cut) assert.ok(lines.some(l => /^\(\d+ outer(, \d+ deeper)? rows not shown\)$/.test(plain(l))), 'outer rows were cut instead');
		for (const mode of ['tab', 'tab']) {
			s = keys(tree, s, width, mode);
			check(s.mode);
		}
	}
});

test('frame rows alone, and sizes below the minimum', () => {
	const rows = flameRowLines(small, initialFlameUiState(), {width: 40, rows: 3, theme: noColor});
	assert.deepEqual(rows.map(plain), ['[all-----------------------------------]', '[main--------------------------][other-]', '(2 deeper rows not shown)']);
	assert.deepEqual(frame(small, initialFlameUiState(), 30, 10), ['The flame view needs at least~']);
	assert.deepEqual(frame(buildTree([]), initialFlameUiState(), 80, 24).map(plain)[1], '(no samples)');
});

test('untrusted frame names and header text are escaped', () => {
	const tree = buildTree([['evil\u001b[2Jname;b\u0007ell', 5]]);
	const lines = frame(tree, keys(tree, initialFlameUiState(), 80, 'down', 'down'), 80, 24, noColor, {...header, node: 'w\u001b]0;x\u0007'});
	const text = lines.join('\n').replace(/\u001b\[(7|0)m/g, '');
	assert.ok(!text.includes('\u001b') && !text.includes('\u0007'), 'no raw control characters');
	assert.match(text, /w\\e\]0;x\\x07/);
	assert.match(text, /\[evil\\e\[2Jname-*\]/);
	assert.match(lines[22]!, /^b\\x07ell {2}5 samples/);
});
