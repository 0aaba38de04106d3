import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync, readdirSync} from 'node:fs';
import {corpusDir} from '../helpers/env.js';
import {
	normalizeCollapsedFrame,
	parseHeapDumpName,
	parseHeapProfileSummary,
	parseJeprofCollapsed,
	parseJeprofText,
	shortFunctionName,
	sortHeapDumpNames,
	unbiasSample,
	type JeprofRow,
	type JeprofTextReport,
} from '../../source/profile/jeprof.js';

const read = (...parts: string[]) => readFileSync(corpusDir(...parts), 'utf8');
const generatedDir = ['jemalloc', 'generated-jemalloc-5.3.0-debian'];
const MiB = 1024 * 1024;

/** Every jeprof --text output in the corpora, with the option set that produced it. */
function textOutputs(): Array<{name: string; text: string}> {
	const out: Array<{name: string; text: string}> = [];
	for (const name of readdirSync(corpusDir(...generatedDir, 'jeprof-output')).sort()) {
		if (name.includes('.text')) out.push({name, text: read(...generatedDir, 'jeprof-output', name)});
	}
	for (const scenario of ['standalone', 'supervisor-cluster']) {
		for (const name of readdirSync(corpusDir('zeek-real', scenario, 'jemalloc')).sort()) {
			if (name.startsWith('jeprof-text') && !name.includes('stderr')) {
				out.push({name: `${scenario}/${name}`, text: read('zeek-real', scenario, 'jemalloc', name)});
			}
		}
	}
	return out;
}

/** An independent notion of "a table line": starts with a number and a percentage. */
function tableLines(text: string): string[] {
	return text.split('\n').filter(line => /^\s*-?\d+(\.\d+)?\s+-?\d+(\.\d+)?%/.test(line));
}

function unparse(value: number, report: JeprofTextReport): string {
	const v = report.unit === 'MB' ? value / MiB : value;
	const s = report.unit === 'MB' ? v.toFixed(1) : String(Math.trunc(v));
	return Object.is(v, -0) || (v < 0 && !s.startsWith('-')) ? `-${s}` : s;
}

function percent(p: number): string {
	if (Number.isNaN(p)) return 'nan';
	if (p === Infinity) return '+inf';
	if (p === -Infinity) return '-inf';
	return `${Object.is(p, -0) ? '-' : ''}${p.toFixed(1)}%`;
}

/** jeprof's PrintText row: printf("%8s %6s %6s %8s %6s %s\n", ...). */
function formatRow(row: JeprofRow, report: JeprofTextReport): string {
	const pad = (s: string, n: number) => s.padStart(n);
	return `${pad(unparse(row.flatBytes, report), 8)} ${pad(percent(row.flatPercent), 6)} ${pad(percent(row.sumPercent), 6)} ${pad(unparse(row.cumBytes, report), 8)} ${pad(percent(row.cumPercent), 6)} ${row.function}`;
}

describe('parseJeprofText on every corpus output', () => {
	const outputs = textOutputs();
	test('the corpus has the expected outputs', () => {
		assert.equal(outputs.length, 24); // 18 generated + 6 from real Zeek
	});
	for (const {name, text} of outputs) {
		test(name, () => {
			const report = parseJeprofText(text);
			const lines = tableLines(text);
			assert.equal(report.rows.length, lines.length, 'one row per table line');
			assert.ok(report.rows.length > 0);
			assert.deepEqual(report.malformedLines, []);
			// Every row re-printed with jeprof's format is the line it came from.
			report.rows.forEach((row, i) => assert.equal(formatRow(row, report), lines[i], `row ${i + 1}`));
			// Total line.
			const total = /^Total: (\S+) (\S+)$/m.exec(text)!;
			assert.equal(report.unit, total[2]);
			const expectedTotal = report.unit === 'MB' ? Number(total[1]) * MiB : Number(total[1]);
			assert.equal(report.totalBytes, expectedTotal);
			assert.equal(report.resolution, report.unit === 'MB' ? MiB / 10 : 1);
			assert.equal(report.quantity, report.unit === 'objects' ? 'objects' : 'bytes');
			// Flat values add up to the total, within the print resolution per row.
			const flatSum = report.rows.reduce((s, r) => s + r.flatBytes, 0);
			assert.ok(
				Math.abs(flatSum - report.totalBytes!) <= report.resolution * (report.rows.length + 1) / 2 + 1e-6,
				`flat sum ${flatSum} vs total ${report.totalBytes}`,
			);
			// sum% is the running sum of flat%; its last value is 100% unless sorted by cum.
			if (!name.includes('.cum')) assert.equal(report.rows.at(-1)!.sumPercent, 100);
			assert.equal(report.hasNegative, /\s-\d/.test(text));
		});
	}

	test('generated exact profile: first and last rows exactly', () => {
		const report = parseJeprofText(read(...generatedDir, 'jeprof-output', 'jeprof.exact.text.show_bytes.txt'));
		assert.equal(report.totalBytes, 8716928);
		assert.equal(report.unit, 'B');
		assert.deepEqual(report.rows[0], {
			flatBytes: 8388608, flatPercent: 96.2, sumPercent: 96.2, cumBytes: 8388608, cumPercent: 96.2,
			function: 'reassembly_buffer_alloc', inline: false, unsymbolized: false, line: 2,
		});
		assert.deepEqual(report.rows.at(-1), {
			flatBytes: 0, flatPercent: 0, sumPercent: 100, cumBytes: 8531968, cumPercent: 97.9,
			function: 'worker_thread', inline: false, unsymbolized: false, line: 19,
		});
		// Ground truth from the manifest: 8,716,928 live bytes, 2271 objects.
		assert.equal(report.rows.reduce((s, r) => s + r.flatBytes, 0), 8716928);
	});

	test('objects unit', () => {
		const report = parseJeprofText(read(...generatedDir, 'jeprof-output', 'jeprof.exact.text.inuse_objects.txt'));
		assert.equal(report.unit, 'objects');
		assert.equal(report.quantity, 'objects');
		assert.equal(report.totalBytes, 2271);
		assert.equal(report.rows[0]!.function, 'conn_state_alloc');
		assert.equal(report.rows[0]!.flatBytes, 2000);
	});

	test('--lines and --addresses keep the whole symbol text', () => {
		const lines = parseJeprofText(read(...generatedDir, 'jeprof-output', 'jeprof.exact.text.lines.show_bytes.txt'));
		assert.equal(lines.rows[0]!.function, 'reassembly_buffer_alloc /tmp/jemgen/workload.c:15 (discriminator 3)');
		const addrs = parseJeprofText(read(...generatedDir, 'jeprof-output', 'jeprof.exact.text.addresses.show_bytes.txt'));
		assert.equal(addrs.rows[0]!.function, '0000556f88a2a21a reassembly_buffer_alloc /tmp/jemgen/workload.c:15 (discriminator 3)');
		assert.equal(addrs.rows[0]!.unsymbolized, false);
	});

	test('base (growth) report of the generated workload', () => {
		const report = parseJeprofText(read(...generatedDir, 'jeprof-output', 'jeprof.exact.text.show_bytes.base-phase1.txt'));
		// final (8716928) minus phase1 (184320)
		assert.equal(report.totalBytes, 8716928 - 184320);
		assert.equal(report.rows.length, 13);
		assert.equal(report.hasNegative, false);
	});

	test('real Zeek: malloc_usable_size is the top flat entry (stripped Debian libjemalloc)', () => {
		const report = parseJeprofText(read('zeek-real', 'standalone', 'jemalloc', 'jeprof-text.i24.txt'));
		assert.equal(report.totalBytes, 63 * MiB);
		assert.equal(report.rows.length, 282);
		assert.equal(report.rows[0]!.function, 'malloc_usable_size');
		assert.equal(report.rows[0]!.flatPercent, 89.4);
		const inline = report.rows.find(r => r.function === 'zeek::util::safe_realloc (inline)');
		assert.ok(inline?.inline);
	});

	test('real Zeek growth (--base): negative values and percentages', () => {
		const report = parseJeprofText(read('zeek-real', 'supervisor-cluster', 'jemalloc', 'jeprof-text-base.txt'));
		assert.equal(report.totalBytes, 0.5 * MiB);
		assert.equal(report.rows.length, 96);
		assert.ok(report.hasNegative);
		const getVal = report.rows.find(r => r.function === 'zeek::Connection::GetVal')!;
		assert.equal(getVal.cumBytes, -1.5 * MiB);
		assert.equal(getVal.cumPercent, -299.3);
		const tiny = report.rows.find(r => r.function === 'zeek::analyzer::dns::DNS_Analyzer::Instantiate')!;
		assert.ok(Object.is(tiny.cumBytes, -0), '-0.0 keeps its sign');
	});
});

describe('parseJeprofText on documentation examples', () => {
	test("Zeek's interactive jeprof top", () => {
		const text = read('zeek', 'docs-examples', 'jeprof-interactive-top-zeek.console.txt');
		const report = parseJeprofText(text);
		assert.equal(report.unit, 'MB');
		assert.equal(report.totalBytes, 1773.2 * MiB);
		assert.equal(report.rows.length, tableLines(text).length);
		assert.equal(report.rows.length, 10);
		assert.equal(report.rows[0]!.function, '__gnu_cxx::new_allocator::allocate');
		assert.equal(report.rows[0]!.flatBytes, 381.8 * MiB);
		assert.equal(report.rows[5]!.cumBytes, 802.6 * MiB);
		assert.equal(report.rows.at(-1)!.function, 'zeek::detail::EquivClass::EquivClass');
		assert.equal(report.rows.at(-1)!.sumPercent, 77.2);
	});

	test('gperftools heapprofile example (no Total line: MB assumed)', () => {
		const text = read('jemalloc', 'docs-examples', 'gperftools-heapprofile-pprof-text-example.txt');
		const report = parseJeprofText(text);
		assert.equal(report.totalBytes, undefined);
		assert.equal(report.unitAssumed, true);
		assert.equal(report.unit, 'MB');
		assert.equal(report.rows.length, 6);
		assert.equal(report.rows[0]!.function, 'GFS_MasterChunk::AddServer');
		assert.equal(report.rows[2]!.cumBytes, 729.9 * MiB);
		assert.equal(report.rows.at(-1)!.function, 'hashtable::resize');
		assert.equal(report.rows.at(-1)!.sumPercent, 88.0);
	});
});

describe('parseJeprofText edge cases', () => {
	test('Go pprof -top: per-value units, dropped nodes', () => {
		const text = [
			'Showing nodes accounting for 5.50MB, 100% of 5.50MB total',
			'Dropped 3 nodes (cum <= 0.03MB)',
			'Dropped 1 edge (freq <= 0.01MB)',
			'      flat  flat%   sum%        cum   cum%',
			'    4.50MB 81.82% 81.82%     4.50MB 81.82%  main.allocate',
			'  512.05kB  9.09% 90.91%   512.05kB  9.09%  runtime.malg',
			'  512kB  9.09%   100%     5.50MB   100%  main.main',
		].join('\n');
		const report = parseJeprofText(text);
		assert.equal(report.totalBytes, 5.5 * MiB);
		assert.equal(report.unit, 'MB');
		assert.equal(report.droppedNodes, 3);
		assert.equal(report.droppedEdges, 1);
		assert.equal(report.rows.length, 3);
		assert.equal(report.rows[1]!.flatBytes, 512.05 * 1024);
		assert.equal(report.rows[2]!.sumPercent, 100);
		assert.equal(report.rows[2]!.function, 'main.main');
	});

	test('zero total: nan and inf percentages, unsymbolized addresses, truncated last line', () => {
		const text = [
			'Total: 0 B',
			'  524288   +inf   +inf   524288   +inf 0x00007f1234567890',
			' -524288   -inf    nan  -524288   -inf zeek::Foo::Bar (inline)',
			'       0    nan    nan      0',
		].join('\n');
		const report = parseJeprofText(text);
		assert.equal(report.totalBytes, 0);
		assert.equal(report.rows.length, 2);
		assert.equal(report.rows[0]!.flatPercent, Infinity);
		assert.equal(report.rows[0]!.unsymbolized, true);
		assert.equal(report.rows[1]!.flatPercent, -Infinity);
		assert.ok(Number.isNaN(report.rows[1]!.sumPercent));
		assert.equal(report.rows[1]!.inline, true);
		assert.ok(report.hasNegative);
		assert.deepEqual(report.malformedLines, [{line: 4, text: '       0    nan    nan      0'}]);
	});

	test('CRLF, stderr lines mixed in and an empty input', () => {
		const report = parseJeprofText('Using local file x.heap.\r\nTotal: 1.0 MB\r\n     1.0 100.0% 100.0%      1.0 100.0% f g\r\n');
		assert.equal(report.rows.length, 1);
		assert.equal(report.rows[0]!.function, 'f g');
		assert.equal(report.totalBytes, MiB);
		const empty = parseJeprofText('');
		assert.deepEqual(empty.rows, []);
		assert.equal(empty.totalBytes, undefined);
	});
});

describe('parseJeprofCollapsed', () => {
	/** Lines of collapsed output as (stack with addresses stripped, count) for a multiset compare. */
	function expectedStacks(text: string): Map<string, number> {
		const m = new Map<string, number>();
		for (const line of text.split('\n')) {
			if (!line) continue;
			const i = line.lastIndexOf(' ');
			const key = line
				.slice(0, i)
				.split(';')
				.map(f => f.replace(/<[0-9a-f]{16}>/g, '').replace(/\[inline\]$/, ' (inline)'))
				.join(';');
			m.set(key, (m.get(key) ?? 0) + Number(line.slice(i + 1)));
		}
		return m;
	}

	const files: string[][] = [];
	for (const name of readdirSync(corpusDir(...generatedDir, 'jeprof-output')).sort()) {
		if (name.includes('.collapsed')) files.push([...generatedDir, 'jeprof-output', name]);
	}
	files.push(['zeek-real', 'standalone', 'jemalloc', 'jeprof-collapsed.i24.txt']);
	files.push(['zeek-real', 'supervisor-cluster', 'jemalloc', 'jeprof-collapsed.ondemand-worker-1-042639.heap.txt']);

	for (const parts of files) {
		test(parts.at(-1)!, () => {
			const text = read(...parts);
			const stacks = parseJeprofCollapsed(text);
			assert.deepEqual(stacks, expectedStacks(text));
			const lineSum = text.split('\n').filter(Boolean).reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
			assert.equal([...stacks.values()].reduce((a, b) => a + b, 0), lineSum);
			for (const key of stacks.keys()) {
				assert.doesNotMatch(key, /<[0-9a-f]{16}>/);
				assert.doesNotMatch(key, /\[inline\]/);
			}
		});
	}

	test('generated exact: every stack, root to leaf, 0 for freed', () => {
		const stacks = parseJeprofCollapsed(read(...generatedDir, 'jeprof-output', 'jeprof.exact.collapsed.txt'));
		assert.equal(stacks.size, 9);
		assert.equal(stacks.get('clone3;start_thread;worker_thread;reassembly_buffer_alloc'), 8388608);
		assert.equal(stacks.get('clone3;start_thread;worker_thread;packet_loop;transient_alloc'), 0);
		assert.equal(stacks.get('_dl_start_user;_dl_init;call_init;std::__throw_ios_failure(char const*, int)@@GLIBCXX_3.4.26'), 81920);
		assert.equal([...stacks.values()].reduce((a, b) => a + b, 0), 8716928);
	});

	test('real Zeek: 86 lines, 63 MiB, each ends in malloc_usable_size or a misnamed frame', () => {
		const text = read('zeek-real', 'standalone', 'jemalloc', 'jeprof-collapsed.i24.txt');
		assert.equal(text.split('\n').filter(Boolean).length, 86);
		const stacks = parseJeprofCollapsed(text);
		const total = [...stacks.values()].reduce((a, b) => a + b, 0);
		assert.equal(total, 66064203);
		assert.equal(Math.round(total / MiB * 10) / 10, 63.0, 'matches jeprof --text Total: 63.0 MB');
		const leaves = [...stacks.keys()].map(k => k.split(';').at(-1)!);
		assert.ok(leaves.filter(l => l === 'malloc_usable_size').length > 60);
		assert.ok(stacks.has(
			'_start;__libc_start_main_impl;__libc_start_call_main;main;zeek::detail::setup(int, char**, zeek::Options*);yyparse();yyparse() (inline);malloc_usable_size',
		));
	});

	test('inline handling: mark, strip, drop; order of marker and address', () => {
		const line = 'a<0000000000001000>;b()<0000000000002000>[inline];c()[inline];d 7\n';
		assert.deepEqual([...parseJeprofCollapsed(line)], [['a;b() (inline);c() (inline);d', 7]]);
		assert.deepEqual([...parseJeprofCollapsed(line, {inline: 'strip'})], [['a;b();c();d', 7]]);
		assert.deepEqual([...parseJeprofCollapsed(line, {inline: 'drop'})], [['a;d', 7]]);
		assert.equal(normalizeCollapsedFrame('x()[inline]<0000000000002000>'), 'x() (inline)');
	});

	test('negative growth values, lines in any order, duplicates summed, junk ignored', () => {
		const text = 'r;b<00000000000000aa> -5\nr;a 10\nnot a line\nr;b<00000000000000bb> 3\n\nr;c x\n';
		const stacks = parseJeprofCollapsed(text);
		assert.deepEqual([...stacks].sort(), [['r;a', 10], ['r;b', -2]]);
	});
});

describe('shortFunctionName', () => {
	const cases: Array<[string, string]> = [
		['zeek::detail::setup(int, char**, zeek::Options*)<00000000008251b0>', 'zeek::detail::setup'],
		['zeek::IntrusivePtr<zeek::RecordType> zeek::make_intrusive<zeek::RecordType, zeek::List<zeek::TypeDecl*, (zeek::ListOrder)0>*&>(zeek::List<zeek::TypeDecl*, (zeek::ListOrder)0>*&)[inline]', 'zeek::make_intrusive'],
		['std::_Vector_base<std::optional<zeek::ZVal>, std::allocator<std::optional<zeek::ZVal> > >::_M_allocate(unsigned long)[inline]', 'std::_Vector_base::_M_allocate'],
		['zeek::RecordVal::GetField(int) const[inline]', 'zeek::RecordVal::GetField'],
		['zeek::detail::NFA_Machine::LinkCopies(int) [clone .part.0]', 'zeek::detail::NFA_Machine::LinkCopies'],
		['operator new(unsigned long)', 'operator new'],
		['operator new[](unsigned long)', 'operator new[]'],
		['std::map<int, int, std::less<int> >::operator[](int const&)', 'std::map::operator[]'],
		['std::_Rb_tree<int, int>::_Alloc_node::operator()<int const&>(int const&) const', 'std::_Rb_tree::_Alloc_node::operator()'],
		['(anonymous namespace)::grow(int)', '(anonymous namespace)::grow'],
		['zeek::detail::make_full_var_name[abi:cxx11](char const*, char const*)', 'zeek::detail::make_full_var_name'],
		['PKCS7_decrypt@@OPENSSL_3.0.0', 'PKCS7_decrypt@@OPENSSL_3.0.0'],
		['malloc_usable_size<0000000000031b30>', 'malloc_usable_size'],
		['zeek::util::safe_realloc (inline)', 'zeek::util::safe_realloc'],
	];
	for (const [input, expected] of cases) test(expected, () => assert.equal(shortFunctionName(input), expected));

	test('agrees with the names jeprof --text printed for the same profile', () => {
		const text = parseJeprofText(read('zeek-real', 'standalone', 'jemalloc', 'jeprof-text.i24.txt'));
		const names = new Set(text.rows.map(r => r.function.replace(/ \(inline\)$/, '')));
		const stacks = parseJeprofCollapsed(read('zeek-real', 'standalone', 'jemalloc', 'jeprof-collapsed.i24.txt'));
		const frames = new Set([...stacks.keys()].flatMap(k => k.split(';')).map(shortFunctionName));
		const unknown = [...frames].filter(f => !names.has(f));
		// Only frames where our shortening intentionally differs (operator(), [abi:...], clones).
		assert.ok(unknown.length <= 8, `frames jeprof names differently: ${unknown.join(' | ')}`);
	});
});

describe('heap dump names', () => {
	test('interval, manual, growth, final', () => {
		assert.deepEqual(parseHeapDumpName('jeprof.out.11501.24.i24.heap'), {prefix: 'jeprof.out', pid: 11501, seq: 24, kind: 'interval', index: 24});
		assert.deepEqual(parseHeapDumpName('jeprof.out.11501.25.m0.heap'), {prefix: 'jeprof.out', pid: 11501, seq: 25, kind: 'manual', index: 0});
		assert.deepEqual(parseHeapDumpName('jeprof.7.3.u2.heap'), {prefix: 'jeprof', pid: 7, seq: 3, kind: 'growth', index: 2});
		assert.deepEqual(parseHeapDumpName('/spool/worker-1/jeprof.out.11501.29.f.heap'), {prefix: 'jeprof.out', pid: 11501, seq: 29, kind: 'final', index: undefined});
		assert.deepEqual(parseHeapDumpName('jeprof.exact.5030.0.f.heap'), {prefix: 'jeprof.exact', pid: 5030, seq: 0, kind: 'final', index: undefined});
	});

	test('names that are not jemalloc dumps', () => {
		for (const name of ['ondemand-worker-1-042613.heap', 'jeprof.exact.phase1.heap', 'jeprof.out.1.2.x3.heap', 'jeprof.out.1.2.i3.heap.tmp', '.1.2.i3.heap', 'jeprof.out.1.2.i.heap']) {
			assert.equal(parseHeapDumpName(name), undefined, name);
		}
	});

	test('every file the real standalone run produced parses and sorts by sequence', () => {
		const listed = read('zeek-real', 'standalone', 'jemalloc', 'all-heap-files-produced.txt').split('\n').filter(Boolean);
		assert.equal(listed.length, 30);
		const parsed = listed.map(n => parseHeapDumpName(n));
		assert.ok(parsed.every(p => p !== undefined && p.pid === 11501 && p.prefix === 'jeprof.out'));
		const shuffled = [...listed].reverse();
		shuffled.sort(); // string order puts .10. before .2.
		const sorted = sortHeapDumpNames(shuffled);
		assert.deepEqual(sorted.map(n => parseHeapDumpName(n)!.seq), [...Array(30).keys()]);
		assert.equal(sorted.at(-1), 'jeprof.out.11501.29.f.heap');
		const kinds = new Set(parsed.map(p => p!.kind));
		assert.deepEqual([...kinds].sort(), ['final', 'interval', 'manual']);
	});

	test('sorting groups by pid; foreign names last', () => {
		assert.deepEqual(
			sortHeapDumpNames(['x.heap', 'jeprof.20.1.i1.heap', 'jeprof.3.10.i9.heap', 'jeprof.3.2.m0.heap']),
			['jeprof.3.2.m0.heap', 'jeprof.3.10.i9.heap', 'jeprof.20.1.i1.heap', 'x.heap'],
		);
	});
});

describe('parseHeapProfileSummary', () => {
	/** jeprof's Total for each heap file, from the outputs next to it. */
	const cases: Array<{parts: string[]; expectedLiveBytes: number; tolerance: number; objects?: number}> = [
		{parts: [...generatedDir, 'heap', 'jeprof.exact.5030.0.f.heap'], expectedLiveBytes: 8716928, tolerance: 0, objects: 2271},
		{parts: [...generatedDir, 'heap', 'jeprof.noaccum.5033.0.f.heap'], expectedLiveBytes: 8716928, tolerance: 0, objects: 2271},
		{parts: [...generatedDir, 'heap', 'jeprof.exact.phase1.heap'], expectedLiveBytes: 184320, tolerance: 0},
		// Sampled: jeprof --show_bytes says 6665587 B; we sum the same unbiased floats.
		{parts: [...generatedDir, 'heap', 'jeprof.sampled.5036.0.f.heap'], expectedLiveBytes: 6665587, tolerance: 1, objects: 12},
		{parts: ['zeek-real', 'standalone', 'jemalloc', 'jeprof.out.11501.24.i24.heap'], expectedLiveBytes: 63.0 * MiB, tolerance: 0.05 * MiB},
		{parts: ['zeek-real', 'standalone', 'jemalloc', 'jeprof.out.11501.25.m0.heap'], expectedLiveBytes: 63.0 * MiB, tolerance: 0.05 * MiB},
		{parts: ['zeek-real', 'standalone', 'jemalloc', 'jeprof.out.11501.29.f.heap'], expectedLiveBytes: 27.2 * MiB, tolerance: 0.05 * MiB},
		{parts: ['zeek-real', 'supervisor-cluster', 'jemalloc', 'ondemand-worker-1-042639.heap'], expectedLiveBytes: 5.0 * MiB, tolerance: 0.05 * MiB},
	];
	for (const c of cases) {
		test(c.parts.at(-1)!, () => {
			const s = parseHeapProfileSummary(read(...c.parts))!;
			assert.equal(s.format, 'heap_v2');
			assert.ok(s.complete);
			assert.ok(Math.abs(s.estimated.live.bytes - c.expectedLiveBytes) <= c.tolerance, `${s.estimated.live.bytes} vs ${c.expectedLiveBytes}`);
			if (c.objects !== undefined) assert.equal(Math.trunc(s.estimated.live.objects), c.objects);
		});
	}

	test('exact profile: header, accumulated counts, threads, stacks, binary', () => {
		const s = parseHeapProfileSummary(read(...generatedDir, 'heap', 'jeprof.exact.5030.0.f.heap'))!;
		assert.equal(s.samplePeriod, 1);
		assert.deepEqual(s.header, {live: {objects: 2271, bytes: 8716928}, allocated: {objects: 3271, bytes: 12812928}});
		assert.deepEqual(s.estimated, s.header);
		assert.equal(s.threadCount, 3);
		assert.equal(s.stackCount, 9);
		assert.equal(s.mainBinary, '/tmp/jemgen/zeek-like-workload');
	});

	test('real Zeek dump: raw header is not the live size, the estimate is', () => {
		const s = parseHeapProfileSummary(read('zeek-real', 'standalone', 'jemalloc', 'jeprof.out.11501.24.i24.heap'))!;
		assert.equal(s.samplePeriod, 524288);
		assert.deepEqual(s.header.live, {objects: 126, bytes: 6625});
		assert.equal(s.stackCount, 86);
		assert.equal(s.threadCount, 6);
		assert.equal(s.mainBinary, '/opt/zeek/bin/zeek');
	});

	test('growth between real dumps agrees with jeprof --base', () => {
		// jeprof --text --base=i2 i24: Total 40.0 MB
		const i2 = parseHeapProfileSummary(read('zeek-real', 'standalone', 'jemalloc', 'jeprof.out.11501.2.i2.heap'))!;
		const i24 = parseHeapProfileSummary(read('zeek-real', 'standalone', 'jemalloc', 'jeprof.out.11501.24.i24.heap'))!;
		assert.ok(Math.abs(i24.estimated.live.bytes - i2.estimated.live.bytes - 40.0 * MiB) <= 0.05 * MiB);
	});

	test("pprof legacy format: matches pprof's own unbiased values (its .string oracle)", () => {
		// Sums of the per-sample values in cppbench.heap.string / gobench.heap.string (pprof truncates each).
		const cpp = parseHeapProfileSummary(read('jemalloc', 'pprof-testdata', 'cppbench.heap'))!;
		assert.equal(cpp.format, 'legacy');
		assert.equal(cpp.samplePeriod, 524288);
		assert.equal(cpp.stackCount, 31);
		assert.ok(Math.abs(cpp.estimated.live.bytes - 80935293) <= 31);
		assert.ok(Math.abs(cpp.estimated.live.objects - 41063) <= 31);
		const go = parseHeapProfileSummary(read('jemalloc', 'pprof-testdata', 'gobench.heap'))!;
		assert.equal(go.samplePeriod, 524288, 'heap/1048576 is sampled at half the printed rate');
		assert.ok(Math.abs(go.estimated.live.bytes - 7721316) <= 15);
		assert.ok(Math.abs(go.estimated.allocated.bytes - 350314738) <= 15);
		const growth = parseHeapProfileSummary(read('jemalloc', 'pprof-testdata', 'cppbench.growth'))!;
		assert.equal(growth.samplePeriod, 1);
		assert.equal(growth.estimated.live.bytes, 178257920);
		assert.equal(growth.estimated.live.objects, 85);
	});

	test('unbiasSample: the pprof oracle sample (1: 9216 at 524288 → 57: 528909)', () => {
		const u = unbiasSample(1, 9216, 524288);
		assert.equal(Math.trunc(u.objects), 57);
		assert.equal(Math.trunc(u.bytes), 528909);
		assert.deepEqual(unbiasSample(0, 0, 524288), {objects: 0, bytes: 0});
		assert.deepEqual(unbiasSample(3, 300, 1), {objects: 3, bytes: 300});
	});

	test('truncated dump and foreign text', () => {
		const text = read(...generatedDir, 'heap', 'jeprof.exact.5030.0.f.heap');
		const cut = parseHeapProfileSummary(text.slice(0, text.indexOf('MAPPED_LIBRARIES')))!;
		assert.equal(cut.complete, false);
		assert.equal(cut.estimated.live.bytes, 8716928);
		assert.equal(parseHeapProfileSummary('hello\n'), undefined);
		assert.equal(parseHeapProfileSummary(''), undefined);
	});
});
