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
import {accessSync, constants as fsConstants, lstatSync, writeFileSync} from 'node:fs';
import {homedir} from 'node:os';
import {basename, delimiter, isAbsolute, join} from 'node:path';
import {ProcFs} from '../collect/procfs.js';
import {systemClock, type Clock} from '../lib/clock.js';
import {onCleanup} from '../lib/cleanup.js';
import {
	detectJemalloc,
	dumpNow as realDumpNow,
	guidanceFor,
	listHeapDumps,
	readHeapDumpSummary,
	runJeprof as realRunJeprof,
	setProfActive as realSetProfActive,
	type DumpNowResult,
	type Guidance,
	type HeapDumpFile,
	type JemallocState,
	type JeprofRunFailure,
	type JeprofRunSuccess,
	type LaunchMode,
} from '../capture/jemalloc.js';
import {newCaptureDir} from '../capture/perf.js';
import {DEFAULT_ALLOCATOR_PATTERNS, allocationSites, type AllocationSite, type AllocatorPattern} from '../profile/alloc-sites.js';
import {shortFunctionName, type HeapDumpKind, type JeprofTextReport} from '../profile/jeprof.js';
import {buildTree, type FlameTree} from '../profile/tree.js';

// ---------------------------------------------------------------------------------------------
// Types

export type HeapTarget = {pid: number; node: string; launch: LaunchMode};

/** A dump as the view shows it; `kind` is undefined for a file not named by jemalloc (--base). */
export type HeapDumpRef = {path: string; name: string; sizeBytes: number; mtimeMs: number; kind?: HeapDumpKind};

/** What the user can ask for on this node. */
export type HeapAction = 'dump' | 'wait' | 'capture';

export type HeapStepId = 'growth' | 'live' | 'stacks' | 'baseStacks';

export type HeapStep = {
	id: HeapStepId;
	/** What the step gives, in words ("growth since the base"). */
	label: string;
	/** The jeprof command line, shortened for display. */
	command: string;
	status: 'pending' | 'running' | 'done' | 'cached' | 'failed' | 'cancelled';
	/** Monotonic ms. */
	startedMs?: number;
	durationMs?: number;
	reason?: string;
};

export type HeapPhase =
	| {kind: 'detecting'}
	/** It cannot work as things are: the fix for this launch mode. `actions` may still be tried. */
	| {kind: 'cannot'; guidance: Guidance}
	/** Profiling is on but nothing to read yet: what can be done. */
	| {kind: 'offer'; lines: string[]}
	| {kind: 'dumping'; startedMs: number}
	| {kind: 'waiting'; startedMs: number; knownDumps: number; nextDumpAtMs: number | undefined; basis: string}
	| {kind: 'capturing'; startedMs: number; seconds: number; endsAtMs: number; stage: 'activating' | 'sampling' | 'dumping' | 'restoring'}
	/** jeprof runs; no table yet. */
	| {kind: 'analysing'; startedMs: number}
	/** The first table is there (later steps may still run). */
	| {kind: 'ready'}
	| {kind: 'failed'; reason: string; guidance?: Guidance}
	| {kind: 'cancelled'};

/** Everything HeapView shows. A fresh object on every change. */
export type HeapData = {
	target: HeapTarget;
	phase: HeapPhase;
	state?: JemallocState;
	/** Actions available now (gdb present, interval configured, prof_active:false...). */
	actions: HeapAction[];
	dump?: HeapDumpRef;
	base?: HeapDumpRef;
	/** Estimated live bytes of the dump from its header (before jeprof). */
	dumpLiveBytes?: number;
	steps: HeapStep[];
	growth?: JeprofTextReport;
	live?: JeprofTextReport;
	growthSites?: AllocationSite[];
	liveSites?: AllocationSite[];
	growthTree?: FlameTree;
	liveTree?: FlameTree;
	/** Last on-demand dump: the measured pause. */
	lastDump?: {pauseMs: number; observedStopMs: number; stateAfter: string | undefined; resumed: boolean};
	/** Length of a timed capture (c), in seconds. */
	captureSeconds: number;
	/** The frames skipped to find allocation sites (shown with `a`). */
	allocatorPatterns: readonly AllocatorPattern[];
	/** Timed capture window (prof_active:false nodes): the dump holds only what was sampled then. */
	windowSeconds?: number;
	captureDir?: string;
	notes: string[];
	/** Monotonic and wall clock at the time of this snapshot (elapsed times, ages, countdowns). */
	nowMs: number;
	wallNowMs: number;
};

export type HeapIntent = 'dump' | 'wait' | 'capture' | 'cancel' | 'refresh';

export type HeapDeps = {
	procfs?: ProcFs;
	clock?: Clock;
	/** Root of saved captures (capturesDir()); a capture directory of kind 'heap' is made below it. */
	capturesRoot: string;
	/** jeprof output cache; default $XDG_CACHE_HOME/zeektop/jeprof. null: none. */
	cacheDir?: string | null;
	etcMallocConfPath?: string;
	jeprofPath?: string;
	gdbPath?: string;
	env?: NodeJS.ProcessEnv;
	/** jeprof runs at once. Default 1: the first table arrives soonest, the sensor keeps its cores. */
	concurrency?: number;
	/** Frames skipped to find allocation sites (default DEFAULT_ALLOCATOR_PATTERNS; --alloc-skip adds). */
	allocatorPatterns?: readonly AllocatorPattern[];
	/** Length of a timed capture (prof_active:false). Default 30 s. */
	captureSeconds?: number;
	/** Refresh of elapsed times and countdowns. Default 250 ms. */
	tickMs?: number;
	/** Polling for a new interval dump. Default 500 ms. */
	pollMs?: number;
	/** Test seams; default the real capture/jemalloc.ts functions. */
	runJeprof?: typeof realRunJeprof;
	dumpNow?: typeof realDumpNow;
	setProfActive?: typeof realSetProfActive;
	detect?: (pid: number, procfs: ProcFs) => JemallocState;
};

export type HeapSessionOptions = {
	/** Compare against this file instead of the previous dump (--base). */
	baseFile?: string;
};

// ---------------------------------------------------------------------------------------------
// Pure helpers

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

export function dumpRef(file: HeapDumpFile): HeapDumpRef {
	return {path: file.path, name: file.name, sizeBytes: file.sizeBytes, mtimeMs: file.mtimeMs, kind: file.dump.kind};
}

/**
 * The newest complete dump and the one before it (the base). A dump jemalloc is still writing
 * lacks its MAPPED_LIBRARIES section: it is skipped (and said so).
 */
export function pickDumps(
	dumps: readonly HeapDumpFile[],
	isComplete: (dump: HeapDumpFile) => boolean,
): {dump?: HeapDumpFile; base?: HeapDumpFile; skipped: HeapDumpFile[]} {
	const skipped: HeapDumpFile[] = [];
	for (let i = dumps.length - 1; i >= 0; i--) {
		const d = dumps[i]!;
		if (!isComplete(d)) {
			skipped.push(d);
			continue;
		}
		return {dump: d, base: i > 0 ? dumps[i - 1] : undefined, skipped};
	}
	return {skipped};
}

/**
 * When the next interval dump is due: interval dumps come per bytes allocated, not per second, so
 * this extrapolates from the spacing of the last few (up to 4 gaps). Undefined with fewer than two.
 */
export function estimateNextDumpAtMs(dumps: readonly HeapDumpFile[]): number | undefined {
	const times = dumps.filter(d => d.dump.kind === 'interval').map(d => d.mtimeMs).slice(-5);
	if (times.length < 2) return undefined;
	const gap = (times.at(-1)! - times[0]!) / (times.length - 1);
	return times.at(-1)! + Math.max(0, gap);
}

/** Folded stacks a − b (growth of b → a), exact because jeprof's values are per-stack sums. */
export function subtractStacks(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): Map<string, number> {
	const out = new Map(a);
	for (const [stack, value] of b) out.set(stack, (out.get(stack) ?? 0) - value);
	for (const [stack, value] of out) if (value === 0) out.delete(stack);
	return out;
}

/** The flame tree of the positive part of a profile, frames named as jeprof --text names them. */
export function heapFlameTree(stacks: ReadonlyMap<string, number>): FlameTree {
	const short = new Map<string, number>();
	const names = new Map<string, string>();
	const name = (frame: string) => {
		let n = names.get(frame);
		if (n === undefined) names.set(frame, (n = shortFunctionName(frame) || frame));
		return n;
	};
	for (const [stack, bytes] of stacks) {
		if (!(bytes > 0)) continue;
		const key = stack.split(';').map(name).join(';');
		short.set(key, (short.get(key) ?? 0) + bytes);
	}
	return buildTree(short);
}

const JEPROF_GUIDANCE: Guidance = {
	headline: 'jeprof is not installed: it turns heap dumps into tables',
	steps: [
		"Install it: apt-get install libjemalloc-dev (Debian/Ubuntu; jeprof ships with jemalloc's development package), or use jeprof from the jemalloc build Zeek links against.",
		'It needs addr2line and nm (binutils) and perl.',
	],
	check: ['jeprof --version'],
};

/** The fix when the dumps are there but zeektop may not read them. */
export function unreadableGuidance(what: string, reason: string, dir: string | undefined): Guidance {
	return {
		headline: `cannot read ${what}: ${reason}`,
		steps: [
			'Run zeektop as root, or as the user the Zeek node runs as (e.g. sudo -u zeek zeektop).',
			`jemalloc writes the dumps into the node's directory${dir ? ` (${dir})` : ''}; zeektop copies the ones it reads into its capture directory.`,
		],
		check: dir ? [`ls -ld ${dir} && ls -l ${dir} | grep heap`] : [],
	};
}

const GDB_MISSING = "gdb is not installed (apt-get install gdb): needed to dump the heap now or switch prof.active";

/** What `m` does with this detection: analyse, offer an action, or explain the fix. Pure. */
export type HeapPlan =
	| {kind: 'analyse'; actions: HeapAction[]}
	| {kind: 'offer'; actions: HeapAction[]; lines: string[]}
	| {kind: 'cannot'; actions: HeapAction[]; guidance: Guidance};

export function planHeap(
	state: JemallocState,
	launch: LaunchMode,
	tools: {jeprof: boolean; gdb: boolean},
	options: {captureSeconds?: number; hasBaseFile?: boolean} = {},
): HeapPlan {
	const seconds = options.captureSeconds ?? 30;
	const settings = state.conf.settings;
	const intervalOn = state.conf.intervalBytes !== undefined;
	const inactive = settings.prof && !settings.profActive;
	const actions: HeapAction[] = [];
	if (state.kind === 'profiling' || (state.kind === 'jemalloc-no-profiling' && !state.profilingKnown)) {
		if (tools.gdb) actions.push('dump');
		if (intervalOn && state.kind === 'profiling') actions.push('wait');
		if (inactive && tools.gdb) actions.push('capture');
	}
	if (state.kind !== 'profiling') return {kind: 'cannot', actions, guidance: guidanceFor(state, launch)};
	if (!tools.jeprof) return {kind: 'cannot', actions: [], guidance: JEPROF_GUIDANCE};
	if (state.dumps.length > 0) return {kind: 'analyse', actions};
	const denied = state.notes.find(n => n.startsWith('cannot list ') && n.endsWith('permission denied'));
	if (denied) return {kind: 'cannot', actions: [], guidance: unreadableGuidance('the dump directory', 'permission denied', state.dumpDir)};

	const lines: string[] = [];
	const where = state.dumpDir ?? 'the node directory';
	if (inactive) {
		lines.push(`Profiling is on with prof_active:false: nothing is sampled until sampling is switched on, and there are no dumps in ${where}.`);
		if (tools.gdb) lines.push(`c  sample for ${seconds} s: gdb switches prof.active on, dumps, and switches it off again (the node pauses for a moment each time)`);
	} else if (intervalOn) {
		lines.push(`Profiling is on with a dump every ${formatIntervalBytes(state.conf.intervalBytes!)} allocated; none in ${where} yet.`);
		lines.push('w  wait for the first interval dump');
	} else {
		lines.push(`Profiling is on, but interval dumps are off (lg_prof_interval is -1): no dumps in ${where}.`);
	}
	if (tools.gdb) {
		if (!inactive) lines.push('d  dump now through gdb (the node pauses for a moment)');
	} else lines.push(GDB_MISSING);
	if (!intervalOn) lines.push('To get dumps by themselves, add lg_prof_interval:30 to MALLOC_CONF (one dump per GiB allocated).');
	return {kind: 'offer', actions, lines};
}

function formatIntervalBytes(bytes: number): string {
	if (bytes >= 1 << 30) return `${+(bytes / (1 << 30)).toFixed(1)} GiB`;
	if (bytes >= 1 << 20) return `${+(bytes / (1 << 20)).toFixed(1)} MiB`;
	return `${bytes} B`;
}

/** The confirmation for an action that stops the node for a moment (gdb): a question, then paragraphs. */
export function confirmationLines(action: 'dump' | 'capture', data: Pick<HeapData, 'target' | 'state'>, seconds = 30): string[] {
	const who = `${data.target.node} (pid ${data.target.pid})`;
	const dir = data.state?.dumpDir ?? "the node's directory";
	if (action === 'dump') {
		return [
			`Dump the heap of ${who} now?`,
			'gdb attaches to the process and calls mallctl("prof.dump"): the worker pauses for a moment (about 0.6 s on Zeek; packets may be dropped meanwhile). It is always resumed afterwards.',
			`The dump is written to ${dir} and copied to zeektop's capture directory.`,
		];
	}
	return [
		`Sample the allocations of ${who} for ${seconds} s?`,
		'gdb switches prof.active on; after the window it dumps the heap and switches prof.active off again. Each gdb call pauses the worker for a moment (about 0.6 s on Zeek); it is always resumed.',
		`Sampling costs the node some CPU while it is on. The dump is written to ${dir}.`,
	];
}

// ---------------------------------------------------------------------------------------------
// Caches shared by sessions of this process

type FileKey = string;
function fileKey(ref: Pick<HeapDumpRef, 'path' | 'sizeBytes' | 'mtimeMs'>): FileKey {
	return `${ref.path}\u0000${ref.sizeBytes}\u0000${Math.round(ref.mtimeMs)}`;
}

const MEMO_LIMIT = 8;
const jeprofMemo = new Map<string, JeprofRunSuccess>();
const captureDirMemo = new Map<string, string>();

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
	map.delete(key);
	map.set(key, value);
	while (map.size > MEMO_LIMIT) map.delete(map.keys().next().value as K);
}

/** Forget what this process has cached (tests). */
export function clearHeapMemo(): void {
	jeprofMemo.clear();
	captureDirMemo.clear();
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
export class HeapSession {
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
	private snapshot: HeapData | undefined;

	constructor(
		readonly target: HeapTarget,
		private readonly deps: HeapDeps,
		private readonly options: HeapSessionOptions = {},
	) {
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
		return {jeprof: toolAvailable(this.deps.jeprofPath ?? 'jeprof', this.env), gdb: toolAvailable(this.deps.gdbPath ?? 'gdb', this.env)};
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
			let result: JeprofRunSuccess | JeprofRunFailure | undefined = jeprofMemo.get(memoKey);
			const memoHit = result !== undefined;
			if (!result) {
				const run = this.deps.runJeprof ?? realRunJeprof;
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
				if (result.ok) remember(jeprofMemo, memoKey, result);
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
				else if (!result.aborted) this.d.phase = {kind: 'failed', reason: result.reason, guidance: /jeprof is not installed/.test(result.reason) ? JEPROF_GUIDANCE : undefined};
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
		const known = captureDirMemo.get(key);
		if (known) return known;
		try {
			const dir = newCaptureDir(this.deps.capturesRoot, {node: this.target.node, pid: this.target.pid, kind: 'heap', clock: this.clock});
			remember(captureDirMemo, key, dir);
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
