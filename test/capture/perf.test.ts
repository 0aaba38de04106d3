import {after, describe, test, type TestContext} from 'node:test';
import assert from 'node:assert/strict';
import {spawn, type ChildProcess} from 'node:child_process';
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {corpusDir, needTool, repoRoot} from '../helpers/env.js';
import {
	capturePerf,
	capturesDir,
	listCaptures,
	newCaptureDir,
	parsePerfStderr,
	perfRecordArgs,
	type PerfCaptureResult,
	type PerfProgress,
} from '../../source/capture/perf.js';
import {parseFolded} from '../../source/profile/fold.js';
import {fakeClock} from '../../source/lib/clock.js';

const temps: string[] = [];
const children: ChildProcess[] = [];
after(() => {
	for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
	for (const dir of temps) rmSync(dir, {recursive: true, force: true});
});

function tempDir(prefix = 'zeektop-perf-test-'): string {
	const dir = mkdtempSync(join(tmpdir(), prefix));
	temps.push(dir);
	return dir;
}

describe('capture directories', () => {
	const mode = (p: string) => statSync(p).mode & 0o777;

	test('XDG_STATE_HOME, then ~/.local/state, then an override; created 0700', () => {
		const home = tempDir();
		const xdg = join(home, 'xdg');
		const a = capturesDir({env: {XDG_STATE_HOME: xdg, HOME: home}});
		assert.equal(a, join(xdg, 'zeektop', 'captures'));
		assert.equal(mode(a), 0o700);
		// A relative XDG_STATE_HOME is invalid per the XDG spec and ignored.
		const b = capturesDir({env: {XDG_STATE_HOME: 'relative/state', HOME: home}});
		assert.equal(b, join(home, '.local', 'state', 'zeektop', 'captures'));
		assert.equal(mode(b), 0o700);
		const c = capturesDir({override: join(home, 'mine'), env: {XDG_STATE_HOME: xdg}});
		assert.equal(c, join(home, 'mine'));
		assert.equal(mode(c), 0o700);
	});

	test('newCaptureDir is unique per call and safe for odd node names; listCaptures reads meta.json', () => {
		const root = capturesDir({override: tempDir(), env: {}});
		const clock = fakeClock(Date.UTC(2026, 10, 26, 6, 15, 0));
		const a = newCaptureDir(root, {node: 'worker-1', pid: 42, kind: 'perf', clock});
		const b = newCaptureDir(root, {node: 'worker-1', pid: 42, kind: 'perf', clock});
		const c = newCaptureDir(root, {node: '../../etc/x y', pid: 7, kind: 'heap', clock});
		assert.equal(a, join(root, '20261126T061500Z-perf-worker-1-42'));
		assert.equal(b, join(root, '20261126T061500Z-perf-worker-1-42-2'));
		assert.ok(c.startsWith(join(root, '20261126T061500Z-heap-')) && !c.slice(root.length + 1).includes('/'), c);
		for (const d of [a, b, c]) assert.equal(mode(d), 0o700);
		writeFileSync(join(a, 'meta.json'), JSON.stringify({kind: 'perf', node: 'worker-1', pid: 42, startedAt: '2026-11-26T06:15:00.000Z', status: 'complete'}));
		writeFileSync(join(b, 'meta.json'), JSON.stringify({kind: 'perf', node: 'worker-1', pid: 42, startedAt: '2026-11-26T06:16:00.000Z', status: 'partial'}));
		writeFileSync(join(c, 'meta.json'), '{not json');
		mkdirSync(join(root, 'stray'));
		const list = listCaptures(root);
		assert.equal(list.length, 4);
		assert.equal(list[0]!.dir, b, 'newest first');
		assert.equal(list[1]!.dir, a);
		assert.deepEqual(list.filter(e => e.error).map(e => [e.name, e.error!.slice(0, 9)]).sort(),
			[[c.slice(root.length + 1), 'meta.json'], ['stray', 'no meta.j']]);
		assert.deepEqual(listCaptures(join(root, 'missing')), []);
	});
});

describe('perf stderr and arguments', () => {
	test('the record line, lost chunks and lost samples', () => {
		const text = '[ perf record: Woken up 45 times to write data ]\nWarning:\nProcessed 1619 events and lost 4 chunks!\n\n'
			+ 'Check IO/CPU overload!\n\nWarning:\nProcessed 1662 samples and lost 6.38%!\n\n'
			+ '[ perf record: Captured and wrote 0.097 MB /tmp/x/perf.data (1556 samples) ]\n';
		assert.deepEqual(parsePerfStderr(text), {wrote: true, recordedSamples: 1556, lostChunks: 4, lostSamples: 106, warnings: []});
		assert.deepEqual(parsePerfStderr('[ perf record: Captured and wrote 0.001 MB /tmp/g.data ]\n'), {wrote: true, warnings: []});
		assert.equal(parsePerfStderr('Error:\nThe sys_perf_event_open() syscall returned with 3 (No such process)').wrote, false);
		const real = readFileSync(corpusDir('zeek-real', 'supervisor-cluster', 'perf', 'perf-record-fp.log'), 'utf8');
		assert.equal(parsePerfStderr(real).recordedSamples, 104);
	});

	test('perf record argv: -p or -t, fp or dwarf, no build-id cache, sleep as the timer', () => {
		const base = {pid: 4242, seconds: 5, frequency: 99, perfData: '/c/perf.data'};
		assert.deepEqual(perfRecordArgs({...base, mainThreadOnly: false, callGraph: 'fp'}),
			['record', '-F', '99', '-g', '-N', '-p', '4242', '-o', '/c/perf.data', '--', 'sleep', '5']);
		assert.deepEqual(perfRecordArgs({...base, mainThreadOnly: true, callGraph: 'dwarf'}),
			['record', '-F', '99', '--call-graph', 'dwarf', '-N', '-t', '4242', '-o', '/c/perf.data', '--', 'sleep', '5']);
	});

	test('perf missing: one line naming the package', async () => {
		const dir = tempDir();
		const r = await capturePerf({pid: process.pid, seconds: 1, dir, perfPath: join(dir, 'no-such-perf')});
		assert.equal(r.ok, false);
		assert.ok(!r.ok);
		assert.match(r.error, /is not installed: install it with 'apt-get install linux-perf'/);
		assert.equal(JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')).status, 'failed');
	});

	test('bad arguments are refused before anything runs', async () => {
		const dir = tempDir();
		for (const bad of [{pid: 0}, {pid: 1.5}, {seconds: 0}, {seconds: Number.NaN}, {frequency: 0}]) {
			const r = await capturePerf({pid: 123, seconds: 1, dir, ...bad});
			assert.equal(r.ok, false, JSON.stringify(bad));
		}
	});
});

// ---------------------------------------------------------------------------------------------
// Real perf on a real process. The target is a small C++ program with Zeek-like qualified names,
// built with frame pointers; perf's start-up can take seconds on a loaded machine, which is why
// the recording phase is detected rather than assumed.

let built: Promise<string> | undefined;
function buildHotLoop(): Promise<string> {
	built ??= (async () => {
		const dir = tempDir('zeektop-perf-fixture-');
		const exe = join(dir, 'hot-loop');
		execFileSync('g++', ['-O1', '-fno-omit-frame-pointer', '-pthread', '-o', exe, join(repoRoot, 'test', 'fixtures', 'perf', 'hot-loop.cc')]);
		return exe;
	})();
	return built;
}

/** Start the fixture and wait until it runs its loops. */
async function startTarget(exe: string, seconds?: number): Promise<ChildProcess> {
	const child = spawn(exe, seconds === undefined ? [] : [String(seconds)], {stdio: ['ignore', 'pipe', 'ignore']});
	children.push(child);
	await new Promise<void>((resolve, reject) => {
		child.stdout!.once('data', () => resolve());
		child.once('error', reject);
		child.once('exit', code => reject(new Error(`fixture exited early (${code})`)));
	});
	return child;
}

function stopTarget(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise(resolve => {
		child.once('exit', () => resolve());
		child.kill('SIGKILL');
	});
}

/** Weight per leaf function, for the given root (thread comm) or all roots. */
function leafWeights(folded: Map<string, number>, root?: string): Map<string, number> {
	const out = new Map<string, number>();
	for (const [stack, count] of folded) {
		if (root !== undefined && !stack.startsWith(`${root};`)) continue;
		const leaf = stack.slice(stack.lastIndexOf(';') + 1);
		out.set(leaf, (out.get(leaf) ?? 0) + count);
	}
	return out;
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^\S+ \(.*\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

/** Children of this test process whose comm is perf or sleep (i.e. anything we left running). */
function leftovers(): string[] {
	const found: string[] = [];
	const children = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
	for (const pid of children) {
		try {
			const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
			if ((comm === 'perf' || comm === 'sleep') && alive(Number(pid))) found.push(`${pid} ${comm}`);
		} catch {
			// exited while looking
		}
	}
	return found;
}

function expectOk(r: PerfCaptureResult) {
	if (!r.ok) assert.fail(`capture failed: ${r.error}`);
	return r.capture;
}

function ready(t: TestContext): boolean {
	return needTool(t, 'perf', 'g++');
}

describe('capturePerf with real perf', {concurrency: true}, () => {
	test('2 s at 99 Hz: the hot function dominates; files, meta and notes are written', async t => {
		if (!ready(t)) return;
		const target = await startTarget(await buildHotLoop());
		try {
			const root = capturesDir({override: tempDir(), env: {}});
			const dir = newCaptureDir(root, {node: 'worker-1', pid: target.pid!, kind: 'perf'});
			const progress: PerfProgress[] = [];
			const capture = expectOk(await capturePerf({
				pid: target.pid!, seconds: 2, frequency: 99, dir, node: 'worker-1', progressIntervalMs: 200,
				onProgress: p => progress.push(p),
			}));
			assert.equal(capture.partial, false, capture.notes.join('; '));
			assert.ok(capture.samples > 0);
			assert.equal(capture.samples, capture.recordedSamples, 'one event type, every sample folded');
			assert.ok(capture.durationMs > 1500 && capture.durationMs <= 2000, `${capture.durationMs}`);

			const main = leafWeights(capture.folded, 'zeek.hot');
			const spin = main.get('zeek::detail::Hot::Spin') ?? 0;
			const total = [...main.values()].reduce((a, b) => a + b, 0);
			assert.ok(spin > total / 2, `Hot::Spin ${spin} of ${total}: ${JSON.stringify([...main])}`);
			assert.ok(spin > (main.get('zeek::detail::Cold::Walk') ?? 0));
			assert.ok([...capture.folded.keys()].some(s => s.startsWith('zeek.hot;') && s.includes(';main;packet_loop;zeek::detail::Hot::Spin')),
				'frame pointers give whole stacks');
			assert.ok([...capture.folded.keys()].some(s => s.startsWith('zk.log/Log::WR;')), 'other threads too (-p)');

			assert.deepEqual(parseFolded(readFileSync(capture.files.folded, 'utf8')), capture.folded);
			assert.ok(statSync(capture.files.perfData).size > 0);
			const meta = JSON.parse(readFileSync(capture.files.meta, 'utf8'));
			assert.equal(meta.status, 'complete');
			assert.equal(meta.node, 'worker-1');
			assert.equal(meta.pid, target.pid);
			assert.equal(meta.frequency, 99);
			assert.equal(meta.seconds, 2);
			assert.ok(!Number.isNaN(Date.parse(meta.startedAt)));
			assert.deepEqual(meta.command.slice(1, 8), ['record', '-F', '99', '-g', '-N', '-p', String(target.pid)]);
			assert.equal(listCaptures(root)[0]?.meta?.samples, capture.samples);

			assert.ok(progress.some(p => p.phase === 'recording'));
			assert.ok(progress.every((p, i) => i === 0 || p.elapsedMs >= progress[i - 1]!.elapsedMs || p.phase === 'reading'));
			assert.ok(progress.some(p => (p.estimatedSamples ?? 0) > 0), 'estimated from the target\'s CPU time');
		} finally {
			await stopTarget(target);
		}
	});

	test('main thread only (-t): other threads are not sampled', async t => {
		if (!ready(t)) return;
		const target = await startTarget(await buildHotLoop());
		try {
			const capture = expectOk(await capturePerf({pid: target.pid!, seconds: 1, mainThreadOnly: true, dir: tempDir()}));
			assert.ok(capture.samples > 0);
			assert.deepEqual(new Set([...capture.folded.keys()].map(s => s.slice(0, s.indexOf(';')))), new Set(['zeek.hot']));
			assert.equal(capture.command[6], '-t');
		} finally {
			await stopTarget(target);
		}
	});

	test('cancel mid-capture: perf gets SIGINT, writes a partial file, nothing is left running', async t => {
		if (!ready(t)) return;
		const target = await startTarget(await buildHotLoop());
		try {
			const controller = new AbortController();
			let perfPid = 0;
			let workload: number[] = [];
			const started = performance.now();
			const r = await capturePerf({
				pid: target.pid!, seconds: 60, dir: tempDir(), signal: controller.signal, progressIntervalMs: 100,
				onProgress: p => {
					perfPid = p.perfPid;
					if (p.phase === 'recording' && workload.length === 0) {
						workload = readFileSync(`/proc/${p.perfPid}/task/${p.perfPid}/children`, 'utf8').trim().split(/\s+/).map(Number);
						setTimeout(() => controller.abort(), 1000);
					}
				},
			});
			const capture = expectOk(r);
			assert.equal(capture.partial, true);
			assert.ok(capture.notes.some(n => n.startsWith('cancelled after')), capture.notes.join('; '));
			assert.ok(capture.samples > 0, 'the partial perf.data is readable');
			assert.ok(capture.durationMs < 5000, `${capture.durationMs}`);
			assert.ok(performance.now() - started < 60_000);
			assert.ok(perfPid > 0 && workload.length > 0);
			assert.equal(alive(perfPid), false, 'perf exited');
			for (const pid of workload) assert.equal(alive(pid), false, `perf's sleep ${pid} exited`);
			assert.equal(JSON.parse(readFileSync(capture.files.meta, 'utf8')).status, 'partial');
		} finally {
			await stopTarget(target);
		}
	});

	test('target exits mid-capture: partial result with a note', async t => {
		if (!ready(t)) return;
		const target = await startTarget(await buildHotLoop());
		let killed = false;
		let perfPid = 0;
		const capture = expectOk(await capturePerf({
			pid: target.pid!, seconds: 60, dir: tempDir(), progressIntervalMs: 100,
			onProgress: p => {
				perfPid = p.perfPid;
				if (p.phase === 'recording' && !killed) {
					killed = true;
					setTimeout(() => target.kill('SIGTERM'), 1000);
				}
			},
		}));
		assert.ok(perfPid > 0);
		assert.equal(alive(perfPid), false);
		assert.equal(capture.partial, true);
		assert.ok(capture.notes.some(n => n.includes(`process ${target.pid} exited`)), capture.notes.join('; '));
		assert.ok(capture.durationMs < 30_000);
		assert.ok(capture.samples > 0);
	});

	test('perf failure (no such process): one readable line with perf\'s own words', async t => {
		if (!ready(t)) return;
		// A pid that existed and is gone: spawn and reap a short-lived process.
		const gone = spawn('true');
		await new Promise(resolve => gone.once('exit', resolve));
		const dir = tempDir();
		let perfPid = 0;
		const r = await capturePerf({pid: gone.pid!, seconds: 1, dir, onProgress: p => (perfPid = p.perfPid)});
		assert.equal(r.ok, false);
		assert.ok(!r.ok);
		assert.doesNotMatch(r.error, /\n/);
		assert.match(r.error, new RegExp(`^process ${gone.pid} is not running \\(perf record failed \\(exit \\d+\\): .*No such process`));
		const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
		assert.equal(meta.status, 'failed');
		assert.equal(meta.error, r.error);
		assert.ok(perfPid > 0);
		assert.equal(alive(perfPid), false);
	});
});

describe('after every capture', () => {
	// The captures above run concurrently, so only now can "nothing of ours is running" be checked
	// for the whole process: no perf and no perf-started sleep is a child of the test runner.
	test('no perf or sleep left behind', t => {
		if (!ready(t)) return;
		assert.deepEqual(leftovers(), []);
	});
});
