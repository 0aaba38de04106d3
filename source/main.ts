import {existsSync} from 'node:fs';
import {resolve} from 'node:path';
import {ProcFs} from './collect/procfs.js';
import {systemClock} from './lib/clock.js';
import {Monitor, type Problem} from './state/monitor.js';
import {MetricsCollector} from './collect/metrics/collector.js';
import {renderOnceJson, renderOnceText, takeSnapshot} from './headless/once.js';
import {unicodeOk} from './ui/glyphs.js';
import {colorEnabled} from './ui/theme.js';
import {exitAfterCleanup, installSignalHandlers, runCleanups} from './lib/cleanup.js';

export type Flags = {
	interval: number;
	once: boolean;
	json: boolean;
	/** --metrics URLs; `--no-metrics` arrives as a false entry. */
	metrics?: Array<string | false>;
	metricsInterval: number;
	metricsTimeout: number;
	procRoot: string;
	spool?: string;
	workers: number;
	layout: string;
	seconds?: number;
	frequency?: number;
	perfSeconds: number;
	perfFrequency: number;
	mainThread: boolean;
	captures?: string;
	print: boolean;
	width?: number;
	height?: number;
	pid: boolean;
	tid: boolean;
	kernel: boolean;
	jit: boolean;
	all: boolean;
	addrs: boolean;
	dump: boolean;
	base?: string;
	/** --call-graph fp|dwarf for perf captures. */
	callGraph?: string;
	/** --alloc-skip REGEX (repeatable). */
	allocSkip?: string[];
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
				return await runTop(flags, {cwdUnder: flags.spool === undefined ? undefined : resolve(flags.spool) + '/'});
			case 'demo':
				if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}': see zeektop --help`);
				return await runDemo(flags);
			case 'perf':
				return await (await import('./headless/perf.js')).runPerfCommand(rest, flags);
			case 'heap':
				return await (await import('./headless/heap.js')).runHeapCommand(rest, flags);
			case 'fold':
				return await (await import('./headless/fold.js')).runFoldCommand(rest, flags);
			case 'flame':
				return await (await import('./headless/flame.js')).runFlameCommand(rest, flags);
			case 'doctor':
				return await (await import('./headless/doctor.js')).runDoctorCommand(rest, flags);
			default:
				throw new UsageError(`unknown command '${command}': use one of demo, perf, heap, fold, flame, doctor (or none for the live table; see zeektop --help)`);
		}
	} catch (error) {
		if (error instanceof UsageError) return fail(error.message);
		throw error;
	} finally {
		await runCleanups();
	}
}

type Scope = {cwdUnder?: string; notes?: Problem[]};

export function makeCollector(flags: Flags): MetricsCollector | undefined {
	const values = flags.metrics ?? [];
	if (values.includes(false)) return undefined;
	const urls = values.filter((v): v is string => typeof v === 'string');
	for (const url of urls) {
		if (!/^https?:\/\/[^/\s]+/.test(url)) throw new UsageError(`--metrics needs an http:// URL such as http://127.0.0.1:9991/metrics (got '${url}')`);
	}
	if (!Number.isFinite(flags.metricsInterval) || flags.metricsInterval < 1) {
		throw new UsageError(`--metrics-interval is in seconds and must be at least 1 (got ${flags.metricsInterval})`);
	}
	if (!Number.isFinite(flags.metricsTimeout) || flags.metricsTimeout < 100) {
		throw new UsageError(`--metrics-timeout is in ms and must be at least 100 (got ${flags.metricsTimeout})`);
	}
	return new MetricsCollector({
		clock: systemClock, intervalMs: flags.metricsInterval * 1000, timeoutMs: flags.metricsTimeout, maxBytes: 32 * 1024 * 1024,
		fixedUrls: urls.map(u => (/\/[^/]*metrics[^/]*$/.test(u) || /\/services\.json$/.test(u) ? u : u.replace(/\/?$/, '/metrics'))),
	});
}

export function makeMonitor(flags: Flags, scope: Scope, threadPids?: () => Iterable<number>): Monitor {
	return new Monitor({
		procfs: new ProcFs(flags.procRoot), clock: systemClock, threadPids, cwdUnder: scope.cwdUnder, notes: scope.notes,
		metrics: makeCollector(flags),
	});
}

async function runDemo(flags: Flags): Promise<number> {
	const layouts = ['zeek6', 'zeek7', 'zeek8'];
	if (!layouts.includes(flags.layout)) throw new UsageError(`--layout must be one of ${layouts.join(', ')} (got '${flags.layout}')`);
	if (!Number.isInteger(flags.workers) || flags.workers < 1 || flags.workers > 256) {
		throw new UsageError(`--workers must be a whole number from 1 to 256 (got ${flags.workers})`);
	}
	const {simSourcePath} = await import('./sim/build.js');
	if (!existsSync(simSourcePath)) {
		throw new UsageError(`the simulated sensor's source (${simSourcePath}) is not here, as in the one-file bundle: run the demo from the npm package or a clone (npm run demo)`);
	}
	const {defaultScenario, startCluster, SimStartError, DEMO_LG_PROF_INTERVAL} = await import('./sim/launcher.js');
	process.stderr.write(`zeektop: starting a simulated Zeek cluster (${flags.workers} workers, ${flags.layout} layout)...\n`);
	let cluster;
	try {
		cluster = await startCluster(defaultScenario({workers: flags.workers, layout: flags.layout as 'zeek8'}), {lgProfInterval: DEMO_LG_PROF_INTERVAL});
	} catch (error) {
		if (error instanceof SimStartError) throw new UsageError(error.message);
		throw error;
	}
	try {
		const notes = cluster.notes.map(message => ({scope: 'demo', message}));
		return await runTop(flags, {cwdUnder: cluster.spoolDir + '/', notes});
	} finally {
		await cluster.stop();
	}
}

async function runTop(flags: Flags, scope: Scope): Promise<number> {
	if (flags.once || flags.json) {
		const monitor = makeMonitor(flags, scope);
		const snapshot = await takeSnapshot(monitor, flags.interval);
		process.stdout.write(flags.json ? renderOnceJson(snapshot) : renderOnceText(snapshot, process.stdout.columns || 120, unicodeOk()));
		return 0;
	}
	if (!process.stdout.isTTY || !process.stdin.isTTY) {
		return fail('the interactive view needs a terminal; use --once (or --once --json) for scripts and pipes');
	}
	const {runInteractive} = await import('./ui/run.js');
	const detailPid = {current: null as number | null};
	const monitor = makeMonitor(flags, scope, () => (detailPid.current === null ? [] : [detailPid.current]));
	const {capturesPath} = await import('./capture/perf.js');
	const {captureSeconds, captureFrequency, captureCallGraph} = await import('./headless/perf.js');
	const {allocatorPatternsFromFlags} = await import('./headless/heap.js');
	return runInteractive({
		monitor,
		intervalMs: flags.interval,
		capturesRoot: capturesPath({override: flags.captures, env: process.env}),
		perfSeconds: captureSeconds(flags),
		perfFrequency: captureFrequency(flags),
		perfCallGraph: captureCallGraph(flags),
		allocatorPatterns: allocatorPatternsFromFlags(flags),
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
