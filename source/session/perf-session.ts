/**
 * One perf capture of one node, as the TUI drives it: preflight, `perf record` with progress,
 * folding, then the call tree. The counterpart of HeapSession: drive it with start() and the
 * intents, read `data` or subscribe; dispose() when the screen closes.
 *
 *   start()    preflight, then capture (p in the table: it asks for nothing)
 *   cancel()   Esc while recording: perf stops (SIGINT); what was recorded is offered (partial)
 *   keep()     Enter on the offer: show the partial capture (its directory is kept)
 *   discard()  Esc on the offer: the directory is removed
 *   restart()  t: stop this capture, remove it, record again with main-thread-only toggled
 *
 * Leaving nothing behind: a capture that is not complete or kept has its directory removed, on
 * every path: discard, restart, failure, dispose, and zeektop exiting (a cleanup registered before
 * capturePerf's own, so it runs after perf has been stopped).
 */
import {rmSync} from 'node:fs';
import {ProcFs} from '../collect/procfs.js';
import {capturePerf, newCaptureDir, type PerfCapture, type PerfProgress} from '../capture/perf.js';
import {perfPreflight, type Finding} from '../capture/preflight.js';
import {onCleanup} from '../lib/cleanup.js';
import {systemClock, type Clock} from '../lib/clock.js';
import {buildTree, stacksInSamples, type FlameTree} from '../profile/tree.js';
import type {Session} from './session.js';

export type PerfTarget = {pid: number; node: string};

export type PerfSessionPhase =
	| {kind: 'preflight'}
	| {kind: 'capturing'; progress?: PerfProgress}
	/** Cancelled with samples recorded: keep() shows them, discard() removes them. */
	| {kind: 'partial'; capture: PerfCapture; tree: FlameTree}
	| {kind: 'done'; capture: PerfCapture; tree: FlameTree}
	| {kind: 'failed'; error: string; fix?: string}
	/** Discarded, cancelled before recording, or disposed: nothing to show, nothing kept. */
	| {kind: 'closed'};

export type PerfSessionData = {
	target: PerfTarget;
	seconds: number;
	frequency: number;
	mainThreadOnly: boolean;
	phase: PerfSessionPhase;
	/** The capture directory while there is one. */
	dir?: string;
	/** Preflight warnings and capture notes (frame pointers, lost samples, target exited...). */
	notes: string[];
	/** Monotonic ms when recording was asked for (the screen's clock). */
	startedMs: number;
};

export type PerfSessionDeps = {
	capturesRoot: string;
	seconds: number;
	frequency: number;
	mainThreadOnly?: boolean;
	/** fp (frame pointers, default) or dwarf. */
	callGraph?: 'fp' | 'dwarf';
	procfs?: ProcFs;
	clock?: Clock;
	perfPath?: string;
	/** Test seams; default the real preflight and capture. */
	preflight?: (options: {pid: number; frequency: number; perfPath?: string}, procfs: ProcFs) => Promise<Finding[]>;
	capture?: typeof capturePerf;
};

export class PerfSession implements Session<PerfSessionData> {
	private d: PerfSessionData;
	private readonly listeners = new Set<(data: PerfSessionData) => void>();
	private readonly procfs: ProcFs;
	private readonly clock: Clock;
	private abort: AbortController | undefined;
	private current: Promise<void> = Promise.resolve();
	/** Set while a restart or dispose stops the running capture: its result is thrown away. */
	private superseded = false;
	private disposed = false;
	private dropCleanup: (() => void) | undefined;

	constructor(readonly target: PerfTarget, private readonly deps: PerfSessionDeps) {
		this.procfs = deps.procfs ?? new ProcFs();
		this.clock = deps.clock ?? systemClock;
		this.d = {
			target, seconds: deps.seconds, frequency: deps.frequency, mainThreadOnly: deps.mainThreadOnly ?? false,
			phase: {kind: 'preflight'}, notes: [], startedMs: this.clock.monotonic(),
		};
	}

	get data(): PerfSessionData {
		return this.d;
	}

	subscribe(listener: (data: PerfSessionData) => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	/** Resolves when the running capture (and its clean-up) has finished. */
	settled(): Promise<void> {
		return this.current;
	}

	start(): Promise<void> {
		this.current = this.run(this.d.mainThreadOnly);
		return this.current;
	}

	cancel(): void {
		this.abort?.abort();
	}

	keep(): void {
		const p = this.d.phase;
		if (p.kind !== 'partial') return;
		this.forgetCleanup();
		this.set({phase: {kind: 'done', capture: p.capture, tree: p.tree}});
	}

	discard(): void {
		if (this.d.phase.kind !== 'partial') return;
		this.removeDir();
		this.set({phase: {kind: 'closed'}});
	}

	/** Record again with main-thread-only toggled; the capture in progress is stopped and removed. */
	async restart(): Promise<void> {
		const p = this.d.phase.kind;
		if (p !== 'capturing' && p !== 'preflight') return;
		this.superseded = true;
		this.abort?.abort();
		await this.current;
		this.superseded = false;
		if (this.disposed) return;
		this.current = this.run(!this.d.mainThreadOnly);
		await this.current;
	}

	/** Stop whatever runs; remove a capture that was not complete or kept. */
	async dispose(): Promise<void> {
		this.disposed = true;
		this.superseded = true;
		this.abort?.abort();
		await this.current;
		if (this.d.phase.kind === 'partial') this.removeDir();
		this.listeners.clear();
	}

	// -------------------------------------------------------------------------------------------

	private set(patch: Partial<PerfSessionData>): void {
		this.d = {...this.d, ...patch};
		if (this.disposed) return;
		for (const listener of this.listeners) listener(this.d);
	}

	private removeDir(): void {
		const dir = this.d.dir;
		this.forgetCleanup();
		if (!dir) return;
		try {
			rmSync(dir, {recursive: true, force: true});
		} catch {
			// already gone, or not ours to remove any more
		}
		this.d = {...this.d, dir: undefined};
	}

	private forgetCleanup(): void {
		this.dropCleanup?.();
		this.dropCleanup = undefined;
	}

	private async run(mainThreadOnly: boolean): Promise<void> {
		const {pid, node} = this.target;
		const {seconds, frequency} = this.d;
		this.set({mainThreadOnly, phase: {kind: 'preflight'}, notes: [], startedMs: this.clock.monotonic(), dir: undefined});
		let findings: Finding[];
		try {
			findings = await (this.deps.preflight ?? perfPreflight)({pid, frequency, perfPath: this.deps.perfPath}, this.procfs);
		} catch (error) {
			findings = [{level: 'warn', title: `preflight failed: ${(error as Error).message}`, detail: '', fix: ''}];
		}
		if (this.superseded) return;
		const blocking = findings.find(f => f.level === 'error');
		if (blocking) {
			this.set({phase: {kind: 'failed', error: blocking.title, fix: blocking.fix || undefined}});
			return;
		}
		const notes = findings.filter(f => f.level === 'warn').map(f => `${f.title}${f.fix ? ` (${f.fix})` : ''}`);

		let dir: string;
		try {
			dir = newCaptureDir(this.deps.capturesRoot, {node, pid, kind: 'perf', clock: this.clock});
		} catch (error) {
			this.set({phase: {kind: 'failed', error: `cannot create a capture directory: ${(error as Error).message}`, fix: 'choose another with --captures DIR'}});
			return;
		}
		// Registered before capturePerf registers its own: cleanups run last-first, so perf is
		// stopped before this removes the directory.
		this.dropCleanup = onCleanup(() => {
			if (this.d.phase.kind !== 'done') rmSync(dir, {recursive: true, force: true});
		});
		this.abort = new AbortController();
		this.set({dir, notes, phase: {kind: 'capturing'}, startedMs: this.clock.monotonic()});

		const result = await (this.deps.capture ?? capturePerf)({
			pid, seconds, frequency, mainThreadOnly, dir, node, callGraph: this.deps.callGraph, procfs: this.procfs, clock: this.clock, perfPath: this.deps.perfPath,
			signal: this.abort.signal,
			onProgress: progress => {
				if (!this.superseded && this.d.phase.kind === 'capturing') this.set({phase: {kind: 'capturing', progress}});
			},
		});
		const cancelled = this.abort.signal.aborted;
		this.abort = undefined;
		if (this.superseded) {
			this.removeDir();
			return;
		}
		if (!result.ok) {
			this.removeDir();
			if (cancelled) this.set({phase: {kind: 'closed'}, notes: [...notes, ...result.notes]});
			else this.set({phase: {kind: 'failed', error: result.error}, notes: [...notes, ...result.notes]});
			return;
		}
		const capture = result.capture;
		const allNotes = [...notes, ...capture.notes];
		if (capture.samples === 0) {
			this.removeDir();
			const error = `perf recorded no samples of pid ${pid}${capture.partial ? ' before it stopped' : ''}: the process used no CPU in that time`;
			this.set({phase: cancelled ? {kind: 'closed'} : {kind: 'failed', error}, notes: allNotes});
			return;
		}
		const tree = buildTree(stacksInSamples(capture.folded, capture.samples));
		if (cancelled) {
			this.set({phase: {kind: 'partial', capture, tree}, notes: allNotes});
			return;
		}
		this.forgetCleanup();
		this.set({phase: {kind: 'done', capture, tree}, notes: allNotes});
	}
}
