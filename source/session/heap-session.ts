/**
 * What happens behind `m` on a node (and `zeektop heap`): find the node's jemalloc state, pick the
 * newest complete dump and the one before it as the base, run jeprof for the growth table, the live
 * table and the folded stacks (allocation sites, flame graph) with honest per-step progress and
 * cancel; or, when there is nothing to read yet, propose what can be done: a dump now through gdb,
 * waiting for the next interval dump (with a countdown estimated from the previous dumps' spacing),
 * or a timed capture when sampling is off (prof_active:false).
 *
 * The only code that calls capture/jemalloc.ts for the UI and the CLI. Results are cached per dump
 * (in memory here, on disk by runJeprof) and the dumps read are copied into a capture directory
 * (kind 'heap') so the analysis survives zeekctl cleaning its spool.
 */
import type {Session} from './session.js';
import {runHeapTables} from '../capture/heap-tables.js';
import {accessSync, constants as fsConstants, lstatSync, writeFileSync} from 'node:fs';
import {homedir} from 'node:os';
import {basename, delimiter, isAbsolute, join} from 'node:path';
import {ProcFs} from '../collect/procfs.js';
import {systemClock, type Clock} from '../lib/clock.js';
import {onCleanup} from '../lib/cleanup.js';
import {detectJemalloc, dumpNow as realDumpNow, listHeapDumps, readHeapDumpSummary, runJeprof as realRunJeprof, setProfActive as realSetProfActive, type DumpNowResult, type HeapDumpFile, type JemallocState, type JeprofRunFailure, type JeprofRunSuccess} from '../capture/jemalloc.js';
import {newCaptureDir} from '../capture/perf.js';
import {DEFAULT_ALLOCATOR_PATTERNS, allocationSites, type AllocatorPattern} from '../profile/alloc-sites.js';
import {type FileKey, GDB_MISSING, type HeapData, type HeapDeps, type HeapDumpRef, type HeapIntent, HeapMemo, type HeapSessionOptions, type HeapStep, type HeapStepId, type HeapTarget, JEPROF_GUIDANCE, dumpRef, estimateNextDumpAtMs, fileKey, heapFlameTree, pickDumps, planHeap, subtractStacks, unreadableGuidance, formatIntervalBytes, BINUTILS_GUIDANCE} from './heap-plan.js';

// The plan's types and pure helpers are part of the session's interface.
export * from './heap-plan.js';

// ---------------------------------------------------------------------------------------------
// Tools and cache paths


/** `$XDG_CACHE_HOME/zeektop/jeprof` (absolute XDG only), else `~/.cache/zeektop/jeprof`. */
export function jeprofCacheDir(env: NodeJS.ProcessEnv): string {
	const xdg = env.XDG_CACHE_HOME;
	const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.cache');
	return join(base, 'zeektop', 'jeprof');
}

/** Is `tool` an executable on PATH (or an executable path)? A file check, no process. */
export function toolAvailable(tool: string, env: NodeJS.ProcessEnv = process.env): boolean {
	const candidates = tool.includes('/') ? [tool] : (env.PATH ?? '').split(delimiter).filter(Boolean).map(dir => join(dir, tool));
	return candidates.some(path => {
		try {
			accessSync(path, fsConstants.X_OK);
			return lstatSync(path).isFile() || lstatSync(path).isSymbolicLink();
		} catch {
			return false; // not there or not executable: try the next PATH entry
		}
	});
}

// ---------------------------------------------------------------------------------------------
// The session

const STEP_LABELS: Record<HeapStepId, string> = {
	growth: 'growth since the base',
	live: 'everything live',
	stacks: 'allocation stacks (sites, flame graph)',
	baseStacks: 'stacks of the base (growth sites)',
};

const STEP_FILES: Record<HeapStepId, string> = {
	growth: 'growth.txt',
	live: 'live.txt',
	stacks: 'stacks.collapsed',
	baseStacks: 'base-stacks.collapsed',
};

const sleep = (ms: number, signal?: AbortSignal) =>
	new Promise<void>(resolve => {
		if (signal?.aborted) return resolve();
		const timer = setTimeout(done, ms);
		function done() {
			clearTimeout(timer);
			signal?.removeEventListener('abort', done);
			resolve();
		}
		signal?.addEventListener('abort', done, {once: true});
	});

/**
 * One heap look at one node. Drive it with start() / handle(intent); read `data` or subscribe.
 * dispose() when the view closes: it cancels jeprof and waits until a timed capture has switched
 * sampling off again.
 */
export class HeapSession implements Session<HeapData> {
	private d: HeapData;
	private readonly listeners = new Set<(data: HeapData) => void>();
	private readonly procfs: ProcFs;
	private readonly clock: Clock;
	private readonly env: NodeJS.ProcessEnv;
	private abort = new AbortController();
	private current: Promise<void> = Promise.resolve();
	private timer: NodeJS.Timeout | undefined;
	private disposed = false;
	private readonly completeCache = new Map<FileKey, boolean>();
	private readonly memo: HeapMemo;
	private snapshot: HeapData | undefined;

	constructor(
		readonly target: HeapTarget,
		private readonly deps: HeapDeps,
		private readonly options: HeapSessionOptions = {},
	) {
		this.memo = deps.memo ?? new HeapMemo();
		this.procfs = deps.procfs ?? new ProcFs();
		this.clock = deps.clock ?? systemClock;
		this.env = deps.env ?? process.env;
		this.d = {target, phase: {kind: 'detecting'}, actions: [], steps: [], notes: [], captureSeconds: deps.captureSeconds ?? 30, allocatorPatterns: deps.allocatorPatterns ?? DEFAULT_ALLOCATOR_PATTERNS, nowMs: this.clock.monotonic(), wallNowMs: this.clock.now()};
	}

	private get allocatorPatterns(): readonly AllocatorPattern[] {
		return this.d.allocatorPatterns;
	}

	get data(): HeapData {
		this.snapshot ??= {...this.d, nowMs: this.clock.monotonic(), wallNowMs: this.clock.now(), steps: this.d.steps.map(s => ({...s})), notes: [...this.d.notes]};
		return this.snapshot;
	}

	subscribe(listener: (data: HeapData) => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	/** Resolves when the operation started last has finished (tests, the CLI). */
	settled(): Promise<void> {
		return this.current;
	}

	/** Detect, then analyse the newest dump, or offer what can be done, or explain the fix. */
	start(): Promise<void> {
		return this.begin(signal => this.detectAndAnalyse(signal));
	}

	handle(intent: HeapIntent): Promise<void> {
		switch (intent) {
			case 'dump':
				return this.begin(signal => this.dumpAndAnalyse(signal));
			case 'wait':
				return this.begin(signal => this.waitAndAnalyse(signal));
			case 'capture':
				return this.begin(signal => this.captureAndAnalyse(signal));
			case 'refresh':
				return this.begin(signal => this.detectAndAnalyse(signal));
			case 'cancel':
				this.cancel();
				return this.current;
		}
	}

	cancel(): void {
		this.abort.abort();
	}

	/** Cancel and wait for the cleanup (prof.active switched back) to finish. */
	async dispose(): Promise<void> {
		this.disposed = true;
		this.abort.abort();
		await this.current;
		this.stopTicking();
		this.listeners.clear();
	}

	// -------------------------------------------------------------------------------------------

	private emit(): void {
		this.snapshot = undefined;
		if (this.disposed) return;
		const data = this.data;
		for (const listener of this.listeners) listener(data);
	}

	private set(patch: Partial<HeapData>): void {
		Object.assign(this.d, patch);
		this.emit();
	}

	private isBusy(): boolean {
		const k = this.d.phase.kind;
		return k === 'detecting' || k === 'dumping' || k === 'waiting' || k === 'capturing' || k === 'analysing' || this.d.steps.some(s => s.status === 'running');
	}

	private startTicking(): void {
		if (this.timer) return;
		this.timer = setInterval(() => {
			if (this.isBusy()) this.emit();
			else this.stopTicking();
		}, this.deps.tickMs ?? 250);
		this.timer.unref();
	}

	private stopTicking(): void {
		if (this.timer) clearInterval(this.timer);
		this.timer = undefined;
	}

	/** Cancel what runs, then run `op` with a fresh signal once the previous one has unwound. */
	private begin(op: (signal: AbortSignal) => Promise<void>): Promise<void> {
		if (this.disposed) return this.current;
		this.abort.abort();
		const controller = new AbortController();
		this.abort = controller;
		const previous = this.current;
		this.current = (async () => {
			await previous;
			if (controller.signal.aborted) return;
			this.startTicking();
			try {
				await op(controller.signal);
			} catch (error) {
				this.set({phase: {kind: 'failed', reason: `internal error: ${(error as Error).message}`}});
			} finally {
				if (controller.signal.aborted && this.isBusy()) this.markCancelled();
				this.emit();
			}
		})();
		return this.current;
	}

	private markCancelled(): void {
		for (const s of this.d.steps) {
			if (s.status === 'running' || s.status === 'pending') s.status = 'cancelled';
		}
		const k = this.d.phase.kind;
		if (k !== 'ready' && k !== 'cannot' && k !== 'failed' && k !== 'offer') this.d.phase = {kind: 'cancelled'};
	}

	private detect(): JemallocState {
		const state = this.deps.detect
			? this.deps.detect(this.target.pid, this.procfs)
			: detectJemalloc(this.target.pid, this.procfs, {clock: this.clock, etcMallocConfPath: this.deps.etcMallocConfPath});
		return state;
	}

	private tools() {
		// The tables need jeprof only on the --jeprof path; zeektop's own reader needs binutils.
		const tables = this.deps.runJeprof || !this.deps.useJeprof
			? this.deps.runJeprof !== undefined || (toolAvailable('addr2line', this.env) && toolAvailable('nm', this.env))
			: toolAvailable(this.deps.jeprofPath ?? 'jeprof', this.env);
		return {jeprof: tables, gdb: toolAvailable(this.deps.gdbPath ?? 'gdb', this.env), viaJeprof: this.deps.useJeprof === true};
	}

	private isComplete(file: HeapDumpFile): boolean {
		const key = fileKey(file);
		const known = this.completeCache.get(key);
		if (known !== undefined) return known;
		const summary = readHeapDumpSummary(file.path);
		// Unreadable counts as complete here: jeprof's own error says why, with the path.
		const complete = !summary.ok || summary.summary.complete;
		if (complete) this.completeCache.set(key, true);
		return complete;
	}

	private liveEstimate(path: string): number | undefined {
		const summary = readHeapDumpSummary(path);
		return summary.ok ? summary.summary.estimated.live.bytes : undefined;
	}

	private async detectAndAnalyse(signal: AbortSignal): Promise<void> {
		this.set({phase: {kind: 'detecting'}, steps: []});
		const state = this.detect();
		const plan = planHeap(state, this.target.launch, this.tools(), {captureSeconds: this.deps.captureSeconds});
		this.d.state = state;
		this.d.actions = plan.actions;
		this.d.notes = [...state.notes];
		if (plan.kind === 'cannot') return this.set({phase: {kind: 'cannot', guidance: plan.guidance}});
		if (plan.kind === 'offer') return this.set({phase: {kind: 'offer', lines: plan.lines}});

		// A dump jemalloc is writing right now lacks its tail: give it a moment, then skip it.
		let picked = pickDumps(state.dumps, d => this.isComplete(d));
		for (let i = 0; i < 10 && picked.skipped.length > 0 && picked.skipped[0] === state.dumps.at(-1) && !signal.aborted; i++) {
			await sleep(200, signal);
			picked = pickDumps(state.dumps, d => this.isComplete(d));
		}
		for (const s of picked.skipped) this.d.notes.push(`${s.name} is incomplete (being written?): skipped`);
		if (!picked.dump) return this.set({phase: {kind: 'failed', reason: `no complete dump of pid ${this.target.pid} in ${state.dumpDir ?? '?'}`}});
		for (const file of [picked.dump, picked.base]) {
			if (!file) continue;
			try {
				accessSync(file.path, fsConstants.R_OK);
			} catch (error) {
				const code = (error as NodeJS.ErrnoException).code;
				const reason = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOENT' ? 'it was removed (zeekctl cleaning the spool?)' : (code ?? 'error');
				return this.set({phase: {kind: 'cannot', guidance: unreadableGuidance(file.name, reason, state.dumpDir)}});
			}
		}
		await this.analyse(dumpRef(picked.dump), this.baseFor(picked.base), signal);
	}

	private baseFor(previous: HeapDumpFile | undefined): HeapDumpRef | undefined {
		if (this.options.baseFile !== undefined) {
			const path = this.options.baseFile;
			try {
				const st = lstatSync(path);
				return {path, name: basename(path), sizeBytes: st.size, mtimeMs: st.mtimeMs};
			} catch (error) {
				this.d.notes.push(`--base ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
				return undefined;
			}
		}
		return previous ? dumpRef(previous) : undefined;
	}

	/**
	 * A fresh dump, then the analysis against the newest dump before it. `allowCapture`: a node
	 * with prof_active:false gets a timed capture instead (the CLI's --dump).
	 */
	private async dumpAndAnalyse(signal: AbortSignal, allowCapture = false): Promise<void> {
		const state = this.detect();
		const plan = planHeap(state, this.target.launch, this.tools(), {captureSeconds: this.deps.captureSeconds});
		this.d.state = state;
		this.d.actions = plan.actions;
		if (allowCapture && plan.actions.includes('capture')) return this.captureAndAnalyse(signal);
		if (!plan.actions.includes('dump')) {
			if (plan.kind === 'cannot') return this.set({phase: {kind: 'cannot', guidance: plan.guidance}});
			return this.set({phase: {kind: 'failed', reason: GDB_MISSING}});
		}
		if (plan.kind === 'cannot' && plan.guidance === JEPROF_GUIDANCE) return this.set({phase: {kind: 'cannot', guidance: plan.guidance}});
		const before = pickDumps(state.dumps, d => this.isComplete(d)).dump;
		this.set({phase: {kind: 'dumping', startedMs: this.clock.monotonic()}});
		const dumpNow = this.deps.dumpNow ?? realDumpNow;
		const result = await dumpNow(this.target.pid, {procfs: this.procfs, clock: this.clock, signal, gdbPath: this.deps.gdbPath, etcMallocConfPath: this.deps.etcMallocConfPath});
		this.recordPause(result);
		if (!result.ok) {
			if (signal.aborted) return;
			return this.set({phase: {kind: 'failed', reason: `dump failed: ${result.reason}`}});
		}
		this.refreshState();
		await this.analyse(dumpRef(result.dump), this.baseFor(before), signal);
	}

	/** The CLI's --dump: a dump now (or a timed capture with prof_active:false), then the analysis. */
	dumpFirst(): Promise<void> {
		return this.begin(signal => this.dumpAndAnalyse(signal, true));
	}

	private recordPause(result: {pauseMs: number; observedStopMs: number; stateAfter: string | undefined; resumed: boolean}): void {
		this.d.lastDump = {pauseMs: result.pauseMs, observedStopMs: result.observedStopMs, stateAfter: result.stateAfter, resumed: result.resumed};
	}

	private refreshState(): void {
		const state = this.detect();
		this.d.state = state;
		this.d.actions = planHeap(state, this.target.launch, this.tools(), {captureSeconds: this.deps.captureSeconds}).actions;
	}

	private async waitAndAnalyse(signal: AbortSignal): Promise<void> {
		const state = this.d.state ?? this.detect();
		this.d.state = state;
		if (state.dumpDir === undefined) return this.set({phase: {kind: 'failed', reason: "the node's dump directory is unknown (cwd unreadable)"}});
		const known = new Set(state.dumps.map(d => d.name));
		const before = pickDumps(state.dumps, d => this.isComplete(d)).dump;
		const nextAt = estimateNextDumpAtMs(state.dumps);
		const interval = state.conf.intervalBytes;
		const basis = nextAt === undefined
			? `no estimate yet (interval dumps come every ${interval === undefined ? '?' : formatIntervalBytes(interval)} allocated)`
			: `estimated from the spacing of the last ${Math.min(4, state.dumps.filter(d => d.dump.kind === 'interval').length - 1)} interval dumps`;
		this.set({phase: {kind: 'waiting', startedMs: this.clock.monotonic(), knownDumps: known.size, nextDumpAtMs: nextAt, basis}});
		while (!signal.aborted) {
			await sleep(this.deps.pollMs ?? 500, signal);
			if (signal.aborted) return;
			const listed = listHeapDumps(state.dumpDir, {pid: this.target.pid});
			const fresh = listed.dumps.filter(d => !known.has(d.name) && this.isComplete(d)).at(-1);
			if (fresh) {
				this.refreshState();
				return this.analyse(dumpRef(fresh), this.baseFor(before), signal);
			}
			if (!this.procfs.read(this.target.pid, 'stat').ok) {
				return this.set({phase: {kind: 'failed', reason: `pid ${this.target.pid} exited while waiting for a dump`}});
			}
		}
	}

	private async captureAndAnalyse(signal: AbortSignal): Promise<void> {
		const seconds = this.deps.captureSeconds ?? 30;
		const state = this.d.state ?? this.detect();
		this.d.state = state;
		const before = pickDumps(state.dumps, d => this.isComplete(d)).dump;
		const setProfActive = this.deps.setProfActive ?? realSetProfActive;
		const gdb = {procfs: this.procfs, clock: this.clock, gdbPath: this.deps.gdbPath};
		const startedMs = this.clock.monotonic();
		const phase = (stage: 'activating' | 'sampling' | 'dumping' | 'restoring', endsAtMs = startedMs + seconds * 1000) =>
			this.set({phase: {kind: 'capturing', startedMs, seconds, endsAtMs, stage}});
		phase('activating');
		const on = await setProfActive(this.target.pid, true, {...gdb, signal});
		this.recordPause(on);
		if (!on.ok) {
			if (signal.aborted) return;
			return this.set({phase: {kind: 'failed', reason: `could not switch sampling on: ${on.reason}`}});
		}
		const restoreTo = on.previous ?? false;
		// Sampling must not stay on if zeektop is quit or killed meanwhile.
		let restored: Promise<unknown> | undefined;
		const restore = () => (restored ??= setProfActive(this.target.pid, restoreTo, gdb));
		const unregister = onCleanup(async () => {
			await restore();
		});
		let result: DumpNowResult | undefined;
		try {
			const samplingFrom = this.clock.monotonic();
			phase('sampling', samplingFrom + seconds * 1000);
			await sleep(seconds * 1000, signal);
			if (signal.aborted) return;
			phase('dumping', samplingFrom + seconds * 1000);
			const dumpNow = this.deps.dumpNow ?? realDumpNow;
			result = await dumpNow(this.target.pid, {...gdb, signal, etcMallocConfPath: this.deps.etcMallocConfPath});
			this.recordPause(result);
		} finally {
			if (!restoreTo) {
				this.d.phase = {kind: 'capturing', startedMs, seconds, endsAtMs: this.clock.monotonic(), stage: 'restoring'};
				this.emit();
				const off = (await restore()) as Awaited<ReturnType<typeof realSetProfActive>>;
				if (!off.ok) this.d.notes.push(`could not switch sampling off again: ${off.reason}`);
			}
			unregister();
		}
		if (!result.ok) return this.set({phase: {kind: 'failed', reason: `dump failed: ${result.reason}`}});
		this.d.windowSeconds = seconds;
		this.refreshState();
		await this.analyse(dumpRef(result.dump), this.baseFor(before), signal);
	}

	// -------------------------------------------------------------------------------------------
	// jeprof

	private async analyse(dump: HeapDumpRef, base: HeapDumpRef | undefined, signal: AbortSignal): Promise<void> {
		const startedMs = this.clock.monotonic();
		const ids: HeapStepId[] = base ? ['growth', 'stacks', 'baseStacks', 'live'] : ['live', 'stacks'];
		const short = (p: string) => basename(p);
		const command = (id: HeapStepId) => {
			const b = id === 'growth' ? ` --base=${short(base!.path)}` : '';
			const mode = id === 'growth' || id === 'live' ? '--text' : '--collapsed';
			const file = id === 'baseStacks' ? base!.path : dump.path;
			return `jeprof ${mode}${b} <exe> ${short(file)}`;
		};
		Object.assign(this.d, {
			dump,
			base,
			dumpLiveBytes: this.liveEstimate(dump.path),
			growth: undefined,
			live: undefined,
			growthSites: undefined,
			liveSites: undefined,
			growthTree: undefined,
			liveTree: undefined,
			steps: ids.map(id => ({id, label: STEP_LABELS[id], command: command(id), status: 'pending' as const})),
			phase: {kind: 'analysing', startedMs},
		});
		this.emit();

		const captureDir = this.captureDirFor(dump, base);
		this.d.captureDir = captureDir;
		const binary = this.procfs.path(this.target.pid, 'exe');
		const stacks: Partial<Record<'stacks' | 'baseStacks', Map<string, number>>> = {};
		const concurrency = Math.max(1, this.deps.concurrency ?? 1);
		const queue = [...this.d.steps];
		const results = new Map<HeapStepId, JeprofRunSuccess | JeprofRunFailure>();

		const runStep = async (step: HeapStep): Promise<void> => {
			if (signal.aborted) return;
			const file = step.id === 'baseStacks' ? base! : dump;
			const mode = step.id === 'growth' || step.id === 'live' ? 'text' : 'collapsed';
			const withBase = step.id === 'growth' ? base : undefined;
			const memoKey = `${mode}|${this.target.pid}|${fileKey(file)}|${withBase ? fileKey(withBase) : ''}`;
			step.status = 'running';
			step.startedMs = this.clock.monotonic();
			this.emit();
			let result: JeprofRunSuccess | JeprofRunFailure | undefined = this.memo.jeprof.get(memoKey);
			const memoHit = result !== undefined;
			if (!result) {
				const run = this.deps.runJeprof ?? (this.deps.useJeprof ? realRunJeprof : runHeapTables);
				result = await run({
					binary,
					dump: file.path,
					base: withBase?.path,
					mode,
					signal,
					cacheDir: this.deps.cacheDir === null ? undefined : (this.deps.cacheDir ?? jeprofCacheDir(this.env)),
					captureDir,
					jeprofPath: this.deps.jeprofPath,
					clock: this.clock,
				});
				if (result.ok) this.memo.remember(this.memo.jeprof, memoKey, result);
			}
			step.durationMs = this.clock.monotonic() - step.startedMs;
			results.set(step.id, result);
			if (!result.ok) {
				step.status = result.aborted ? 'cancelled' : 'failed';
				step.reason = result.reason;
			} else {
				step.status = memoHit || result.cached ? 'cached' : 'done';
				if (captureDir) this.saveOutput(captureDir, STEP_FILES[step.id], result.output);
				if (result.mode === 'text') {
					if (step.id === 'growth') this.d.growth = result.report;
					else this.d.live = result.report;
				} else if (step.id === 'stacks' || step.id === 'baseStacks') {
					stacks[step.id] = result.stacks;
					this.deriveStacks(stacks, base !== undefined);
				}
			}
			if (step === this.d.steps[0]) {
				if (result.ok) this.d.phase = {kind: 'ready'};
				else if (!result.aborted) this.d.phase = {kind: 'failed', reason: result.reason, guidance: /jeprof is not installed/.test(result.reason) ? JEPROF_GUIDANCE : /(addr2line|nm) is not installed/.test(result.reason) ? BINUTILS_GUIDANCE : undefined};
			}
			this.emit();
		};
		const worker = async () => {
			for (let step = queue.shift(); step && !signal.aborted; step = queue.shift()) {
				await runStep(step);
				// Without the first table there is nothing to show: stop rather than run the rest.
				if (this.d.phase.kind === 'failed') {
					for (const s of this.d.steps) if (s.status === 'pending') Object.assign(s, {status: 'cancelled', reason: 'not run: the first step failed'});
					return;
				}
			}
		};
		await Promise.all(Array.from({length: Math.min(concurrency, queue.length)}, worker));
		if (captureDir) this.writeMeta(captureDir, dump, base, startedMs);
	}

	private deriveStacks(stacks: Partial<Record<'stacks' | 'baseStacks', Map<string, number>>>, based: boolean): void {
		const live = stacks.stacks;
		if (live && !this.d.liveSites) {
			this.d.liveSites = allocationSites(live, this.allocatorPatterns);
			this.d.liveTree = heapFlameTree(live);
		}
		if (based && live && stacks.baseStacks && !this.d.growthSites) {
			const growth = subtractStacks(live, stacks.baseStacks);
			this.d.growthSites = allocationSites(growth, this.allocatorPatterns);
			this.d.growthTree = heapFlameTree(growth);
		}
	}

	private captureDirFor(dump: HeapDumpRef, base: HeapDumpRef | undefined): string | undefined {
		const key = `${this.target.pid}|${fileKey(dump)}|${base ? fileKey(base) : ''}`;
		const known = this.memo.captureDirs.get(key);
		if (known) return known;
		try {
			const dir = newCaptureDir(this.deps.capturesRoot, {node: this.target.node, pid: this.target.pid, kind: 'heap', clock: this.clock});
			this.memo.remember(this.memo.captureDirs, key, dir);
			this.writeMeta(dir, dump, base, this.clock.monotonic(), 'recording');
			return dir;
		} catch (error) {
			this.d.notes.push(`no capture directory under ${this.deps.capturesRoot}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; dumps are read in place`);
			return undefined;
		}
	}

	private saveOutput(dir: string, name: string, output: string): void {
		try {
			writeFileSync(join(dir, name), output, {mode: 0o600});
		} catch (error) {
			this.d.notes.push(`could not save ${name} in ${dir}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
		}
	}

	/** meta.json in the shape of capture/perf.ts's CaptureMeta (listCaptures reads it). */
	private writeMeta(dir: string, dump: HeapDumpRef, base: HeapDumpRef | undefined, startedMs: number, status?: 'recording'): void {
		const steps = this.d.steps;
		const ok = steps.filter(s => s.status === 'done' || s.status === 'cached');
		const files: Record<string, string> = {dump: dump.name};
		if (base) files.base = base.name;
		for (const s of ok) files[s.id] = STEP_FILES[s.id];
		const meta = {
			kind: 'heap',
			node: this.target.node,
			pid: this.target.pid,
			startedAt: new Date(this.clock.now() - (this.clock.monotonic() - startedMs)).toISOString(),
			status: status ?? (ok.length === steps.length ? 'complete' : ok.length > 0 ? 'partial' : 'failed'),
			durationMs: Math.round(this.clock.monotonic() - startedMs),
			notes: this.d.notes,
			files,
			...(this.d.lastDump ? {dumpPauseMs: Math.round(this.d.lastDump.pauseMs)} : {}),
			...(this.d.windowSeconds ? {seconds: this.d.windowSeconds} : {}),
		};
		try {
			writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta, null, 2) + '\n', {mode: 0o600});
		} catch {
			// the capture directory vanished or filled up: the analysis on screen is unaffected
		}
	}
}

/**
 * Run one session to the end (the CLI): start (or dump first), wait for every step. Resolves with
 * the final data; `onChange` sees every intermediate snapshot (progress).
 */
export async function analyseHeap(
	target: HeapTarget,
	deps: HeapDeps,
	options: HeapSessionOptions & {dumpFirst?: boolean; signal?: AbortSignal; onChange?: (data: HeapData) => void} = {},
): Promise<HeapData> {
	const session = new HeapSession(target, deps, options);
	const unsubscribe = options.onChange ? session.subscribe(options.onChange) : undefined;
	const onAbort = () => session.cancel();
	options.signal?.addEventListener('abort', onAbort, {once: true});
	try {
		await (options.dumpFirst ? session.dumpFirst() : session.start());
		await session.settled();
		return session.data;
	} finally {
		options.signal?.removeEventListener('abort', onAbort);
		unsubscribe?.();
		await session.dispose();
	}
}
