import {ProcFs} from './collect/procfs.js';
import {systemClock} from './lib/clock.js';
import {Monitor} from './state/monitor.js';
import {renderOnceJson, renderOnceText, takeSnapshot} from './headless/once.js';
import {unicodeOk} from './ui/glyphs.js';
import {colorEnabled} from './ui/theme.js';
import {exitAfterCleanup, installSignalHandlers, runCleanups} from './lib/cleanup.js';

export type Flags = {
	interval: number;
	once: boolean;
	json: boolean;
	metrics: boolean;
	procRoot: string;
	workers: number;
	layout: string;
};

/** A user-facing failure: one line, no stack trace. */
export class UsageError extends Error {}

function fail(message: string): number {
	process.stderr.write(`zeektop: ${message}\n`);
	return 2;
}

export async function runMain(input: string[], flags: Flags): Promise<number> {
	installSignalHandlers();
	let crashed = false;
	process.on('uncaughtException', error => {
		// Once only: a second error (e.g. writing to a terminal that is gone) must not loop.
		if (crashed) return;
		crashed = true;
		try {
			restoreTerminal();
			process.stderr.write(`zeektop: internal error: ${error.message}\n`);
		} catch {
			// the terminal is gone; nothing left to tell
		}
		exitAfterCleanup(70);
	});
	try {
		const [command = 'top', ...rest] = input;
		if (!Number.isFinite(flags.interval) || flags.interval < 100) {
			throw new UsageError(`--interval must be at least 100 ms (got ${flags.interval})`);
		}
		switch (command) {
			case 'top':
				if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}': see zeektop --help`);
				return await runTop(flags);
			default:
				throw new UsageError(`unknown command '${command}': use one of top, demo (see zeektop --help)`);
		}
	} catch (error) {
		if (error instanceof UsageError) return fail(error.message);
		throw error;
	} finally {
		await runCleanups();
	}
}

export function makeMonitor(flags: Flags, threadPids?: () => Iterable<number>): Monitor {
	return new Monitor({procfs: new ProcFs(flags.procRoot), clock: systemClock, threadPids});
}

async function runTop(flags: Flags): Promise<number> {
	if (flags.once || flags.json) {
		const monitor = makeMonitor(flags);
		const snapshot = await takeSnapshot(monitor, flags.interval);
		process.stdout.write(flags.json ? renderOnceJson(snapshot) : renderOnceText(snapshot, process.stdout.columns || 120, unicodeOk()));
		return 0;
	}
	if (!process.stdout.isTTY || !process.stdin.isTTY) {
		return fail('the interactive view needs a terminal; use --once (or --once --json) for scripts and pipes');
	}
	const {runInteractive} = await import('./ui/run.js');
	const detailPid = {current: null as number | null};
	const monitor = makeMonitor(flags, () => (detailPid.current === null ? [] : [detailPid.current]));
	return runInteractive({
		monitor,
		intervalMs: flags.interval,
		theme: {color: colorEnabled(process.env, true), unicode: unicodeOk()},
		detailPid,
	});
}

const ALT_ON = '\u001b[?1049h\u001b[H';
const ALT_OFF = '\u001b[?25h\u001b[?1049l';
let altActive = false;

export function enterAltScreen(): void {
	if (!process.stdout.isTTY) return;
	process.stdout.write(ALT_ON);
	altActive = true;
}

export function restoreTerminal(): void {
	if (!altActive) return;
	altActive = false;
	try {
		if (process.stdin.isTTY) process.stdin.setRawMode(false);
	} catch {
		// stdin already closed: nothing to restore
	}
	process.stdout.write(ALT_OFF);
}
