/**
 * `zeektop heap` against a real simulated cluster (its own, on free ports; nodes addressed by pid
 * because other clusters may run on the host): the leaking worker's growth and allocation sites,
 * a gdb dump on the worker with profiling but no interval dumps (it keeps running), the fix for a
 * node without jemalloc, and bad input. Also measures time-to-first-table against jeprof alone.
 */
import {after, before, describe, test, type TestContext} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {inCI, needTool, repoRoot} from '../helpers/env.js';
import {run} from '../../source/capture/runner.js';
import {ProcFs} from '../../source/collect/procfs.js';
import {parseStat} from '../../source/collect/proc-parse.js';
import {listHeapDumps, readHeapDumpSummary} from '../../source/capture/jemalloc.js';
import {defaultScenario, findJemalloc, startCluster, type SimCluster, type SimNode} from '../../source/sim/launcher.js';
import {SIM_LEAK_FUNCTION} from '../../source/sim/names.js';
import {HeapSession} from '../../source/session/heap-session.js';

const procfs = new ProcFs();
const cli = join(repoRoot, 'dist', 'cli.js');
let cluster: SimCluster | undefined;
let work = '';
let skip: string | undefined;

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const node = (name: string): SimNode => cluster!.nodes.find(n => n.node === name)!;
const state = (pid: number) => {
	const r = procfs.read(pid, 'stat');
	return r.ok ? parseStat(r.value)?.state : undefined;
};

function heap(...args: string[]) {
	return run(process.execPath, [cli, 'heap', ...args, '--captures', join(work, 'captures')], {
		timeoutMs: 120_000,
		env: {...process.env, NODE_ENV: 'production', XDG_CACHE_HOME: join(work, 'cache')},
	});
}

function ready(t: TestContext): boolean {
	if (!needTool(t, 'g++', 'jeprof', 'gdb', 'readelf')) return false;
	if (skip) {
		if (inCI) throw new Error(skip);
		t.skip(skip);
		return false;
	}
	return true;
}

/** Complete interval dumps of a pid (jemalloc may be writing the newest). */
function completeDumps(n: SimNode) {
	return listHeapDumps(n.cwd, {pid: n.pid}).dumps.filter(d => {
		const s = readHeapDumpSummary(d.path);
		return s.ok && s.summary.complete;
	});
}

describe('zeektop heap on a simulated cluster', {concurrency: false}, () => {
	before(async () => {
		if (!existsSync(cli)) throw new Error('dist/cli.js missing: run npx tsc -p tsconfig.json first');
		if (!findJemalloc()) {
			skip = 'libjemalloc.so.2 not installed (apt-get install libjemalloc2)';
			return;
		}
		work = mkdtempSync(join(tmpdir(), 'zt-heap-cli-'));
		try {
			// A dump per 32 MiB allocated (the default 8 MiB gives windows of a second or two, in
			// which the leak's growth is close to jemalloc's 512 KiB sampling granularity).
			cluster = await startCluster(defaultScenario(), {basePort: 0, lgProfInterval: 25});
		} catch (error) {
			skip = `cluster did not start: ${(error as Error).message}`;
			return;
		}
		// The leaking worker dumps every few seconds: wait for two complete ones.
		const w2 = node('worker-2');
		for (let i = 0; i < 300 && completeDumps(w2).length < 2; i++) await sleep(200);
	});
	after(async () => {
		await cluster?.stop();
		if (work) rmSync(work, {recursive: true, force: true});
	});

	test('leaking worker, --json: the leak is the largest growth and the first allocation site', async t => {
		if (!ready(t)) return;
		const w2 = node('worker-2');
		const started = performance.now();
		const r = await heap(String(w2.pid), '--json');
		const elapsedMs = performance.now() - started;
		assert.equal(r.code, 0, r.stderr);
		assert.equal(r.stderr, '');
		const doc = JSON.parse(r.stdout);
		assert.equal(doc.node, 'worker-2');
		assert.equal(doc.pid, w2.pid);
		assert.match(doc.dump, new RegExp(`/jeprof\\.out\\.${w2.pid}\\.\\d+\\.i\\d+\\.heap$`));
		assert.match(doc.base, new RegExp(`/jeprof\\.out\\.${w2.pid}\\.\\d+\\.i\\d+\\.heap$`));
		assert.notEqual(doc.dump, doc.base);
		assert.ok(doc.totalBytes > 0, `growth ${doc.totalBytes}`);
		const largest = doc.top.reduce((a: any, b: any) => (b.flatBytes > a.flatBytes ? b : a));
		assert.equal(largest.function, SIM_LEAK_FUNCTION);
		assert.equal(doc.top[0].function, SIM_LEAK_FUNCTION, 'jeprof sorts by flat');
		assert.equal(doc.sites[0].function, SIM_LEAK_FUNCTION);
		assert.ok(doc.sites[0].bytes > 0 && doc.sites[0].percent > 50);
		for (const row of doc.top) assert.deepEqual(Object.keys(row), ['function', 'flatBytes', 'flatPercent', 'cumBytes', 'cumPercent']);
		for (const site of doc.sites) assert.deepEqual(Object.keys(site), ['function', 'bytes', 'percent']);
		assert.equal(doc.live.top[0].function, SIM_LEAK_FUNCTION, 'and the largest live allocation');
		// The dumps read were copied into a heap capture with what jeprof said.
		const meta = JSON.parse(readFileSync(join(doc.captureDir, 'meta.json'), 'utf8'));
		assert.deepEqual([meta.kind, meta.node, meta.pid, meta.status], ['heap', 'worker-2', w2.pid, 'complete']);
		for (const f of [meta.files.dump, meta.files.base, 'growth.txt', 'live.txt', 'stacks.collapsed', 'capture.json']) assert.ok(existsSync(join(doc.captureDir, f)), f);
		t.diagnostic(`heap --json, nothing cached: ${Math.round(elapsedMs)} ms (4 jeprof runs, 2 at a time)`);
	});

	test('text output: growth, live and sites tables; the jeprof cache makes a second run quick', async t => {
		if (!ready(t)) return;
		const w2 = node('worker-2');
		const first = await heap(String(w2.pid));
		assert.equal(first.code, 0, first.stderr);
		const again = performance.now();
		const second = await heap(String(w2.pid));
		const againMs = performance.now() - again;
		assert.equal(second.code, 0, second.stderr);
		for (const out of [first.stdout, second.stdout]) {
			assert.match(out, new RegExp(`^worker-2 {2}pid ${w2.pid} {2}dump /`));
			assert.match(out, /^Growth since the base: \+\S+ \(jeprof --text --base\)$/m);
			assert.match(out, /^Everything live: \S+ \(jeprof --text\)$/m);
			assert.match(out, /^Allocation sites \(growth since the base; first frame above the allocator\)$/m);
			const sites = out.split('Allocation sites')[1]!.split('\n');
			assert.match(sites[2]!, new RegExp(`^ +\\+\\S+ +[\\d.]+% +\\d+ {2}${SIM_LEAK_FUNCTION.replaceAll(':', ':')}$`));
		}
		t.diagnostic(`heap (text), cached unless a new dump arrived: ${Math.round(againMs)} ms`);
	});

	test('--alloc-skip: a frame skipped on request moves the site to its caller', async t => {
		if (!ready(t)) return;
		const w2 = node('worker-2');
		const r = await heap(String(w2.pid), '--json', '--alloc-skip', `^${SIM_LEAK_FUNCTION}$`);
		assert.equal(r.code, 0, r.stderr);
		const doc = JSON.parse(r.stdout);
		assert.ok(doc.sites.length > 0);
		assert.ok(doc.sites.every((s: {function: string}) => s.function !== SIM_LEAK_FUNCTION), JSON.stringify(doc.sites.slice(0, 3)));
		assert.ok(doc.sites[0].percent > 50, 'the leak is now blamed on its caller');
	});

	test('--dump on the worker with profiling but no interval dumps: a dump, the pause, the worker keeps running', async t => {
		if (!ready(t)) return;
		const w3 = node('worker-3');
		assert.equal(listHeapDumps(w3.cwd, {pid: w3.pid}).dumps.length, 0, 'no dumps before');
		// Without --dump: nothing to read yet, and the way to get one.
		const none = await heap(String(w3.pid));
		assert.equal(none.code, 1);
		assert.match(none.stderr, /no heap dumps yet/);
		assert.ok(none.stderr.includes(`zeektop heap ${w3.pid} --dump takes a dump now through gdb`));
		const r = await heap(String(w3.pid), '--dump', '--json');
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stderr, new RegExp(`^zeektop: gdb paused worker-3 \\(pid ${w3.pid}\\) for \\d+ ms \\(seen stopped \\d+ ms\\); state now [RS]\\n$`));
		const doc = JSON.parse(r.stdout);
		assert.match(doc.dump, new RegExp(`/jeprof\\.out\\.${w3.pid}\\.\\d+\\.m\\d+\\.heap$`));
		assert.equal(doc.base, null);
		assert.ok(doc.dumpPauseMs > 0 && doc.dumpPauseMs < 15_000);
		assert.ok(doc.top.length > 0 && doc.sites.length > 0);
		await sleep(100);
		const s = state(w3.pid);
		assert.ok(s !== undefined && s !== 'T' && s !== 't', `worker-3 state ${s}`);
		assert.equal(w3.pid, node('worker-3').pid, 'not restarted');
		t.diagnostic(`gdb pause ${doc.dumpPauseMs} ms`);
	});

	test('a node without jemalloc: exit 1 with the fix for zeekctl (text and JSON)', async t => {
		if (!ready(t)) return;
		const w1 = node('worker-1');
		const r = await heap(String(w1.pid));
		assert.equal(r.code, 1);
		assert.equal(r.stdout, '');
		const lines = r.stderr.trimEnd().split('\n');
		assert.equal(lines[0], 'zeektop: Zeek is not using jemalloc: heap profiles need jemalloc with profiling');
		assert.ok(lines.some(l => /^ {2}In node\.cfg, in this node's section .*env_vars=LD_PRELOAD=\/\S+libjemalloc\.so\.2,MALLOC_CONF=prof:true$/.test(l)), r.stderr);
		assert.ok(lines.includes('  Then: zeekctl deploy   (prof:true only takes effect at process start)'));
		assert.ok(lines.includes('  Check:'));
		const j = await heap('worker-1', '--json', '--spool', cluster!.spoolDir);
		assert.equal(j.code, 1);
		const doc = JSON.parse(j.stdout);
		assert.equal(doc.pid, w1.pid, 'by name within --spool');
		assert.match(doc.error, /not using jemalloc/);
		assert.ok(doc.guidance.steps.length > 2);
	});

	test('bad input: exit 2 and one line on stderr', async t => {
		if (!ready(t)) return;
		const w2 = String(node('worker-2').pid);
		const cases: Array<[string[], RegExp]> = [
			[['no-such-node-zt'], /^zeektop: unknown node 'no-such-node-zt' \(known: .*worker-2 \(pid \d+\).*\)$/],
			[[String(process.pid)], new RegExp(`^zeektop: pid ${process.pid} is not a running Zeek node \\(known: `)],
			[[], /^zeektop: heap needs a node name or pid/],
			[[w2, '--base', join(work, 'missing.heap')], /^zeektop: --base \S+missing\.heap: no such file$/],
			[[w2, '--base', work], /^zeektop: --base \S+ is not a regular file$/],
			[[w2, '--base', join(repoRoot, 'package.json')], /^zeektop: --base \S+package\.json: package\.json is not a heap profile$/],
			[[w2, '--alloc-skip', '(unclosed'], /^zeektop: --alloc-skip '\(unclosed' is not a regular expression \(.*\); it matches a frame's short name/],
		];
		for (const [args, pattern] of cases) {
			const r = await heap(...args);
			assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
			assert.equal(r.stdout, '');
			assert.equal(r.stderr.split('\n').length, 2, `one line: ${JSON.stringify(r.stderr)}`);
			assert.match(r.stderr.trimEnd(), pattern);
		}
	});

	test('time to the first table (the UI path) against jeprof --text alone on the same dump', async t => {
		if (!ready(t)) return;
		const w2 = node('worker-2');
		const session = new HeapSession({pid: w2.pid, node: 'worker-2', launch: 'zeekctl'}, {capturesRoot: join(work, 'captures'), cacheDir: null});
		const t0 = performance.now();
		let firstTableMs = 0;
		session.subscribe(d => {
			if (firstTableMs === 0 && d.phase.kind === 'ready') firstTableMs = performance.now() - t0;
		});
		await session.start();
		const allMs = performance.now() - t0;
		const data = session.data;
		assert.equal(data.phase.kind, 'ready');
		assert.ok(data.growth && data.live && data.growthSites && data.liveTree);
		assert.equal(data.growthSites![0]!.function, SIM_LEAK_FUNCTION);
		await session.dispose();
		const j0 = performance.now();
		const alone = await run('jeprof', ['--text', '--show_bytes', `--base=${data.base!.path}`, `/proc/${w2.pid}/exe`, data.dump!.path], {timeoutMs: 60_000});
		const aloneMs = performance.now() - j0;
		assert.equal(alone.code, 0, alone.stderr);
		const steps = data.steps.map(s => `${s.id} ${Math.round(s.durationMs ?? 0)} ms`).join(', ');
		t.diagnostic(`first table ${Math.round(firstTableMs)} ms, all four ${Math.round(allMs)} ms (${steps}); jeprof --text --base alone ${Math.round(aloneMs)} ms`);
		// The first table costs one jeprof run plus a little (detection, copying, readelf).
		assert.ok(firstTableMs < aloneMs * 2 + 1500, `first table ${firstTableMs} ms vs jeprof alone ${aloneMs} ms`);
	});
});
