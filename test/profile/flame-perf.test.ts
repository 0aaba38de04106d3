import {test} from 'node:test';
import assert from 'node:assert/strict';
import {layoutFlame} from '../../source/profile/flame-layout.js';
import {initialFlameState, reduceFlame} from '../../source/profile/flame-nav.js';
import {renderFlameText} from '../../source/profile/flame-text.js';
import {searchFlame} from '../../source/profile/search.js';
import {topFunctions} from '../../source/profile/top.js';
import {buildTree, type FlameTree} from '../../source/profile/tree.js';

/**
 * A Zeek-like synthetic profile: stacks grow from random earlier stack prefixes, frames named
 * from a pool of 3000 C++ names, so depth (~30, up to ~70) and fan-out resemble a real worker.
 */
function synthetic(targetFrames: number, seed = 42): Map<string, number> {
	const random = () => {
		seed = (seed * 1664525 + 1013904223) >>> 0;
		return seed / 2 ** 32;
	};
	const stacks = new Map<string, number>();
	const prefixes: string[][] = [['zeek']];
	let frames = 1;
	while (frames < targetFrames) {
		let path = prefixes[Math.floor(random() * prefixes.length)]!;
		const extra = 1 + Math.floor(random() * 6);
		for (let i = 0; i < extra; i++) {
			path = [...path, `zeek::detail::fn_${Math.floor(random() * 3000)}`];
			frames++;
			prefixes.push(path);
		}
		stacks.set(path.join(';'), 1 + Math.floor(random() * 100));
	}
	return stacks;
}

/** Wall and CPU milliseconds of `fn`, best and median of `runs` (the machine may be shared). */
function measure<T>(runs: number, fn: () => T): {value: T; wall: string; cpu: string} {
	const wall: number[] = [];
	const cpu: number[] = [];
	let value!: T;
	for (let i = 0; i < runs; i++) {
		const c0 = process.cpuUsage();
		const t0 = performance.now();
		value = fn();
		wall.push(performance.now() - t0);
		const c1 = process.cpuUsage(c0);
		cpu.push((c1.user + c1.system) / 1000);
	}
	const fmt = (xs: number[]) => {
		const s = [...xs].sort((a, b) => a - b);
		return `best ${s[0]!.toFixed(2)} ms, median ${s[Math.floor(s.length / 2)]!.toFixed(2)} ms`;
	};
	return {value, wall: fmt(wall), cpu: fmt(cpu)};
}

test('50k-frame profile: build, layout, search, top, navigation (timings as diagnostics)', t => {
	const unsorted = synthetic(50_200);
	const sorted = new Map([...unsorted].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
	let expectedTotal = 0;
	for (const count of unsorted.values()) expectedTotal += count;

	const fromSorted = measure(5, () => buildTree(sorted));
	const fromUnsorted = measure(5, () => buildTree(unsorted));
	const tree: FlameTree = fromSorted.value;
	assert.ok(tree.size > 50_000, `${tree.size} nodes`);
	assert.equal(tree.totalSamples, expectedTotal);
	assert.equal(fromUnsorted.value.size, tree.size);
	assert.deepEqual(fromUnsorted.value.total, tree.total);
	t.diagnostic(`tree: ${tree.size - 1} frames, ${unsorted.size} stacks, max depth ${tree.maxDepth}`);
	t.diagnostic(`buildTree (sorted input)   wall ${fromSorted.wall}; cpu ${fromSorted.cpu}`);
	t.diagnostic(`buildTree (unsorted input) wall ${fromUnsorted.wall}; cpu ${fromUnsorted.cpu}`);

	const layout = measure(20, () => layoutFlame(tree, {width: 200, maxRows: 60}));
	const cells = layout.value.rows.reduce((sum, row) => sum + row.length, 0);
	assert.ok(cells > 0);
	t.diagnostic(`layoutFlame 200 cols (${cells} cells, ${layout.value.rows.length} rows) wall ${layout.wall}; cpu ${layout.cpu}`);

	// Zoom on the widest frame at depth 3.
	let zoomId = 0;
	for (let id = 1; id < tree.size; id++) {
		if (tree.depth[id] === 3 && (zoomId === 0 || tree.total[id]! > tree.total[zoomId]!)) zoomId = id;
	}
	const zoomed = measure(20, () => layoutFlame(tree, {width: 200, zoomId, maxRows: 60}));
	t.diagnostic(`layoutFlame zoomed at depth 3 wall ${zoomed.wall}; cpu ${zoomed.cpu}`);

	const search = measure(10, () => searchFlame(tree, 'fn_1[0-9]$'));
	assert.ok(search.value.ok && search.value.matchedFrames > 0 && search.value.percentOfTotal <= 100);
	t.diagnostic(`searchFlame wall ${search.wall}; cpu ${search.cpu}`);

	const top = measure(5, () => topFunctions(tree));
	assert.ok(top.value.length > 2000);
	t.diagnostic(`topFunctions (${top.value.length} functions) wall ${top.wall}; cpu ${top.cpu}`);

	const text = measure(5, () => renderFlameText(tree, {width: 200, height: 50}));
	assert.ok(text.value.split('\n').length <= 50);
	t.diagnostic(`renderFlameText 200x50 wall ${text.wall}; cpu ${text.cpu}`);

	const nav = measure(5, () => {
		let s = initialFlameState();
		for (let i = 0; i < 20; i++) s = reduceFlame(s, {type: 'up'}, tree, {width: 200});
		for (let i = 0; i < 20; i++) s = reduceFlame(s, {type: 'right'}, tree, {width: 200});
		return s;
	});
	t.diagnostic(`40 navigation commands wall ${nav.wall}; cpu ${nav.cpu}`);
});
