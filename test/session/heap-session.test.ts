/**
 * HeapSession with its tools faked (detection, jeprof, gdb) and real dump files (corpus dumps of a
 * real Zeek, renamed into a temporary node directory): plan, step order and progress, results per
 * tab, per-dump caching, capture directory, cancel, on-demand dump, waiting for the next interval
 * dump, timed capture with prof_active:false (and sampling switched off again on cancel).
 */
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {corpusDir} from '../helpers/env.js';
import {ProcFs} from '../../source/collect/procfs.js';
import {listHeapDumps, type JemallocState, type JeprofRunOptions, type JeprofRunSuccess, type JeprofRunFailure, type DumpNowResult, type ProfActiveResult} from '../../source/capture/jemalloc.js';
import {parseJeprofCollapsed, parseJeprofText} from '../../source/profile/jeprof.js';
import {parseMallocConf} from '../../source/profile/malloc-conf.js';
import {allocationSites} from '../../source/profile/alloc-sites.js';
import {
	HeapSession,
	analyseHeap,
	
	estimateNextDumpAtMs,
	heapFlameTree,
	pickDumps,
	planHeap,
	subtractStacks,
	type HeapData,
	type HeapDeps, HeapMemo} from '../../source/session/heap-session.js';

const PID = 4242;
const corpus = (name: string) => corpusDir('zeek-real', 'standalone', 'jemalloc', name);
const TEXT = readFileSync(corpus('jeprof-text.i24.txt'), 'utf8');
const GROWTH = readFileSync(corpus('jeprof-text-base.i2-to-i24.txt'), 'utf8');
const COLLAPSED = readFileSync(corpus('jeprof-collapsed.i24.txt'), 'utf8');
/** The base's stacks: every stack at half its bytes, so each grew by the other half. */
const BASE_COLLAPSED = COLLAPSED.split('\n').map(l => l.replace(/ (\d+)$/, (_, n: string) => ` ${Math.floor(Number(n) / 2)}`)).join('\n');
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

const dirs: string[] = [];
function tempDir(prefix: string): string {
	const dir = mkdtempSync(join(tmpdir(), prefix));
	dirs.push(dir);
	return dir;
}
after(() => {
	for (const d of dirs) rmSync(d, {recursive: true, force: true});
});

/** A node directory with `n` interval dumps of PID (real heap_v2 files), 10 s apart. */
function nodeDir(n: number): string {
	const dir = tempDir('zt-heap-node-');
	for (let i = 0; i < n; i++) addDump(dir, i, 'i', Date.now() - (n - i) * 10_000);
	return dir;
}

function addDump(dir: string, seq: number, kind: 'i' | 'm', mtimeMs = Date.now()): string {
	const path = join(dir, `jeprof.out.${PID}.${seq}.${kind}${seq}.heap`);
	copyFileSync(corpus(seq % 2 === 0 ? 'jeprof.out.11501.2.i2.heap' : 'jeprof.out.11501.24.i24.heap'), path);
	utimesSync(path, mtimeMs / 1000, mtimeMs / 1000);
	return path;
}

function jemallocState(dir: string, conf: string, kind: JemallocState['kind'] = 'profiling'): JemallocState {
	const dumps = kind === 'no-jemalloc' ? [] : listHeapDumps(dir, {pid: PID}).dumps;
	return {
		pid: PID, kind, link: kind === 'no-jemalloc' ? {kind: 'none'} : {kind: 'shared', library: '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2'},
		profilingKnown: true, mallocConfEnv: conf, environ: 'ok', etcMallocConf: undefined, conf: parseMallocConf([conf]), cwd: dir, dumpDir: dir,
		dumpPrefix: 'jeprof.out', dumps, newestDumpAgeMs: undefined, summary: `fake ${kind}`, notes: [],
	};
}

type Call = {mode: string; dump: string; base?: string; captureDir?: string};

/** jeprof faked with corpus output; `delayMs` per run; honours the AbortSignal like the real one. */
function fakeJeprof(calls: Call[], options: {delayMs?: number; fail?: (o: JeprofRunOptions) => string | undefined} = {}) {
	return async (o: JeprofRunOptions): Promise<JeprofRunSuccess | JeprofRunFailure> => {
		calls.push({mode: o.mode, dump: o.dump, base: o.base, captureDir: o.captureDir});
		const started = Date.now();
		const wait = options.delayMs ?? 0;
		while (Date.now() - started < wait && !o.signal?.aborted) await sleep(5);
		if (o.signal?.aborted) return {ok: false, reason: 'jeprof cancelled', aborted: true, timedOut: false, durationMs: Date.now() - started};
		const failure = options.fail?.(o);
		if (failure) return {ok: false, reason: failure, aborted: false, timedOut: false, durationMs: 1};
		if (o.mode === 'text') {
			const output = o.base ? GROWTH : TEXT;
			return {ok: true, output, cached: false, durationMs: Date.now() - started, mode: 'text', report: parseJeprofText(output)};
		}
		const output = /\.(\d+)\.i\1\.heap$/.test(o.dump) && Number(/\.(\d+)\.i\d+\.heap$/.exec(o.dump)![1]) % 2 === 0 ? BASE_COLLAPSED : COLLAPSED;
		return {ok: true, output, cached: false, durationMs: Date.now() - started, mode: 'collapsed', stacks: parseJeprofCollapsed(output)};
	};
}

/** A /proc with a live PID (the session checks that the node still runs while it waits). */
function fakeProc(): ProcFs {
	const root = tempDir('zt-heap-proc-');
	mkdirSync(join(root, String(PID)));
	writeFileSync(join(root, String(PID), 'stat'), `${PID} (zeek) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0\n`);
	return new ProcFs(root);
}

function deps(state: () => JemallocState, extra: Partial<HeapDeps> = {}): HeapDeps {
	return {
		procfs: fakeProc(),
		capturesRoot: tempDir('zt-heap-captures-'),
		cacheDir: null,
		// Any executable file will do: the session only checks that the tools are there.
		jeprofPath: process.execPath,
		gdbPath: process.execPath,
		detect: () => state(),
		tickMs: 20,
		pollMs: 20,
		...extra,
	};
}

const target = {pid: PID, node: 'worker-2', launch: 'zeekctl' as const};

// ---------------------------------------------------------------------------------------------
// Pure parts

test('planHeap: analyse, offer (dump / wait / capture), or the fix', () => {
	const dir = nodeDir(2);
	const tools = {jeprof: true, gdb: true};
	assert.deepEqual(planHeap(jemallocState(dir, 'prof:true,lg_prof_interval:30'), 'zeekctl', tools), {kind: 'analyse', actions: ['dump', 'wait']});
	const empty = nodeDir(0);
	const onDemand = planHeap(jemallocState(empty, 'prof:true,prof_prefix:jeprof.out'), 'zeekctl', tools);
	assert.equal(onDemand.kind, 'offer');
	assert.deepEqual(onDemand.actions, ['dump']);
	assert.ok(onDemand.kind === 'offer' && onDemand.lines.some(l => /^d {2}dump now through gdb \(the node pauses for a moment\)$/.test(l)));
	const interval = planHeap(jemallocState(empty, 'prof:true,lg_prof_interval:23'), 'zeekctl', tools);
	assert.deepEqual(interval.actions, ['dump', 'wait']);
	assert.ok(interval.kind === 'offer' && interval.lines[0]!.includes('a dump every 8 MiB allocated'));
	const inactive = planHeap(jemallocState(empty, 'prof:true,prof_active:false'), 'supervisor', tools, {captureSeconds: 20});
	assert.deepEqual(inactive.actions, ['dump', 'capture']);
	assert.ok(inactive.kind === 'offer' && inactive.lines.some(l => l.startsWith('c  sample for 20 s')));
	const noGdb = planHeap(jemallocState(empty, 'prof:true'), 'zeekctl', {jeprof: true, gdb: false});
	assert.deepEqual(noGdb.actions, []);
	assert.ok(noGdb.kind === 'offer' && noGdb.lines.some(l => l.startsWith('gdb is not installed')));
	const off = planHeap(jemallocState(empty, '', 'no-jemalloc'), 'systemd', tools);
	assert.equal(off.kind, 'cannot');
	assert.ok(off.kind === 'cannot' && off.guidance.steps.some(s => s.includes('systemctl daemon-reload')));
	const noProf = planHeap(jemallocState(empty, '', 'jemalloc-no-profiling'), 'zeekctl', tools);
	assert.ok(noProf.kind === 'cannot' && /profiling is off/.test(noProf.guidance.headline));
	const denied = {...jemallocState(empty, 'prof:true'), notes: [`cannot list ${empty}: permission denied`]};
	const unreadable = planHeap(denied, 'zeekctl', tools);
	assert.ok(unreadable.kind === 'cannot' && unreadable.guidance.headline === 'cannot read the dump directory: permission denied');
	assert.ok(unreadable.kind === 'cannot' && /Run zeektop as root, or as the user the Zeek node runs as/.test(unreadable.guidance.steps[0]!));
	const noJeprof = planHeap(jemallocState(dir, 'prof:true'), 'zeekctl', {jeprof: false, gdb: true, viaJeprof: true});
	assert.ok(noJeprof.kind === 'cannot' && /jeprof is not installed/.test(noJeprof.guidance.headline));
	// zeektop's own tables need binutils, not jeprof or Perl.
	const noBinutils = planHeap(jemallocState(dir, 'prof:true'), 'zeekctl', {jeprof: false, gdb: true});
	assert.ok(noBinutils.kind === 'cannot' && /addr2line and nm are not installed/.test(noBinutils.guidance.headline));
	assert.ok(noBinutils.kind === 'cannot' && !/jeprof|perl/i.test(noBinutils.guidance.steps.join(' ').replace('jeprof and Perl are not needed', '')));
});

test('pickDumps skips a dump still being written; the countdown comes from interval spacing', () => {
	const dir = nodeDir(3);
	const state = jemallocState(dir, 'prof:true,lg_prof_interval:30');
	const [a, b, c] = state.dumps;
	assert.deepEqual(pickDumps(state.dumps, () => true), {dump: c, base: b, skipped: []});
	assert.deepEqual(pickDumps(state.dumps, d => d !== c), {dump: b, base: a, skipped: [c]});
	assert.deepEqual(pickDumps(state.dumps.slice(0, 1), () => true), {dump: a, base: undefined, skipped: []});
	assert.deepEqual(pickDumps([], () => true), {skipped: []});
	assert.ok(Math.abs(estimateNextDumpAtMs(state.dumps)! - (c!.mtimeMs + 10_000)) < 5);
	assert.equal(estimateNextDumpAtMs(state.dumps.slice(0, 1)), undefined);
});

test('subtractStacks is exact growth; heapFlameTree keeps the positive part with short names', () => {
	const a = new Map([['main;f(int);malloc', 300], ['main;g()', 100], ['main;h', 50]]);
	const b = new Map([['main;f(int);malloc', 100], ['main;g()', 100], ['main;k', 40]]);
	assert.deepEqual([...subtractStacks(a, b)], [['main;f(int);malloc', 200], ['main;h', 50], ['main;k', -40]]);
	const tree = heapFlameTree(subtractStacks(a, b));
	assert.equal(tree.totalSamples, 250);
	assert.ok(tree.names.includes('f'), 'argument lists removed, as jeprof --text names frames');
	assert.ok(!tree.names.includes('k'), 'shrinking stacks are not drawn');
});

// ---------------------------------------------------------------------------------------------
// Sessions

test('newest dump against the previous: growth first, then stacks, base stacks, live; all tabs filled', async () => {
	const dir = nodeDir(4);
	const calls: Call[] = [];
	// One memo, as the session factory shares among the sessions of one zeektop.
	const d = deps(() => jemallocState(dir, 'prof:true,lg_prof_interval:30'), {runJeprof: fakeJeprof(calls, {delayMs: 30}), memo: new HeapMemo()});
	const session = new HeapSession(target, d);
	const seen: HeapData[] = [];
	session.subscribe(data => seen.push(data));
	await session.start();
	const data = session.data;
	assert.equal(data.phase.kind, 'ready');
	assert.equal(data.dump?.name, `jeprof.out.${PID}.3.i3.heap`);
	assert.equal(data.base?.name, `jeprof.out.${PID}.2.i2.heap`);
	assert.deepEqual(calls.map(c => [c.mode, c.dump.split('.').at(-3), c.base?.split('.').at(-3)]), [
		['text', '3', '2'],
		['collapsed', '3', undefined],
		['collapsed', '2', undefined],
		['text', '3', undefined],
	]);
	assert.deepEqual(data.steps.map(s => [s.id, s.status]), [['growth', 'done'], ['stacks', 'done'], ['baseStacks', 'done'], ['live', 'done']]);
	assert.ok(data.steps.every(s => s.durationMs! >= 25));
	assert.equal(data.growth?.totalBytes, 40 * 1024 * 1024);
	assert.equal(data.live?.totalBytes, 63 * 1024 * 1024);
	assert.deepEqual(data.liveSites, allocationSites(parseJeprofCollapsed(COLLAPSED)));
	assert.deepEqual(data.growthSites, allocationSites(subtractStacks(parseJeprofCollapsed(COLLAPSED), parseJeprofCollapsed(BASE_COLLAPSED))));
	assert.equal(data.growthSites![0]!.function, 'zeek::ValManager::ValManager');
	assert.ok(data.liveTree && data.growthTree);
	assert.equal(data.dumpLiveBytes !== undefined && data.dumpLiveBytes > 0, true, 'quick estimate from the dump header');
	// Progress was honest: detecting, then analysing with one step running at a time, then ready
	// as soon as the first table was there while the rest still ran.
	assert.equal(seen[0]!.phase.kind, 'detecting');
	const firstReady = seen.findIndex(s => s.phase.kind === 'ready');
	assert.ok(firstReady > 0);
	assert.ok(seen.slice(0, firstReady).every(s => s.phase.kind !== 'ready' && !s.growth));
	assert.ok(seen[firstReady]!.steps.some(s => s.status === 'pending' || s.status === 'running'), 'the table shows before the other steps are done');
	assert.ok(seen.every(s => s.steps.filter(x => x.status === 'running').length <= 1), 'one jeprof at a time by default');
	assert.ok(seen.some(s => s.steps[0]?.status === 'running' && s.nowMs - s.steps[0].startedMs! > 0), 'ticks while running');
	// The capture directory: kind heap, the dumps copied by runJeprof, the outputs saved, meta.json.
	const cap = data.captureDir!;
	assert.match(cap, new RegExp(`^${d.capturesRoot}/\\d{8}T\\d{6}Z-heap-worker-2-${PID}$`));
	assert.ok(calls.every(c => c.captureDir === cap));
	const meta = JSON.parse(readFileSync(join(cap, 'meta.json'), 'utf8'));
	assert.deepEqual([meta.kind, meta.node, meta.pid, meta.status], ['heap', 'worker-2', PID, 'complete']);
	assert.deepEqual(meta.files, {dump: `jeprof.out.${PID}.3.i3.heap`, base: `jeprof.out.${PID}.2.i2.heap`, growth: 'growth.txt', stacks: 'stacks.collapsed', baseStacks: 'base-stacks.collapsed', live: 'live.txt'});
	assert.equal(readFileSync(join(cap, 'growth.txt'), 'utf8'), GROWTH);
	await session.dispose();

	// Again on the same dumps: nothing runs, same capture directory.
	const again = new HeapSession(target, d);
	await again.start();
	assert.equal(calls.length, 4, 'cached per dump');
	assert.deepEqual(again.data.steps.map(s => s.status), ['cached', 'cached', 'cached', 'cached']);
	assert.equal(again.data.captureDir, cap);
	assert.deepEqual(readdirSync(d.capturesRoot), [cap.split('/').at(-1)]);
	await again.dispose();
});

test('two jeprof at once when asked (the CLI); a single dump has no growth tab', async () => {
	const dir = nodeDir(1);
	const calls: Call[] = [];
	const data = await analyseHeap(target, deps(() => jemallocState(dir, 'prof:true'), {runJeprof: fakeJeprof(calls, {delayMs: 40}), concurrency: 2}));
	assert.equal(data.phase.kind, 'ready');
	assert.equal(data.base, undefined);
	assert.deepEqual(data.steps.map(s => s.id), ['live', 'stacks']);
	assert.equal(data.growth, undefined);
	assert.ok(data.live && data.liveSites && !data.growthSites);
	const [live, stacks] = data.steps;
	assert.ok(stacks!.startedMs! < live!.startedMs! + live!.durationMs!, 'ran concurrently');
});

test('cancel while jeprof runs: the run is aborted, the session says cancelled, nothing left running', async () => {
	const dir = nodeDir(2);
	const calls: Call[] = [];
	const session = new HeapSession(target, deps(() => jemallocState(dir, 'prof:true'), {runJeprof: fakeJeprof(calls, {delayMs: 10_000})}));
	const started = session.start();
	while (session.data.steps[0]?.status !== 'running') await sleep(5);
	const t0 = Date.now();
	await session.handle('cancel');
	await started;
	assert.ok(Date.now() - t0 < 1000);
	assert.equal(session.data.phase.kind, 'cancelled');
	assert.deepEqual(session.data.steps.map(s => s.status), ['cancelled', 'cancelled', 'cancelled', 'cancelled']);
	assert.equal(calls.length, 1);
	await session.dispose();
});

test('the first table failing is the failure (jeprof missing → its guidance); later steps are not run', async () => {
	const dir = nodeDir(2);
	const calls: Call[] = [];
	const data = await analyseHeap(target, deps(() => jemallocState(dir, 'prof:true'), {runJeprof: fakeJeprof(calls, {fail: () => "jeprof is not installed: install it with 'apt-get install libjemalloc-dev'"})}));
	assert.equal(data.phase.kind, 'failed');
	assert.ok(data.phase.kind === 'failed' && /libjemalloc-dev/.test(data.phase.guidance!.steps[0]!));
	assert.deepEqual(data.steps.map(s => s.status), ['failed', 'cancelled', 'cancelled', 'cancelled']);
	assert.equal(calls.length, 1);
	// A later step failing leaves the report, with the step's reason.
	const partial = await analyseHeap(target, deps(() => jemallocState(nodeDir(2), 'prof:true'), {runJeprof: fakeJeprof([], {fail: o => (o.mode === 'collapsed' ? 'jeprof failed (exit 1)' : undefined)})}));
	assert.equal(partial.phase.kind, 'ready');
	assert.deepEqual(partial.steps.map(s => s.status), ['done', 'failed', 'failed', 'done']);
	assert.equal(partial.liveSites, undefined);
});

test('no jemalloc: the fix for the launch mode, nothing run', async () => {
	const calls: Call[] = [];
	const data = await analyseHeap({...target, launch: 'supervisor'}, deps(() => jemallocState(nodeDir(0), '', 'no-jemalloc'), {runJeprof: fakeJeprof(calls)}));
	assert.equal(data.phase.kind, 'cannot');
	assert.ok(data.phase.kind === 'cannot' && data.phase.guidance.steps.some(s => s.includes('Set them on the supervisor itself')));
	assert.equal(calls.length, 0);
	assert.deepEqual(data.actions, []);
});

test('no dumps, no interval: offer a dump; the dump through gdb is then analysed', async () => {
	const dir = nodeDir(0);
	const calls: Call[] = [];
	const dumped: number[] = [];
	const dumpNow = async (pid: number): Promise<DumpNowResult> => {
		dumped.push(pid);
		const path = addDump(dir, 0, 'm');
		const dump = listHeapDumps(dir, {pid}).dumps.find(x => x.path === path)!;
		return {ok: true, dumpPath: path, dump, pauseMs: 612, observedStopMs: 580, stateAfter: 'S', resumed: false};
	};
	const session = new HeapSession(target, deps(() => jemallocState(dir, 'prof:true'), {runJeprof: fakeJeprof(calls), dumpNow}));
	await session.start();
	assert.equal(session.data.phase.kind, 'offer');
	assert.deepEqual(session.data.actions, ['dump']);
	await session.handle('dump');
	assert.deepEqual(dumped, [PID]);
	const data = session.data;
	assert.equal(data.phase.kind, 'ready');
	assert.equal(data.dump?.name, `jeprof.out.${PID}.0.m0.heap`);
	assert.equal(data.dump?.kind, 'manual');
	assert.deepEqual(data.lastDump, {pauseMs: 612, observedStopMs: 580, stateAfter: 'S', resumed: false});
	// A second dump is compared with the first.
	const dumpNow2 = async (pid: number): Promise<DumpNowResult> => {
		const path = addDump(dir, 1, 'm', Date.now() + 1000);
		const dump = listHeapDumps(dir, {pid}).dumps.find(x => x.path === path)!;
		return {ok: true, dumpPath: path, dump, pauseMs: 500, observedStopMs: 400, stateAfter: 'S', resumed: false};
	};
	const second = new HeapSession(target, deps(() => jemallocState(dir, 'prof:true'), {runJeprof: fakeJeprof(calls), dumpNow: dumpNow2}));
	await second.start();
	await second.handle('dump');
	assert.equal(second.data.dump?.name, `jeprof.out.${PID}.1.m1.heap`);
	assert.equal(second.data.base?.name, `jeprof.out.${PID}.0.m0.heap`);
	assert.ok(second.data.growth);
	await session.dispose();
	await second.dispose();
});

test('waiting for the next interval dump: countdown, then growth against the dump before it', async () => {
	const dir = nodeDir(3);
	const calls: Call[] = [];
	const session = new HeapSession(target, deps(() => jemallocState(dir, 'prof:true,lg_prof_interval:23'), {runJeprof: fakeJeprof(calls)}));
	await session.start();
	const before = session.data.dump!;
	const waiting = session.handle('wait');
	await sleep(60);
	const phase = session.data.phase;
	assert.equal(phase.kind, 'waiting');
	assert.ok(phase.kind === 'waiting' && Math.abs(phase.nextDumpAtMs! - (before.mtimeMs + 10_000)) < 5);
	assert.ok(phase.kind === 'waiting' && /spacing of the last 2 interval dumps/.test(phase.basis));
	// A dump still being written (no MAPPED_LIBRARIES yet) is not taken.
	const writing = join(dir, `jeprof.out.${PID}.3.i3.heap`);
	writeFileSync(writing, readFileSync(corpus('jeprof.out.11501.24.i24.heap'), 'latin1').split('MAPPED_LIBRARIES')[0]!, 'latin1');
	await sleep(100);
	assert.equal(session.data.phase.kind, 'waiting');
	addDump(dir, 3, 'i');
	await waiting;
	assert.equal(session.data.phase.kind, 'ready');
	assert.equal(session.data.dump?.name, `jeprof.out.${PID}.3.i3.heap`);
	assert.equal(session.data.base?.name, before.name);
	await session.dispose();
});

test('prof_active:false: timed capture switches sampling on, dumps, switches it off; also on cancel', async () => {
	const dir = nodeDir(0);
	const log: string[] = [];
	const setProfActive = async (_pid: number, on: boolean): Promise<ProfActiveResult> => {
		log.push(`active=${on}`);
		return {ok: true, previous: !on, active: on, pauseMs: 300, observedStopMs: 250, stateAfter: 'S', resumed: false};
	};
	const dumpNow = async (pid: number): Promise<DumpNowResult> => {
		log.push('dump');
		const path = addDump(dir, 0, 'm');
		return {ok: true, dumpPath: path, dump: listHeapDumps(dir, {pid}).dumps.find(x => x.path === path)!, pauseMs: 600, observedStopMs: 550, stateAfter: 'S', resumed: false};
	};
	const extra = {runJeprof: fakeJeprof([]), setProfActive, dumpNow, captureSeconds: 0.2};
	const session = new HeapSession(target, deps(() => jemallocState(dir, 'prof:true,prof_active:false'), extra));
	await session.start();
	assert.equal(session.data.phase.kind, 'offer');
	assert.deepEqual(session.data.actions, ['dump', 'capture']);
	const run = session.handle('capture');
	await sleep(80);
	const phase = session.data.phase as {kind: string; stage?: string; seconds?: number};
	assert.ok(phase.kind === 'capturing' && phase.stage === 'sampling' && phase.seconds === 0.2);
	await run;
	assert.deepEqual(log, ['active=true', 'dump', 'active=false']);
	assert.equal(session.data.phase.kind, 'ready');
	assert.equal(session.data.windowSeconds, 0.2);
	await session.dispose();

	// Esc during the window: no dump, sampling off again before dispose() returns.
	log.length = 0;
	const cancelled = new HeapSession(target, deps(() => jemallocState(nodeDir(0), 'prof:true,prof_active:false'), {...extra, captureSeconds: 30}));
	await cancelled.start();
	void cancelled.handle('capture');
	await sleep(80);
	await cancelled.dispose();
	assert.deepEqual(log, ['active=true', 'active=false']);
});

test('analyseHeap with dumpFirst: a dump on an active node, a timed capture on an inactive one', async () => {
	const dir = nodeDir(2);
	const log: string[] = [];
	const dumpNow = async (pid: number): Promise<DumpNowResult> => {
		log.push('dump');
		const path = addDump(dir, 2, 'm', Date.now() + 1000);
		return {ok: true, dumpPath: path, dump: listHeapDumps(dir, {pid}).dumps.find(x => x.path === path)!, pauseMs: 600, observedStopMs: 550, stateAfter: 'S', resumed: false};
	};
	const data = await analyseHeap(target, deps(() => jemallocState(dir, 'prof:true'), {runJeprof: fakeJeprof([]), dumpNow}), {dumpFirst: true});
	assert.deepEqual(log, ['dump']);
	assert.equal(data.dump?.name, `jeprof.out.${PID}.2.m2.heap`);
	assert.equal(data.base?.name, `jeprof.out.${PID}.1.i1.heap`);
	assert.equal(data.lastDump?.pauseMs, 600);
	// Without gdb: said, not silently analysing an old dump.
	const noGdb = await analyseHeap(target, deps(() => jemallocState(dir, 'prof:true'), {runJeprof: fakeJeprof([]), gdbPath: '/nonexistent/gdb'}), {dumpFirst: true});
	assert.ok(noGdb.phase.kind === 'failed' && /gdb is not installed/.test(noGdb.phase.reason));
	// --base FILE replaces the previous dump.
	const withBase = await analyseHeap(target, deps(() => jemallocState(dir, 'prof:true'), {runJeprof: fakeJeprof([])}), {baseFile: join(dir, `jeprof.out.${PID}.0.i0.heap`)});
	assert.equal(withBase.base?.name, `jeprof.out.${PID}.0.i0.heap`);
});

