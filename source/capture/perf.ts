/**
 * CPU profile of one Zeek process with `perf record`, folded on the fly from `perf script`.
 *
 *   perf record -F <freq> -g -N -p <pid> -o <dir>/perf.data -- sleep <seconds>
 *   perf script -i <dir>/perf.data --no-inline [-f]   (streamed into PerfFolder)
 *
 * `-- sleep N` bounds the recording: perf starts the workload only once its events are enabled,
 * so N seconds are really recorded even when perf's own start-up (reading /proc/kallsyms,
 * synthesising mmap events) takes seconds on a loaded sensor. `-N` (no build-id cache) keeps
 * perf from copying every hit binary (a Zeek binary with debug info is hundreds of MB) into
 * ~/.debug on the sensor.
 *
 * Stopping: perf wants SIGINT, after which it writes a valid (partial) perf.data and SIGTERMs
 * its `sleep`. If it does not exit within a grace period it is SIGKILLed, and so is the `sleep`
 * (perf's child, found through /proc), so nothing outlives a capture.
 *
 * Processes only through the runner; /proc only through ProcFs.
 */
import {StringDecoder} from 'node:string_decoder';
import {mkdirSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {ProcFs} from '../collect/procfs.js';
import {parseStat} from '../collect/proc-parse.js';
import {onCleanup} from '../lib/cleanup.js';
import {systemClock, type Clock} from '../lib/clock.js';
import {PerfFolder, formatFolded, type FoldOptions} from '../profile/fold.js';
import {frameDepthFinding} from './preflight.js';
import {describeFailure, run, start, type RunResult} from './runner.js';
import {writeFileAtomic, writeMeta, type CaptureMeta} from './store.js';
import {osReason} from '../lib/errors.js';

export {capturesDir, capturesPath, listCaptures, newCaptureDir, type CaptureEntry, type CaptureKind, type CaptureMeta, type CaptureStatus} from './store.js';

// ---------------------------------------------------------------------------------------------
// perf record stderr

export type PerfRecordReport = {
	/** Whether perf says it wrote the file (`[ perf record: Captured and wrote … ]`). */
	wrote: boolean;
	/** Samples perf says it wrote (`(N samples)`), when it prints the count. */
	recordedSamples?: number;
	/** PERF_RECORD_LOST records: chunks of events the kernel could not hand to perf. */
	lostChunks?: number;
	/** Samples lost, when perf warns about it (it only does above a 5 % drop rate). */
	lostSamples?: number;
	/** Lines worth showing: throttling, warnings. */
	warnings: string[];
};

/** Read what `perf record` (or `perf script`) says on stderr. */
export function parsePerfStderr(text: string): PerfRecordReport {
	const report: PerfRecordReport = {wrote: false, warnings: []};
	const wrote = /\[ perf record: Captured and wrote [\d.]+ \w+ .*?(?:\((\d+) samples\))? ?\]/.exec(text);
	if (wrote) {
		report.wrote = true;
		if (wrote[1] !== undefined) report.recordedSamples = Number(wrote[1]);
	}
	const chunks = /Processed \d+ events and lost (\d+) chunks!/.exec(text);
	if (chunks) report.lostChunks = Number(chunks[1]);
	const samples = /Processed (\d+) samples and lost ([\d.]+)%!/.exec(text);
	if (samples) report.lostSamples = Math.round((Number(samples[1]) * Number(samples[2])) / 100);
	for (const raw of text.split('\n')) {
		const line = raw.trim();
		if (/throttl|exceeds|Maximum frequency/i.test(line)) report.warnings.push(line);
	}
	return report;
}

// ---------------------------------------------------------------------------------------------
// capturePerf

export type PerfProgress = {
	/** starting: perf is attaching; recording: the N seconds run; stopping: SIGINT sent, perf is
	 * writing; reading: perf script is being folded. */
	phase: 'starting' | 'recording' | 'stopping' | 'reading';
	perfPid: number;
	/** Recording time so far (0 while starting). */
	elapsedMs: number;
	remainingMs: number;
	/** Size of perf.data on disk; perf writes it in bursts, so this lags the real count. */
	dataBytes: number;
	/** Samples expected from the target's CPU time so far × frequency (cpu-clock samples only
	 * while a thread runs). An estimate, not a count. */
	estimatedSamples?: number;
	/** While reading: samples folded so far. */
	foldedSamples?: number;
};

export type PerfCaptureOptions = {
	pid: number;
	seconds: number;
	/** Sampling frequency, Hz (default 99: off the timer tick, cheap on a packet thread). */
	frequency?: number;
	/** Record only the main thread (`-t <pid>`) instead of every thread of the process. */
	mainThreadOnly?: boolean;
	/** Capture directory (see newCaptureDir); perf.data, stacks.folded and meta.json go there. */
	dir: string;
	signal?: AbortSignal;
	onProgress?: (progress: PerfProgress) => void;
	/** fp (frame pointers, `-g`, default) or dwarf (`--call-graph dwarf`: works without frame
	 * pointers, much bigger perf.data and a slower perf script). */
	callGraph?: 'fp' | 'dwarf';
	/** Node name for meta.json. */
	node?: string;
	/** Options for the fold (pid/tid roots, kernel/jit annotations). */
	fold?: FoldOptions;
	perfPath?: string;
	procfs?: ProcFs;
	clock?: Clock;
	progressIntervalMs?: number;
	/** How long perf may take to write its file after SIGINT before it is killed. */
	stopGraceMs?: number;
	/** Where perf map files live (zeek-perf-support writes /tmp/perf-<pid>.map). */
	tmpDir?: string;
};

export type PerfCapture = {
	folded: Map<string, number>;
	/** Samples in `folded`. */
	samples: number;
	/** What perf record said it wrote (may differ: samples of other event types are dropped). */
	recordedSamples?: number;
	lostSamples?: number;
	lostChunks?: number;
	event?: string;
	/** Recording time: from the moment perf started its timing workload (seen in /proc within
	 * ~100 ms) to the stop request or perf's exit, at most `seconds`; 0 if recording never
	 * started. */
	durationMs: number;
	/** Stopped early: cancelled, or the target exited. */
	partial: boolean;
	notes: string[];
	files: {perfData: string; folded: string; meta: string};
	command: string[];
};

export type PerfCaptureResult =
	| {ok: true; capture: PerfCapture}
	| {ok: false; error: string; notes: string[]; files: {perfData: string; meta: string}};

const USER_HZ = 100; // clock ticks per second in /proc/PID/stat on Linux

/** Argv of the `perf record` command capturePerf runs. */
export function perfRecordArgs(o: {
	pid: number;
	seconds: number;
	frequency: number;
	mainThreadOnly: boolean;
	callGraph: 'fp' | 'dwarf';
	perfData: string;
}): string[] {
	return [
		'record',
		'-F', String(o.frequency),
		...(o.callGraph === 'dwarf' ? ['--call-graph', 'dwarf'] : ['-g']),
		'-N',
		o.mainThreadOnly ? '-t' : '-p', String(o.pid),
		'-o', o.perfData,
		'--', 'sleep', String(o.seconds),
	];
}

/**
 * perf script ignores a /tmp/perf-PID.map that belongs to neither root nor the current user
 * ("not owned by current user or root, ignoring it (use -f to override)").
 */
export function perfMapNeedsForce(mapPath: string, euid: number): boolean {
	try {
		const st = statSync(mapPath);
		return st.uid !== 0 && st.uid !== euid;
	} catch {
		return false; // no map file: nothing to force
	}
}

function fileSize(path: string): number {
	try {
		return statSync(path).size;
	} catch {
		return 0;
	}
}

function cpuTicks(procfs: ProcFs, pid: number, mainThreadOnly: boolean): number | undefined {
	const r = mainThreadOnly ? procfs.read(pid, 'task', pid, 'stat') : procfs.read(pid, 'stat');
	if (!r.ok) return undefined;
	const st = parseStat(r.value);
	return st ? st.utimeTicks + st.stimeTicks : undefined;
}

/** Child pids of `pid` (CONFIG_PROC_CHILDREN; perf's only child is its timing workload). */
function childPids(procfs: ProcFs, pid: number): number[] {
	const r = procfs.read(pid, 'task', pid, 'children');
	if (!r.ok) return [];
	return r.value.trim().split(/\s+/).filter(Boolean).map(Number).filter(Number.isInteger);
}

function processGone(procfs: ProcFs, pid: number): boolean {
	const r = procfs.read(pid, 'stat');
	if (!r.ok) return r.error.kind === 'vanished';
	const st = parseStat(r.value);
	return st?.state === 'Z' || st?.state === 'X';
}

export async function capturePerf(options: PerfCaptureOptions): Promise<PerfCaptureResult> {
	const clock = options.clock ?? systemClock;
	const procfs = options.procfs ?? new ProcFs();
	const perf = options.perfPath ?? 'perf';
	const frequency = options.frequency ?? 99;
	const callGraph = options.callGraph ?? 'fp';
	const mainThreadOnly = options.mainThreadOnly ?? false;
	const {pid, seconds, dir} = options;
	const files = {perfData: join(dir, 'perf.data'), folded: join(dir, 'stacks.folded'), meta: join(dir, 'meta.json')};
	const notes: string[] = [];
	const fail = (error: string): PerfCaptureResult => ({ok: false, error, notes, files: {perfData: files.perfData, meta: files.meta}});

	if (!Number.isInteger(pid) || pid <= 0) return fail(`not a process id: ${pid}`);
	if (!(seconds > 0) || !Number.isFinite(seconds)) return fail(`capture length must be a positive number of seconds, not ${seconds}`);
	if (!Number.isInteger(frequency) || frequency < 1 || frequency > 100_000) return fail(`sampling frequency must be 1..100000 Hz, not ${frequency}`);

	const command = [perf, ...perfRecordArgs({pid, seconds, frequency, mainThreadOnly, callGraph, perfData: files.perfData})];
	const meta: CaptureMeta = {
		kind: 'perf',
		node: options.node ?? String(pid),
		pid,
		startedAt: new Date(clock.now()).toISOString(),
		status: 'recording',
		seconds,
		frequency,
		mainThreadOnly,
		callGraph,
		command,
		files: {perfData: 'perf.data', folded: 'stacks.folded'},
	};
	try {
		mkdirSync(dir, {recursive: true, mode: 0o700});
		writeMeta(files.meta, meta);
	} catch (error) {
		return fail(`cannot write the capture directory ${dir}: ${(error as Error).message}`);
	}
	const finishMeta = (patch: Partial<CaptureMeta>) => {
		try {
			writeMeta(files.meta, {...meta, ...patch});
		} catch (error) {
			notes.push(`could not write ${files.meta}: ${osReason(error)}`);
		}
	};

	// Cancellation: the caller's signal (a partial capture), or zeektop exiting (stop, no script).
	const exiting = new AbortController();
	let stopCause: 'cancel' | 'exit' | 'timeout' | undefined;
	let stopRequested: (() => void) | undefined;
	const requestStop = (cause: 'cancel' | 'exit' | 'timeout') => {
		stopCause ??= cause;
		stopRequested?.();
	};
	const onAbort = () => requestStop('cancel');
	if (options.signal?.aborted) {
		const error = 'cancelled before perf started';
		finishMeta({status: 'failed', error});
		return fail(error);
	}
	options.signal?.addEventListener('abort', onAbort, {once: true});

	const env = {...process.env, LC_ALL: 'C'};
	const spawnedAt = clock.monotonic();
	const rec = start(perf, command.slice(1), {stdio: ['ignore', 'ignore', 'pipe'], env});
	let spawnError: NodeJS.ErrnoException | undefined;
	rec.child.on('error', error => {
		spawnError = error as NodeJS.ErrnoException;
	});
	const stderrParts: string[] = [];
	let stderrBytes = 0;
	rec.child.stderr?.on('data', (chunk: Buffer) => {
		stderrParts.push(chunk.toString('utf8'));
		stderrBytes += chunk.length;
		while (stderrBytes > 65536 && stderrParts.length > 1) stderrBytes -= stderrParts.shift()!.length;
	});

	let exited = false;
	let workloadPid: number | undefined;
	let recordingSince: number | undefined;
	let ticksAtStart: number | undefined;
	let phase: PerfProgress['phase'] = 'starting';
	let killTimer: NodeJS.Timeout | undefined;
	const graceMs = options.stopGraceMs ?? 10_000;

	const killEverything = () => {
		for (const child of [workloadPid, ...(rec.pid > 0 ? childPids(procfs, rec.pid) : [])]) {
			if (child === undefined) continue;
			try {
				process.kill(child, 'SIGKILL');
			} catch {
				// already gone
			}
		}
		if (!exited) rec.child.kill('SIGKILL');
	};
	let stopAt: number | undefined;
	stopRequested = () => {
		if (exited || phase === 'stopping') return;
		phase = 'stopping';
		stopAt = clock.monotonic();
		rec.child.kill('SIGINT');
		killTimer = setTimeout(killEverything, graceMs);
		killTimer.unref();
	};

	// On quit, Ctrl-C, SIGTERM or SIGHUP: stop perf (record or script) and wait for it, so the
	// caller's own cleanups (registered earlier, run later) can remove the directory safely.
	let current: Promise<unknown> = rec.exited;
	const unregister = onCleanup(async () => {
		exiting.abort();
		requestStop('exit');
		await current;
	});

	// Safety net: perf's start-up is slow on a loaded host, but not minutes slow.
	const deadline = setTimeout(() => requestStop('timeout'), seconds * 1000 + 120_000);
	deadline.unref();

	const report = () => {
		const now = clock.monotonic();
		const elapsedMs = recordingSince === undefined ? 0 : Math.min(now - recordingSince, seconds * 1000);
		let estimatedSamples: number | undefined;
		if (ticksAtStart !== undefined) {
			const ticks = cpuTicks(procfs, pid, mainThreadOnly);
			if (ticks !== undefined) estimatedSamples = Math.round(((ticks - ticksAtStart) / USER_HZ) * frequency);
		}
		options.onProgress?.({
			phase,
			perfPid: rec.pid,
			elapsedMs,
			remainingMs: Math.max(0, seconds * 1000 - elapsedMs),
			dataBytes: fileSize(files.perfData),
			estimatedSamples,
		});
	};
	// Watch for perf's workload: it is forked early but only exec()s `sleep` once the events
	// are enabled, so its comm turning into `sleep` marks the start of recording.
	const watch = () => {
		if (exited || recordingSince !== undefined || rec.pid <= 0) return;
		for (const child of childPids(procfs, rec.pid)) {
			const comm = procfs.read(child, 'comm');
			if (comm.ok && comm.value.trim() === 'sleep') {
				workloadPid = child;
				recordingSince = clock.monotonic();
				ticksAtStart = cpuTicks(procfs, pid, mainThreadOnly);
				if (phase === 'starting') phase = 'recording';
				report();
				return;
			}
		}
	};
	const watchTimer = setInterval(watch, 100);
	const progressTimer = setInterval(report, options.progressIntervalMs ?? 500);
	report();

	const exit = await rec.exited;
	exited = true;
	const exitedAt = clock.monotonic();
	clearInterval(watchTimer);
	clearInterval(progressTimer);
	clearTimeout(deadline);
	if (killTimer) clearTimeout(killTimer);
	options.signal?.removeEventListener('abort', onAbort);
	// perf normally reaps its workload; if it was killed, do not leave `sleep` behind.
	if (workloadPid !== undefined && !processGone(procfs, workloadPid)) {
		const comm = procfs.read(workloadPid, 'comm');
		if (comm.ok && comm.value.trim() === 'sleep') {
			try {
				process.kill(workloadPid, 'SIGKILL');
			} catch {
				// already gone
			}
		}
	}

	const stderr = stderrParts.join('');
	const recordResult: RunResult = {
		code: exit.code,
		signal: exit.signal,
		stdout: '',
		stderr,
		timedOut: stopCause === 'timeout',
		aborted: stopCause !== undefined,
		truncated: false,
		durationMs: exitedAt - spawnedAt,
		spawnError,
	};
	const recorded = parsePerfStderr(stderr);
	// Recording time: from the workload's start to the stop request, perf's exit (target gone),
	// or the full length (perf's exit then includes writing the file).
	const durationMs = Math.round(recordingSince === undefined
		? 0
		: Math.min((stopAt ?? exitedAt) - recordingSince, seconds * 1000));

	if (spawnError || !recorded.wrote) {
		unregister();
		let error: string;
		if (spawnError?.code === 'ENOENT') error = describeFailure('perf', recordResult, 'linux-perf');
		else if (stopCause === 'cancel' && !spawnError) error = 'cancelled before perf started recording';
		else if (stopCause === 'exit') error = 'stopped: zeektop is exiting';
		else error = describeFailure('perf record', recordResult);
		if (!spawnError && processGone(procfs, pid) && stopCause === undefined) {
			error = `process ${pid} is not running (${error})`;
		}
		finishMeta({status: 'failed', error, durationMs});
		return fail(error);
	}

	let partial = false;
	if (stopCause === 'cancel') {
		partial = true;
		notes.push(`cancelled after ${(durationMs / 1000).toFixed(1)} s of ${seconds} s`);
	} else if (stopCause === 'timeout') {
		partial = true;
		notes.push(`perf did not finish within ${seconds} s + 120 s and was stopped`);
	} else if (stopCause === 'exit') {
		unregister();
		const error = 'stopped: zeektop is exiting';
		finishMeta({status: 'partial', error, durationMs});
		return fail(error);
	} else if (exit.code !== 0) {
		// perf ends early when its target goes away (it SIGTERMs its `sleep`: exit 143).
		partial = true;
		if (processGone(procfs, pid)) {
			notes.push(`process ${pid} exited after about ${(durationMs / 1000).toFixed(1)} s; the profile covers only that time`);
		} else {
			notes.push(`perf stopped early (${exit.signal ?? `exit ${exit.code}`}) after ${(durationMs / 1000).toFixed(1)} s`);
		}
	}
	if (recorded.lostChunks !== undefined) {
		notes.push(`perf lost ${recorded.lostChunks} chunk(s) of events (buffer overrun): lower the frequency or raise perf's -m`);
	}
	if (recorded.lostSamples !== undefined) notes.push(`about ${recorded.lostSamples} samples were lost`);
	notes.push(...recorded.warnings);

	// perf script → PerfFolder, streamed.
	phase = 'reading';
	const euid = process.geteuid?.() ?? 0;
	const scriptArgs = ['script', '-i', files.perfData, '--no-inline'];
	if (options.fold?.pid || options.fold?.tid) scriptArgs.push('-F', 'comm,pid,tid,time,period,event,ip,sym,dso');
	if (perfMapNeedsForce(join(options.tmpDir ?? '/tmp', `perf-${pid}.map`), euid)) {
		scriptArgs.push('-f');
		notes.push(`/tmp/perf-${pid}.map belongs to another user: read anyway (perf script -f)`);
	}
	const folder = new PerfFolder(options.fold ?? {});
	const decoder = new StringDecoder('utf8');
	let lastReport = 0;
	const scriptRun = run(perf, scriptArgs, {
		env,
		signal: exiting.signal,
		timeoutMs: 30 * 60_000,
		discardStdout: true,
		onStdout: chunk => {
			folder.push(decoder.write(chunk));
			const now = clock.monotonic();
			if (options.onProgress && now - lastReport >= (options.progressIntervalMs ?? 500)) {
				lastReport = now;
				options.onProgress({
					phase: 'reading', perfPid: rec.pid, elapsedMs: durationMs, remainingMs: 0,
					dataBytes: fileSize(files.perfData), foldedSamples: folder.sampleCount,
				});
			}
		},
	});
	current = scriptRun;
	const script = await scriptRun;
	unregister();
	if (script.spawnError || script.code !== 0) {
		const error = script.aborted ? 'stopped: zeektop is exiting' : describeFailure('perf script', script);
		finishMeta({status: 'failed', error, durationMs});
		return fail(error);
	}
	folder.push(decoder.end());
	const fold = folder.finish();
	const scriptReport = parsePerfStderr(script.stderr);
	if (scriptReport.lostChunks !== undefined && recorded.lostChunks === undefined) {
		notes.push(`perf lost ${scriptReport.lostChunks} chunk(s) of events (buffer overrun): lower the frequency or raise perf's -m`);
	}
	const scriptWarnings = [...new Set(script.stderr.split('\n').map(l => l.trim()))]
		.filter(line => /no symbols found|not owned by|ignoring|failed|unable|cannot|can't/i.test(line));
	for (const line of scriptWarnings.slice(0, 5)) notes.push(`perf script: ${line}`);
	if (scriptWarnings.length > 5) notes.push(`perf script: ${scriptWarnings.length - 5} more warning(s)`);
	if (fold.otherEventSamples > 0) notes.push(`${fold.otherEventSamples} samples of other event types were left out (folded: ${fold.event})`);
	if (fold.unrecognizedLines > 0) notes.push(`${fold.unrecognizedLines} unreadable line(s) in perf script output`);
	if (fold.samples === 0) notes.push('no samples: the process was idle, or perf could not sample it');
	const depth = frameDepthFinding(fold.stacks);
	if (depth.level !== 'ok') notes.push(`${depth.title}: ${depth.fix}`);

	// A full disk or a removed capture directory here is a failed capture with the OS reason, not
	// an exception out of the session (it used to end the TUI with "internal error"); the atomic
	// write never leaves a stacks.folded that looks whole but is not.
	try {
		writeFileAtomic(files.folded, formatFolded(fold.stacks));
	} catch (error) {
		const reason = `cannot write ${files.folded}: ${osReason(error)}; free space or choose another --captures DIR`;
		finishMeta({status: 'failed', error: reason, samples: fold.samples, durationMs, notes});
		return fail(reason);
	}
	const lostSamples = recorded.lostSamples ?? scriptReport.lostSamples;
	finishMeta({
		status: partial ? 'partial' : 'complete',
		samples: fold.samples,
		lostSamples,
		durationMs,
		notes,
	});
	return {
		ok: true,
		capture: {
			folded: fold.stacks,
			samples: fold.samples,
			recordedSamples: recorded.recordedSamples,
			lostSamples,
			lostChunks: recorded.lostChunks ?? scriptReport.lostChunks,
			event: fold.event,
			durationMs,
			partial,
			notes,
			files,
			command,
		},
	};
}
