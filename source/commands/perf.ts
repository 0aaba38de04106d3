/**
 * `zeektop perf <node|pid> [--seconds N] [--frequency HZ] [--main-thread] [--json] [--captures DIR]`:
 * one perf capture of a Zeek node, kept in a capture directory (perf.data, stacks.folded,
 * meta.json), printed as a top-functions table and an ASCII flame graph, or as JSON.
 *
 * Ctrl-C during the capture: main.ts's signal handlers run the cleanups, and capturePerf's cleanup
 * stops perf (and its `sleep`) and waits for it, so nothing is left running.
 */
import {UsageError} from '../lib/errors.js';
import type {PerfOptions} from './options.js';
import {capturePerf, capturesDir, newCaptureDir, type PerfProgress} from '../capture/perf.js';
import {perfPreflight} from '../capture/preflight.js';
import {discoverZeek, type ZeekProcess} from '../collect/discover.js';
import {parseStat} from '../collect/proc-parse.js';
import {ProcFs} from '../collect/procfs.js';
import {escapeText} from '../lib/escape.js';
import {topFunctions} from '../profile/top.js';
import {buildTree} from '../profile/tree.js';
import {outputSize, renderProfileReport, stacksInSamples} from './flame.js';

export type ResolvedTarget = {
	pid: number;
	/** The node name, or for a pid that is not a known node its comm (or the pid). */
	node: string;
	process?: ZeekProcess;
};

const PID = /^[1-9]\d{0,9}$/;

/** Known node names for an error message: at most 12, escaped. */
function knownNodes(processes: readonly ZeekProcess[]): string {
	const names = [...new Set(processes.map(p => (p.node === null ? `standalone (pid ${p.pid})` : escapeText(p.node))))];
	return names.length > 12 ? `${names.slice(0, 12).join(', ')}, ... (${names.length - 12} more)` : names.join(', ');
}

/**
 * A node name or a pid → the process to profile. Unknown and ambiguous names (two clusters on one
 * host both have a worker-1) are UsageErrors that list what is there and say how to choose.
 */
export function resolveTarget(target: string, procfs: ProcFs, scope?: {cwdUnder: string}): ResolvedTarget {
	if (PID.test(target)) {
		const pid = Number(target);
		const stat = procfs.read(pid, 'stat');
		if (!stat.ok && stat.error.kind === 'vanished') {
			throw new UsageError(`no process with pid ${pid}: give a running Zeek node's name or pid (zeektop --once lists them)`);
		}
		const found = discoverZeek(procfs).processes.find(p => p.pid === pid);
		if (found) return {pid, node: found.node ?? `standalone-${pid}`, process: found};
		const comm = stat.ok ? parseStat(stat.value)?.comm : undefined;
		return {pid, node: comm ? escapeText(comm) : String(pid)};
	}
	if (target === '' || target.startsWith('-')) {
		throw new UsageError(`not a node name or pid: '${escapeText(target)}'`);
	}
	const {processes} = discoverZeek(procfs, scope);
	const matches = processes.filter(p => p.node === target);
	if (matches.length === 1) return {pid: matches[0]!.pid, node: target, process: matches[0]};
	if (matches.length > 1) {
		const which = matches.map(p => `pid ${p.pid}${p.cwd ? ` (${escapeText(p.cwd)})` : ''}`).join(', ');
		throw new UsageError(`node '${escapeText(target)}' is ambiguous, ${matches.length} processes have it: ${which}; give the pid, or --spool DIR`);
	}
	if (processes.length === 0) {
		throw new UsageError(`unknown node '${escapeText(target)}': no Zeek processes found${scope ? ` under ${escapeText(scope.cwdUnder)}` : ''}; give a pid`);
	}
	throw new UsageError(`unknown node '${escapeText(target)}': known nodes are ${knownNodes(processes)} (or give a pid)`);
}

export type PerfJson = {
	node: string;
	pid: number;
	/** Recorded seconds (shorter than asked when cancelled or the process exited). */
	seconds: number;
	requestedSeconds: number;
	frequency: number;
	mainThreadOnly: boolean;
	samples: number;
	/** Samples perf reported lost; 0 when it reported none. */
	lostSamples: number;
	partial: boolean;
	top: Array<{function: string; selfPercent: number; totalPercent: number}>;
	notes: string[];
	dir: string;
	files: {folded: string; perfData: string; meta: string};
};

const round2 = (v: number) => Math.round(v * 100) / 100;

function progressLine(p: PerfProgress, seconds: number): string {
	const total = seconds * 1000;
	const cells = 30;
	const done = p.phase === 'recording' ? Math.round((Math.min(p.elapsedMs, total) / total) * cells) : p.phase === 'starting' ? 0 : cells;
	const bar = `[${'#'.repeat(done)}${'.'.repeat(cells - done)}]`;
	const what = p.phase === 'reading'
		? `reading perf script: ${p.foldedSamples ?? 0} samples`
		: p.phase === 'stopping'
			? 'stopping: perf is writing perf.data'
			: p.phase === 'starting'
				? 'starting perf'
				: `${(p.elapsedMs / 1000).toFixed(1)}/${seconds} s${p.estimatedSamples !== undefined ? `  ~${p.estimatedSamples} samples` : ''}  (Ctrl-C stops)`;
	return `${bar} ${what}`;
}

export async function runPerfCommand(args: string[], flags: PerfOptions): Promise<number> {
	if (args.length === 0) throw new UsageError('perf needs a node name or pid: zeektop perf worker-1 [--seconds N]');
	if (args.length > 1) throw new UsageError(`unexpected argument '${escapeText(args[1]!)}': zeektop perf takes one node name or pid`);
	const seconds = flags.perfSeconds;
	const frequency = flags.perfFrequency;
	const callGraph = flags.callGraph;
	const size = flags.json ? {width: 120, height: 40} : outputSize(flags, process.stdout);
	const procfs = new ProcFs(flags.procRoot);
	const target = resolveTarget(args[0]!, procfs, flags.spool);

	const findings = await perfPreflight({pid: target.pid, frequency}, procfs);
	const blocking = findings.find(f => f.level === 'error');
	if (blocking) {
		throw new UsageError(`cannot profile ${escapeText(target.node)} (pid ${target.pid}): ${escapeText(blocking.title)}${blocking.fix ? `; fix: ${escapeText(blocking.fix)}` : ''}`);
	}

	let root: string;
	let dir: string;
	try {
		root = capturesDir({override: flags.captures, env: process.env});
		dir = newCaptureDir(root, {node: target.node, pid: target.pid, kind: 'perf'});
	} catch (error) {
		throw new UsageError(`cannot create the capture directory: ${escapeText((error as Error).message)} (choose another with --captures DIR)`);
	}

	const tty = process.stderr.isTTY === true;
	if (!flags.json || tty) {
		process.stderr.write(`zeektop: perf capture of ${escapeText(target.node)} (pid ${target.pid}) for ${seconds} s at ${frequency} Hz${flags.mainThread ? ', main thread only' : ''}...\n`);
	}
	const result = await capturePerf({
		pid: target.pid,
		seconds,
		frequency,
		mainThreadOnly: flags.mainThread,
		callGraph,
		dir,
		node: target.node,
		procfs,
		onProgress: tty ? p => process.stderr.write(`\r${progressLine(p, seconds)}\u001b[K`) : undefined,
	});
	if (tty) process.stderr.write('\r\u001b[K');
	if (!result.ok) {
		process.stderr.write(`zeektop: perf capture of ${escapeText(target.node)} (pid ${target.pid}) failed: ${escapeText(result.error)} (details in ${escapeText(result.files.meta)})\n`);
		return 1;
	}
	const capture = result.capture;
	const tree = buildTree(stacksInSamples(capture.folded, capture.samples));
	const lostSamples = capture.lostSamples ?? 0;

	if (flags.json) {
		const doc: PerfJson = {
			node: target.node,
			pid: target.pid,
			seconds: Math.round(capture.durationMs / 100) / 10,
			requestedSeconds: seconds,
			frequency,
			mainThreadOnly: flags.mainThread,
			samples: capture.samples,
			lostSamples,
			partial: capture.partial,
			top: topFunctions(tree).slice(0, 100).map(r => ({function: r.function, selfPercent: round2(r.selfPercent), totalPercent: round2(r.totalPercent)})),
			notes: capture.notes,
			dir,
			files: capture.files,
		};
		process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
		return 0;
	}

	const lines = [
		`perf ${escapeText(target.node)}  pid ${target.pid}  ${(capture.durationMs / 1000).toFixed(1)} s at ${frequency} Hz, ${flags.mainThread ? 'main thread only' : 'all threads'}  ${capture.samples} samples  ${lostSamples} lost${capture.partial ? '  (partial)' : ''}`,
		`saved in ${escapeText(dir)} (perf.data, stacks.folded, meta.json)`,
		`explore it: zeektop flame ${escapeText(capture.files.folded)}`,
		...capture.notes.map(n => `note: ${escapeText(n)}`),
	];
	process.stdout.write(renderProfileReport(tree, {width: size.width, height: size.height, lines}));
	return 0;
}
