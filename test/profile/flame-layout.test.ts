import {test} from 'node:test';
import assert from 'node:assert/strict';
import {
	displayName,
	findCell,
	fitLabel,
	isDrawn,
	layoutFlame,
	type FlameLayout,
} from '../../source/profile/flame-layout.js';
import {buildTree, findByPath, nameOf, parseFoldedLines, type FlameTree} from '../../source/profile/tree.js';
import {SAMPLE} from '../helpers/folded-sample.js';


const sample = buildTree(parseFoldedLines(SAMPLE).stacks);
const id = (...path: string[]) => findByPath(sample, path)!;

/** Rows as "depth: name@x+width ..." in display order; merged cells as "+N@x+width". */
function cells(tree: FlameTree, layout: FlameLayout): string[] {
	return layout.rows.map(
		(row, i) =>
			`${layout.rowDepths[i]}: ` +
			row
				.map(c =>
					c.kind === 'merged'
						? `+${c.frames}@${c.x}+${c.width}`
						: `${c.kind === 'ancestor' ? '^' : ''}${nameOf(tree, c.id)}@${c.x}+${c.width}`,
				)
				.join(' '),
	);
}

test('exact layout at width 40, root at the bottom', () => {
	const layout = layoutFlame(sample, {width: 40});
	assert.deepEqual(cells(sample, layout), [
		'5: analyze_tcp@6+16 analyze_udp@22+8',
		'4: +2@2+1 dispatch@6+24 pcap_next@30+8',
		'3: write@0+2 init@2+4 run_loop@6+32',
		'2: log_thread@0+2 main@2+38',
		'1: zeek@0+40',
		'0: all@0+40',
	]);
	assert.equal(layout.cutRows, 0);
	assert.equal(layout.cutAncestorRows, 0);
	assert.equal(layout.samplesPerColumn, 100 / 40);
	// Labels fit their cells, cut with an ASCII marker.
	const tcp = findCell(layout, id('zeek', 'main', 'run_loop', 'dispatch', 'analyze_tcp'))!;
	assert.equal(tcp.label, 'analyze_tcp');
	const udp = findCell(layout, id('zeek', 'main', 'run_loop', 'dispatch', 'analyze_udp'))!;
	assert.equal(udp.label, 'analyz..');
	assert.equal(findCell(layout, id('zeek', 'log_thread'))!.label, '');
	assert.equal(findCell(layout, id('zeek', 'main', 'init'))!.label, 'init');
});

test('rootAtTop only reverses the rows', () => {
	const bottom = layoutFlame(sample, {width: 40});
	const top = layoutFlame(sample, {width: 40, rootAtTop: true});
	assert.deepEqual(cells(sample, top), cells(sample, bottom).reverse());
	assert.equal(top.rootAtTop, true);
});

test('zoom: widths relative to the zoomed frame, ancestors full width', () => {
	const layout = layoutFlame(sample, {width: 40, zoomId: id('zeek', 'main', 'init'), rootAtTop: true});
	assert.deepEqual(cells(sample, layout), [
		'0: ^all@0+40',
		'1: ^zeek@0+40',
		'2: ^main@0+40',
		'3: init@0+40',
		'4: parse_a@0+4 parse_b@4+4',
	]);
	const dispatch = layoutFlame(sample, {width: 30, zoomId: id('zeek', 'main', 'run_loop', 'dispatch'), rootAtTop: true});
	assert.deepEqual(cells(sample, dispatch).slice(4), ['4: dispatch@0+30', '5: analyze_tcp@0+20 analyze_udp@20+10']);
});

test('maxRows keeps the root side and says how many rows were cut', () => {
	const layout = layoutFlame(sample, {width: 40, maxRows: 3, rootAtTop: true});
	assert.deepEqual(layout.rowDepths, [0, 1, 2]);
	assert.equal(layout.cutRows, 3);
	assert.equal(layout.cutAncestorRows, 0);
	const bottom = layoutFlame(sample, {width: 40, maxRows: 3});
	assert.deepEqual(bottom.rowDepths, [2, 1, 0]);
});

test('maxRows with a deep zoom keeps the zoomed frame and some descendants', () => {
	// A 30-deep chain with a 10-deep tail under f20.
	const chain = Array.from({length: 30}, (_, i) => `f${i}`);
	const tree = buildTree([[chain.join(';'), 10]]);
	const zoomId = findByPath(tree, chain.slice(0, 21))!; // f20 at depth 21
	const layout = layoutFlame(tree, {width: 20, zoomId, maxRows: 9, rootAtTop: true});
	assert.equal(layout.rows.length, 9);
	// 4 descendant rows wanted ((9 - 1) / 2), so the window is depths 17..25.
	assert.deepEqual(layout.rowDepths, [17, 18, 19, 20, 21, 22, 23, 24, 25]);
	assert.equal(layout.cutAncestorRows, 17);
	assert.equal(layout.cutRows, 5);
	assert.equal(layout.rows[4]![0]!.id, zoomId);
	const one = layoutFlame(tree, {width: 20, zoomId, maxRows: 1});
	assert.deepEqual(one.rowDepths, [21]);
});

test('narrow frames: merged into one cell when the run is wide enough, never widening the parent', () => {
	// 100 children of 1 sample each under p (100 samples) at width 50: each 0.5 column.
	const stacks: Array<[string, number]> = [];
	for (let i = 0; i < 100; i++) stacks.push([`p;c${String(i).padStart(3, '0')}`, 1]);
	stacks.push(['q', 100]);
	const tree = buildTree(stacks);
	const layout = layoutFlame(tree, {width: 50, rootAtTop: true});
	assert.deepEqual(cells(tree, layout), ['0: all@0+50', '1: p@0+25 q@25+25', '2: +100@0+25']);
	// A lone narrow child leaves its parent's self gap: nothing drawn.
	const lone = buildTree([
		['a', 99],
		['a;tiny', 1],
	]);
	assert.deepEqual(cells(lone, layoutFlame(lone, {width: 40, rootAtTop: true})), ['0: all@0+40', '1: a@0+40']);
});

test('cells nest inside their parent and never overlap (random profile, several widths)', () => {
	let seed = 7;
	const random = () => {
		seed = (seed * 1664525 + 1013904223) >>> 0;
		return seed / 2 ** 32;
	};
	const stacks: Array<[string, number]> = [];
	for (let i = 0; i < 2000; i++) {
		const depth = 1 + Math.floor(random() * 8);
		const frames = Array.from({length: depth}, () => `f${Math.floor(random() * 6)}`);
		stacks.push([frames.join(';'), 1 + Math.floor(random() * 50)]);
	}
	const tree = buildTree(stacks);
	for (const width of [1, 7, 40, 80, 200, 333]) {
		const layout = layoutFlame(tree, {width, rootAtTop: true});
		const where = new Map<number, {x: number; width: number}>();
		for (const row of layout.rows) {
			let right = 0;
			for (const cell of row) {
				assert.ok(cell.width >= 1);
				assert.ok(cell.x >= right, 'cells in x order, no overlap');
				right = cell.x + cell.width;
				assert.ok(right <= width);
				if (cell.id >= 0) {
					where.set(cell.id, cell);
					assert.ok(isDrawn(tree, 0, cell.id, width));
					const p = tree.parent[cell.id]!;
					if (p >= 0) {
						const parent = where.get(p)!;
						assert.ok(parent, 'the parent of a drawn frame is drawn');
						assert.ok(cell.x >= parent.x && right <= parent.x + parent.width, 'inside the parent');
					}
				}
			}
		}
		for (let n = 0; n < tree.size; n++) {
			if (isDrawn(tree, 0, n, width)) assert.ok(where.has(n), `isDrawn(${n}) agrees with the layout at ${width}`);
		}
	}
});

test('degenerate inputs', () => {
	const empty = buildTree([]);
	assert.deepEqual(layoutFlame(empty, {width: 40}).rows, []);
	assert.deepEqual(layoutFlame(sample, {width: 0}).rows, []);
	const bad = layoutFlame(sample, {width: 10, zoomId: 9999});
	assert.equal(bad.zoomId, 0);
	const one = layoutFlame(sample, {width: 1, rootAtTop: true});
	// main is 0.95 of a column: below one column it merges with log_thread.
	assert.deepEqual(cells(sample, one), ['0: all@0+1', '1: zeek@0+1', '2: +2@0+1']);
});

test('fitLabel and displayName', () => {
	assert.equal(fitLabel('analyze_tcp', 20), 'analyze_tcp');
	assert.equal(fitLabel('analyze_tcp', 11), 'analyze_tcp');
	assert.equal(fitLabel('analyze_tcp', 10), 'analyze_..');
	assert.equal(fitLabel('analyze_tcp', 3), 'a..');
	assert.equal(fitLabel('analyze_tcp', 2), '');
	assert.equal(fitLabel('ab', 2), 'ab');
	assert.equal(displayName('zeek::Conn::Done'), 'zeek::Conn::Done');
	assert.equal(displayName('evil\x1b[31mred'), 'evil\\e[31mred');
	assert.equal(displayName('caf\u00e9\u202e'), 'caf?\\u202e');
	assert.equal(displayName('\u{1F600}x'), '?x');
});
