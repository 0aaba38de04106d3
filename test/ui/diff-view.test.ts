// The diff view: the flame view's keys over a diff tree (flame-keys + diffTables), frames at a
// fixed size with colour off, and the folded export.
import {after, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {execFileSync} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {writeDiffExport} from '../../source/commands/diff.js';
import {buildDiffTree, parseFoldedForDiff, type DiffTree} from '../../source/profile/diff.js';
import {diffTable, diffTables} from '../../source/profile/diff-nav.js';
import {currentZoom} from '../../source/profile/flame-nav.js';
import {findByPath, nameOf, pathOf} from '../../source/profile/tree.js';
import {initialFlameUiState, reduceFlameKey, type FlameUiState} from '../../source/ui/flame-keys.js';
import {diffFrameLines} from '../../source/ui/views/DiffView.js';
import {corpusDir, needTool} from '../helpers/env.js';

const temp = mkdtempSync(join(tmpdir(), 'zeektop-diff-view-'));
after(() => rmSync(temp, {recursive: true, force: true}));

const map = (text: string) => parseFoldedForDiff(text).stacks;
const A = map('zeek;main;old_hot 60\nzeek;main;steady 30\nzeek;log;write 10\nzeek;main;gone_fn 5\n');
const B = map('zeek;main;old_hot 20\nzeek;main;steady 30\nzeek;main;new_hot 40\nzeek;log;write 20\n');
const WIDTH = 80;
const HEIGHT = 16;
const theme = {color: false, unicode: false};

function keys(diff: DiffTree, names: string[], start: FlameUiState = initialFlameUiState()): FlameUiState {
	const table = diffTables(diff);
	let state = start;
	for (const name of names) state = reduceFlameKey(state, name, name.length === 1 ? name : '', diff.tree, WIDTH, {table}).state;
	return state;
}

const frame = (diff: DiffTree, state: FlameUiState, header = {before: 'worker-1 06:00', after: 'worker-1 07:00'}) =>
	diffFrameLines({diff, state, width: WIDTH, height: HEIGHT, theme, header});

describe('diff view', () => {
	test('flame: header A -> B, normalization stated, legend, root on top; the status has before/after/change', () => {
		const diff = buildDiffTree(A, B, {normalize: true});
		const state = keys(diff, ['down', 'down', 'down']); // all -> zeek -> main -> widest child (new_hot: 40 in B)
		assert.equal(pathOf(diff.tree, state.selectedId).join(';'), 'zeek;main;new_hot');
		const lines = frame(diff, state);
		assert.ok(lines.length <= HEIGHT);
		for (const l of lines) assert.ok(l.replace(/\x1b\[[0-9;]*m/g, '').length <= WIDTH, l);
		assert.match(lines[0]!, /^A worker-1 06:00 -> B worker-1 07:00 +\[diff flame\]$/);
		assert.equal(lines[1], "normalized: A (105 samples) scaled x1.048 to B's 110");
		assert.match(lines[2]!, /^\[\+f\] grew in B/);
		assert.match(lines[3]!, /^\[all-+\]$/);
		assert.match(lines.join('\n'), /\x1b\[7m\[\+\+\+new_hot#+\]\x1b\[0m/, 'the selection is inverse; new frame marked, strongest growth');
		assert.match(lines.at(-2)!, /^new_hot  total A 0 B 40 \+40  self A 0 B 40 \+40  \(36\.36% of B\)  \(new in B\)$/);
		const main = findByPath(diff.tree, ['zeek', 'main'])!;
		assert.match(frame(diff, {...state, selectedId: main}).at(-2)!, /^main  total A 99\.5 B 90 -9\.5  self A 0 B 0 0  \(81\.82% of B\)/);
		const wide = diffFrameLines({diff, state: {...state, selectedId: main}, width: 140, height: HEIGHT, theme, header: {before: 'a', after: 'b'}});
		assert.match(wide.at(-2)!, /  5\.2 under frames gone from B$/, 'what vanished under main (gone_fn, scaled)');
		assert.ok(lines[2]!.length <= WIDTH && !lines[2]!.endsWith('~'), 'the legend fits 80 columns');
	});

	test('raw counts are said too; equal totals say nothing', () => {
		assert.equal(frame(buildDiffTree(A, B), initialFlameUiState())[1], 'raw counts: A has 105 samples, B 110 (not normalized)');
		assert.match(frame(buildDiffTree(A, A, {normalize: true}), initialFlameUiState())[1]!, /^\[\+f\] grew/);
	});

	test('zoom and search work as in the flame view', () => {
		const diff = buildDiffTree(A, B, {normalize: true});
		let state = keys(diff, ['down', 'down', 'return']);
		assert.equal(nameOf(diff.tree, currentZoom(state)), 'main');
		assert.match(frame(diff, state)[0]!, /\[diff flame, zoom 1\]$/);
		state = keys(diff, ['/', 's', 't', 'e', 'a', 'd', 'return'], state);
		assert.equal(nameOf(diff.tree, state.selectedId), 'steady');
		const lines = frame(diff, state);
		assert.match(lines.join('\n'), /\x1b\[7m\[-steady\*+\]/, 'matches filled with * (selected; shrank a little after normalization)');
		assert.match(lines.at(-2)!, /^\/stead\/  1 frames/);
		state = keys(diff, ['escape', 'escape'], state);
		assert.equal(currentZoom(state), 0);
	});

	test('the change table: rows of both profiles, cursor bounded by them, Enter selects the frame', () => {
		const diff = buildDiffTree(A, B);
		let state = keys(diff, ['t']);
		const table = diffTable(diff, state);
		assert.ok(table.kind === 'top');
		// |self change| first, then |total change|, then name.
		assert.deepEqual(table.rows.map(r => r.function), ['new_hot', 'old_hot', 'write', 'gone_fn', 'log', 'main', 'zeek', 'steady']);
		const lines = frame(diff, state);
		assert.match(lines[0]!, /\[diff changes\]$/);
		assert.match(lines[2]!, /SELF A +SELF B +CHANGE +TOTAL A +TOTAL B +CHANGE +FUNCTION/);
		assert.match(lines[3]!, /^\x1b\[7m +0 +40 +\+40 +0 +40 +\+40 +new_hot \(new\) +\x1b\[0m$/);
		assert.match(lines[4]!, /^ +60 +20 +-40 +60 +20 +-40 +old_hot$/);
		assert.match(lines.join('\n'), / +5 +0 +-5 +5 +0 +-5 +gone_fn \(gone\)/);
		state = keys(diff, ['end'], state);
		assert.equal(state.tableRow, 7, 'End goes to the last row of the diff table (8 rows; B alone has 7 functions)');
		state = keys(diff, ['home', 'down', 'return'], state);
		assert.equal(state.mode, 'flame');
		assert.equal(pathOf(diff.tree, state.selectedId).join(';'), 'zeek;main;old_hot');
		// A function only A has cannot be selected in B's graph: Enter keeps the table.
		state = keys(diff, ['t', 'down', 'down', 'down', 'return'], state);
		assert.equal(state.mode, 'top');
	});

	test('callers and callees with before and after', () => {
		const diff = buildDiffTree(A, B);
		const state = keys(diff, ['down', 'down', 'c']); // main
		const t = diffTable(diff, state);
		assert.ok(t.kind === 'callers');
		assert.equal(t.function, 'main');
		assert.deepEqual(t.callers.map(r => [r.function, r.before, r.after]), [['zeek', 95, 90]]);
		assert.deepEqual(t.callees.map(r => [r.function, r.before, r.after]), [['new_hot', 0, 40], ['old_hot', 60, 20], ['gone_fn', 5, 0], ['steady', 30, 30]]);
		assert.match(frame(diff, state).join('\n'), / +0 +40 +\+40  new_hot/);
	});

	test('too small: says so', () => {
		const diff = buildDiffTree(A, B);
		assert.deepEqual(diffFrameLines({diff, state: initialFlameUiState(), width: 30, height: 20, theme, header: {before: 'a', after: 'b'}}), ['The diff view needs at least ~']);
	});
});

describe('diff export', () => {
	test('a two-count folded file difffolded.pl would write (normalized with -n when the view is); never overwrites', t => {
		const raw = buildDiffTree(A, B);
		const at = new Date(Date.UTC(2026, 11, 4, 21, 0, 0));
		const f1 = writeDiffExport(raw, temp, at);
		const f2 = writeDiffExport(raw, temp, at);
		assert.equal(f1, join(temp, 'zeektop-diff-20261204T210000Z.folded'));
		assert.equal(f2, join(temp, 'zeektop-diff-20261204T210000Z-2.folded'));
		assert.deepEqual(readdirSync(temp).filter(f => f.endsWith('.tmp')), []);
		if (!needTool(t, 'perl')) return;
		const a = join(temp, 'a.folded');
		const b = join(temp, 'b.folded');
		writeFileSync(a, [...A].map(([s, c]) => `${s} ${c}\n`).join(''));
		writeFileSync(b, [...B].map(([s, c]) => `${s} ${c}\n`).join(''));
		const script = corpusDir('perf-folding', 'flamegraph-pl', 'tools', 'difffolded.pl');
		const sorted = (text: string) => text.split('\n').filter(Boolean).sort();
		assert.deepEqual(sorted(readFileSync(f1, 'utf8')), sorted(execFileSync('perl', [script, a, b], {encoding: 'utf8'})));
		const norm = writeDiffExport(buildDiffTree(A, B, {normalize: true}), temp, at);
		assert.deepEqual(sorted(readFileSync(norm, 'utf8')), sorted(execFileSync('perl', [script, '-n', a, b], {encoding: 'utf8'})));
	});
});
