import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync, readdirSync} from 'node:fs';
import {gunzipSync} from 'node:zlib';
import {corpusDir} from '../helpers/env.js';
import {
	PerfFolder,
	compareBytewise,
	foldPerfScript,
	foldPerfScriptToMap,
	formatFolded,
	parseFolded,
	type FoldOptions,
} from '../../source/profile/fold.js';

const read = (...parts: string[]) => readFileSync(corpusDir(...parts), 'utf8');
const flamegraph = (...parts: string[]) => read('perf-folding', 'flamegraph-pl', ...parts);
const inferno = (...parts: string[]) => read('perf-folding', 'inferno', 'collapse-perf', ...parts);

/** `-collapsed-<flag>.txt` → the options the Perl script was run with. */
function optionsFor(flag: string): FoldOptions {
	return flag === 'default' ? {} : {[flag]: true};
}

/** Re-key folded stacks frame by frame, summing stacks that become equal. */
function mapFrames(text: string, fn: (frame: string, index: number) => string): string {
	const out = new Map<string, number>();
	for (const [stack, count] of parseFolded(text)) {
		const key = stack.split(';').map(fn).join(';');
		out.set(key, (out.get(key) ?? 0) + count);
	}
	return formatFolded(out);
}

/** Lines of `a` that are not in `b`. */
function missing(a: string, b: string): string[] {
	const have = new Set(b.split('\n'));
	return a.split('\n').filter(line => line !== '' && !have.has(line));
}

/**
 * inferno's repair of half-demangled Rust symbols (legacy mangling left `$LT$`-style escapes and
 * `::h<hash>` suffixes in perf's output); the Perl script keeps them verbatim.
 */
const rustEscapes: Record<string, string> = {
	$LT$: '<', $GT$: '>', $RF$: '&', $BP$: '*', $C$: ',', $LP$: '(', $RP$: ')',
	$u20$: ' ', $u27$: "'", $u5b$: '[', $u5d$: ']', $u7b$: '{', $u7d$: '}',
};
const repairRust = (frame: string) =>
	frame
		.replace(/::h[0-9a-f]{16}$/, '')
		.replace(/^_(?=\$LT\$)/, '')
		.replace(/\$(?:LT|GT|RF|BP|C|LP|RP|u20|u27|u5b|u5d|u7b|u7d)\$/g, e => rustEscapes[e]!)
		.replaceAll('..', '::');

describe('fold: FlameGraph current-results (stackcollapse-perf.pl at 41fee1f)', () => {
	const files = readdirSync(corpusDir('perf-folding', 'flamegraph-pl', 'current-results')).sort();
	test('the corpus has 13 inputs x 7 option sets', () => {
		assert.equal(files.length, 91);
	});
	for (const file of files) {
		const m = /^(.+)-collapsed-(default|pid|tid|kernel|jit|all|addrs)\.txt$/.exec(file);
		test(file, () => {
			assert.ok(m, `unexpected result name ${file}`);
			const got = foldPerfScript(flamegraph('test', `${m[1]!}.txt`), optionsFor(m[2]!));
			assert.equal(got, flamegraph('current-results', file));
		});
	}
});

describe('fold: FlameGraph test/results (older upstream recordings)', () => {
	// The 8 stale recordings (MANIFEST addendum): the old script only tidied Java names when the
	// process name was exactly `java`, so with --pid/--tid it kept the leading `L` of class names.
	const stale = new Set(
		['perf-java-faults-01', 'perf-java-stacks-01', 'perf-java-stacks-02', 'perf-vertx-stacks-01']
			.flatMap(input => [`${input}-collapsed-pid.txt`, `${input}-collapsed-tid.txt`]),
	);
	const files = readdirSync(corpusDir('perf-folding', 'flamegraph-pl', 'test', 'results')).sort();
	for (const file of files) {
		const m = /^(.+)-collapsed-(pid|tid|kernel|jit|all|addrs)\.txt$/.exec(file);
		test(file, () => {
			assert.ok(m, `unexpected result name ${file}`);
			const got = foldPerfScript(flamegraph('test', `${m[1]!}.txt`), optionsFor(m[2]!));
			const old = flamegraph('test', 'results', file);
			if (!stale.has(file)) {
				assert.equal(got, old);
				return;
			}
			assert.notEqual(got, old, 'expected a stale recording');
			const withoutL = mapFrames(old, (frame, i) =>
				i > 0 && frame.startsWith('L') && frame.includes('/') ? frame.slice(1) : frame);
			assert.equal(got, withoutL);
		});
	}
	test('exactly the 8 documented recordings are stale', () => {
		assert.equal(files.length, 78);
		for (const file of stale) assert.ok(files.includes(file), file);
	});
});

describe('fold: inferno collapse-perf (default options unless named)', () => {
	test('example-perf-stacks (big real capture): identical', () => {
		const input = gunzipSync(readFileSync(corpusDir('perf-folding', 'flamegraph-pl', 'example-perf-stacks.txt.gz')))
			.toString('utf8');
		assert.equal(foldPerfScript(input), inferno('results', 'example-perf-stacks-collapsed.txt'));
	});

	test('no-events: empty in, empty out', () => {
		assert.equal(foldPerfScript(inferno('no-events.txt')), inferno('results', 'no-events-collapsed.txt'));
	});

	// These inputs end without the blank line that closes the last sample. The Perl script never
	// counts that sample; inferno does. With flushAtEnd we match inferno exactly, and without it
	// the only difference is that one last sample.
	for (const [input, expected] of [
		['go-stacks.txt', 'go-stacks-collapsed.txt'],
		['java-inline.txt', 'java-inline-collapsed.txt'],
	] as const) {
		test(`${input}: identical with flushAtEnd; Perl mode drops only the unterminated last sample`, () => {
			const text = inferno(input);
			const want = inferno('results', expected);
			assert.equal(foldPerfScript(text, {flushAtEnd: true}), want);
			const perl = foldPerfScriptToMap(text);
			const flushed = foldPerfScriptToMap(text, {flushAtEnd: true});
			assert.equal(flushed.samples, perl.samples + 1);
			assert.notEqual(formatFolded(perl.stacks), want);
		});
	}

	test('single-event.txt: unterminated last (only) sample, and Rust symbols inferno repairs', () => {
		const text = inferno('single-event.txt');
		const want = inferno('results', 'single-event-collapsed.txt');
		assert.equal(foldPerfScript(text), '');
		const flushed = foldPerfScript(text, {flushAtEnd: true});
		assert.notEqual(flushed, want);
		assert.ok(flushed.includes('::_$u7b$$u7b$closure$u7d$$u7d$::h'));
		assert.equal(mapFrames(flushed, repairRust), want);
	});

	test('cpp-stacks-std-function: inferno cuts arguments at a `(` outside <>{}[], Perl at the first `(`', () => {
		const got = foldPerfScript(inferno('cpp-stacks-std-function.txt'));
		const want = inferno('results', 'cpp-stacks-std-function-collapsed.txt');
		assert.notEqual(got, want);
		// Cutting inferno's frames at their first `(` gives exactly the Perl output.
		const cut = mapFrames(want, frame => {
			const paren = frame.indexOf('(');
			return paren >= 0 ? frame.slice(0, paren) : frame;
		});
		assert.equal(got, cut);
		assert.ok(got.includes(';std::function<int ;std::_Function_handler<int  3306084\n'));
	});

	test('single-line-stacks: inferno reads these lines as samples, Perl does not', () => {
		const text = inferno('single-line-stacks.txt');
		// The comm is indented (`           false 39654 ...`), so Perl's event regex (`^\S`) never
		// matches; the lines read as stack lines outside any sample and are ignored.
		const r = foldPerfScriptToMap(text, {flushAtEnd: true});
		assert.equal(formatFolded(r.stacks), '');
		assert.equal(r.unrecognizedLines, 0);
		assert.equal(inferno('results', 'single-line-stacks-collapsed.txt'), 'false;[unknown] 1\nfalse;_dl_start 1\n');
	});

	test('versioned-vmlinux --kernel: inferno also marks vmlinux-<version> and *.ko modules', () => {
		const want = inferno('results', 'versioned-vmlinux-collapsed-kernel.txt');
		const got = foldPerfScript(inferno('versioned-vmlinux.txt'), {kernel: true, flushAtEnd: true});
		assert.notEqual(got, want);
		assert.equal(got, want.replaceAll('_[k]', ''));
		assert.ok(!got.includes('_[k]'), 'Perl: module must start with [ or end in vmlinux');
	});

	test('sourcepawn-jitdump --jit: inferno also marks jitdump /tmp/jitted-<pid>-<n>.so, Perl only perf-<pid>.map', () => {
		const want = inferno('results', 'sourcepawn-jitdump-collapsed-jit.txt');
		const got = foldPerfScript(inferno('sourcepawn-jitdump.txt'), {jit: true});
		assert.notEqual(got, want);
		assert.equal(got, want.replaceAll('_[j]', ''));
	});

	// inferno repairs half-demangled Rust symbols; the Perl output for the same input is covered
	// by current-results. Applying the same repair to our output gives inferno's exactly.
	for (const flag of ['pid', 'tid', 'kernel', 'jit', 'all', 'addrs']) {
		test(`perf-rust-Yamakaky-dcpu --${flag}: equal after inferno's Rust symbol repair`, () => {
			const got = foldPerfScript(flamegraph('test', 'perf-rust-Yamakaky-dcpu.txt'), optionsFor(flag));
			const want = inferno('results', `perf-rust-Yamakaky-dcpu-collapsed-${flag}.txt`);
			assert.notEqual(got, want);
			assert.ok(got.includes('::h'), 'Perl keeps the hash suffixes');
			assert.equal(mapFrames(got, repairRust), want);
		});
	}

	test('empty-line: a sample with no frames is kept as `comm count`; stack lines after a blank are ignored', () => {
		const r = foldPerfScriptToMap(inferno('empty-line.txt'));
		assert.deepEqual([...r.stacks], [
			['inline-counter;main', 250000],
			['inline-counter', 250000],
		]);
		assert.equal(r.unrecognizedLines, 0);
	});

	test('weird-stack-line: counted as unrecognized, once', () => {
		const r = foldPerfScriptToMap(inferno('weird-stack-line.txt'));
		assert.equal(r.unrecognizedLines, 1);
		assert.equal(r.firstUnrecognized, '\t          THIS_IS_A_WEIRD_LINE');
		assert.equal(formatFolded(r.stacks), 'inline-counter;main 250000\n');
	});
});

describe('fold: generated linux-perf 6.1 vs perf\'s own stackcollapse', () => {
	// perf's script counts samples where Perl sums periods; every sample here has period
	// 1,000,000, and this workload has no [unknown] frame with a known module, so dividing by
	// the period must give perf's output exactly (MANIFEST 1c).
	const dir = (...p: string[]) => read('perf-folding', 'generated-linux-perf-6.1', ...p);
	const asSamples = (stacks: Map<string, number>) =>
		formatFolded(new Map([...stacks].map(([k, v]) => [k, v / 1_000_000])));
	for (const [input, native, options] of [
		['perf-script.default.txt', 'default', {}],
		['perf-script.F-comm-pid-tid-time-period-event-ip-sym-dso.txt', 'default', {}],
		['perf-script.F-comm-pid-tid-time-period-event-ip-sym-symoff-dso.txt', 'default', {}],
		['perf-script.F-comm-pid-tid-time-period-event-ip-sym-dso.txt', 'include-pid-tid', {tid: true}],
		['perf-script.F-comm-pid-tid-time-period-event-ip-sym-symoff-dso.txt', 'include-pid-tid', {tid: true}],
		['perf-script.default.txt', 'kernel', {kernel: true}],
	] as const) {
		test(`${input} ${JSON.stringify(options)} = perf-native-stackcollapse.${native}.folded`, () => {
			const r = foldPerfScriptToMap(dir(input), options);
			assert.equal(r.samples, 330);
			assert.equal(r.event, 'cpu-clock');
			assert.equal(r.unrecognizedLines, 0);
			assert.equal(asSamples(r.stacks), dir(`perf-native-stackcollapse.${native}.folded`));
		});
	}
	test('default perf script has only TIDs: --tid prints comm-?/TID', () => {
		const out = foldPerfScript(dir('perf-script.default.txt'), {tid: true});
		assert.ok(out.startsWith('zeek.worker-1-?/8740;'));
		assert.ok(out.includes('\nzk.conn/Log::WR-?/8742;'));
	});
});

describe('fold: real Zeek 8 perf script (supervisor cluster worker-1)', () => {
	const dir = ['zeek-real', 'supervisor-cluster', 'perf'];
	const r = foldPerfScriptToMap(read(...dir, 'zeek.worker-1.perf-script-fp.txt'));

	test('every sample perf recorded is folded, nothing unrecognized', () => {
		const recorded = /\((\d+) samples\)/.exec(read(...dir, 'perf-record-fp.log'));
		assert.ok(recorded);
		assert.equal(r.samples, Number(recorded[1]));
		assert.equal(r.unrecognizedLines, 0);
		assert.equal(r.event, 'cpu-clock:ppp');
		assert.equal(r.weight, r.samples * 10101010);
	});

	test('root frames are the thread comms; the main thread is zeek.worker-1', () => {
		const roots = new Map<string, number>();
		for (const [stack, count] of r.stacks) {
			const root = stack.slice(0, stack.indexOf(';'));
			roots.set(root, (roots.get(root) ?? 0) + count);
		}
		assert.ok(roots.has('zeek.worker-1'));
		const top = [...roots].sort((a, b) => b[1] - a[1])[0]!;
		assert.equal(top[0], 'zeek.worker-1');
	});

	test('the hot leaf functions are Zeek\'s; offsets and argument lists are gone', () => {
		const leaves = new Map<string, number>();
		for (const [stack, count] of r.stacks) {
			const leaf = stack.slice(stack.lastIndexOf(';') + 1);
			leaves.set(leaf, (leaves.get(leaf) ?? 0) + count);
		}
		const top = [...leaves].sort((a, b) => b[1] - a[1] || compareBytewise(a[0], b[0])).slice(0, 5);
		assert.ok(top.filter(([name]) => name.startsWith('zeek::')).length >= 3, JSON.stringify(top));
		for (const stack of r.stacks.keys()) assert.doesNotMatch(stack, /\+0x[0-9a-f]+(;|$)/);
		const worker = [...r.stacks].filter(([s]) => s.startsWith('zeek.worker-1;'));
		const inZeek = worker.filter(([s]) => s.includes(';zeek::run_state::detail::dispatch_packet;'));
		assert.ok(inZeek.length > 0);
		assert.ok([...r.stacks.keys()].some(s => s.includes(';zeek::file_analysis::Manager::GetFileID[abi:cxx11];')));
	});
});

describe('fold: inline edge cases', () => {
	const fold = (text: string, options: FoldOptions = {}) => foldPerfScript(text, options);

	test('comm with spaces becomes underscores; pid/tid forms; tid wins over pid', () => {
		const text = 'V8 WorkerThread 25607/25608 [001] 1.2: 5 cycles:u: \n\t7f00 foo (/x.so)\n\n';
		assert.equal(fold(text), 'V8_WorkerThread;foo 5\n');
		assert.equal(fold(text, {pid: true}), 'V8_WorkerThread-25607;foo 5\n');
		assert.equal(fold(text, {tid: true}), 'V8_WorkerThread-25607/25608;foo 5\n');
		assert.equal(fold(text, {tid: true, pid: true}), 'V8_WorkerThread-25607/25608;foo 5\n');
	});

	test('a `)` inside comm; a TID of 0 counts as missing (Perl truthiness)', () => {
		assert.equal(fold('a)b 12 1.0: 3 cpu-clock: \n\t1 f (m)\n\n', {tid: true}), 'a)b-?/12;f 3\n');
		assert.equal(fold('swapper 0/0 1.0: 3 cpu-clock: \n\t1 f (m)\n\n', {tid: true}), 'swapper-?/0;f 3\n');
	});

	test('a one-character comm is not a comm to Perl\'s regex (`\\S.+?` needs two characters)', () => {
		// `^(\S.+?)\s+(\d+)...` makes the comm the shortest prefix of at least two characters
		// followed by a number: here `p 1 1.0:` (then the period is taken as the TID).
		assert.equal(fold('p 1 1.0: 7 cycles: \n\t1 f (m)\n\n'), 'p_1_1.0:;f 7\n');
	});

	test('counts sum the period; no period or period 0 counts 1', () => {
		const text = 'zk 1 1.0: 7 cycles: \n\t1 f (m)\n\nzk 1 1.1: 0 cycles: \n\t1 f (m)\n\nzk 1 cycles:\n\t1 f (m)\n\n';
		assert.equal(fold(text), 'zk;f 9\n');
	});

	test('only the first event type is folded', () => {
		const text = 'zk 1 1.0: 5 instructions: \n\t1 f (m)\n\nzk 1 1.1: 7 cycles: \n\t1 g (m)\n\nzk 1 1.2: 5 instructions: \n\t1 f (m)\n\n';
		const r = foldPerfScriptToMap(text);
		assert.equal(formatFolded(r.stacks), 'zk;f 10\n');
		assert.equal(r.event, 'instructions');
		assert.equal(r.otherEventSamples, 1);
		assert.equal(r.samples, 2);
		assert.equal(r.weight, 10);
	});

	test('frames are root first; a sample without frames is just the comm', () => {
		assert.equal(fold('zk 1 1.0: 1 c: \n\t3 leaf (m)\n\t2 mid (m)\n\t1 root (m)\n\nzk 1 1.1: 1 c: \n\n'),
			'zk 1\nzk;root;mid;leaf 1\n');
	});

	test('tidying: offsets, argument lists, (anonymous namespace), Go methods, quotes, semicolons', () => {
		const line = (sym: string) => fold(`zk 1 1.0: 1 c: \n\t1 ${sym} (/bin/zk)\n\n`);
		assert.equal(line('zeek::detail::Hot::Spin+0x1f'), 'zk;zeek::detail::Hot::Spin 1\n');
		assert.equal(line('foo+0xAB'), 'zk;foo+0xAB 1\n', 'only lowercase hex offsets are stripped');
		assert.equal(line('zeek::Val::Foo(int, char const*) const'), 'zk;zeek::Val::Foo 1\n');
		assert.equal(line('ns::(anonymous namespace)::bar(int)'), 'zk;ns::(anonymous namespace)::bar 1\n');
		// Perl drops every frame whose name starts with `(` (meant for `(comm)` pseudo-frames), so
		// a top-level anonymous-namespace function vanishes from the stack.
		assert.equal(line('(anonymous namespace)::bar(int)'), 'zk 1\n');
		assert.equal(line('net/http.(*Client).Do'), 'zk;net/http.(*Client).Do 1\n');
		assert.equal(line('RegExp:[&<>"\']'), 'zk;RegExp:[&<>] 1\n');
		assert.equal(line('a;b'), 'zk;a:b 1\n');
		assert.equal(line('(/bin/zk)'), 'zk 1\n', 'a symbol starting with `(` is skipped');
	});

	test('java: leading L dropped for class names (also with -PID), inline chains get _[i]', () => {
		const text = 'java 9/10 1.0: 1 c: \n\t2 Lcom/x/Y;::m (/tmp/perf-9.map)\n\t1 Lcom/x/A;::a->Lcom/x/B;::b->c (/tmp/perf-9.map)\n\n';
		assert.equal(fold(text), 'java;com/x/A:::a;com/x/B:::b_[i];c_[i];com/x/Y:::m 1\n');
		assert.equal(fold(text, {pid: true, jit: true}), 'java-9;com/x/A:::a_[j];com/x/B:::b_[i];c_[i];com/x/Y:::m_[j] 1\n');
		assert.equal(fold(text.replace('java 9/10', 'node 9/10')), 'node;Lcom/x/A:::a;Lcom/x/B:::b_[i];c_[i];Lcom/x/Y:::m 1\n');
	});

	test('[unknown]: module basename, or unknown; with addrs the PC', () => {
		const text = 'zk 1 1.0: 1 c: \n\t7f01 [unknown] (/usr/lib/libc.so.6)\n\t0 [unknown] ([unknown])\n\n';
		assert.equal(fold(text), 'zk;[unknown];[libc.so.6] 1\n');
		assert.equal(fold(text, {addrs: true}), 'zk;[unknown <0>];[libc.so.6 <7f01>] 1\n');
		assert.equal(fold(text, {kernel: true}), 'zk;[unknown];[libc.so.6] 1\n');
	});

	test('kernel and jit annotations', () => {
		const text = 'zk 1 1.0: 1 c: \n\t4 k ([kernel.kallsyms])\n\t3 v (/boot/vmlinux)\n\t2 j (/tmp/perf-12.map)\n\t1 u (/bin/zk)\n\n';
		assert.equal(fold(text), 'zk;u;j;v;k 1\n');
		assert.equal(fold(text, {kernel: true}), 'zk;u;j;v_[k];k_[k] 1\n');
		assert.equal(fold(text, {jit: true}), 'zk;u;j_[j];v;k 1\n');
		assert.equal(fold(text, {all: true}), 'zk;u;j_[j];v_[k];k_[k] 1\n');
	});

	test('odd stack lines follow the Perl regex exactly', () => {
		// `^\s*(\w+)\s*(.+) \((\S*)\)` backtracks into the PC: pc=fff, func=f.
		assert.equal(fold('zk 1 1.0: 1 c: \n\tffff (x)\n\n'), 'zk;f 1\n');
		// `\S*` stops at a blank, so `deleted)` becomes the module and the name keeps ` (bar`,
		// which the argument cut turns into `foo ` (a frame ending in a blank).
		assert.equal(fold('zk 1 1.0: 1 c: \n\t1 foo (bar (deleted))\n\n'), 'zk;foo  1\n');
		assert.deepEqual([...parseFolded('zk;foo  1\n')], [['zk;foo ', 1]]);
		// A module path with a blank is not a stack line for Perl.
		const r = foldPerfScriptToMap('zk 1 1.0: 1 c: \n\t1 foo (/my lib.so)\n\n');
		assert.equal(formatFolded(r.stacks), 'zk 1\n');
		assert.equal(r.unrecognizedLines, 1);
		// Unindented stack lines (as in perf-java-stacks-02) still parse.
		assert.equal(fold('zk 1 c:\n7f00 foo (/x.so)\n\n'), 'zk;foo 1\n');
	});

	test('comments, whitespace-only lines and stack lines outside a sample', () => {
		const r = foldPerfScriptToMap('# cmdline : /usr/bin/perf record -g\n\t1 orphan (m)\nzk 1 1.0: 1 c: \n#x\n\t1 f (m)\n \n\t2 g (m)\n\n');
		assert.equal(formatFolded(r.stacks), 'zk;g;f 1\n');
		assert.equal(r.unrecognizedLines, 1); // the blank-only line, which does not end a sample
	});

	test('unterminated last sample: dropped like Perl, or kept with flushAtEnd', () => {
		const text = 'zk 1 1.0: 1 c: \n\t1 f (m)\n\nzk 1 1.1: 1 c: \n\t1 g (m)';
		assert.equal(fold(text), 'zk;f 1\n');
		assert.equal(fold(text, {flushAtEnd: true}), 'zk;f 1\nzk;g 1\n');
	});

	test('streaming: any chunking gives the same result as one piece', () => {
		const text = flamegraph('test', 'perf-java-stacks-01.txt');
		const whole = foldPerfScript(text, {all: true, tid: true});
		for (const size of [1, 2, 3, 7, 64, 4093]) {
			const folder = new PerfFolder({all: true, tid: true});
			for (let i = 0; i < text.length; i += size) folder.push(text.slice(i, i + size));
			assert.equal(formatFolded(folder.finish().stacks), whole, `chunk size ${size}`);
		}
		let seed = 7;
		const folder = new PerfFolder({all: true, tid: true});
		for (let i = 0; i < text.length;) {
			seed = (seed * 1103515245 + 12345) % 2147483648;
			const n = 1 + (seed % 300);
			folder.push(text.slice(i, i + n));
			i += n;
		}
		assert.equal(formatFolded(folder.finish().stacks), whole, 'random chunks');
	});

	test('throughput: folding is never the slow part (>= 20 MB/s of CPU time; ~150 MB/s measured)', () => {
		// CPU time, not wall time: the machine may be shared with other test processes.
		const text = flamegraph('test', 'perf-vertx-stacks-01.txt');
		const started = process.cpuUsage();
		for (let i = 0; i < 5; i++) foldPerfScript(text);
		const used = process.cpuUsage(started);
		const mbPerSecond = (5 * text.length) / 1e6 / ((used.user + used.system) / 1e6);
		assert.ok(mbPerSecond >= 20, `${mbPerSecond.toFixed(1)} MB/s`);
	});
});

describe('fold: formatFolded / parseFolded', () => {
	test('byte-wise order, not UTF-16 order', () => {
		// U+FFFD is EF BF BD in UTF-8, before F0 9F 98 80 (U+1F600), though its UTF-16 unit is larger.
		const stacks = new Map([['a;\u{1F600}', 1], ['a;\uFFFD', 2], ['a;Z', 3], ['a;b', 4], ['a', 5]]);
		assert.equal(formatFolded(stacks), 'a 5\na;Z 3\na;b 4\na;\uFFFD 2\na;\u{1F600} 1\n');
		assert.ok(compareBytewise('\uFFFD', '\u{1F600}') < 0);
		assert.ok(compareBytewise('a', 'ab') < 0);
		assert.equal(compareBytewise('x', 'x'), 0);
	});

	test('tolerant parse: blanks, malformed lines, CRLF, duplicates, fractions', () => {
		const text = 'a;b 3\n\nmalformed\na;b 2\r\nc;d e 1.5\nno-count \n 4\na;b x\nlast 7';
		assert.deepEqual([...parseFolded(text)], [['a;b', 5], ['c;d e', 1.5], ['last', 7]]);
	});

	test('round trip of a corpus result', () => {
		const text = flamegraph('current-results', 'perf-vertx-stacks-01-collapsed-all.txt');
		assert.equal(formatFolded(parseFolded(text)), text);
	});
});
