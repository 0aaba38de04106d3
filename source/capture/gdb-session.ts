/**
 * The gdb session that enters a live worker: attach, run a few commands (mallctl calls), detach.
 * Everything that stops or enters a worker is in this one file, so a reviewer can read it whole.
 * A worker must never be left stopped or traced, and gdb must never be killed between attach and
 * detach (a gdb killed mid-call leaves the worker inside an injected call, to crash later).
 */
import {ProcFs} from '../collect/procfs.js';
import {parseStat} from '../collect/proc-parse.js';
import type {Clock} from '../lib/clock.js';
import {describeFailure, runDetached, type RunResult} from './runner.js';
import {onCleanup} from '../lib/cleanup.js';

/**
 * gdb convenience variables that are really register aliases in gdb: assigning to `$fp` clobbered
 * a worker's frame pointer and crashed it (corpora/zeek-real README). Ours are all `$zt_*`.
 */
const GDB_REGISTER_ALIASES = /\$(fp|sp|pc|ps)\b/;

/** Throws when a gdb command would touch a register alias. */
export function assertSafeGdbCommands(commands: readonly string[]): void {
	for (const c of commands) {
		if (GDB_REGISTER_ALIASES.test(c)) throw new Error(`refusing gdb command using a register alias: ${c}`);
	}
}

export type GdbOptions = {
	/**
	 * Give up after this long (default 15 s). A call into the node still running then is
	 * interrupted first (SIGWINCH, which gdb is told to stop on and not pass: gdb unwinds the call
	 * and restores the registers), then gdb is terminated, then killed (the kernel detaches).
	 */
	timeoutMs?: number;
	signal?: AbortSignal;
	procfs?: ProcFs;
	clock?: Clock;
	gdbPath?: string;
	/** Between interrupting the call and terminating gdb. Default 1500 ms. */
	unwindGraceMs?: number;
	/** How long zeektop's exit paths wait for an in-flight gdb to detach. Default 4000 ms. */
	exitWaitMs?: number;
};

export type GdbSessionResult = {
	run: RunResult;
	/** `zt:<key>=<int>` lines our commands printed (see `gdbPrintInt`). */
	values: Map<string, number>;
	/** gdb's wall time: attach, call, detach. The node is stopped for most of it. */
	pauseMs: number;
	/** Time /proc/PID/stat showed the node stopped (sampled every 10 ms). */
	observedStopMs: number;
	timedOut: boolean;
	aborted: boolean;
	/** gdb reported unwinding an interrupted call ("GDB has restored the context"). */
	callUnwound: boolean;
	stateBefore: string | undefined;
	stateAfter: string | undefined;
	/** We sent SIGCONT because the node was left stopped. */
	resumed: boolean;
};

/**
 * A gdb command printing an int result as `zt:<key>=<n>`: a failed or interrupted call prints
 * nothing instead of shifting `$N` numbering.
 */
export function gdbPrintInt(key: string, expression: string): string {
	return `printf "zt:${key}=%d\\n", ${expression}`;
}

export function readState(procfs: ProcFs, pid: number): string | undefined {
	const stat = procfs.read(pid, 'stat');
	return stat.ok ? parseStat(stat.value)?.state : undefined;
}

function isTraced(procfs: ProcFs, pid: number): boolean {
	const status = procfs.read(pid, 'status');
	if (!status.ok) return false;
	const tracer = /^TracerPid:\s*(\d+)/m.exec(status.value);
	return tracer !== null && tracer[1] !== '0';
}

const sleep = (ms: number) => new Promise<void>(r => setTimeout(r, ms));

/**
 * Make sure the node runs after gdb is gone: gdb killed mid-session leaves the kernel to
 * detach, and a SIGSTOP gdb sent at attach can leave the process stopped (T). Resume it then,
 * unless it was already stopped before we started.
 */
async function ensureRunning(procfs: ProcFs, pid: number, stateBefore: string | undefined): Promise<{state: string | undefined; resumed: boolean}> {
	let state = readState(procfs, pid);
	let resumed = false;
	for (let i = 0; i < 10 && (state === 't' || state === 'T'); i++) {
		if (stateBefore === 'T') break;
		if (state === 'T' || i >= 4) {
			try {
				process.kill(pid, 'SIGCONT');
				resumed = true;
			} catch {
				// gone, or not ours to signal: the state read below tells
			}
		}
		await sleep(20);
		state = readState(procfs, pid);
	}
	return {state, resumed};
}

/**
 * Run gdb in batch mode against a pid (no .gdbinit, no debug info read), with stop-time
 * bookkeeping, a timeout/cancel that unwinds a call into the node before ending gdb (a call
 * abandoned by a killed gdb returns into gdb's dummy frame and crashes the node: measured), and
 * the guarantee that the node is not left stopped.
 */
export async function runGdbBatch(pid: number, commands: readonly string[], options: GdbOptions = {}): Promise<GdbSessionResult> {
	assertSafeGdbCommands(commands);
	const procfs = options.procfs ?? new ProcFs();
	const stateBefore = readState(procfs, pid);
	const args = [
		'-nx',
		'--readnever',
		'-batch',
		'-p',
		String(pid),
		'-ex',
		'set unwindonsignal on',
		// Our interrupt: Zeek never sees it (nopass), and if gdb is already gone the default
		// action of SIGWINCH is to ignore it.
		'-ex',
		'handle SIGWINCH stop print nopass',
	];
	for (const c of commands) args.push('-ex', c);

	let stoppedTicks = 0;
	const poll = setInterval(() => {
		const s = readState(procfs, pid);
		if (s === 't' || s === 'T') stoppedTicks++;
	}, 10);
	poll.unref();

	const stopGdb = new AbortController();
	let timedOut = false;
	let aborted = false;
	let escalation: NodeJS.Timeout | undefined;
	const giveUp = () => {
		if (escalation) return;
		if (isTraced(procfs, pid)) {
			try {
				process.kill(pid, 'SIGWINCH');
			} catch {
				// exited meanwhile
			}
		}
		escalation = setTimeout(() => stopGdb.abort(), options.unwindGraceMs ?? 1500);
	};
	const timer = setTimeout(() => {
		timedOut = true;
		giveUp();
	}, options.timeoutMs ?? 15_000);
	const onAbort = () => {
		aborted = true;
		giveUp();
	};
	if (options.signal?.aborted) onAbort();
	else options.signal?.addEventListener('abort', onAbort, {once: true});

	// gdb runs detached from zeektop's terminal (its own session; output in files): the SIGHUP of an
	// ssh connection dropping, a Ctrl-C or zeektop dying must never end it between attach and
	// detach. zeektop's own exit paths wait for it (bounded) through the cleanup below.
	const running = runDetached(options.gdbPath ?? 'gdb', args, {
		signal: stopGdb.signal,
		// gdb's quit path on SIGTERM detaches; SIGKILL after the grace period.
		stopSignal: 'SIGTERM',
		killGraceMs: 2000,
		maxStdoutBytes: 1 << 20,
	});
	const unregister = onCleanup(async () => {
		await Promise.race([running, new Promise(r => setTimeout(r, options.exitWaitMs ?? 4000).unref())]);
		const now = readState(procfs, pid);
		if (now === 't' || now === 'T') {
			await ensureRunning(procfs, pid, stateBefore);
		}
	});
	let result: RunResult;
	try {
		result = await running;
	} finally {
		unregister();
		clearInterval(poll);
		clearTimeout(timer);
		if (escalation) clearTimeout(escalation);
		options.signal?.removeEventListener('abort', onAbort);
	}
	const after = await ensureRunning(procfs, pid, stateBefore);
	const values = new Map<string, number>();
	for (const m of result.stdout.matchAll(/^zt:(\w+)=(-?\d+)$/gm)) values.set(m[1]!, Number(m[2]));
	return {
		run: result,
		values,
		pauseMs: result.durationMs,
		observedStopMs: stoppedTicks * 10,
		timedOut,
		aborted,
		callUnwound: /GDB has restored the context/.test(result.stdout + result.stderr),
		stateBefore,
		stateAfter: after.state,
		resumed: after.resumed,
	};
}

/** gdb's failure in words, with the fix when there is one. */
export function describeGdbFailure(session: GdbSessionResult, pid: number): string {
	const text = `${session.run.stdout}\n${session.run.stderr}`;
	const after = `node state now '${session.stateAfter ?? 'gone'}'${session.resumed ? ' (sent SIGCONT)' : ''}`;
	if (session.run.spawnError?.code === 'ENOENT') return "gdb is not installed: install it with 'apt-get install gdb'";
	if (session.timedOut || session.aborted) {
		const what = session.timedOut ? 'gdb timed out' : 'cancelled';
		return `${what}${session.callUnwound ? '; the call into the node was unwound' : ''}; ${after}`;
	}
	if (/ptrace: Operation not permitted/.test(text)) {
		return `cannot attach to ${pid}: ptrace not permitted (run zeektop as root or the node's user with CAP_SYS_PTRACE; check /proc/sys/kernel/yama/ptrace_scope)`;
	}
	if (/ptrace: No such process/.test(text)) return `process ${pid} exited`;
	if (/No symbol "mallctl"/.test(text)) return 'mallctl not found in the process: jemalloc is not loaded (or built with a symbol prefix)';
	if (session.callUnwound || /received signal/.test(text)) return `the call into the node was interrupted by a signal and unwound; ${after}`;
	return describeFailure('gdb', session.run);
}

/** mallctl's errno return values, in words (jemalloc(3) RETURN VALUES). */
