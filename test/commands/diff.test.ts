// `zeektop diff` end to end: real perf captures of a process whose hot path changes, real jemalloc
// heap dumps (jeprof), corpora; --print/--top/--json output; one-line errors.
import {after, describe, test, type TestContext} from 'node:test';
import assert from 'node:assert/strict';
import {execFile, execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {capturePerf, newCaptureDir} from '../../source/capture/perf.js';
import {findJemallocLibrary} from '../../source/capture/jemalloc.js';
import {runDiff, type DiffJson, type DiffOptions} from '../../source/commands/diff.js';
import {corpusDir, inCI, needTool, repoRoot} from '../helpers/env.js';

const temp = mkdtempSync(join(tmpdir(), 'zeektop-diff-'));
const children: ChildProcess[] = [];
after(async () => {
	for (const child of children) {
		if (child.exitCode === null && child.signalCode === null) {
			const exited = new Promise(resolve => child.once('exit', resolve));
			child.kill('SIGKILL');
			await exited;
		}
	}
	rmSync(temp, {recursive: true, force: true});
});

type Out = {code: number; stdout: string; stderr: string; bytes: Buffer};

async function diff(options: DiffOptions): Promise<Out> {
	const out: Buffer[] = [];
	let stderr = '';
	const code = await runDiff(options, {
		stdout: {write: c => out.push(typeof c === 'string' ? Buffer.from(c) : Buffer.from(c))},
		stderr: {write: c => (stderr += c.toString())},
	});
	const bytes = Buffer.concat(out);
	return {code, stdout: bytes.toString('utf8'), stderr, bytes};
}

function perlDiff(args: string[]): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		execFile('perl', [corpusDir('perf-folding', 'flamegraph-pl', 'tools', 'difffolded.pl'), ...args], {encoding: 'buffer', maxBuffer: 64 << 20}, (error, stdout) =>
			error ? reject(error) : resolve(stdout));
	});
}

const sorted = (b: Buffer) => b.toString('latin1').split('\n').filter(l => l !== '').sort();
const results = (name: string) => corpusDir('perf-folding', 'flamegraph-pl', 'test', 'results', name);
const ESC = /\x1b\[/;

describe('views on corpus inputs', () => {
	const a = () => results('perf-vertx-stacks-01-collapsed-all.txt');
	const b = () => corpusDir('flamegraph-render', 'inferno', 'multiple-inputs', 'perf-vertx-stacks-01-collapsed-all-unsorted-1.txt');

	test('--print: header (files, totals, normalization, legend) and a graph no wider than --width', async () => {
		const r = await diff({a: a(), b: b(), mode: 'print', width: 100, height: 30});
		assert.equal(r.code, 0, r.stderr);
		const lines = r.stdout.trimEnd().split('\n');
		assert.match(lines[0]!, /^A \(before\): perf-vertx-stacks-01-collapsed-all\.txt  \d+ samples$/);
		assert.match(lines[1]!, /^B \(after\):  perf-vertx-stacks-01-collapsed-all-unsorted-1\.txt  \d+ samples$/);
		assert.match(lines[2]!, /^normalized: A \(\d+ samples\) scaled x0\.\d{3} to B's \d+$/);
		assert.match(lines[3]!, /^widths: B \(after\); colour: change of self samples \(largest, one stack: \d+(\.\d)?\)$/);
		assert.match(lines[4]!, /^\[\+f\] grew in B  \[-f\] shrank  \(more \+\/- = larger\)  \[f###\] new in B  ~ narrow$/);
		assert.ok(!ESC.test(r.stdout), 'no colour unless asked');
		assert.ok(lines.every(l => l.length <= 100));
		assert.match(lines.at(-1)!, /^\[all-+\]$/, 'root at the bottom, as flamegraph.pl');
		assert.ok(lines.length <= 6 + 30);
		const raw = await diff({a: a(), b: b(), mode: 'print', width: 100, height: 30, normalize: false});
		assert.match(raw.stdout.split('\n')[2]!, /^raw counts: A has \d+ samples, B \d+ \(not normalized\)$/);
	});

	test('--print with colour: SGR cells, red and blue both present on a real change', async () => {
		const r = await diff({a: a(), b: b(), mode: 'print', width: 120, height: 40, color: true});
		assert.equal(r.code, 0);
		assert.match(r.stdout, /48;5;(224|217|210|203|196)m/, 'some frame grew');
		assert.match(r.stdout, /48;5;(189|147|105|63|21)m/, 'some frame shrank');
		for (const line of r.stdout.split('\n')) assert.ok(line.replace(/\x1b\[[0-9;]*m/g, '').length <= 120);
	});

	test('--top and --json agree; --json has both sides, normalization and the frames that changed', async () => {
		const top = await diff({a: a(), b: b(), mode: 'top', width: 120, limit: 5});
		assert.equal(top.code, 0);
		const rows = top.stdout.split('\n');
		const header = rows.findIndex(l => /SELF A +SELF B +CHANGE +TOTAL A +TOTAL B +CHANGE +FUNCTION/.test(l));
		assert.ok(header > 0);
		assert.match(rows[header + 6]!, /^\.\.\. \d+ more$/);
		const json = JSON.parse((await diff({a: a(), b: b(), mode: 'json'})).stdout) as DiffJson;
		assert.equal(json.normalized, true);
		assert.equal(json.before.kind, 'folded');
		assert.ok(json.functions.length > 5 && json.frames.length > 0);
		const first = json.functions[0]!;
		const shown = rows[header + 1]!;
		assert.ok(shown.endsWith(first.function.slice(0, 20)) || shown.includes(first.function.slice(0, 20)), `${shown} vs ${first.function}`);
		for (const f of json.functions) assert.equal(f.self.change, Math.round((f.self.after - f.self.before) * 1000) / 1000 || f.self.change);
		// Normalized: both sides total the same.
		const totalA = json.functions.reduce((s, f) => s + f.self.before, 0);
		const totalB = json.functions.reduce((s, f) => s + f.self.after, 0);
		assert.ok(Math.abs(totalA - totalB) < 0.5, `${totalA} vs ${totalB}`);
	});

	test('--negate: widths from A', async () => {
		const x = results('perf-dd-stacks-01-collapsed-pid.txt');
		const y = results('perf-dd-stacks-01-collapsed-tid.txt');
		const r = await diff({a: x, b: y, mode: 'print', width: 80, height: 20, negate: true});
		assert.match(r.stdout, /^widths: A \(before\); /m);
		assert.match(r.stdout, /\[f###\] gone from B/);
	});
});

describe('bad input: one line naming the problem and the fix, exit 2', () => {
	const one = (r: Out) => {
		assert.equal(r.code, 2);
		assert.equal(r.stdout, '');
		assert.match(r.stderr, /^zeektop: [^\n]+\n$/);
		return r.stderr;
	};

	test('missing file, not a profile, directory without meta.json, unit mismatch, heap dump without --binary, flags', async () => {
		const ok = results('perf-dd-stacks-01-collapsed-pid.txt');
		assert.match(one(await diff({a: join(temp, 'nope'), b: ok, mode: 'top'})), /no such file: .*nope \(give a folded file/);
		const junk = join(temp, 'junk.txt');
		writeFileSync(junk, 'hello\nworld\n');
		assert.match(one(await diff({a: ok, b: junk, mode: 'print'})), /junk\.txt is not a profile zeektop can read/);
		const dir = join(temp, 'plain-dir');
		mkdirSync(dir, {recursive: true});
		assert.match(one(await diff({a: dir, b: ok, mode: 'top'})), /plain-dir is a directory but not a zeektop capture \(no meta\.json\)/);
		const heap = corpusDir('jemalloc', 'generated-jemalloc-5.3.0-debian', 'jeprof-output', 'jeprof.exact.collapsed.show_bytes.txt');
		assert.match(one(await diff({a: ok, b: heap, mode: 'top'})), /is a CPU profile \(samples\) and B .* is a heap profile \(bytes\): diff two profiles of the same kind/);
		const dump = corpusDir('jemalloc', 'generated-jemalloc-5.3.0-debian', 'heap', 'jeprof.exact.5030.0.f.heap');
		assert.match(one(await diff({a: dump, b: dump, mode: 'top'})), /is a jemalloc heap dump: jeprof needs the program that wrote it; give --binary PATH/);
		assert.match(one(await diff({a: ok, b: ok, mode: 'folded', negate: true})), /swap the files: zeektop diff --folded B A/);
		assert.match(one(await diff({a: ok, b: ok, mode: 'print', width: 5})), /--width must be a whole number from 20 to 10000 \(got 5\)/);
		const evil = join(temp, 'x\x1b[31m');
		assert.ok(!one(await diff({a: evil, b: ok, mode: 'top'})).includes('\x1b'), 'file names are escaped');
	});
});

// ---------------------------------------------------------------------------------------------
// Real captures made here.

let shiftBuilt: string | undefined;
function buildShiftLoop(): string {
	if (shiftBuilt) return shiftBuilt;
	const exe = join(temp, 'shift-loop');
	execFileSync('g++', ['-O1', '-fno-omit-frame-pointer', '-o', exe, join(repoRoot, 'test', 'fixtures', 'perf', 'shift-loop.cc')]);
	shiftBuilt = exe;
	return exe;
}

function waitLine(child: ChildProcess, text: string, timeoutMs = 10_000): Promise<void> {
	return new Promise((resolve, reject) => {
		let seen = '';
		const timer = setTimeout(() => reject(new Error(`no '${text}' within ${timeoutMs} ms`)), timeoutMs);
		child.stdout!.on('data', (d: Buffer) => {
			seen += d.toString();
			if (seen.includes(text)) {
				clearTimeout(timer);
				resolve();
			}
		});
	});
}

describe('two perf captures of a worker whose hot path changes', () => {
	test('diff of the capture directories: NewPath new and grown, OldPath gone; --folded equals difffolded.pl on stacks.folded', async (t: TestContext) => {
		if (!needTool(t, 'perf', 'g++', 'perl')) return;
		const exe = buildShiftLoop();
		const child = spawn(exe, ['60'], {stdio: ['ignore', 'pipe', 'ignore']});
		children.push(child);
		const switched = waitLine(child, 'switched', 60_000);
		await waitLine(child, 'ready');
		const root = join(temp, 'captures');
		const capture = async () => {
			const dir = newCaptureDir(root, {node: 'worker-1', pid: child.pid!, kind: 'perf'});
			const r = await capturePerf({pid: child.pid!, seconds: 1, frequency: 199, dir, node: 'worker-1', mainThreadOnly: true});
			assert.ok(r.ok, r.ok ? '' : r.error);
			assert.ok(r.capture.samples > 20, `${r.capture.samples} samples`);
			return dir;
		};
		const before = await capture();
		child.kill('SIGUSR1');
		await switched;
		const afterDir = await capture();
		child.kill('SIGKILL');

		const json = JSON.parse((await diff({a: before, b: afterDir, mode: 'json'})).stdout) as DiffJson;
		assert.equal(json.before.kind, 'perf-capture');
		assert.match(json.before.label, /^worker-1 \d{4}-\d\d-\d\dT/);
		const fn = (name: string) => json.functions.find(f => f.function === name);
		const grown = fn('zeek::detail::NewPath::Match');
		const gone = fn('zeek::detail::OldPath::Match');
		assert.ok(grown && gone, JSON.stringify(json.functions.slice(0, 6)));
		assert.ok(grown.self.change > 0 && grown.self.before < grown.self.after / 10, JSON.stringify(grown));
		assert.ok(gone.self.change < 0 && gone.self.after < gone.self.before / 10, JSON.stringify(gone));
		assert.ok(['after', 'both'].includes(grown.presence));
		assert.ok([grown.function, gone.function].includes(json.functions[0]!.function), 'the largest change is at the top');
		const steady = fn('zeek::detail::Steady::Parse');
		assert.ok(steady && Math.abs(steady.self.change) < Math.max(steady.self.before, steady.self.after) * 0.6, 'the steady path stays about the same');

		const print = await diff({a: before, b: afterDir, mode: 'print', width: 140, height: 30});
		assert.match(print.stdout, /\[\+{1,3}zeek::detail::NewPath::M[^\]]*\]/, print.stdout);

		const folded = await diff({a: before, b: afterDir, mode: 'folded'});
		assert.deepEqual(sorted(folded.bytes), sorted(await perlDiff([join(before, 'stacks.folded'), join(afterDir, 'stacks.folded')])));
		const normalized = await diff({a: before, b: afterDir, mode: 'folded', normalize: true});
		assert.deepEqual(sorted(normalized.bytes), sorted(await perlDiff(['-n', join(before, 'stacks.folded'), join(afterDir, 'stacks.folded')])));
	});
});

describe('two jemalloc heap dumps of a leaking process', () => {
	test('raw dumps with --binary (jeprof): the leak grew; --folded equals difffolded.pl on jeprof --collapsed', async (t: TestContext) => {
		if (!needTool(t, 'g++', 'jeprof', 'perl')) return;
		const library = findJemallocLibrary();
		if (!library) {
			if (inCI) throw new Error('libjemalloc.so.2 not found (apt-get install libjemalloc2)');
			t.skip('libjemalloc.so.2 not installed');
			return;
		}
		const binary = join(temp, 'leaky');
		execFileSync('g++', ['-O1', '-g', '-fno-omit-frame-pointer', '-o', binary, join(repoRoot, 'test', 'fixtures', 'jemalloc', 'leaky.cc')]);
		const cwd = join(temp, 'heap');
		mkdirSync(cwd, {recursive: true});
		// 100 ms ticks, 512 KiB leaked per tick; a dump per MiB allocated; exits after 60 s.
		const child = spawn(binary, ['100', String(512 * 1024), '60'], {
			cwd,
			stdio: 'ignore',
			env: {PATH: process.env.PATH ?? '/usr/bin:/bin', LD_PRELOAD: library, MALLOC_CONF: 'prof:true,prof_prefix:jeprof.out,lg_prof_interval:20'},
		});
		children.push(child);
		const dumps = () => readdirSync(cwd).filter(f => /^jeprof\.out\.\d+\.\d+\.i\d+\.heap$/.test(f)).sort((x, y) => Number(x.split('.')[3]) - Number(y.split('.')[3]));
		const deadline = Date.now() + 20_000;
		while (dumps().length < 6 && Date.now() < deadline) await new Promise(r => setTimeout(r, 100));
		child.kill('SIGKILL');
		const list = dumps();
		assert.ok(list.length >= 6, `${list.length} dumps`);
		const cache = join(temp, 'jeprof-cache');
		const a = join(cwd, list[0]!);
		const b = join(cwd, list[5]!);

		const json = await diff({a, b, mode: 'json', binary, jeprofCacheDir: cache});
		assert.equal(json.code, 0, json.stderr);
		const parsed = JSON.parse(json.stdout) as DiffJson;
		assert.equal(parsed.before.unit, 'bytes');
		assert.equal(parsed.before.kind, 'heap-dump');
		const leak = parsed.functions.find(f => /Leaky::Grow/.test(f.function));
		assert.ok(leak, parsed.functions.map(f => f.function).join(', '));
		assert.equal(parsed.normalized, false, 'heap profiles compare as bytes by default');
		assert.ok(leak.total.change >= 4 * 512 * 1024 * 0.9, `Leaky::Grow grew by ${leak.total.change} bytes`);
		const scaled = JSON.parse((await diff({a, b, mode: 'json', binary, normalize: true, jeprofCacheDir: cache})).stdout) as DiffJson;
		assert.equal(scaled.normalized, true);
		assert.ok(scaled.scaleBefore > 1);

		const top = await diff({a, b, mode: 'top', binary, width: 120, jeprofCacheDir: cache});
		assert.match(top.stdout, /^raw counts: A has \d+ bytes, B \d+ \(not normalized\)$/m);
		assert.match(top.stdout, /^ +0B +0B +0 +\S+ +[\d.]+[KM] +\+[\d.]+[KM] +zeek::detail::Leaky::Grow( \(new\))?$/m, top.stdout);

		// The oracle: jeprof --collapsed of each dump, then difffolded.pl.
		const collapse = (dump: string, out: string) => writeFileSync(out, execFileSync('jeprof', ['--collapsed', binary, dump], {stdio: ['ignore', 'pipe', 'ignore']}));
		collapse(a, join(temp, 'a.collapsed'));
		collapse(b, join(temp, 'b.collapsed'));
		const folded = await diff({a, b, mode: 'folded', binary, jeprofCacheDir: cache});
		assert.equal(folded.code, 0, folded.stderr);
		assert.deepEqual(sorted(folded.bytes), sorted(await perlDiff([join(temp, 'a.collapsed'), join(temp, 'b.collapsed')])));
	});
});
