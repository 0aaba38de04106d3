// `m` (HeapSession -> first heap table) against `jeprof --text` alone on the same dump, on the
// simulated sensor's leaking worker (jemalloc interval dumps), in one run; where the time goes
// (detection, each jeprof step, readelf, parsing, the first frame); and a reopen from the caches.
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import React from 'react';
import {renderToString} from 'ink';
import {run} from '../source/capture/runner.js';
import {listHeapDumps, readHeapDumpSummary} from '../source/capture/jemalloc.js';
import {parseJeprofText} from '../source/profile/jeprof.js';
import {defaultScenario, findJemalloc, startCluster, type SimNode} from '../source/sim/launcher.js';
import {SIM_LEAK_FUNCTION} from '../source/sim/names.js';
import {HeapMemo, HeapSession, toolAvailable, type HeapData} from '../source/session/heap-session.js';
import {HeapView, heapViewLines, syncHeapUi} from '../source/ui/views/HeapView.js';
import {initialHeapUi} from '../source/ui/heap-keys.js';
import type {Theme} from '../source/ui/theme.js';

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const WIDTH = 199;
const HEIGHT = 49;
const theme: Theme = {color: true, unicode: true};
const ms = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '-' : `${Math.round(x)} ms`);
const median = (xs: readonly number[]) => {
	const s = [...xs].sort((a, b) => a - b);
	return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

type SessionRun = {
	/** start() -> the phase leaves 'detecting' (jemalloc detection, plan, picking the dumps). */
	detectMs: number;
	/** start() -> the first jeprof step starts (a capture directory made meanwhile). */
	stepStartMs: number;
	/** start() -> phase 'ready' with the first table's data. */
	readyMs: number;
	/** heapViewLines of that first table (the view's own work). */
	linesMs: number;
	/** Ink turning those lines into the terminal frame (HeapView through renderToString); untilReady only. */
	inkMs: number;
	/** start() -> every step finished (NaN: closed after the first table). */
	allMs: number;
	data: HeapData;
	firstTable: string;
	frameLines: string[];
};

/**
 * One press of `m`: a fresh session on the node, timed until the first table, then until all
 * steps ran (or, with `untilReady`, closed as soon as the first table is there: the rest cancelled).
 */
async function openHeap(node: SimNode, capturesRoot: string, cacheDir: string | null, untilReady = false, memo?: HeapMemo): Promise<SessionRun> {
	const session = new HeapSession({pid: node.pid, node: node.node, launch: 'zeekctl'}, {capturesRoot, cacheDir, memo});
	let detectMs = NaN;
	let stepStartMs = NaN;
	let readyMs = NaN;
	let linesMs = NaN;
	let inkMs = NaN;
	let firstTable = '';
	let frameLines: string[] = [];
	let onReady = () => {};
	const ready = new Promise<void>(resolve => (onReady = resolve));
	const t0 = performance.now();
	const off = session.subscribe(d => {
		if (Number.isNaN(detectMs) && d.phase.kind !== 'detecting') detectMs = performance.now() - t0;
		if (Number.isNaN(stepStartMs) && d.steps[0] && d.steps[0].status !== 'pending') stepStartMs = performance.now() - t0;
		if (Number.isNaN(readyMs) && d.phase.kind === 'ready' && (d.growth ?? d.live)) {
			readyMs = performance.now() - t0;
			firstTable = d.growth ? 'growth' : 'live';
			const t1 = performance.now();
			const ui = syncHeapUi(initialHeapUi, d, WIDTH, HEIGHT);
			frameLines = heapViewLines(d, ui, WIDTH, HEIGHT, theme);
			linesMs = performance.now() - t1;
			if (untilReady) {
				// Not in a session left to finish: its next step would wait for this.
				const t2 = performance.now();
				renderToString(React.createElement(HeapView, {data: d, state: ui, width: WIDTH, height: HEIGHT, theme}), {columns: WIDTH + 1});
				inkMs = performance.now() - t2;
			}
			onReady();
		}
	});
	try {
		const started = session.start();
		if (untilReady) await Promise.race([ready, started]);
		else await started;
		const allMs = untilReady ? NaN : performance.now() - t0;
		return {detectMs, stepStartMs, readyMs, linesMs, inkMs, allMs, data: session.data, firstTable, frameLines};
	} finally {
		off();
		await session.dispose();
	}
}

function stepsText(data: HeapData): string {
	return data.steps.map(s => `${s.id} ${ms(s.durationMs)}${s.status === 'done' ? '' : ` [${s.status}]`}`).join(', ');
}

function completeDumps(n: SimNode) {
	return listHeapDumps(n.cwd, {pid: n.pid}).dumps.filter(d => {
		const s = readHeapDumpSummary(d.path);
		return s.ok && s.summary.complete;
	});
}

/** Stop the worker with its newest dump complete (no dump half-written while it is stopped). */
async function freeze(n: SimNode): Promise<void> {
	for (let i = 0; i < 20; i++) {
		process.kill(n.pid, 'SIGSTOP');
		await sleep(50);
		const all = listHeapDumps(n.cwd, {pid: n.pid}).dumps;
		const newest = all.at(-1);
		const s = newest ? readHeapDumpSummary(newest.path) : undefined;
		if (s?.ok && s.summary.complete) return;
		process.kill(n.pid, 'SIGCONT');
		await sleep(300);
	}
}

export async function benchHeap(): Promise<string[]> {
	const out: string[] = [];
	const missing = ['jeprof', 'readelf'].filter(t => !toolAvailable(t));
	if (missing.length > 0) return [`heap: skipped, ${missing.join(', ')} not installed (jeprof: apt-get install libjemalloc-dev)`];
	if (!findJemalloc()) return ['heap: skipped, libjemalloc.so.2 not installed (apt-get install libjemalloc2)'];

	// The default scenario's leaking worker (jemalloc with interval dumps), without the overloaded
	// worker: on a 2-core box it would take a core from jeprof and zeektop alike.
	const scenario = defaultScenario({workers: 2});
	scenario.nodes = scenario.nodes.filter(n => n.behaviour !== 'overloaded');
	const work = mkdtempSync(join(tmpdir(), 'zeektop-bench-heap-'));
	const capturesRoot = join(work, 'captures');
	const cacheDir = join(work, 'jeprof-cache');
	let cluster: Awaited<ReturnType<typeof startCluster>> | undefined;
	let frozen: SimNode | undefined;
	try {
		// A dump per 32 MiB allocated, as test/headless/heap.test.ts: the leak's growth between two dumps
		// is then well above jemalloc's 512 KiB sampling granularity.
		cluster = await startCluster(scenario, {basePort: 0, lgProfInterval: 25});
		const w = cluster.nodes.find(n => n.behaviour === 'leaking')!;
		if (w.jemalloc !== 'interval') return [`heap: skipped, the leaking worker runs without jemalloc profiling (${cluster.notes.join('; ')})`];
		for (let i = 0; i < 300 && completeDumps(w).length < 2; i++) await sleep(200);
		if (completeDumps(w).length < 2) return ['heap: skipped, the leaking worker wrote fewer than 2 complete dumps in 60 s'];
		const exe = `/proc/${w.pid}/exe`;

		// Warm-up, not counted: perl, nm and addr2line off the disk, as after any earlier jeprof.
		const warm0 = performance.now();
		await run('jeprof', ['--text', exe, completeDumps(w).at(-1)!.path], {timeoutMs: 120_000});
		const warmMs = performance.now() - warm0;

		// (a) m: a fresh session, no jeprof cache (in process or on disk); (b) the anchor on the same
		// dump, jeprof --text alone, and (b') the first step's own command alone (growth: --show_bytes
		// --base). Interleaved, five rounds, so that the other load of the box hits both alike; each
		// session is closed once its first table is there (its other jeprof runs are cancelled).
		const runs: SessionRun[] = [];
		const alone: number[] = [];
		const firstCmd: number[] = [];
		const readelf: number[] = [];
		let firstOut = '';
		for (let i = 0; i < 5; i++) {
			const r = await openHeap(w, capturesRoot, null, true);
			runs.push(r);
			if (Number.isNaN(r.readyMs) || !r.data.dump) return [`heap: the session ended ${r.data.phase.kind}: ${JSON.stringify(r.data.phase).slice(0, 300)}`];
			const {dump, base} = r.data;
			let t = performance.now();
			const j = await run('jeprof', ['--text', exe, dump.path], {timeoutMs: 120_000});
			alone.push(performance.now() - t);
			if (j.code !== 0) return [`heap: jeprof --text failed: ${j.stderr.trim().split('\n').at(-1)}`];
			const args = base ? ['--text', '--show_bytes', `--base=${base.path}`, exe, dump.path] : ['--text', '--show_bytes', exe, dump.path];
			t = performance.now();
			firstOut = (await run('jeprof', args, {timeoutMs: 120_000})).stdout;
			firstCmd.push(performance.now() - t);
			t = performance.now();
			await run('readelf', ['-n', '--wide', exe], {timeoutMs: 10_000});
			readelf.push(performance.now() - t);
		}
		// And one session left to run every step (sites and flame graph need the collapsed stacks).
		const full = await openHeap(w, capturesRoot, null);
		const a = runs.at(-1)!;
		const t = performance.now();
		const parsed = parseJeprofText(firstOut);
		const parseMs = performance.now() - t;

		const med = (f: (r: SessionRun) => number) => median(runs.map(f));
		const aFirst = med(r => r.readyMs + r.linesMs);
		const bAlone = median(alone);
		const bFirst = median(firstCmd);
		const what = a.firstTable === 'growth' ? '--text --show_bytes --base=<base>' : '--text --show_bytes';
		const site = full.data.growthSites?.[0] ?? full.data.liveSites?.[0];
		out.push(`heap: leaking worker (pid ${w.pid}, jemalloc interval dumps), last dump ${a.data.dump!.name} (${a.data.dump!.sizeBytes} B), base ${a.data.base?.name ?? '(none)'}; first table: ${a.firstTable}, ${parsed.rows.length} rows; top allocation site (growth) ${site ? `${site.function} ${site.percent.toFixed(0)}%` : '-'}${site?.function === SIM_LEAK_FUNCTION ? ' (the leak)' : ''}; an uncounted first jeprof run took ${ms(warmMs)}`);
		out.push(`heap (a) m -> first table, fresh session, no cache: median ${ms(aFirst)} (${runs.map(r => ms(r.readyMs + r.linesMs)).join(', ')}) = phase ready ${ms(med(r => r.readyMs))} + heapViewLines ${med(r => r.linesMs).toFixed(1)} ms; Ink renderToString of that ${WIDTH}x${HEIGHT} frame would add ${ms(med(r => r.inkMs))}`);
		out.push(`heap (b) anchor, jeprof --text <exe> <dump> alone on the same dump: median ${ms(bAlone)} (${alone.map(x => ms(x)).join(', ')}); ratio (a)/(b) = ${(aFirst / bAlone).toFixed(2)}`);
		out.push(`heap (b') the first step's command, jeprof ${what} <exe> <dump> alone: median ${ms(bFirst)} (${firstCmd.map(x => ms(x)).join(', ')}); ratio (a)/(b') = ${(aFirst / bFirst).toFixed(2)}`);
		out.push(`heap (a) where the time goes (medians): detection + plan + picking the dumps ${ms(med(r => r.detectMs))}; capture directory until the first step starts ${ms(med(r => r.stepStartMs - r.detectMs))}; first step (${a.data.steps[0]?.id}) ${ms(med(r => r.data.steps[0]?.durationMs ?? NaN))}, which is copying the dumps + readelf -n for the build-id (alone ${ms(median(readelf))}) + the jeprof of (b') + parsing (${parseMs.toFixed(1)} ms alone); heapViewLines ${med(r => r.linesMs).toFixed(1)} ms`);
		out.push(`heap (a) every step, one at a time (a sixth session left to finish): first table ${ms(full.readyMs + full.linesMs)}, all done ${ms(full.allMs)} after m (${stepsText(full.data)})`);

		// (c) Reopen. The worker is stopped meanwhile so that its newest dump stays the newest (it
		// writes an interval dump every few seconds), then continued.
		await freeze(w);
		frozen = w;
		const memo = new HeapMemo(); // one zeektop process: its sessions share one memo
		const fill = await openHeap(w, capturesRoot, cacheDir, false, memo);
		const same = await openHeap(w, capturesRoot, cacheDir, false, memo); // same process: the in-memory memo
		const disk = await openHeap(w, capturesRoot, cacheDir); // a new zeektop process: only the disk cache
		process.kill(w.pid, 'SIGCONT');
		frozen = undefined;
		const sameDump = (r: SessionRun) => (r.data.dump?.path === fill.data.dump?.path ? '' : ' (a different dump!)');
		out.push(`heap (c) reopen, cache filled by a first session (ready ${ms(fill.readyMs)}, all ${ms(fill.allMs)}): same process (memo) first table ${ms(same.readyMs + same.linesMs)}, all ${ms(same.allMs)}${sameDump(same)} [${stepsText(same.data)}]; new process (disk cache) first table ${ms(disk.readyMs + disk.linesMs)}, all ${ms(disk.allMs)}${sameDump(disk)} [${stepsText(disk.data)}]; ratio disk-cached/(b) = ${((disk.readyMs + disk.linesMs) / bAlone).toFixed(2)}`);
	} finally {
		if (frozen) {
			try {
				process.kill(frozen.pid, 'SIGCONT');
			} catch {
				// gone already
			}
		}
		await cluster?.stop();
		rmSync(work, {recursive: true, force: true});
	}
	return out;
}
