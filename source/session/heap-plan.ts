/**
 * The heap panel's plan, pure: the session's data shapes, which dumps to compare, what can be done
 * when there is nothing to read yet (dump now, wait, capture), the confirmation text, and stack
 * arithmetic. No IO: heap-session.ts does the effects.
 */

import {ProcFs} from '../collect/procfs.js';
import type {Clock} from '../lib/clock.js';
import {dumpNow as realDumpNow, guidanceFor, runJeprof as realRunJeprof, setProfActive as realSetProfActive, type Guidance, type HeapDumpFile, type JemallocState, type JeprofRunSuccess, type LaunchMode} from '../capture/jemalloc.js';
import type {AllocationSite, AllocatorPattern} from '../profile/alloc-sites.js';
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
	/**
	 * Run the Perl jeprof (the old path, kept as a cross-check: --jeprof) instead of zeektop's own
	 * heap_v2 reader and symbolizer (capture/heap-tables.ts), which need only binutils.
	 */
	useJeprof?: boolean;
	/** jeprof results and capture directories already made; default: this session's own. */
	memo?: HeapMemo;
	/** Test seams; default the real capture/jemalloc.ts functions. */
	runJeprof?: typeof realRunJeprof;
	dumpNow?: typeof realDumpNow;
	setProfActive?: typeof realSetProfActive;
	detect?: (pid: number, procfs: ProcFs) => JemallocState;
};

/**
 * Caches: one HeapMemo object, passed in (the session factory shares one among the sessions of one
 * zeektop, so reopening `m` is instant); not module globals that tests must reset.
 */
const MEMO_LIMIT = 8;

/** jeprof results and capture directories of dumps already read, bounded (least recently used out). */
export class HeapMemo {
	readonly jeprof = new Map<string, JeprofRunSuccess>();
	readonly captureDirs = new Map<string, string>();

	remember<K, V>(map: Map<K, V>, key: K, value: V): void {
		map.delete(key);
		map.set(key, value);
		while (map.size > MEMO_LIMIT) map.delete(map.keys().next().value as K);
	}
}

export type HeapSessionOptions = {
	/** Compare against this file instead of the previous dump (--base). */
	baseFile?: string;
};

// ---------------------------------------------------------------------------------------------
// Pure helpers



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

export const BINUTILS_GUIDANCE: Guidance = {
	headline: 'addr2line and nm are not installed: zeektop needs them to name the functions of heap dumps',
	steps: ['Install binutils: apt-get install binutils (Debian/Ubuntu), dnf install binutils (RHEL/Fedora). jeprof and Perl are not needed.'],
	check: ['addr2line --version', 'nm --version'],
};

export const JEPROF_GUIDANCE: Guidance = {
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

export const GDB_MISSING = "gdb is not installed (apt-get install gdb): needed to dump the heap now or switch prof.active";

/** What `m` does with this detection: analyse, offer an action, or explain the fix. Pure. */
export type HeapPlan =
	| {kind: 'analyse'; actions: HeapAction[]}
	| {kind: 'offer'; actions: HeapAction[]; lines: string[]}
	| {kind: 'cannot'; actions: HeapAction[]; guidance: Guidance};

export function planHeap(
	state: JemallocState,
	launch: LaunchMode,
	/** jeprof: the table maker is there (binutils, or jeprof itself with viaJeprof). */
	tools: {jeprof: boolean; gdb: boolean; viaJeprof?: boolean},
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
	if (!tools.jeprof) return {kind: 'cannot', actions: [], guidance: tools.viaJeprof ? JEPROF_GUIDANCE : BINUTILS_GUIDANCE};
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

export function formatIntervalBytes(bytes: number): string {
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


export type FileKey = string;
export function fileKey(ref: Pick<HeapDumpRef, 'path' | 'sizeBytes' | 'mtimeMs'>): FileKey {
	return `${ref.path}\u0000${ref.sizeBytes}\u0000${Math.round(ref.mtimeMs)}`;
}
