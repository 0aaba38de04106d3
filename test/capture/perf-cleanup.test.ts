// Its own file (own process): runCleanups() is a once-per-process exit path.
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn, execFileSync, type ChildProcess} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {needTool, repoRoot} from '../helpers/env.js';
import {capturePerf} from '../../source/capture/perf.js';
import {runCleanups} from '../../source/lib/cleanup.js';
import {liveChildren} from '../../source/capture/runner.js';

const temps: string[] = [];
let target: ChildProcess | undefined;
after(() => {
	if (target && target.exitCode === null && target.signalCode === null) target.kill('SIGKILL');
	for (const dir of temps) rmSync(dir, {recursive: true, force: true});
});

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^\S+ \(.*\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

test('zeektop exiting (Ctrl-C, SIGTERM, SIGHUP → runCleanups) stops perf and its sleep, then the capture reports why', async t => {
	if (!needTool(t, 'perf', 'g++')) return;
	const work = mkdtempSync(join(tmpdir(), 'zeektop-perf-cleanup-'));
	temps.push(work);
	const exe = join(work, 'hot-loop');
	execFileSync('g++', ['-O1', '-fno-omit-frame-pointer', '-pthread', '-o', exe, join(repoRoot, 'test', 'fixtures', 'perf', 'hot-loop.cc')]);
	target = spawn(exe, [], {stdio: ['ignore', 'pipe', 'ignore']});
	await new Promise(resolve => target!.stdout!.once('data', resolve));

	let perfPid = 0;
	let workload: number[] = [];
	let cleaned: Promise<void> | undefined;
	const r = await capturePerf({
		pid: target.pid!, seconds: 60, dir: join(work, 'capture'), progressIntervalMs: 100,
		onProgress: p => {
			perfPid = p.perfPid;
			if (p.phase === 'recording' && !cleaned) {
				workload = readFileSync(`/proc/${p.perfPid}/task/${p.perfPid}/children`, 'utf8').trim().split(/\s+/).map(Number);
				cleaned = runCleanups();
			}
		},
	});
	await cleaned;
	assert.equal(r.ok, false);
	assert.ok(!r.ok);
	assert.equal(r.error, 'stopped: zeektop is exiting');
	assert.ok(perfPid > 0 && workload.length > 0);
	assert.equal(alive(perfPid), false);
	for (const pid of workload) assert.equal(alive(pid), false);
	assert.equal(liveChildren(), 0, 'the runner tracks no live child');
	// The caller may now remove the directory: perf has closed its files.
	assert.equal(JSON.parse(readFileSync(join(work, 'capture', 'meta.json'), 'utf8')).status, 'partial');
});
