import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {gunzipSync} from 'node:zlib';
import {run} from '../../source/capture/runner.js';
import {foldStream, foldedBytes} from '../../source/commands/fold.js';
import {corpusDir, repoRoot} from '../helpers/env.js';

const cli = join(repoRoot, 'dist', 'cli.js');
const temp = mkdtempSync(join(tmpdir(), 'zeektop-fold-cli-'));
after(() => rmSync(temp, {recursive: true, force: true}));

/** zeektop's stdout as bytes (the runner's stdout string would decode it). */
async function foldCli(args: string[], stdin?: Buffer): Promise<{code: number | null; stdout: Buffer; stderr: string}> {
	const child = spawn(process.execPath, [cli, 'fold', ...args], {stdio: ['pipe', 'pipe', 'pipe'], env: {...process.env, NODE_ENV: 'production'}});
	const out: Buffer[] = [];
	let stderr = '';
	child.stdout.on('data', (d: Buffer) => out.push(d));
	child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
	child.stdin.on('error', () => {});
	child.stdin.end(stdin ?? Buffer.alloc(0));
	const code = await new Promise<number | null>(resolve => child.on('close', c => resolve(c)));
	return {code, stdout: Buffer.concat(out), stderr};
}

const flamegraph = (...parts: string[]) => corpusDir('perf-folding', 'flamegraph-pl', ...parts);

test('zeektop fold FILE [--flag]: byte for byte stackcollapse-perf.pl', async () => {
	const cases: Array<[string, string]> = [
		['perf-cycles-instructions-01', 'default'],
		['perf-java-stacks-01', 'all'],
		['perf-iperf-stacks-pidtid-01', 'tid'],
		['perf-numa-stacks-01', 'pid'],
		['perf-rust-Yamakaky-dcpu', 'addrs'],
		['perf-vertx-stacks-01', 'jit'],
		['perf-dd-stacks-01', 'kernel'],
	];
	for (const [input, flag] of cases) {
		const r = await foldCli([flamegraph('test', `${input}.txt`), ...(flag === 'default' ? [] : [`--${flag}`])]);
		assert.equal(r.code, 0, r.stderr);
		assert.equal(r.stderr, '');
		assert.ok(r.stdout.equals(readFileSync(flamegraph('current-results', `${input}-collapsed-${flag}.txt`))), `${input} --${flag}`);
	}
});

test('zeektop fold - (stdin) and a big real capture with non-UTF-8 bytes', async () => {
	const piped = await foldCli(['-', '--kernel'], readFileSync(flamegraph('test', 'perf-java-faults-01.txt')));
	assert.equal(piped.code, 0, piped.stderr);
	assert.ok(piped.stdout.equals(readFileSync(flamegraph('current-results', 'perf-java-faults-01-collapsed-kernel.txt'))));
	const noArg = await foldCli([], readFileSync(flamegraph('test', 'perf-funcab-cmd-01.txt')));
	assert.ok(noArg.stdout.equals(readFileSync(flamegraph('current-results', 'perf-funcab-cmd-01-collapsed-default.txt'))), 'no file: stdin');

	const big = join(temp, 'example-perf-stacks.txt');
	writeFileSync(big, gunzipSync(readFileSync(flamegraph('example-perf-stacks.txt.gz'))));
	const r = await foldCli([big]);
	assert.equal(r.code, 0, r.stderr);
	assert.ok(r.stdout.equals(readFileSync(corpusDir('perf-folding', 'inferno', 'collapse-perf', 'results', 'example-perf-stacks-collapsed.txt'))));
});

test('bytes pass through unchanged (latin1 in and out), chunks split anywhere', async () => {
	const symbol = Buffer.from([0x66, 0xff, 0xe9, 0x80, 0x67]); // f, invalid UTF-8, g
	const text = Buffer.concat([
		Buffer.from('zeek 1/1 [000] 1.0: 1 cpu-clock:\n\t1 '), symbol, Buffer.from(' (/bin/zeek)\n\t2 main (/bin/zeek)\n\n'),
	]);
	async function* chunks() {
		for (let i = 0; i < text.length; i += 3) yield text.subarray(i, i + 3);
	}
	const result = await foldStream(chunks());
	assert.ok(foldedBytes(result).equals(Buffer.concat([Buffer.from('zeek;main;'), symbol, Buffer.from(' 1\n')])));
});

test('fold errors: a missing file or a directory is one line and exit 2', async () => {
	for (const [args, pattern] of [
		[['/no/such/file.txt'], /^zeektop: no such file: \/no\/such\/file\.txt \(give a perf script text file, or - for stdin\)\n$/],
		[[temp], /^zeektop: .* is a directory/],
		[['a', 'b'], /^zeektop: unexpected argument 'b'/],
	] as const) {
		const r = await run(process.execPath, [cli, 'fold', ...args], {timeoutMs: 30_000});
		assert.equal(r.code, 2, r.stderr);
		assert.equal(r.stdout, '');
		assert.match(r.stderr, pattern);
		assert.equal(r.stderr.trimEnd().split('\n').length, 1);
	}
	// Not perf script at all: nothing on stdout (like the Perl script), a note on stderr.
	const notPerf = join(temp, 'not-perf.txt');
	writeFileSync(notPerf, 'hello world\n');
	const r = await foldCli([notPerf]);
	assert.equal(r.code, 0);
	assert.equal(r.stdout.length, 0);
	assert.match(r.stderr, /^zeektop: no samples folded: 1 line\(s\) are not perf script output/);
});
