import {test} from 'node:test';
import assert from 'node:assert/strict';
import {callees, callers, functionTotal, sortTopRows, topFunctions, type TopRow} from '../../source/profile/top.js';
import {buildTree, findByPath, parseFoldedLines} from '../../source/profile/tree.js';

const RECURSIVE = parseFoldedLines(`p;a;b;a;c 10
p;a;d 5
p;e;a 5
p 4
`).stacks;

function compact(rows: TopRow[]): string[] {
	return rows.map(r => `${r.function} ${r.selfSamples}/${r.totalSamples} ${r.selfPercent.toFixed(1)}%/${r.totalPercent.toFixed(1)}%`);
}

test('top functions: self and once-per-stack total, sorted by self', () => {
	assert.deepEqual(compact(topFunctions(RECURSIVE)), [
		'c 10/10 41.7%/41.7%',
		'a 5/20 20.8%/83.3%',
		'd 5/5 20.8%/20.8%',
		'p 4/24 16.7%/100.0%',
		'b 0/10 0.0%/41.7%',
		'e 0/5 0.0%/20.8%',
	]);
});

test('a tree and the stacks give the same table; sorting by total and by name', () => {
	const tree = buildTree(RECURSIVE);
	assert.deepEqual(topFunctions(tree), topFunctions(RECURSIVE));
	assert.deepEqual(
		topFunctions(tree, {sort: 'total'}).map(r => r.function),
		['p', 'a', 'c', 'b', 'd', 'e'],
	);
	assert.deepEqual(
		sortTopRows(topFunctions(tree), 'name').map(r => r.function),
		['a', 'b', 'c', 'd', 'e', 'p'],
	);
});

test('top functions inside a zoomed frame use the zoom as 100%', () => {
	const tree = buildTree(RECURSIVE);
	const zoomId = findByPath(tree, ['p', 'a'])!;
	assert.deepEqual(compact(topFunctions(tree, {zoomId})), [
		'c 10/10 66.7%/66.7%',
		'd 5/5 33.3%/33.3%',
		'a 0/15 0.0%/100.0%',
		'b 0/10 0.0%/66.7%',
	]);
});

test('callers and callees count each edge once per stack', () => {
	const tree = buildTree(RECURSIVE);
	assert.equal(functionTotal(tree, 'a'), 20);
	// a is called by p (15 samples: both stacks under p;a), by b (10, the recursive call), by e (5).
	assert.deepEqual(callers(tree, 'a'), [
		{function: 'p', samples: 15, percent: 75},
		{function: 'b', samples: 10, percent: 50},
		{function: 'e', samples: 5, percent: 25},
	]);
	assert.deepEqual(callees(tree, 'a'), [
		{function: 'b', samples: 10, percent: 50},
		{function: 'c', samples: 10, percent: 50},
		{function: 'd', samples: 5, percent: 25},
	]);
	assert.deepEqual(callers(RECURSIVE, 'p'), [], 'a first frame has no caller');
	assert.deepEqual(callees(tree, 'c'), []);
	assert.deepEqual(callers(tree, 'nope'), []);
	assert.equal(functionTotal(tree, 'nope'), 0);
});

test('callers inside a zoom ignore the zoomed frame own caller', () => {
	const tree = buildTree(RECURSIVE);
	const zoomId = findByPath(tree, ['p', 'a'])!;
	assert.deepEqual(callers(tree, 'a', {zoomId}), [{function: 'b', samples: 10, percent: (10 * 100) / 15}]);
});

test('a function recursing through itself directly', () => {
	const stacks: Array<[string, number]> = [
		['main;f;f;f', 6],
		['main;f', 2],
	];
	assert.deepEqual(compact(topFunctions(stacks)), ['f 8/8 100.0%/100.0%', 'main 0/8 0.0%/100.0%']);
	assert.deepEqual(callers(stacks, 'f'), [
		{function: 'main', samples: 8, percent: 100},
		{function: 'f', samples: 6, percent: 75},
	]);
	assert.deepEqual(callees(stacks, 'f'), [{function: 'f', samples: 6, percent: 75}]);
});
