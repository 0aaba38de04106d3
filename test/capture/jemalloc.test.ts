/**
 * Real processes: a tiny C++ "worker" that leaks in zeek::detail::Leaky::Grow, run under
 * LD_PRELOAD=libjemalloc.so.2 with profiling, plus one without jemalloc. Exercises detection,
 * jeprof (text, growth, collapsed; cache; capture copies), gdb dumps and prof.active, the resume
 * guarantee, and guidance.
 */
import {after, before, describe, test, type TestContext} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {inCI, needTool, repoRoot} from '../helpers/env.js';
import {ProcFs} from '../../source/collect/procfs.js';
import {parseStat} from '../../source/collect/proc-parse.js';
import {run, start, type Started} from '../../source/capture/runner.js';
import {
	assertSafeGdbCommands,
	detectJemalloc,
	dumpNow,
	findElfSymbols,
	findJemallocLibrary,
	gdbPrintInt,
	guidanceFor,
	listHeapDumps,
	readElfBuildId,
	readHeapDumpSummary,
	runGdbBatch,
	runJeprof,
	setProfActive,
	type JemallocState,
	type LaunchMode,
} from '../../source/capture/jemalloc.js';
import {allocationSites} from '../../source/profile/alloc-sites.js';

const LEAK = 'zeek::detail::Leaky::Grow';
const procfs = new ProcFs();
const noEtc = '/nonexistent/zeektop-test/malloc.conf';

let work = '';
let binary = '';
let library: string | undefined;
let ready = false;
const children: Started[] = [];
let profiled: Started | undefined; // interval dumps
let manual: Started | undefined; // profiling, no interval: dumps only on request
let plain: Started | undefined; // no jemalloc

function tools(t: TestContext): boolean {
	if (!needTool(t, 'g++', 'jeprof', 'gdb', 'readelf')) return false;
	if (!library) {
		if (inCI) throw new Error('libjemalloc.so.2 not found (apt-get install libjemalloc2)');
		t.skip('libjemalloc.so.2 not installed');
		return false;
	}
	assert.ok(ready, 'fixture program failed to build or start');
	return true;
}

function state(pid: number): string | undefined {
	const stat = procfs.read(pid, 'stat');
	return stat.ok ? parseStat(stat.value)?.state : undefined;
}

async function waitFor<T>(fn: () => T | undefined, timeoutMs: number, stepMs = 50): Promise<T | undefined> {
	const end = Date.now() + timeoutMs;
	for (;;) {
		const v = fn();
		if (v !== undefined || Date.now() > end) return v;
		await new Promise(r => setTimeout(r, stepMs));
	}
}

function launch(cwd: string, mallocConf: string | undefined, preload: boolean): Started {
	const env: NodeJS.ProcessEnv = {PATH: process.env.PATH ?? '/usr/bin:/bin'};
	if (preload && library) env.LD_PRELOAD = library;
	if (mallocConf !== undefined) env.MALLOC_CONF = mallocConf;
	// 100 ms ticks, 512 KiB leaked per tick in 256 KiB chunks; exits by itself after 180 s and
	// with the test process (PR_SET_PDEATHSIG).
	const child = start(binary, ['100', String(512 * 1024), '180'], {cwd, env});
	children.push(child);
	return child;
}

before(async () => {
	library = findJemallocLibrary();
	if (!library) return;
	work = mkdtempSync(join(tmpdir(), 'zeektop-jemalloc-'));
	binary = join(work, 'leaky');
	const cc = await run('g++', ['-O1', '-g', '-fno-omit-frame-pointer', '-o', binary, join(repoRoot, 'test', 'fixtures', 'jemalloc', 'leaky.cc')], {timeoutMs: 60_000});
	if (cc.spawnError || cc.code !== 0) return;
	for (const d of ['profiled', 'manual', 'plain', 'listing']) mkdirSync(join(work, d));
	profiled = launch(join(work, 'profiled'), 'prof:true,prof_prefix:jeprof.out,lg_prof_interval:20', true);
	manual = launch(join(work, 'manual'), 'prof:true,prof_prefix:jeprof.out', true);
	plain = launch(join(work, 'plain'), undefined, false);
	// Enough interval dumps for a growth comparison (about 8 per second).
	const enough = await waitFor(() => {
		const s = detectJemalloc(profiled!.pid, procfs, {etcMallocConfPath: noEtc});
		return s.dumps.length >= 10 ? s : undefined;
	}, 8000);
	ready = enough !== undefined && state(manual.pid) !== undefined && state(plain.pid) !== undefined;
});

after(async () => {
	for (const child of children) {
		child.child.kill('SIGKILL');
		await child.exited;
	}
	if (work) rmSync(work, {recursive: true, force: true});
});

describe('detectJemalloc', () => {
	test('profiling process: library, MALLOC_CONF, dump dir, its dumps in order', t => {
		if (!tools(t)) return;
		const s = detectJemalloc(profiled!.pid, procfs, {etcMallocConfPath: noEtc});
		assert.equal(s.kind, 'profiling');
		assert.equal(s.profilingKnown, true);
		assert.equal(s.link.kind, 'shared');
		assert.match(s.link.kind === 'shared' ? s.link.library : '', /libjemalloc\.so/);
		assert.equal(s.mallocConfEnv, 'prof:true,prof_prefix:jeprof.out,lg_prof_interval:20');
		assert.equal(s.conf.intervalBytes, 1 << 20);
		assert.equal(s.dumpDir, realpathSync(join(work, 'profiled')));
		assert.equal(s.dumpPrefix, 'jeprof.out');
		assert.ok(s.dumps.length >= 10);
		assert.ok(s.dumps.every(d => d.dump.pid === profiled!.pid && d.dump.kind === 'interval'));
		assert.deepEqual(s.dumps.map(d => d.dump.seq), [...s.dumps.map(d => d.dump.seq)].sort((a, b) => a - b));
		assert.ok(s.newestDumpAgeMs !== undefined && s.newestDumpAgeMs < 10_000);
		assert.match(s.summary, /^profiling on, \d+ dumps, last \d+ s ago$/);
		assert.deepEqual(s.notes, []);
		const quick = readHeapDumpSummary(s.dumps.at(-1)!.path);
		assert.ok(quick.ok && quick.summary.estimated.live.bytes > 4 * 1024 * 1024, 'the 4 MiB Setup::Init block alone');
		t.diagnostic(`${s.summary}; newest estimate ${quick.ok ? (quick.summary.estimated.live.bytes / 1048576).toFixed(1) : '?'} MiB`);
	});

	test('a process without jemalloc, and its guidance for every launch mode', t => {
		if (!tools(t)) return;
		const s = detectJemalloc(plain!.pid, procfs, {etcMallocConfPath: noEtc});
		assert.equal(s.kind, 'no-jemalloc');
		assert.deepEqual(s.link, {kind: 'none'});
		assert.equal(s.summary, 'no jemalloc');
		const expectations: Record<LaunchMode, RegExp> = {
			zeekctl: /env_vars=LD_PRELOAD=.*libjemalloc\.so\.2,MALLOC_CONF=prof:true$/m,
			supervisor: /NodeConfig\$env cannot set MALLOC_CONF/,
			systemd: /^ {2}env =$/m,
			standalone: /LD_PRELOAD=.* MALLOC_CONF=prof:true,prof_prefix:jeprof\.out,lg_prof_interval:30 zeek -i/,
		};
		for (const mode of Object.keys(expectations) as LaunchMode[]) {
			const g = guidanceFor(s, mode, library);
			assert.match(g.headline, /not using jemalloc/);
			assert.match(g.steps.join('\n'), expectations[mode], mode);
			assert.match(g.steps.join('\n'), /--enable-jemalloc/);
			assert.match(g.check.join('\n'), /MALLOC_CONF=stats_print:true zeek -e 'event zeek_init\(\) \{\}' 2>&1 \| grep 'config\.prof'/);
		}
		assert.match(guidanceFor(s, 'zeekctl', library).steps.join('\n'), /ln -sfn 'prof_prefix:jeprof\.out,lg_prof_interval:30' \/etc\/malloc\.conf/);
	});

	test('jemalloc without profiling: restart needed; /etc/malloc.conf layering', t => {
		if (!tools(t)) return;
		// The manual instance has prof:true; pretend the environment had none by reading a fake
		// state built from it, then check the layering with a real symlink.
		const s = detectJemalloc(manual!.pid, procfs, {etcMallocConfPath: noEtc});
		assert.equal(s.kind, 'profiling');
		assert.match(s.summary, /no dumps yet, interval dumps off/);
		const g = guidanceFor(s, 'zeekctl', library);
		assert.match(g.steps.join('\n'), /dump now through gdb/);
		const off: JemallocState = {...s, kind: 'jemalloc-no-profiling', conf: {...s.conf, settings: {...s.conf.settings, prof: false}}};
		const fix = guidanceFor(off, 'systemd', library);
		assert.match(fix.headline, /profiling is off/);
		assert.doesNotMatch(fix.steps.join('\n'), /LD_PRELOAD/, 'jemalloc is already there');
		assert.match(fix.steps.join('\n'), /MALLOC_CONF=prof:true,prof_prefix:jeprof\.out,lg_prof_interval:30/);
	});

	test('dump listing skips symlinks and foreign pids', async t => {
		if (!tools(t)) return;
		const dir = join(work, 'listing');
		await run('sh', ['-c', `cd ${dir} && echo x > jeprof.out.7.0.i0.heap && echo y > jeprof.out.8.0.i0.heap && ln -s /etc/passwd jeprof.out.7.1.i1.heap && mkdir jeprof.out.7.2.i2.heap`]);
		const listed = listHeapDumps(dir, {pid: 7});
		assert.deepEqual(listed.dumps.map(d => d.name), ['jeprof.out.7.0.i0.heap']);
		assert.match(listed.notes.join('\n'), /skipped 1 symlink/);
		const summary = readHeapDumpSummary(join(dir, 'jeprof.out.7.1.i1.heap'));
		assert.ok(!summary.ok && /symlink/.test(summary.reason));
	});
});

describe('runJeprof on real dumps', () => {
	let dumps: ReturnType<typeof detectJemalloc>['dumps'] = [];
	const cacheDir = () => join(work, 'cache');
	const captureDir = () => join(work, 'capture');

	test('text: the leak is there; exact bytes; cached on the second run', async t => {
		if (!tools(t)) return;
		dumps = detectJemalloc(profiled!.pid, procfs, {etcMallocConfPath: noEtc}).dumps;
		const newest = dumps.at(-1)!;
		const phases: string[] = [];
		const first = await runJeprof({
			binary: `/proc/${profiled!.pid}/exe`,
			dump: newest.path,
			mode: 'text',
			cacheDir: cacheDir(),
			captureDir: captureDir(),
			onProgress: p => phases.push(p.phase),
		});
		assert.ok(first.ok, first.ok ? '' : first.reason);
		assert.equal(first.mode, 'text');
		if (first.mode !== 'text') return;
		assert.equal(first.cached, false);
		assert.equal(first.report.unit, 'B');
		assert.ok(first.report.totalBytes! > 4 * 1024 * 1024);
		const leak = first.report.rows.find(r => r.function === LEAK);
		assert.ok(leak && leak.cumBytes > 0, 'the leaking function has live bytes');
		assert.ok(first.report.rows.some(r => r.function === 'zeek::detail::Setup::Init'));
		assert.deepEqual(phases.filter((p, i) => p !== phases[i - 1]).filter(p => p !== 'running'), ['copying', 'parsing', 'done']);
		t.diagnostic(`jeprof --text --show_bytes: ${first.durationMs.toFixed(0)} ms`);

		const again = await runJeprof({binary: `/proc/${profiled!.pid}/exe`, dump: newest.path, mode: 'text', cacheDir: cacheDir()});
		assert.ok(again.ok && again.cached);
		assert.ok(again.durationMs < first.durationMs);
		assert.equal(again.output, first.output);

		// The capture copy survives the dump's deletion; capture.json names the binary's build-id.
		assert.equal(statSync(captureDir()).mode & 0o777, 0o700);
		assert.equal(first.copies?.dump, join(captureDir(), newest.name));
		assert.ok(existsSync(first.copies!.dump));
		const record = JSON.parse(readFileSync(join(captureDir(), 'capture.json'), 'utf8')) as {buildId?: string; binary: string; dumps: Array<{name: string}>};
		const id = readElfBuildId(binary);
		assert.ok(id.ok);
		assert.equal(record.buildId, id.ok ? id.buildId : '');
		assert.equal(first.buildId, record.buildId);
		assert.deepEqual(record.dumps.map(d => d.name), [newest.name]);
	});

	test('growth (--base): the leak is the first allocation site with the largest growth', async t => {
		if (!tools(t)) return;
		const base = dumps[0]!;
		const target = dumps.at(-1)!;
		const [collapsed, text] = await Promise.all([
			runJeprof({binary: binary, dump: target.path, base: base.path, mode: 'collapsed', cacheDir: cacheDir(), captureDir: captureDir()}),
			runJeprof({binary: binary, dump: target.path, base: base.path, mode: 'text', cacheDir: cacheDir()}),
		]);
		assert.ok(collapsed.ok && collapsed.mode === 'collapsed', collapsed.ok ? '' : collapsed.reason);
		assert.ok(text.ok && text.mode === 'text', text.ok ? '' : text.reason);
		if (collapsed.mode !== 'collapsed' || text.mode !== 'text') return;
		const sites = allocationSites(collapsed.stacks);
		assert.equal(sites[0]!.function, LEAK, JSON.stringify(sites.slice(0, 3)));
		assert.ok(sites[0]!.bytes > 0);
		for (const s of sites.slice(1)) assert.ok(s.bytes < sites[0]!.bytes);
		// Setup::Init allocated before the base dump: no growth.
		assert.ok(!sites.some(s => s.function === 'zeek::detail::Setup::Init' && s.bytes !== 0));
		const growthRow = text.report.rows.find(r => r.function === LEAK);
		assert.ok(growthRow && growthRow.cumBytes > 0);
		assert.ok(!text.report.rows.some(r => r.function === 'zeek::detail::Setup::Init'));
		// The text report's total is the collapsed total.
		const collapsedTotal = [...collapsed.stacks.values()].reduce((a, b) => a + b, 0);
		assert.ok(Math.abs(collapsedTotal - text.report.totalBytes!) <= collapsed.stacks.size);
		const copied = JSON.parse(readFileSync(join(captureDir(), 'capture.json'), 'utf8')) as {dumps: Array<{name: string}>};
		assert.ok(copied.dumps.some(d => d.name === base.name));
		t.diagnostic(`growth ${base.name} → ${target.name}: ${sites[0]!.function} +${sites[0]!.bytes} B`);
	});

	test('a vanished dump, a cancelled run and a missing jeprof are reasons, not throws', async t => {
		if (!tools(t)) return;
		const gone = await runJeprof({binary, dump: join(work, 'profiled', 'jeprof.out.1.0.i0.heap'), mode: 'text'});
		assert.ok(!gone.ok && /no longer exists/.test(gone.reason));
		const controller = new AbortController();
		const pending = runJeprof({binary, dump: dumps[1]!.path, mode: 'collapsed', signal: controller.signal});
		setTimeout(() => controller.abort(), 50);
		const cancelled = await pending;
		assert.ok(!cancelled.ok && cancelled.aborted);
		const missing = await runJeprof({binary, dump: dumps[1]!.path, mode: 'text', jeprofPath: 'jeprof-not-installed-zt'});
		assert.ok(!missing.ok && /not installed/.test(missing.reason));
	});
});

describe('gdb: dumpNow and prof.active', () => {
	test('dumpNow writes a manual dump; the node keeps running', async t => {
		if (!tools(t)) return;
		const pid = manual!.pid;
		const result = await dumpNow(pid, {timeoutMs: 20_000, etcMallocConfPath: noEtc});
		assert.ok(result.ok, result.ok ? '' : result.reason);
		if (!result.ok) return;
		assert.equal(result.dump.dump.kind, 'manual');
		assert.equal(result.dump.name, `jeprof.out.${pid}.0.m0.heap`);
		assert.ok(existsSync(result.dumpPath));
		assert.ok(result.pauseMs > 0);
		assert.ok(result.stateAfter !== 't' && result.stateAfter !== 'T', `state ${result.stateAfter}`);
		assert.equal(result.resumed, false);
		t.diagnostic(`dumpNow gdb wall ${result.pauseMs.toFixed(0)} ms, observed stopped ~${result.observedStopMs} ms`);
		// Still alive and running a while later; its dump parses.
		await new Promise(r => setTimeout(r, 300));
		const later = state(pid);
		assert.ok(later === 'S' || later === 'R', `state ${later}`);
		const summary = readHeapDumpSummary(result.dumpPath);
		assert.ok(summary.ok && summary.summary.complete);
		const second = await dumpNow(pid, {etcMallocConfPath: noEtc});
		assert.ok(second.ok && second.dump.dump.seq === 1 && second.dump.dump.index === 1);
	});

	test('setProfActive off then on reports the previous state', async t => {
		if (!tools(t)) return;
		const off = await setProfActive(manual!.pid, false);
		assert.ok(off.ok, off.ok ? '' : off.reason);
		assert.equal(off.ok && off.previous, true);
		const on = await setProfActive(manual!.pid, true);
		assert.ok(on.ok && on.previous === false && on.active);
		assert.ok(state(manual!.pid) !== 'T');
	});

	test('a call into the node that overruns the timeout is unwound; the node survives', async t => {
		if (!tools(t)) return;
		const pid = manual!.pid;
		// Killing gdb in the middle of this call would leave sleep() returning into gdb's dummy
		// frame and crash the node a second later (measured); the timeout must unwind it instead.
		const session = await runGdbBatch(pid, ['call (unsigned int)sleep(2)', gdbPrintInt('after', '42')], {timeoutMs: 800});
		assert.equal(session.timedOut, true);
		assert.equal(session.callUnwound, true, session.run.stdout);
		assert.equal(session.values.get('after'), 42, 'gdb went on with the batch and detached');
		assert.ok(session.stateAfter !== 't' && session.stateAfter !== 'T', `state ${session.stateAfter}`);
		// Past the moment the abandoned sleep(2) would have returned: still alive, still dumps.
		await new Promise(r => setTimeout(r, 1600));
		const s = state(pid);
		assert.ok(s === 'S' || s === 'R', `state ${s}`);
		const result = await dumpNow(pid, {etcMallocConfPath: noEtc});
		assert.ok(result.ok, result.ok ? '' : result.reason);
	});

	test('cancel through the AbortSignal takes the same path', async t => {
		if (!tools(t)) return;
		const controller = new AbortController();
		const pending = runGdbBatch(manual!.pid, ['call (unsigned int)sleep(2)'], {signal: controller.signal});
		setTimeout(() => controller.abort(), 700);
		const session = await pending;
		assert.equal(session.aborted, true);
		assert.equal(session.timedOut, false);
		assert.ok(session.callUnwound);
		assert.ok(session.stateAfter !== 't' && session.stateAfter !== 'T');
	});

	test('dumpNow refuses a process without jemalloc, without attaching', async t => {
		if (!tools(t)) return;
		const result = await dumpNow(plain!.pid, {etcMallocConfPath: noEtc});
		assert.ok(!result.ok && result.reason === 'no jemalloc in this process');
		assert.equal(result.pauseMs, 0);
	});

	test('register aliases are refused as gdb variables', () => {
		assert.throws(() => assertSafeGdbCommands(['set $fp = (char*)(void*)malloc(8)']), /register alias/);
		assert.throws(() => assertSafeGdbCommands(['print *$sp']), /register alias/);
		assert.doesNotThrow(() => assertSafeGdbCommands(['set $zt_buf = (char*)(void*)malloc(8)', 'print $fpx']));
	});
});

describe('ELF helpers', () => {
	test('build-id and exported symbols of real files', t => {
		if (!tools(t)) return;
		const lib = findElfSymbols(library!, ['mallctl', 'malloc_conf', 'no_such_symbol_zt']);
		assert.deepEqual(lib, {ok: true, found: ['mallctl', 'malloc_conf']});
		const exe = findElfSymbols(binary, ['mallctl', 'main']);
		assert.ok(exe.ok && !exe.found.includes('mallctl'));
		const id = readElfBuildId(binary);
		assert.ok(id.ok && /^[0-9a-f]{40}$/.test(id.buildId));
		assert.ok(!readElfBuildId(join(repoRoot, 'package.json')).ok);
	});
});
