/**
 * Dispatch: the command word → its entry point with the options it takes. Usage errors become one
 * line and exit 2; an uncaught error restores the terminal, says so in one line, runs the cleanups
 * (which let an in-flight gdb step finish) and exits 70.
 */
import {exitAfterCleanup, installSignalHandlers, runCleanups} from '../lib/cleanup.js';
import {UsageError} from '../lib/errors.js';
import {restoreTerminal} from '../ui/terminal.js';
import {COMMAND_NAMES, parseOptions, type RawFlags} from './options.js';

function fail(message: string): number {
	process.stderr.write(`zeektop: ${message}\n`);
	return 2;
}

export async function runMain(input: string[], flags: RawFlags): Promise<number> {
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
		const noArgs = () => {
			if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}': see zeektop --help`);
		};
		if (!(COMMAND_NAMES as readonly string[]).includes(command)) {
			throw new UsageError(`unknown command '${command}': use one of ${COMMAND_NAMES.filter(c => c !== 'top').join(', ')} (or none for the live table; see zeektop --help)`);
		}
		const options = parseOptions(flags);
		switch (command) {
			case 'top':
				noArgs();
				return await (await import('./top.js')).runTop(options);
			case 'demo':
				noArgs();
				return await (await import('./top.js')).runDemo(options);
			case 'perf':
				return await (await import('./perf.js')).runPerfCommand(rest, options);
			case 'heap':
				return await (await import('./heap.js')).runHeapCommand(rest, options);
			case 'fold':
				return await (await import('./fold.js')).runFoldCommand(rest, options);
			case 'flame':
				return await (await import('./flame.js')).runFlameCommand(rest, options);
			case 'diff':
				return await (await import('./diff-command.js')).runDiffCommand(rest, options);
			case 'record': {
				if (rest.length !== 1) throw new UsageError('record needs one file: zeektop record FILE [--seconds N] [--interval MS]');
				const {makeMonitor} = await import('./top.js');
				const {runRecord} = await import('./record.js');
				return await runRecord({
					file: rest[0]!, seconds: options.seconds, intervalMs: options.intervalMs,
					monitor: makeMonitor(options, {cwdUnder: options.spool?.cwdUnder}), zeektopVersion: process.env.ZEEKTOP_VERSION ?? '0.1.0',
				}, {stdout: process.stdout, stderr: process.stderr});
			}
			case 'replay': {
				if (rest.length !== 1) throw new UsageError('replay needs one recording: zeektop replay FILE --once [--json] [--at TIME]');
				const {runReplay} = await import('./replay.js');
				return await runReplay({file: rest[0]!, once: options.once, json: options.json, at: options.at, width: options.width}, {stdout: process.stdout, stderr: process.stderr});
			}
			case 'doctor':
				return await (await import('./doctor.js')).runDoctorCommand(rest, options);
			default:
				return fail(`unknown command '${command}'`);
		}
	} catch (error) {
		if (error instanceof UsageError) return fail(error.message);
		throw error;
	} finally {
		await runCleanups();
	}
}
