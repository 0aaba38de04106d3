import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {run} from '../../source/capture/runner.js';
import {loadProfileText, outputSize, renderProfileReport, stacksInSamples} from '../../source/commands/flame.js';
import {UsageError} from '../../source/lib/errors.js';
import {parseOptions} from '../../source/commands/options.js';
import {buildTree} from '../../source/profile/tree.js';
import {corpusDir, repoRoot} from '../helpers/env.js';

const cli = join(repoRoot, 'dist', 'cli.js');
const temp = mkdtempSync(join(tmpdir(), 'zeektop-flame-cli-'));
after(() => rmSync(temp, {recursive: true, force: true}));
const zeekPerf = corpusDir('zeek-real', 'supervisor-cluster', 'perf', 'zeek.worker-1.perf-script-fp.txt');

function zeektop(args: string[]) {
	return run(process.execPath, [cli, ...args], {timeoutMs: 60_000, env: {...process.env, NODE_ENV: 'production'}});
}

test('flame --print on real Zeek perf script: header, top table, Zeek frames, sized by --width/--height', async () => {
	const r = await zeektop(['flame', zeekPerf, '--print', '--width', '100', '--height', '30']);
	assert.equal(r.code, 0, r.stderr);
	assert.equal(r.stderr, '');
	const lines = r.stdout.trimEnd().split('\n');
	assert.equal(lines[0], 'zeek.worker-1.perf-script-fp.txt  perf script  104 samples  100 stacks  615 frames  depth 54');
	assert.equal(lines[2], ' SELF%  TOTAL%  FUNCTION');
	assert.match(lines[3]!, /^ {2}6\.73 {4}6\.73 {2}\S/);
	assert.equal(lines[23], '... 235 more');
	const flame = lines.slice(25);
	assert.equal(flame[0], `[all${'-'.repeat(95)}]`);
	assert.match(flame[1]!, /\[zeek\.worker-1-+\]/);
	assert.ok(flame.some(l => /\[zeek::run_state::detail::run_loop-*\]/.test(l)), 'zeek frames');
	assert.ok(flame.some(l => /\[zeek::EventMgr::Drain-*\]/.test(l)));
	assert.equal(flame.length, 30, 'the flame graph is exactly --height lines here (the profile is deeper)');
	assert.match(flame.at(-1)!, /^\(\d+ deeper rows not shown\)$/);
	for (const l of lines) assert.ok(l.length <= 100, `wider than --width: ${l}`);
	assert.ok(!r.stdout.includes('\u001b'), 'plain text');
});

test('flame without --print on a pipe prints too (120x40); folded and jeprof --collapsed inputs', async () => {
	const piped = await zeektop(['flame', zeekPerf]);
	assert.equal(piped.code, 0, piped.stderr);
	const flame = piped.stdout.trimEnd().split('\n').slice(25);
	assert.equal(flame[0]!.length, 120);
	assert.equal(flame.length, 40);

	const folded = join(temp, 'small.folded');
	writeFileSync(folded, 'main;a;b 3\nmain;a;c 1\nmain;d 4\nother 2\n');
	const r = await zeektop(['flame', folded, '--print', '--width', '40', '--height', '5']);
	assert.equal(r.code, 0, r.stderr);
	assert.equal(r.stdout, [
		'small.folded  folded  10 samples  4 stacks  6 frames  depth 3',
		'',
		' SELF%  TOTAL%  FUNCTION',
		' 40.00   40.00  d',
		' 30.00   30.00  b',
		' 20.00   20.00  other',
		' 10.00   10.00  c',
		'  0.00   80.00  main',
		'  0.00   40.00  a',
		'',
		'[all-----------------------------------]',
		'[main--------------------------][other-]',
		'[a-------------][d-------------]',
		'[b---------][c-]',
		'',
	].join('\n'));

	const jeprof = await zeektop(['flame', corpusDir('zeek-real', 'standalone', 'jemalloc', 'jeprof-collapsed.i24.txt'), '--print']);
	assert.equal(jeprof.code, 0, jeprof.stderr);
	assert.match(jeprof.stdout, /^jeprof-collapsed\.i24\.txt {2}jeprof --collapsed {2}\d+ bytes/);
	assert.match(jeprof.stdout, /zeek::/);
});

test('flame errors: missing file, not a profile, bad --width, no file: one line, exit 2', async () => {
	const notProfile = join(temp, 'notes.txt');
	writeFileSync(notProfile, 'just some\nwords here\n');
	const cases: Array<[string[], RegExp]> = [
		[['flame', '/no/such.folded', '--print'], /^zeektop: no such file: \/no\/such\.folded \(give a folded file, perf script text or jeprof --collapsed output\)$/],
		[['flame', notProfile, '--print'], /^zeektop: .*notes\.txt is not a profile zeektop can read: expected folded stacks, perf script output or jeprof --collapsed output$/],
		[['flame', zeekPerf, '--print', '--width', '5'], /^zeektop: --width must be a whole number from 20 to 10000 \(got 5\)$/],
		[['flame'], /^zeektop: flame needs a file/],
	];
	for (const [args, pattern] of cases) {
		const r = await zeektop(args);
		assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
		assert.equal(r.stdout, '');
		assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
		assert.match(r.stderr.trimEnd(), pattern);
	}
});

test('loading: format detection, period weights become sample counts, unknown text is a UsageError', () => {
	const perf = loadProfileText(readFileSync(zeekPerf, 'utf8'), 'x');
	assert.equal(perf.format, 'perf-script');
	assert.equal(perf.samples, 104);
	assert.equal(perf.tree.totalSamples, 104, 'cpu-clock periods (10101010 ns each) counted as samples');
	assert.deepEqual(stacksInSamples(new Map([['a', 30], ['b', 10]]), 4), [['a', 3], ['b', 1]]);
	assert.deepEqual(stacksInSamples(new Map([['a', 3]]), 3), [['a', 3]]);
	const folded = loadProfileText('a;b 2\nnot a line\na;c 1\n', 'f');
	assert.equal(folded.format, 'folded');
	assert.equal(folded.tree.totalSamples, 3);
	assert.deepEqual(folded.notes, ['1 line(s) were not "stack count" and were skipped']);
	assert.throws(() => loadProfileText('', 'empty.txt'), (e: unknown) => e instanceof UsageError && /^empty\.txt is not a profile/.test(e.message));
	assert.deepEqual(outputSize({width: undefined, height: undefined}, {isTTY: false}), {width: 120, height: 40});
	assert.deepEqual(outputSize({width: undefined, height: undefined}, {isTTY: true, columns: 90, rows: 30}), {width: 90, height: 29});
	assert.deepEqual(outputSize({width: 60, height: 10}, {isTTY: true, columns: 90, rows: 30}), {width: 60, height: 10});
	// --width is checked once, with the other flags (commands/options.ts).
	assert.throws(() => parseOptions({width: 100.5}), UsageError);
	const report = renderProfileReport(buildTree([['x\u001b[2J;y', 1]]), {width: 40, height: 5});
	assert.ok(!report.includes('\u001b'), 'symbols escaped in the report');
});
