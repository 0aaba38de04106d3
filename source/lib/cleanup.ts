/**
 * Exit paths: quit, Ctrl-C, SIGTERM, SIGHUP (an SSH session dropping) and crashes all run the
 * registered cleanups (stop perf/gdb, tear down a simulated cluster, restore the terminal).
 * Cleanups run once, last registered first.
 */
type Cleanup = () => void | Promise<void>;

const cleanups: Cleanup[] = [];
let installed = false;
let running: Promise<void> | undefined;

export function onCleanup(fn: Cleanup): () => void {
	cleanups.push(fn);
	installSignalHandlers();
	return () => {
		const i = cleanups.indexOf(fn);
		if (i >= 0) cleanups.splice(i, 1);
	};
}

export function runCleanups(): Promise<void> {
	running ??= (async () => {
		while (cleanups.length > 0) {
			const fn = cleanups.pop()!;
			try {
				await fn();
			} catch (error) {
				process.stderr.write(`zeektop: cleanup failed: ${(error as Error).message}\n`);
			}
		}
	})();
	return running;
}

let exiting = false;

/**
 * Run the cleanups, then exit. A second call (a second signal, an error while cleaning up) exits at
 * once, and a timer bounds the cleanups so that nothing can keep the process alive.
 */
export function exitAfterCleanup(code: number, boundMs = 5000): void {
	if (exiting) {
		process.exit(code);
	}
	exiting = true;
	setTimeout(() => process.exit(code), boundMs).unref();
	void runCleanups().finally(() => process.exit(code));
}

/** Run cleanups then exit with the conventional status for the signal. */
export function installSignalHandlers(): void {
	if (installed) return;
	installed = true;
	const codes: Partial<Record<NodeJS.Signals, number>> = {SIGINT: 130, SIGTERM: 143, SIGHUP: 129};
	for (const signal of Object.keys(codes) as NodeJS.Signals[]) {
		process.on(signal, () => exitAfterCleanup(codes[signal]!));
	}
	// The terminal went away (SSH dropped): writes fail with EIO/EPIPE. Clean up and leave quietly
	// instead of reporting an error to a terminal that no longer exists.
	for (const stream of [process.stdout, process.stderr]) {
		stream.on('error', () => exitAfterCleanup(129));
	}
}
