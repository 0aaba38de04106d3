/**
 * The heap_v2 reader and jeprof's table logic against jeprof's own outputs: the generated
 * jemalloc 5.3.0 corpus (symbols from its `jeprof --raw`, so every number and name downstream of
 * symbolization is checked byte for byte), and the real Zeek 8.0.10 dumps (no binary there:
 * totals and the multiset of collapsed stack values).
 */
import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {corpusDir} from '../helpers/env.js';
import {
	HeapV2Error,
	adjustSamples,
	fixed1,
	heapProfileValues,
	jeprofShortName,
	parseHeapV2,
	parseMappedObjects,
	assignAddresses,
	perlInt,
	renderCollapsed,
	renderJeprofText,
	subtractProfile,
	symbolTableFromRaw,
	type HeapMetric,
	type TextOptions,
} from '../../source/profile/heap-v2.js';

const gen = (...p: string[]) => corpusDir('jemalloc', 'generated-jemalloc-5.3.0-debian', ...p);
const real = (...p: string[]) => corpusDir('zeek-real', 'standalone', 'jemalloc', ...p);
const read = (p: string) => readFileSync(p, 'utf8');
const dumps: Record<string, string> = {
	exact: 'jeprof.exact.5030.0.f.heap',
	noaccum: 'jeprof.noaccum.5033.0.f.heap',
	sampled: 'jeprof.sampled.5036.0.f.heap',
	'exact.phase1': 'jeprof.exact.phase1.heap',
};

function multiset(text: string): string[] {
	return text.split('\n').filter(l => l !== '').sort();
}

describe('generated corpus: identical to jeprof given jeprof\'s symbols', () => {
	// Output file suffix → options (MANIFEST §4a).
	const textVariants: Array<[string, TextOptions]> = [
		['text.txt', {}],
		['text.show_bytes.txt', {showBytes: true}],
		['text.inuse_objects.txt', {metric: 'inuse_objects'}],
		['text.alloc_space.txt', {metric: 'alloc_space'}],
		['text.alloc_objects.txt', {metric: 'alloc_objects'}],
		['text.cum.txt', {cum: true}],
	];
	for (const kind of ['exact', 'noaccum', 'sampled']) {
		const symbols = symbolTableFromRaw(read(gen('jeprof-output', `jeprof.${kind}.raw.txt`)));
		const profile = parseHeapV2(read(gen('heap', dumps[kind]!)));
		for (const [suffix, options] of textVariants) {
			const expectedFile = gen('jeprof-output', `jeprof.${kind}.${suffix}`);
			let expected: string;
			try {
				expected = read(expectedFile);
			} catch {
				continue; // jeprof printed nothing for this combination (MANIFEST: dropped)
			}
			test(`${kind} --text ${JSON.stringify(options)}`, () => {
				const values = heapProfileValues(profile, options.metric ?? 'inuse_space');
				assert.equal(renderJeprofText(symbols, values, options), expected);
			});
		}
		for (const [suffix, metric] of [['collapsed.txt', 'inuse_space'], ['collapsed.show_bytes.txt', 'inuse_space'], ['collapsed.alloc_space.show_bytes.txt', 'alloc_space']] as const) {
			test(`${kind} --collapsed ${suffix}`, () => {
				const expected = read(gen('jeprof-output', `jeprof.${kind}.${suffix}`));
				const values = heapProfileValues(profile, metric as HeapMetric);
				assert.deepEqual(multiset(renderCollapsed(symbols, values)), multiset(expected));
			});
		}
	}

	test('--base: final minus phase1, and phase1 alone', () => {
		const symbols = symbolTableFromRaw(read(gen('jeprof-output', 'jeprof.exact.raw.txt')));
		const final = heapProfileValues(parseHeapV2(read(gen('heap', dumps.exact!))));
		const phase1 = heapProfileValues(parseHeapV2(read(gen('heap', dumps['exact.phase1']!))));
		assert.equal(renderJeprofText(symbols, subtractProfile(final, phase1), {showBytes: true}), read(gen('jeprof-output', 'jeprof.exact.text.show_bytes.base-phase1.txt')));
		assert.equal(renderJeprofText(symbols, phase1, {showBytes: true}), read(gen('jeprof-output', 'jeprof.exact.phase1.text.show_bytes.txt')));
	});
});

describe('real Zeek 8.0.10 dumps (no binary: numbers only)', () => {
	const totalLine = (text: string) => text.split('\n')[0];
	for (const [name, dump] of [['i24', 'jeprof.out.11501.24.i24.heap'], ['m0', 'jeprof.out.11501.25.m0.heap'], ['final', 'jeprof.out.11501.29.f.heap']] as const) {
		test(`${name}: Total line and unsampled values`, () => {
			const profile = parseHeapV2(read(real(dump)));
			assert.equal(profile.samplePeriod, 524288);
			const values = heapProfileValues(profile);
			const expected = read(real(`jeprof-text.${name}.txt`));
			// No symbols: the total does not depend on them.
			assert.equal(renderJeprofText(new Map(), values).split('\n')[0], totalLine(expected));
		});
	}
	test('i24 --collapsed: the same multiset of per-stack values', () => {
		const profile = parseHeapV2(read(real('jeprof.out.11501.24.i24.heap')));
		const ours = [...heapProfileValues(profile).values()].map(v => perlInt(v)).sort();
		const theirs = read(real('jeprof-collapsed.i24.txt')).split('\n').filter(l => l).map(l => l.slice(l.lastIndexOf(' ') + 1)).sort();
		// jeprof merges stacks that become equal once allocator frames are removed; with no
		// libjemalloc symbols each keeps its own (distinct leaf addresses), so the counts match.
		assert.deepEqual(ours, theirs);
	});
	test('--base i2 → i24: Total line', () => {
		const a = heapProfileValues(parseHeapV2(read(real('jeprof.out.11501.24.i24.heap'))));
		const b = heapProfileValues(parseHeapV2(read(real('jeprof.out.11501.2.i2.heap'))));
		assert.equal(renderJeprofText(new Map(), subtractProfile(a, b)).split('\n')[0], totalLine(read(real('jeprof-text-base.i2-to-i24.txt'))));
	});
	test('MAPPED_LIBRARIES: the program and its libraries, bias from the maps', () => {
		const profile = parseHeapV2(read(real('jeprof.out.11501.24.i24.heap')));
		const pcs = new Set<string>();
		heapProfileValues(profile, 'inuse_space', pcs);
		const objects = parseMappedObjects(profile.maps, '/opt/zeek/bin/zeek', pcs);
		const zeek = objects.find(o => o.path === '/opt/zeek/bin/zeek' && !o.catchAll);
		assert.ok(zeek, 'the program mapping is found by its path');
		assert.ok(objects.some(o => /libjemalloc\.so\.2$/.test(o.path)));
		const assigned = assignAddresses(objects, pcs);
		const total = assigned.reduce((s, a) => s + a.pcs.length, 0);
		assert.equal(total, pcs.size, 'every address lands in exactly one object');
		assert.ok(assigned.find(a => a.object === zeek)!.pcs.length > 0);
	});
});

describe('reader: errors name the line', () => {
	const good = read(gen('heap', dumps.exact!));
	test('truncated (no MAPPED_LIBRARIES)', () => {
		const cut = good.slice(0, good.indexOf('MAPPED_LIBRARIES:'));
		assert.throws(() => parseHeapV2(cut), (e: unknown) => e instanceof HeapV2Error && /truncated/.test(e.message));
	});
	test('cut inside a stack', () => {
		const lines = good.split('\n');
		const at = lines.findIndex(l => l.startsWith('@'));
		assert.throws(() => parseHeapV2(lines.slice(0, at + 1).join('\n')), (e: unknown) => e instanceof HeapV2Error && e.line === at + 1);
	});
	test('garbage row', () => {
		const lines = good.split('\n');
		lines[5] = '  t*: 12: x [1: 2]';
		assert.throws(() => parseHeapV2(lines.join('\n')), (e: unknown) => e instanceof HeapV2Error && e.line === 6 && /line 6/.test(e.message));
	});
	test('not a heap_v2 dump', () => {
		assert.throws(() => parseHeapV2('heap profile: 1: 2 [3: 4] @ heapz_v2/524288\n'), /gperftools/);
		assert.throws(() => parseHeapV2(''), /empty/);
	});
});

describe('pieces', () => {
	test('unsampling: jeprof\'s formula, pprof\'s corpus example', () => {
		// pprof testdata: 1: 9216 at 524288 → 57 objects, 528909 bytes (truncated).
		const [n, s] = adjustSamples(524288, [1, 9216, 0, 0]);
		assert.equal(Math.trunc(n), 57);
		assert.equal(Math.trunc(s), 528909);
	});
	test('printf %.1f ties and Perl %d', () => {
		assert.equal(fixed1(0.25), '0.2');
		assert.equal(fixed1(0.75), '0.8');
		assert.equal(fixed1(-0.25), '-0.2');
		assert.equal(fixed1(-0.01), '-0.0');
		assert.equal(fixed1(12.34), '12.3');
		assert.equal(perlInt(-0.7), '0');
		assert.equal(perlInt(8002.9), '8002');
	});
	test('ShortFunctionName', () => {
		assert.equal(jeprofShortName('zeek::IntrusivePtr<zeek::Val> zeek::make_intrusive<zeek::Val>(int)'), 'zeek::make_intrusive');
		assert.equal(jeprofShortName('main<0000000000001343>'), 'main');
		assert.equal(jeprofShortName('std::__throw_ios_failure(char const*, int)@@GLIBCXX_3.4.26<00000000000a0a67>'), 'std::__throw_ios_failure@@GLIBCXX_3.4.26');
	});
});
