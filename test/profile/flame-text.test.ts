import {test} from 'node:test';
import assert from 'node:assert/strict';
import {renderFlameText, renderTopTable} from '../../source/profile/flame-text.js';
import {searchFlame} from '../../source/profile/search.js';
import {topFunctions} from '../../source/profile/top.js';
import {buildTree, findByPath, parseFoldedLines} from '../../source/profile/tree.js';
import {SAMPLE} from '../helpers/folded-sample.js';


const sample = buildTree(parseFoldedLines(SAMPLE).stacks);

test('flame graph at width 40, root at the bottom (flamegraph.pl orientation)', () => {
	assert.equal(
		renderFlameText(sample, {width: 40, height: 20}),
		[
			'      [analyze_tcp---][anal..]',
			'  +   [dispatch--------------][pcap..]',
			'[][--][run_loop----------------------]',
			'[][main--------------------------------]',
			'[zeek----------------------------------]',
			'[all-----------------------------------]',
		].join('\n'),
	);
});

test('icicle orientation with cut rows reports them on the leaf side', () => {
	assert.equal(
		renderFlameText(sample, {width: 40, height: 4, rootAtTop: true}),
		[
			'[all-----------------------------------]',
			'[zeek----------------------------------]',
			'[][main--------------------------------]',
			'(3 deeper rows not shown)',
		].join('\n'),
	);
	assert.equal(
		renderFlameText(sample, {width: 40, height: 3}),
		['(4 deeper rows not shown)', '[zeek----------------------------------]', '[all-----------------------------------]'].join(
			'\n',
		),
	);
});

test('zoomed view: ancestors drawn with =, search matches with *', () => {
	const zoomId = findByPath(sample, ['zeek', 'main', 'run_loop'])!;
	const search = searchFlame(sample, 'analyze|pcap');
	assert.ok(search.ok);
	assert.equal(
		renderFlameText(sample, {width: 40, height: 10, rootAtTop: true, zoomId, matched: search.matched}),
		[
			'[all===================================]',
			'[zeek==================================]',
			'[main==================================]',
			'[run_loop------------------------------]',
			'[dispatch--------------------][pcap_n..]',
			'[analyze_tcp*******][analyz..]',
		].join('\n'),
	);
});

test('one-column frames, empty profile', () => {
	const tree = buildTree([
		['a', 10],
		['b', 1],
		['c', 1],
	]);
	assert.equal(renderFlameText(tree, {width: 12, height: 5, rootAtTop: true}), '[all-------]\n[a-------]||');
	assert.equal(renderFlameText(buildTree([]), {width: 40, height: 5}), '(no samples)');
});

test('control characters in symbols never reach the output', () => {
	const tree = buildTree([['zeek;\x1b]0;pwned\x07', 1]]);
	const text = renderFlameText(tree, {width: 30, height: 5, rootAtTop: true});
	assert.doesNotMatch(text, /[\x00-\x08\x0b-\x1f\x7f]/);
	assert.match(text, /\\e\]0/);
});

test('top table: SELF% TOTAL% FUNCTION, names cut to width, limit', () => {
	const rows = topFunctions(sample);
	assert.equal(
		renderTopTable(rows, {width: 40, limit: 5}),
		[
			' SELF%  TOTAL%  FUNCTION',
			' 40.00   40.00  analyze_tcp',
			' 20.00   20.00  analyze_udp',
			' 20.00   20.00  pcap_next',
			'  8.00   10.00  init',
			'  5.00   95.00  main',
			'... 7 more',
		].join('\n'),
	);
	assert.equal(
		renderTopTable(topFunctions(sample, {sort: 'total'}), {width: 24, limit: 3}),
		[' SELF%  TOTAL%  FUNCTION', '  0.00  100.00  zeek', '  5.00   95.00  main', '  0.00   80.00  run_loop', '... 9 more'].join(
			'\n',
		),
	);
	assert.equal(
		renderTopTable([{function: 'zeek::analyzer::tcp::TCP_Analyzer::DeliverPacket', selfSamples: 1, totalSamples: 1, selfPercent: 100, totalPercent: 100}], {width: 36}),
		' SELF%  TOTAL%  FUNCTION\n100.00  100.00  zeek::analyzer::tc..',
	);
});
