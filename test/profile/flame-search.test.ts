import {test} from 'node:test';
import assert from 'node:assert/strict';
import {compileSearch, isMatch, searchFlame, stepMatch, type SearchResult} from '../../source/profile/search.js';
import {buildTree, findByPath, nameOf, parseFoldedLines} from '../../source/profile/tree.js';

const tree = buildTree(
	parseFoldedLines(`zeek;main;run_loop;dispatch;analyze_tcp;Conn::Done 30
zeek;main;run_loop;dispatch;analyze_tcp 10
zeek;main;run_loop;dispatch;analyze_udp 20
zeek;main;run_loop;pcap_next 20
zeek;main;init 10
zeek;main 5
zeek;log_thread;write 5
`).stacks,
);

function ok(result: ReturnType<typeof searchFlame>): SearchResult {
	assert.ok(result.ok, result.ok ? '' : result.error);
	return result;
}

const names = (ids: Iterable<number>) => [...ids].map(id => nameOf(tree, id));

test('matches, samples and layout order', () => {
	const r = ok(searchFlame(tree, 'analyze|pcap'));
	assert.equal(r.matchedFrames, 3);
	assert.equal(r.matchedSamples, 80);
	assert.equal(r.percentOfTotal, 80);
	assert.deepEqual(names(r.order), ['analyze_tcp', 'analyze_udp', 'pcap_next']);
	assert.ok(isMatch(r, r.order[0]!));
	assert.ok(!isMatch(r, 0));
	assert.ok(!isMatch(null, 1));
});

test('a match inside a match is not counted twice', () => {
	const r = ok(searchFlame(tree, 'dispatch|analyze_tcp|Done'));
	assert.equal(r.matchedFrames, 3);
	assert.equal(r.matchedSamples, 60, 'dispatch covers its nested matches');
	assert.deepEqual(names(r.order), ['dispatch', 'analyze_tcp', 'Conn::Done']);
});

test('percent of the zoomed frame, and order limited to the zoomed subtree', () => {
	const zoomId = findByPath(tree, ['zeek', 'main', 'run_loop'])!;
	const r = ok(searchFlame(tree, 'analyze_udp|init', zoomId));
	assert.equal(r.matchedSamples, 30);
	assert.equal(r.zoomMatchedSamples, 20);
	assert.equal(r.percentOfZoom, 25);
	assert.deepEqual(names(r.order), ['analyze_udp']);
	// A matching ancestor of the zoomed frame covers the whole view.
	const covered = ok(searchFlame(tree, '^main$', zoomId));
	assert.equal(covered.percentOfZoom, 100);
	assert.equal(covered.order.length, 0);
});

test('smart case, explicit RegExp, empty pattern', () => {
	assert.equal(ok(searchFlame(tree, 'conn::done')).matchedFrames, 1, 'lower case pattern ignores case');
	assert.equal(ok(searchFlame(tree, 'conn::Done')).matchedFrames, 0, 'an upper-case letter makes it case-sensitive');
	assert.equal(ok(searchFlame(tree, 'CONN', 0, {caseMode: 'insensitive'})).matchedFrames, 1);
	const sticky = /analyze/gy;
	assert.equal(ok(searchFlame(tree, sticky)).matchedFrames, 2, 'g/y flags do not make matching stateful');
	const empty = ok(searchFlame(tree, ''));
	assert.equal(empty.matchedFrames, 0);
	assert.equal(empty.order.length, 0);
	assert.equal(ok(searchFlame(tree, '\\-')).matchedFrames, 0, 'non-unicode escapes accepted');
});

test('an invalid regex is an error value, not a throw', () => {
	const r = searchFlame(tree, 'run_loop(');
	assert.equal(r.ok, false);
	assert.ok(!r.ok);
	assert.equal(r.pattern, 'run_loop(');
	assert.match(r.error, /^invalid regex \/run_loop\(\/: .*[Uu]nterminated group/);
	const c = compileSearch('[z-a]');
	assert.ok(!c.ok);
	assert.match(c.error, /invalid regex/);
});

test('stepMatch wraps around and can skip hidden matches', () => {
	const order = Int32Array.from([3, 7, 9]);
	assert.equal(stepMatch(order, 0, 1), 3);
	assert.equal(stepMatch(order, 3, 1), 7);
	assert.equal(stepMatch(order, 8, 1), 9);
	assert.equal(stepMatch(order, 9, 1), 3);
	assert.equal(stepMatch(order, 9, -1), 7);
	assert.equal(stepMatch(order, 3, -1), 9);
	assert.equal(stepMatch(order, 5, -1), 3);
	assert.equal(stepMatch(order, 3, 1, id => id !== 7), 9);
	assert.equal(stepMatch(Int32Array.from([4]), 4, 1), undefined);
	assert.equal(stepMatch(new Int32Array(0), 4, 1), undefined);
});
