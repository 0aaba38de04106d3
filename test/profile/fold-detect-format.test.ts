import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync, readdirSync} from 'node:fs';
import {gunzipSync} from 'node:zlib';
import {corpusDir} from '../helpers/env.js';
import {detectProfileFormat, type ProfileFormat} from '../../source/profile/detect-format.js';

const read = (path: string) => {
	const full = corpusDir(path);
	return path.endsWith('.gz') ? gunzipSync(readFileSync(full)).toString('utf8') : readFileSync(full, 'utf8');
};
const list = (dir: string, re: RegExp) =>
	readdirSync(corpusDir(dir)).filter(f => re.test(f)).sort().map(f => `${dir}/${f}`);

const expectations: Array<[ProfileFormat, string[]]> = [
	['perf-script', [
		...list('perf-folding/flamegraph-pl/test', /\.txt$/),
		'perf-folding/flamegraph-pl/example-perf-stacks.txt.gz',
		...list('perf-folding/generated-linux-perf-6.1', /\.txt$/),
		...list('perf-folding/inferno/collapse-perf', /^(?!no-events).*\.txt$/),
		'zeek-real/supervisor-cluster/perf/zeek.worker-1.perf-script-fp.txt',
	]],
	['folded', [
		...list('perf-folding/flamegraph-pl/current-results', /\.txt$/),
		...list('perf-folding/inferno/collapse-perf/results', /^(?!no-events).*\.txt$/),
		...list('perf-folding/generated-linux-perf-6.1', /\.folded$/),
		'flamegraph-render/inferno/austin/flames.txt', // `#` metadata header
		'flamegraph-render/inferno/bad-lines/bad-lines.txt', // a few malformed lines
		'flamegraph-render/inferno/fractional-samples/fractional.txt',
		'flamegraph-render/inferno/differential/perf-cycles-instructions-01-collapsed-all-diff.txt',
	]],
	['jeprof-collapsed', [
		...list('jemalloc/generated-jemalloc-5.3.0-debian/jeprof-output', /collapsed/),
		'zeek-real/standalone/jemalloc/jeprof-collapsed.i24.txt',
		'zeek-real/supervisor-cluster/jemalloc/jeprof-collapsed.ondemand-worker-1-042639.heap.txt',
	]],
	['unknown', [
		'perf-folding/inferno/collapse-perf/no-events.txt',
		...list('jemalloc/generated-jemalloc-5.3.0-debian/jeprof-output', /\.(text|raw)\./),
		...list('jemalloc/generated-jemalloc-5.3.0-debian/heap', /\.heap$/),
		'zeek-real/standalone/jemalloc/jeprof-text.i24.txt',
		'zeek-real/standalone/jemalloc/jeprof.out.11501.24.i24.heap',
		'zeek-real/supervisor-cluster/perf/perf-record-fp.log',
		'flamegraph-render/inferno/nameattr/nameattr.txt',
		'flamegraph-render/inferno/palette-map/palette.map',
	]],
];

describe('detectProfileFormat: corpus files', () => {
	for (const [format, files] of expectations) {
		test(`${format}: ${files.length} files`, () => {
			assert.ok(files.length > 0);
			for (const file of files) assert.equal(detectProfileFormat(read(file)), format, file);
		});
	}
});

describe('detectProfileFormat: inline', () => {
	test('the brief\'s jeprof example, with [inline] frames', () => {
		assert.equal(detectProfileFormat('a<0000000000031b30>;b [inline];malloc_usable_size<0000000000031b30> 1234\n'),
			'jeprof-collapsed');
		assert.equal(detectProfileFormat('main;zeek::Foo [inline];zeek::Bar 99\n'), 'jeprof-collapsed');
	});
	test('folded, CRLF and BOM', () => {
		assert.equal(detectProfileFormat('\uFEFFzeek;main;run 5\r\nzeek;main 2.5\r\n'), 'folded');
	});
	test('perf script without call chains (frame on the event line)', () => {
		assert.equal(detectProfileFormat('zeek 12 [000] 1.000001: 1000 cpu-clock:  7f00 main+0x1 (/opt/zeek/bin/zeek)\n'),
			'perf-script');
	});
	test('empty, blank, prose', () => {
		assert.equal(detectProfileFormat(''), 'unknown');
		assert.equal(detectProfileFormat('\n\n  \n'), 'unknown');
		assert.equal(detectProfileFormat('Total: 8.3 MB\n     8.0  96.2%  96.2%      8.0  96.2% f\n'), 'unknown');
	});
	test('looks only at the beginning of a huge text', () => {
		const head = 'zeek;main 1\n'.repeat(300);
		assert.equal(detectProfileFormat(head + 'garbage\n'.repeat(1_000_000)), 'folded');
	});
});
