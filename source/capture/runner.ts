import {spawn, type ChildProcess, type SpawnOptions} from 'node:child_process';
import {closeSync, mkdtempSync, openSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

/**
 * The one module that spawns child processes. Every child is tracked so that quit, Ctrl-C,
 * SIGTERM, SIGHUP and crashes can end them (no orphaned perf or gdb).
 */

const live = new Set<ChildProcess>();

export function liveChildren(): number {
	return live.size;
}

/** Send a signal to every live child (used by the exit handlers). */
export function killAllChildren(signal: NodeJS.Signals = 'SIGTERM'): void {
	for (const child of live) {
		try {
			child.kill(signal);
		} catch {
			// already gone: nothing to end
		}
	}
}

export type RunOptions = {
	cwd?: string;
	env?: NodeJS.ProcessEnv;
	/** Kill (SIGTERM, then SIGKILL after killGraceMs) when this fires. */
	signal?: AbortSignal;
	timeoutMs?: number;
	killGraceMs?: number;
	/** Signal used to stop the child on abort/timeout (perf wants SIGINT to write its data). */
	stopSignal?: NodeJS.Signals;
	/** Cap on collected stdout bytes; further output is dropped and `truncated` set. */
	maxStdoutBytes?: number;
	stdin?: string;
	onStdout?: (chunk: Buffer) => void;
	onStderr?: (chunk: Buffer) => void;
	/** Do not collect stdout (when streamed via onStdout). */
	discardStdout?: boolean;
};

export type RunResult = {
	code: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
	timedOut: boolean;
	aborted: boolean;
	truncated: boolean;
	durationMs: number;
	/** spawn failure (ENOENT: tool not installed). */
	spawnError?: NodeJS.ErrnoException;
};

export function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
	const started = performance.now();
	return new Promise(resolve => {
		const spawnOptions: SpawnOptions = {
			cwd: options.cwd,
			env: options.env ?? process.env,
			stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
		};
		let child: ChildProcess;
		try {
			child = spawn(command, args, spawnOptions);
		} catch (error) {
			resolve({
				code: null, signal: null, stdout: '', stderr: '', timedOut: false, aborted: false,
				truncated: false, durationMs: 0, spawnError: error as NodeJS.ErrnoException,
			});
			return;
		}
		live.add(child);
		const out: Buffer[] = [];
		let outBytes = 0;
		let truncated = false;
		const err: Buffer[] = [];
		let errBytes = 0;
		let timedOut = false;
		let aborted = false;
		let spawnError: NodeJS.ErrnoException | undefined;
		let killTimer: NodeJS.Timeout | undefined;
		const max = options.maxStdoutBytes ?? 256 * 1024 * 1024;

		const stop = () => {
			if (child.exitCode !== null || child.signalCode !== null) return;
			child.kill(options.stopSignal ?? 'SIGTERM');
			killTimer = setTimeout(() => child.kill('SIGKILL'), options.killGraceMs ?? 2000);
			killTimer.unref();
		};
		const timer = options.timeoutMs
			? setTimeout(() => {
				timedOut = true;
				stop();
			}, options.timeoutMs)
			: undefined;
		const onAbort = () => {
			aborted = true;
			stop();
		};
		if (options.signal) {
			if (options.signal.aborted) onAbort();
			else options.signal.addEventListener('abort', onAbort, {once: true});
		}
		child.stdout?.on('data', (chunk: Buffer) => {
			options.onStdout?.(chunk);
			if (options.discardStdout) return;
			if (outBytes + chunk.length > max) {
				truncated = true;
				return;
			}
			outBytes += chunk.length;
			out.push(chunk);
		});
		child.stderr?.on('data', (chunk: Buffer) => {
			options.onStderr?.(chunk);
			// Keep the last 64 KiB of stderr: errors are at the end.
			err.push(chunk);
			errBytes += chunk.length;
			while (errBytes > 65536 && err.length > 1) errBytes -= err.shift()!.length;
		});
		if (options.stdin !== undefined) {
			child.stdin?.on('error', () => {
				// child exited before reading stdin: its exit status says why
			});
			child.stdin?.end(options.stdin);
		}
		child.on('error', error => {
			spawnError = error as NodeJS.ErrnoException;
		});
		child.on('close', (code, signal) => {
			live.delete(child);
			if (timer) clearTimeout(timer);
			if (killTimer) clearTimeout(killTimer);
			options.signal?.removeEventListener('abort', onAbort);
			resolve({
				code,
				signal,
				stdout: Buffer.concat(out).toString('utf8'),
				stderr: Buffer.concat(err).toString('utf8'),
				timedOut,
				aborted,
				truncated,
				durationMs: performance.now() - started,
				spawnError,
			});
		});
	});
}

export type Started = {
	child: ChildProcess;
	pid: number;
	exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>;
};

/**
 * Start a long-running child (a simulated node, a perf record). The caller owns stopping it;
 * it is still tracked for the exit handlers.
 */
export function start(command: string, args: string[], options: SpawnOptions & {argv0?: string} = {}): Started {
	const child = spawn(command, args, {stdio: 'ignore', ...options});
	live.add(child);
	const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>(resolve => {
		child.on('error', () => {
			live.delete(child);
			resolve({code: null, signal: null});
		});
		child.on('exit', (code, signal) => {
			live.delete(child);
			resolve({code, signal});
		});
	});
	return {child, pid: child.pid ?? -1, exited};
}

/** One line naming the tool's failure: its last stderr lines, or what to install. */
export function describeFailure(tool: string, result: RunResult, packageName?: string): string {
	if (result.spawnError?.code === 'ENOENT') {
		return `${tool} is not installed${packageName ? `: install it with 'apt-get install ${packageName}'` : ''}`;
	}
	if (result.spawnError) return `${tool} could not start: ${result.spawnError.message}`;
	if (result.timedOut) return `${tool} timed out`;
	const last = result.stderr.trim().split('\n').filter(Boolean).slice(-3).join(' | ');
	return `${tool} failed (${result.signal ?? `exit ${result.code}`})${last ? `: ${last}` : ''}`;
}

export type DetachedOptions = {
	/** Stop the child (stopSignal, then SIGKILL after killGraceMs) when this fires. */
	signal?: AbortSignal;
	stopSignal?: NodeJS.Signals;
	killGraceMs?: number;
	/** Cap on stdout read back (bytes). */
	maxStdoutBytes?: number;
};

/**
 * Run a child that must outlive whatever happens to zeektop: in a session and process group of its
 * own (setsid), so the terminal's SIGHUP (an ssh connection dropping), Ctrl-C's SIGINT and Ctrl-Z
 * never reach it, with stdin from /dev/null and stdout/stderr in files of a private temporary
 * directory, so zeektop dying cannot close a pipe under it (SIGPIPE). zeektop still waits for it
 * and reads its output; if zeektop is gone, the child finishes on its own. For gdb, which must
 * never die between attach and detach.
 */
export function runDetached(command: string, args: string[], options: DetachedOptions = {}): Promise<RunResult> {
	const started = performance.now();
	const dir = mkdtempSync(join(tmpdir(), 'zeektop-run-'));
	const outPath = join(dir, 'stdout');
	const errPath = join(dir, 'stderr');
	const outFd = openSync(outPath, 'w', 0o600);
	const errFd = openSync(errPath, 'w', 0o600);
	const readBack = (path: string, max: number): {text: string; truncated: boolean} => {
		try {
			const buf = readFileSync(path);
			return {text: buf.subarray(0, max).toString('utf8'), truncated: buf.length > max};
		} catch {
			return {text: '', truncated: false}; // never written: the child did not start
		}
	};
	return new Promise(resolve => {
		let child: ChildProcess;
		const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: NodeJS.ErrnoException, aborted = false) => {
			const out = readBack(outPath, options.maxStdoutBytes ?? 16 * 1024 * 1024);
			const err = readBack(errPath, 65536 * 16);
			rmSync(dir, {recursive: true, force: true});
			resolve({
				code, signal, stdout: out.text, stderr: err.text.slice(-65536), timedOut: false, aborted,
				truncated: out.truncated, durationMs: performance.now() - started, spawnError,
			});
		};
		try {
			child = spawn(command, args, {detached: true, stdio: ['ignore', outFd, errFd]});
		} catch (error) {
			closeSync(outFd);
			closeSync(errFd);
			finish(null, null, error as NodeJS.ErrnoException);
			return;
		}
		// The child has its own copies of the descriptors now.
		closeSync(outFd);
		closeSync(errFd);
		live.add(child);
		let aborted = false;
		let killTimer: NodeJS.Timeout | undefined;
		let spawnError: NodeJS.ErrnoException | undefined;
		const onAbort = () => {
			aborted = true;
			if (child.exitCode !== null || child.signalCode !== null) return;
			child.kill(options.stopSignal ?? 'SIGTERM');
			killTimer = setTimeout(() => child.kill('SIGKILL'), options.killGraceMs ?? 2000);
			killTimer.unref();
		};
		if (options.signal?.aborted) onAbort();
		else options.signal?.addEventListener('abort', onAbort, {once: true});
		child.on('error', error => {
			spawnError = error as NodeJS.ErrnoException;
		});
		child.on('close', (code, signal) => {
			live.delete(child);
			if (killTimer) clearTimeout(killTimer);
			options.signal?.removeEventListener('abort', onAbort);
			finish(code, signal, spawnError, aborted);
		});
	});
}
