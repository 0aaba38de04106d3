/**
 * The most serious defect zeektop had: an ssh connection dropping while gdb was inside a worker's
 * mallctl("prof.dump") call killed the worker (SIGSEGV in 2 of 3 tries). The terminal's hangup
 * sends SIGHUP to its foreground process group; gdb was in it and died between attach and detach.
 *
 * Here `zeektop heap PID --dump` runs in a process group of its own, as a shell's foreground job
 * does, and the whole group gets SIGHUP (what the kernel sends on hangup) at several moments after
 * gdb attached. Each time the worker must be alive, not stopped, not traced, and keep dumping; no
 * gdb may be left, and zeektop must exit by itself.
 */
import {after, before, test, type TestContext} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {inCI, needTool, repoRoot} from '../helpers/env.js';
import {ProcFs} from '../../source/collect/procfs.js';
import {parseStat} from '../../source/collect/proc-parse.js';
import {run, start, type Started} from '../../source/capture/runner.js';
import {findJemallocLibrary} from '../../source/capture/jemalloc.js';

const procfs = new ProcFs();
let work = '';
let worker: Started | undefined;
let library: string | undefined;

function status(pid: number): {state?: string; tracer?: number} {
	const stat = procfs.read(pid, 'stat');
	const st = procfs.read(pid, 'status');
	const tracer = st.ok ? Number(/^TracerPid:\s+(\d+)/m.exec(st.value)?.[1] ?? 0) : undefined;
	return {state: stat.ok ? parseStat(stat.value)?.state : undefined, tracer};
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

function gdbsOn(pid: number): number[] {
	const out: number[] = [];
	for (const name of readdirSync('/proc')) {
		if (!/^\d+$/.test(name)) continue;
		const cmd = procfs.read(Number(name), 'cmdline');
		if (cmd.ok && /(^|\/)gdb\0/.test(cmd.value) && cmd.value.includes(`\0-p\0${pid}\0`)) out.push(Number(name));
	}
	return out;
}

function ready(t: TestContext): boolean {
	if (!needTool(t, 'g++', 'gdb')) return false;
	if (!library) {
		if (inCI) throw new Error('libjemalloc.so.2 not found (apt-get install libjemalloc2)');
		t.skip('libjemalloc.so.2 not installed');
		return false;
	}
	assert.ok(worker, 'the worker did not start');
	return true;
}

before(async () => {
	library = findJemallocLibrary();
	if (!library) return;
	work = mkdtempSync(join(tmpdir(), 'zeektop-hangup-'));
	// Named zeek so that zeektop finds it; profiling on, no interval dumps: only on-demand dumps.
	mkdirSync(join(work, 'bin'));
	mkdirSync(join(work, 'node'));
	mkdirSync(join(work, 'tmp'));
	const binary = join(work, 'bin', 'zeek');
	const cc = await run('g++', ['-O1', '-g', '-fno-omit-frame-pointer', '-o', binary, join(repoRoot, 'test', 'fixtures', 'jemalloc', 'leaky.cc')], {timeoutMs: 120_000});
	if (cc.code !== 0) throw new Error(`g++ failed: ${cc.stderr}`);
	worker = start(binary, ['100', String(64 * 1024), '600'], {
		cwd: join(work, 'node'),
		env: {PATH: process.env.PATH ?? '/usr/bin:/bin', LD_PRELOAD: library, MALLOC_CONF: 'prof:true,prof_prefix:jeprof.out'},
	});
	await sleep(300);
});

after(async () => {
	if (worker) {
		worker.child.kill('SIGKILL');
		await worker.exited;
	}
	if (work) rmSync(work, {recursive: true, force: true});
});

/** One try: SIGHUP to zeektop's process group `delayMs` after gdb attached to the worker. */
async function hangupDuringDump(delayMs: number): Promise<{exit: number | null; sawAttach: boolean}> {
	const pid = worker!.pid;
	const log = openSync(join(work, `zeektop-${delayMs}.log`), 'w');
	const zeektop = spawn(process.execPath, [join(repoRoot, 'dist', 'cli.js'), 'heap', String(pid), '--dump', '--captures', join(work, 'captures')], {
		detached: true, // its own process group, like a foreground job of the terminal
		stdio: ['ignore', log, log],
		// Its own TMPDIR: the check for gdb's temporary output directories sees only this zeektop's.
		env: {...process.env, XDG_CACHE_HOME: join(work, 'cache'), TMPDIR: join(work, 'tmp')},
	});
	const exited = new Promise<number | null>(r => zeektop.on('exit', code => r(code)));
	let sawAttach = false;
	const deadline = Date.now() + 30_000;
	while (Date.now() < deadline) {
		if ((status(pid).tracer ?? 0) > 0) {
			sawAttach = true;
			break;
		}
		if (zeektop.exitCode !== null) break;
		await sleep(2);
	}
	if (delayMs > 0) await sleep(delayMs);
	try {
		process.kill(-zeektop.pid!, 'SIGHUP');
	} catch {
		// the group already exited
	}
	const exit = await Promise.race([exited, sleep(20_000).then(() => 'hung' as const)]);
	if (exit === 'hung') {
		process.kill(-zeektop.pid!, 'SIGKILL');
		throw new Error(`zeektop did not exit after SIGHUP: ${readFileSync(join(work, `zeektop-${delayMs}.log`), 'utf8')}`);
	}
	return {exit, sawAttach};
}

test('SIGHUP (the ssh connection dropping) while gdb is inside the worker: the worker survives, nothing is left', async t => {
	if (!ready(t)) return;
	const pid = worker!.pid;
	const delays = [0, 5, 20, 50, 100, 200, 400];
	let attached = 0;
	for (const delayMs of delays) {
		const r = await hangupDuringDump(delayMs);
		if (r.sawAttach) attached++;
		// gdb, left on its own, finishes its batch and detaches: wait for it, bounded.
		const end = Date.now() + 15_000;
		while (gdbsOn(pid).length > 0 && Date.now() < end) await sleep(50);
		assert.deepEqual(gdbsOn(pid), [], `a gdb is still attached after the hangup at +${delayMs} ms`);
		await sleep(300);
		const s = status(pid);
		assert.ok(s.state === 'S' || s.state === 'R', `worker state ${s.state ?? 'gone'} after the hangup at +${delayMs} ms (exit ${r.exit})`);
		assert.equal(s.tracer, 0, `worker still traced after the hangup at +${delayMs} ms`);
	}
	assert.ok(attached >= delays.length - 1, `gdb was seen attached in only ${attached} of ${delays.length} tries`);
	// Past any abandoned call's return: still alive, and it still dumps.
	await sleep(1500);
	const s = status(pid);
	assert.ok(s.state === 'S' || s.state === 'R', `worker state ${s.state ?? 'gone'} at the end`);
	const dumps = readdirSync(join(work, 'node')).filter(n => /^jeprof\.out\.\d+\.\d+\.m\d+\.heap$/.test(n));
	assert.ok(dumps.length >= 1, 'no on-demand dump was written');
	// No temporary directories of gdb's output left behind.
	assert.deepEqual(readdirSync(join(work, 'tmp')).filter(n => n.startsWith('zeektop-run-')), []);
});
