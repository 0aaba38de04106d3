// `zeektop diff --folded [--normalize] [--strip-hex] A B` against FlameGraph's difffolded.pl, run
// with perl on every corpus input pair and flag set (line order aside: the script prints its hash
// in random order). Also perf script inputs against stackcollapse-perf.pl | difffolded.pl.
import {after, describe, test, type TestContext} from 'node:test';
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runDiff, type DiffOptions} from '../../source/commands/diff.js';
import {corpusDir, needTool} from '../helpers/env.js';

const temp = mkdtempSync(join(tmpdir(), 'zeektop-diff-folded-'));
after(() => rmSync(temp, {recursive: true, force: true}));

const tools = () => corpusDir('perf-folding', 'flamegraph-pl', 'tools');
const FLAG_SETS: string[][] = [[], ['-n'], ['-s'], ['-n', '-s']];

type Perl = {code: number; stdout: Buffer; stderr: string};

function perl(script: string, args: string[]): Promise<Perl> {
	return new Promise(resolve => {
		execFile('perl', [join(tools(), script), ...args], {encoding: 'buffer', maxBuffer: 256 << 20}, (error, stdout, stderr) => {
			const code = error ? (typeof (error as NodeJS.ErrnoException & {code?: unknown}).code === 'number' ? ((error as unknown as {code: number}).code) : 1) : 0;
			resolve({code, stdout, stderr: stderr.toString('latin1')});
		});
	});
}

async function zeektop(options: Omit<DiffOptions, 'mode'>): Promise<{code: number; stdout: Buffer; stderr: string}> {
	const out: Buffer[] = [];
	let stderr = '';
	const code = await runDiff(
		{...options, mode: 'folded'},
		{
			stdout: {write: c => out.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : Buffer.from(c))},
			stderr: {write: c => (stderr += c.toString())},
		},
	);
	return {code, stdout: Buffer.concat(out), stderr};
}

/** Lines as byte strings, sorted: the comparison ignores only the order. */
function sortedLines(bytes: Buffer): string[] {
	const text = bytes.toString('latin1');
	assert.ok(text === '' || text.endsWith('\n'), 'every line ends in a newline');
	return text.split('\n').slice(0, -1).sort();
}

async function compare(a: string, b: string, flags: string[]): Promise<void> {
	const expected = await perl('difffolded.pl', [...flags, a, b]);
	const got = await zeektop({a, b, normalize: flags.includes('-n'), stripHex: flags.includes('-s')});
	const what = `difffolded.pl ${flags.join(' ')} ${a} ${b}`;
	if (expected.code !== 0) {
		// The script dies on -n when A has no samples (division by zero); zeektop says why instead.
		assert.match(expected.stderr, /Illegal division by zero/, what);
		assert.equal(got.code, 2, what);
		assert.match(got.stderr, /^zeektop: cannot normalize: the first profile has no samples/, what);
		assert.equal(got.stdout.length, 0);
		return;
	}
	assert.equal(got.code, 0, `${what}: ${got.stderr}`);
	assert.deepEqual(sortedLines(got.stdout), sortedLines(expected.stdout), what);
}

/** Run `jobs` two at a time (the machine is shared; perl start-up dominates). */
async function pool(jobs: Array<() => Promise<void>>, width = 2): Promise<void> {
	let next = 0;
	const errors: unknown[] = [];
	await Promise.all(Array.from({length: width}, async () => {
		while (next < jobs.length) {
			const job = jobs[next++]!;
			try {
				await job();
			} catch (error) {
				errors.push(error);
			}
		}
	}));
	if (errors.length > 0) throw errors[0];
}

function pairsJobs(pairs: Array<[string, string]>): Array<() => Promise<void>> {
	return pairs.flatMap(([a, b]) => FLAG_SETS.map(flags => () => compare(a, b, flags)));
}

function ready(t: TestContext): boolean {
	return needTool(t, 'perl');
}

describe('difffolded.pl parity on the corpora', () => {
	test('FlameGraph results: each input, its six folds diffed pairwise in a ring, 4 flag sets', async t => {
		if (!ready(t)) return;
		const dir = corpusDir('perf-folding', 'flamegraph-pl', 'test', 'results');
		const files = readdirSync(dir).filter(f => f.endsWith('.txt'));
		const families = new Map<string, string[]>();
		for (const f of files) {
			const base = f.replace(/-collapsed-[a-z]+\.txt$/, '');
			families.set(base, [...(families.get(base) ?? []), join(dir, f)]);
		}
		assert.equal(families.size, 13);
		const pairs: Array<[string, string]> = [];
		for (const members of families.values()) {
			members.sort();
			for (let i = 0; i < members.length; i++) pairs.push([members[i]!, members[(i + 1) % members.length]!]);
		}
		assert.equal(pairs.length, 78);
		await pool(pairsJobs(pairs));
	});

	test('inferno: collapse results and flame graph inputs (fractional, bad lines, empty, comments, unsorted, two-part)', async t => {
		if (!ready(t)) return;
		const collapse = corpusDir('perf-folding', 'inferno', 'collapse-perf', 'results');
		const results = readdirSync(collapse).filter(f => f.endsWith('.txt')).sort().map(f => join(collapse, f));
		const render = (...p: string[]) => corpusDir('flamegraph-render', 'inferno', ...p);
		const inputs = [
			render('fractional-samples', 'fractional.txt'),
			render('fractional-samples', 'zero-fractionals.txt'),
			render('fractional-samples', 'no-fractionals.txt'),
			render('fractional-samples', 'with-space.txt'),
			render('fractional-samples', 'tricky-stack.txt'),
			render('bad-lines', 'bad-lines.txt'),
			render('empty', 'empty.txt'),
			render('austin', 'flames.txt'),
			render('base', 'flames.txt'),
			render('grey-frames', 'grey-frames.txt'),
			render('narrow-blocks', 'narrow-blocks.txt'),
			render('colors', 'async-profiler-collapsed-part.txt'),
			render('multiple-inputs', 'perf-vertx-stacks-01-collapsed-all-unsorted-1.txt'),
			render('multiple-inputs', 'perf-vertx-stacks-01-collapsed-all-unsorted-2.txt'),
			render('unsorted-input', 'perf-vertx-stacks-01-collapsed-all-unsorted.txt'),
			render('differential', 'perf-cycles-instructions-01-collapsed-all-diff.txt'),
		];
		const all = [...results, ...inputs];
		const pairs: Array<[string, string]> = [];
		for (let i = 0; i < all.length; i++) pairs.push([all[i]!, all[(i + 1) % all.length]!]);
		// Both directions of the interesting ones: empty first (-n dies in Perl), bad lines, two-part.
		pairs.push([render('empty', 'empty.txt'), render('bad-lines', 'bad-lines.txt')]);
		pairs.push([render('bad-lines', 'bad-lines.txt'), render('empty', 'empty.txt')]);
		pairs.push([render('empty', 'empty.txt'), render('empty', 'empty.txt')]);
		pairs.push([render('multiple-inputs', 'perf-vertx-stacks-01-collapsed-all-unsorted-2.txt'), render('multiple-inputs', 'perf-vertx-stacks-01-collapsed-all-unsorted-1.txt')]);
		await pool(pairsJobs(pairs));
	});

	test('edge cases of the line rule: CRLF, blanks, tabs, trailing blanks, "5.", hex addresses, non-UTF-8, NBSP', async t => {
		if (!ready(t)) return;
		const a = join(temp, 'edge-a.folded');
		const b = join(temp, 'edge-b.folded');
		writeFileSync(a, Buffer.concat([
			Buffer.from('main;read 10\nmain;read 5\n\nmain;write\t3\nmain;parse  7\nmain;x 5.\nmain;y 1.50\n'),
			Buffer.from('main;[unknown 0x7f00aa] 4\nmain;f+0x1F;g 2\n 9\n7\nmain;neg -3\nmain;crlf 2\r\n'),
			Buffer.from([0x6d, 0x61, 0x69, 0x6e, 0x3b, 0xe9, 0xff, 0x20, 0x33, 0x0a]), // "main;\xe9\xff 3" (not UTF-8)
			Buffer.from([0x6d, 0x61, 0x69, 0x6e, 0x3b, 0x6e, 0x62, 0x73, 0x70, 0xa0, 0x36, 0x0a]), // NBSP is not \s in Perl
			Buffer.from('main;big 12345678901234\nmain;frac 0.000012\nno-newline 1'),
		]));
		writeFileSync(b, Buffer.concat([
			Buffer.from('main;read 12\nmain;write 3\nmain;[unknown 0x7f00bb] 6\nmain;f+0x20;g 1\nmain;y 2.25\n'),
			Buffer.from('main;\xe9\xff 1\nmain;big 1\nmain;new 100\n', 'latin1'),
		]));
		await pool([...FLAG_SETS.map(f => () => compare(a, b, f)), ...FLAG_SETS.map(f => () => compare(b, a, f))]);
	});
});

describe('perf script inputs: stackcollapse-perf.pl | difffolded.pl', () => {
	test('two perf script files diffed directly equal the Perl pipeline', async t => {
		if (!ready(t)) return;
		const input = (name: string) => corpusDir('perf-folding', 'flamegraph-pl', 'test', name);
		const pairs: Array<[string, string]> = [
			[input('perf-java-stacks-01.txt'), input('perf-java-stacks-02.txt')],
			[input('perf-funcab-cmd-01.txt'), input('perf-funcab-pid-01.txt')],
			[input('perf-cycles-instructions-01.txt'), input('perf-dd-stacks-01.txt')],
		];
		for (const [a, b] of pairs) {
			const fa = join(temp, 'a.pl.folded');
			const fb = join(temp, 'b.pl.folded');
			writeFileSync(fa, (await perl('stackcollapse-perf.pl', [a])).stdout);
			writeFileSync(fb, (await perl('stackcollapse-perf.pl', [b])).stdout);
			for (const flags of FLAG_SETS) {
				const expected = await perl('difffolded.pl', [...flags, fa, fb]);
				const got = await zeektop({a, b, normalize: flags.includes('-n'), stripHex: flags.includes('-s')});
				assert.equal(got.code, 0, got.stderr);
				assert.deepEqual(sortedLines(got.stdout), sortedLines(expected.stdout), `${flags.join(' ')} ${a} ${b}`);
			}
		}
	});
});

describe('--output', () => {
	test('writes the same bytes as stdout, atomically, and says where', async t => {
		if (!ready(t)) return;
		const a = corpusDir('perf-folding', 'flamegraph-pl', 'test', 'results', 'perf-dd-stacks-01-collapsed-pid.txt');
		const b = corpusDir('perf-folding', 'flamegraph-pl', 'test', 'results', 'perf-dd-stacks-01-collapsed-tid.txt');
		const out = join(temp, 'diff.folded');
		const toStdout = await zeektop({a, b});
		const toFile = await zeektop({a, b, output: out});
		assert.equal(toFile.code, 0);
		assert.equal(toFile.stdout.length, 0);
		assert.match(toFile.stderr, /wrote .*diff\.folded/);
		assert.deepEqual(readFileSync(out), toStdout.stdout);
		assert.deepEqual(readdirSync(temp).filter(f => f.endsWith('.tmp')), []);
		const bad = await zeektop({a, b, output: join(temp, 'no-such-dir', 'x.folded')});
		assert.equal(bad.code, 2);
		assert.match(bad.stderr, /^zeektop: cannot write .*no-such-dir.*ENOENT\n$/);
	});
});

describe('the command line', () => {
	test('zeektop diff A B --folded --normalize --strip-hex is difffolded.pl -n -s; bad input is one line, exit 2', async t => {
		if (!ready(t)) return;
		const {repoRoot} = await import('../helpers/env.js');
		const {run} = await import('../../source/capture/runner.js');
		const a = corpusDir('perf-folding', 'flamegraph-pl', 'test', 'results', 'perf-vertx-stacks-01-collapsed-all.txt');
		const b = corpusDir('perf-folding', 'flamegraph-pl', 'test', 'results', 'perf-java-stacks-01-collapsed-all.txt');
		const cli = (args: string[]) => run(process.execPath, [join(repoRoot, 'dist', 'cli.js'), 'diff', ...args], {timeoutMs: 60_000});
		const got = await cli([a, b, '--folded', '--normalize', '--strip-hex']);
		assert.equal(got.code, 0, got.stderr);
		const expected = await perl('difffolded.pl', ['-n', '-s', a, b]);
		assert.deepEqual(sortedLines(Buffer.from(got.stdout, 'latin1')), sortedLines(expected.stdout));
		const top = await cli([a, b, '--top', '--width', '100']);
		assert.equal(top.code, 0, top.stderr);
		assert.ok(top.stdout.length > 0);
		for (const args of [[a], [a, b, '--folded', '--print'], [a, join(temp, 'missing.folded'), '--folded']]) {
			const r = await cli(args);
			assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
			assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
			assert.match(r.stderr, /^zeektop: /);
		}
	});
});
