import {test} from 'node:test';
import assert from 'node:assert/strict';
import {
	ROOT_ID,
	ancestryOf,
	buildTree,
	childrenOf,
	findByPath,
	isWithin,
	nameOf,
	parseFoldedLines,
	pathOf,
	resolvePath,
	type FlameTree,
} from '../../source/profile/tree.js';
import {SAMPLE, treeOf} from '../helpers/folded-sample.js';


const tree = treeOf;

/** Every node as "indent name total/self", pre-order: the whole structure in one comparable string. */
function dump(t: FlameTree): string {
	const lines: string[] = [];
	for (let id = 0; id < t.size; id++) {
		lines.push(`${'  '.repeat(t.depth[id]!)}${nameOf(t, id)} ${t.total[id]}/${t.self[id]}`);
	}
	return lines.join('\n');
}

/** Structural invariants every tree must satisfy. */
function checkInvariants(t: FlameTree): void {
	assert.equal(t.parent[0], -1);
	assert.equal(t.depth[0], 0);
	assert.equal(t.end[0], t.size);
	let maxDepth = 0;
	for (let id = 0; id < t.size; id++) {
		let childTotal = 0;
		let previous: string | undefined;
		let count = 0;
		let expectedEnd = id + 1;
		for (const c of childrenOf(t, id)) {
			assert.equal(t.parent[c], id);
			assert.equal(t.depth[c], t.depth[id]! + 1);
			assert.equal(c, expectedEnd, 'pre-order: a child starts where the previous sibling subtree ends');
			expectedEnd = t.end[c]!;
			const name = nameOf(t, c);
			if (previous !== undefined) assert.ok(previous < name, `siblings sorted and distinct: ${previous} < ${name}`);
			previous = name;
			childTotal += t.total[c]!;
			count++;
		}
		assert.equal(t.end[id], expectedEnd);
		assert.equal(t.childCount[id], count);
		const expected = t.self[id]! + childTotal;
		assert.ok(Math.abs(t.total[id]! - expected) <= 1e-9 * Math.max(1, expected), `total = self + children at ${id}`);
		maxDepth = Math.max(maxDepth, t.depth[id]!);
	}
	assert.equal(t.maxDepth, maxDepth);
	assert.equal(t.totalSamples, t.total[0]);
}

test('builds the exact tree with siblings in name order', () => {
	const t = tree(SAMPLE);
	assert.equal(
		dump(t),
		[
			'all 100/0',
			'  zeek 100/0',
			'    log_thread 5/0',
			'      write 5/5',
			'    main 95/5',
			'      init 10/8',
			'        parse_a 1/1',
			'        parse_b 1/1',
			'      run_loop 80/0',
			'        dispatch 60/0',
			'          analyze_tcp 40/40',
			'          analyze_udp 20/20',
			'        pcap_next 20/20',
		].join('\n'),
	);
	assert.equal(t.totalSamples, 100);
	assert.equal(t.maxDepth, 5);
	assert.equal(t.stackCount, 8);
	checkInvariants(t);
});

test('input order does not matter; duplicates are summed', () => {
	const lines = SAMPLE.trim().split('\n');
	const shuffled = [lines[6], lines[2], lines[7], lines[0], lines[4], lines[1], lines[3], lines[5]].join('\n');
	assert.equal(dump(tree(shuffled)), dump(tree(SAMPLE)));
	const twice = buildTree([
		['a;b', 1],
		['a;c', 2],
		['a;b', 3],
	]);
	assert.equal(dump(twice), 'all 6/0\n  a 6/0\n    b 4/4\n    c 2/2');
	checkInvariants(twice);
});

test('a Map from the folder is accepted as is', () => {
	const t = buildTree(
		new Map([
			['zeek;b', 2],
			['zeek;a', 1],
		]),
	);
	assert.deepEqual(childrenOf(t, 1).map(id => nameOf(t, id)), ['a', 'b']);
});

test('prefix sharing handles names that are prefixes of each other', () => {
	// Byte order puts "a;b-x" between "a;b" and "a;b;c" ('-' < ';'), so node a;b is met twice.
	const t = buildTree([
		['a;b', 1],
		['a;b-x', 2],
		['a;b;c', 4],
		['a;bc', 8],
		['a', 16],
		['a;', 32],
		['a;;z', 64],
	]);
	assert.equal(
		dump(t),
		['all 127/0', '  a 127/16', '     96/32', '      z 64/64', '    b 5/1', '      c 4/4', '    b-x 2/2', '    bc 8/8'].join('\n'),
	);
	checkInvariants(t);
});

test('non-positive, NaN and infinite counts are ignored; an empty stack counts at the root', () => {
	const t = buildTree([
		['a', 0],
		['b', -3],
		['c', Number.NaN],
		['d', Number.POSITIVE_INFINITY],
		['', 2],
		['e', 1.5],
	]);
	assert.equal(dump(t), 'all 3.5/2\n  e 1.5/1.5');
	assert.equal(t.stackCount, 2);
});

test('an empty input is an empty tree', () => {
	const t = buildTree([]);
	assert.equal(t.size, 1);
	assert.equal(t.totalSamples, 0);
	assert.equal(t.maxDepth, 0);
	assert.equal(nameOf(t, ROOT_ID), 'all');
	checkInvariants(t);
});

test('a frame named "all" is not the root', () => {
	const t = buildTree([['all;x', 1]]);
	assert.notEqual(t.nameId[1], t.nameId[0]);
	assert.equal(nameOf(t, 1), 'all');
	assert.deepEqual(pathOf(t, 2), ['all', 'x']);
});

test('pathOf / findByPath / resolvePath round-trip', () => {
	const t = tree(SAMPLE);
	for (let id = 0; id < t.size; id++) assert.equal(findByPath(t, pathOf(t, id)), id);
	assert.deepEqual(pathOf(t, 0), []);
	const tcp = findByPath(t, ['zeek', 'main', 'run_loop', 'dispatch', 'analyze_tcp'])!;
	assert.equal(nameOf(t, tcp), 'analyze_tcp');
	assert.deepEqual(ancestryOf(t, tcp).map(id => nameOf(t, id)), ['all', 'zeek', 'main', 'run_loop', 'dispatch', 'analyze_tcp']);
	assert.equal(findByPath(t, ['zeek', 'nope']), undefined);
	const dispatch = findByPath(t, ['zeek', 'main', 'run_loop', 'dispatch'])!;
	assert.deepEqual(resolvePath(t, ['zeek', 'main', 'run_loop', 'dispatch', 'gone', 'deeper']), {
		id: dispatch,
		matchedDepth: 4,
	});
	assert.deepEqual(resolvePath(t, ['other']), {id: 0, matchedDepth: 0});
	assert.ok(isWithin(t, tcp, dispatch));
	assert.ok(!isWithin(t, dispatch, tcp));
});

test('parseFoldedLines: counts, spaces in frames, fractional counts, bad lines, CRLF', () => {
	const parsed = parseFoldedLines(
		[
			'cksum;main;cksum 19',
			'THIS IS A BAD LINE',
			'rustc;<impl core::default::Default for [T; _]>::default 3',
			'noploop;main 274.321',
			'',
			'x;y\t7\r',
			'THIS IS A BAD FRACTIONAL LINE 12V.43',
			'justanumber',
			'trailing;blanks 5   ',
			'.5',
			'a .5',
			'tidied;foo  3',
		].join('\n'),
	);
	assert.deepEqual(parsed.stacks, [
		['cksum;main;cksum', 19],
		['rustc;<impl core::default::Default for [T; _]>::default', 3],
		['noploop;main', 274.321],
		['x;y', 7],
		['trailing;blanks', 5],
		['a', 0.5],
		['tidied;foo ', 3],
	]);
	assert.equal(parsed.skippedLines, 4);
});
