// PerfSession against real perf on a real busy process (test/fixtures/perf/hot-loop.cc).
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn, execFileSync, type ChildProcess} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {needTool, repoRoot} from '../helpers/env.js';
import {PerfSession, type PerfSessionData} from '../../source/session/perf-session.js';
import {topFunctions} from '../../source/profile/top.js';

const work = mkdtempSync(join(tmpdir(), 'zeektop-perf-session-'));
let target: ChildProcess | undefined;
let exe = '';
after(() => {
	if (target && target.exitCode === null && target.signalCode === null) target.kill('SIGKILL');
	rmSync(work, {recursive: true, force: true});
});

before(async () => {
	if (!existsSync('/usr/bin/g++') && !existsSync('/usr/local/bin/g++')) return;
	exe = join(work, 'hot-loop');
	execFileSync('g++', ['-O1', '-fno-omit-frame-pointer', '-pthread', '-o', exe, join(repoRoot, 'test', 'fixtures', 'perf', 'hot-loop.cc')]);
	target = spawn(exe, [], {stdio: ['ignore', 'pipe', 'ignore']});
	await new Promise(resolve => target!.stdout!.once('data', resolve));
});

/** perf processes attached to the target (other tests may run perf on other processes). */
function perfProcesses(): number[] {
	const out: number[] = [];
	for (const name of readdirSync('/proc')) {
		if (!/^\d+$/.test(name)) continue;
		try {
			const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
			if (args[0]?.endsWith('perf') && args.includes(String(target?.pid))) out.push(Number(name));
		} catch {
			// gone while listing
		}
	}
	return out;
}

function until(session: PerfSession, done: (d: PerfSessionData) => boolean, timeoutMs = 60_000): Promise<PerfSessionData> {
	return new Promise((resolve, reject) => {
		if (done(session.data)) return resolve(session.data);
		const timer = setTimeout(() => {
			off();
			reject(new Error(`timed out; phase ${session.data.phase.kind}`));
		}, timeoutMs);
		const off = session.subscribe(d => {
			if (!done(d)) return;
			clearTimeout(timer);
			off();
			resolve(d);
		});
	});
}

const recording = (d: PerfSessionData) => d.phase.kind === 'capturing' && d.phase.progress?.phase === 'recording' && (d.phase.progress.elapsedMs ?? 0) > 600;

test('a capture runs to the end: the hot function on top, the directory kept with its files', async t => {
	if (!needTool(t, 'perf', 'g++')) return;
	const root = join(work, 'complete');
	const session = new PerfSession({pid: target!.pid!, node: 'hot'}, {capturesRoot: root, seconds: 1.5, frequency: 199});
	const seen: string[] = [];
	session.subscribe(d => seen.push(d.phase.kind === 'capturing' ? d.phase.progress?.phase ?? 'capturing' : d.phase.kind));
	await session.start();
	const d = session.data;
	assert.equal(d.phase.kind, 'done', JSON.stringify(d.phase));
	assert.ok(d.phase.kind === 'done');
	assert.ok(d.phase.capture.samples > 50, `samples ${d.phase.capture.samples}`);
	assert.equal(d.phase.tree.totalSamples, d.phase.capture.samples, 'the tree counts samples, not periods');
	assert.match(topFunctions(d.phase.tree)[0]!.function, /Hot::Spin/);
	assert.ok(seen.includes('preflight') && seen.includes('recording'), seen.join(','));
	assert.ok(d.dir && existsSync(join(d.dir, 'stacks.folded')) && existsSync(join(d.dir, 'meta.json')));
	assert.equal(JSON.parse(readFileSync(join(d.dir, 'meta.json'), 'utf8')).status, 'complete');
	await session.dispose();
	assert.ok(existsSync(d.dir), 'a complete capture is kept after the screen closes');
	assert.deepEqual(perfProcesses(), []);
});

test('Esc while recording offers the partial capture: discard removes it, keep shows it', async t => {
	if (!needTool(t, 'perf', 'g++')) return;
	const root = join(work, 'partial');
	for (const choice of ['discard', 'keep'] as const) {
		const session = new PerfSession({pid: target!.pid!, node: 'hot'}, {capturesRoot: root, seconds: 30, frequency: 99});
		const started = session.start();
		await until(session, recording);
		session.cancel();
		await started;
		const d = session.data;
		assert.equal(d.phase.kind, 'partial', JSON.stringify(d.phase));
		assert.ok(d.phase.kind === 'partial' && d.phase.capture.partial && d.phase.capture.samples > 0);
		const dir = d.dir!;
		assert.ok(existsSync(dir));
		if (choice === 'discard') {
			session.discard();
			assert.equal(session.data.phase.kind, 'closed');
			assert.equal(existsSync(dir), false, 'discarded: nothing kept');
		} else {
			session.keep();
			assert.equal(session.data.phase.kind, 'done');
			await session.dispose();
			assert.ok(existsSync(join(dir, 'stacks.folded')), 'kept');
		}
		assert.deepEqual(perfProcesses(), []);
	}
	assert.equal(readdirSync(root).length, 1, 'only the kept capture is left');
});

test('t restarts on the main thread only; leaving mid-capture stops perf and removes the directory', async t => {
	if (!needTool(t, 'perf', 'g++')) return;
	const root = join(work, 'restart');
	const session = new PerfSession({pid: target!.pid!, node: 'hot'}, {capturesRoot: root, seconds: 30, frequency: 99});
	void session.start();
	await until(session, recording);
	const first = session.data.dir!;
	const restarted = session.restart();
	await until(session, d => d.mainThreadOnly && recording(d));
	assert.equal(existsSync(first), false, 'the first capture is thrown away');
	const second = session.data.dir!;
	assert.notEqual(second, first);
	const meta = JSON.parse(readFileSync(join(second, 'meta.json'), 'utf8'));
	assert.ok(meta.command.includes('-t'), meta.command.join(' '));
	await session.dispose();
	await restarted;
	assert.equal(existsSync(second), false, 'an unfinished capture leaves nothing behind');
	assert.deepEqual(perfProcesses(), []);
	assert.deepEqual(readdirSync(root), []);
});

test('cannot capture: perf missing gives the fix; a pid that is gone fails with one readable error', async t => {
	const root = join(work, 'fail');
	const missing = new PerfSession({pid: process.pid, node: 'self'}, {capturesRoot: root, seconds: 1, frequency: 99, perfPath: '/nonexistent/perf'});
	await missing.start();
	const p = missing.data.phase;
	assert.equal(p.kind, 'failed');
	assert.ok(p.kind === 'failed');
	assert.match(p.error, /perf is not installed/);
	assert.match(p.fix ?? '', /apt|install/);
	if (!needTool(t, 'perf')) return;
	const gone = new PerfSession({pid: 2 ** 22 + 12345, node: 'gone'}, {capturesRoot: root, seconds: 1, frequency: 99});
	await gone.start();
	const g = gone.data.phase;
	assert.equal(g.kind, 'failed');
	assert.ok(g.kind === 'failed' && g.error.length > 0 && !g.error.includes('\n'), g.kind === 'failed' ? g.error : '');
	assert.deepEqual(existsSync(root) ? readdirSync(root) : [], [], 'a failed capture leaves no directory');
});
