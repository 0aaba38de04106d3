/**
 * `zeektop heap <node|pid> [--dump] [--base FILE] [--json] [--captures DIR]`: the newest jemalloc
 * dump of one node against the one before (or --base), as the growth table, the live top table
 * and the allocation sites; or, when it cannot, the fix for how the node was launched (exit 1).
 * Bad input (unknown node, unreadable --base) is a UsageError: exit 2, one line.
 */
import {constants as fsConstants, accessSync, lstatSync} from 'node:fs';
import {resolve} from 'node:path';
import {ProcFs} from '../collect/procfs.js';
import {discoverZeek, type ZeekProcess} from '../collect/discover.js';
import {readHeapDumpSummary, type Guidance} from '../capture/jemalloc.js';
import {capturesDir} from '../capture/store.js';
import {escapeText} from '../lib/escape.js';
import {formatBytes, padStart, truncate} from '../lib/format.js';
import {UsageError} from '../lib/errors.js';
import type {HeapOptions} from './options.js';
import type {AllocationSite} from '../profile/alloc-sites.js';
import type {JeprofTextReport} from '../profile/jeprof.js';
import {analyseHeap, type HeapData, type HeapTarget} from '../session/heap-session.js';

const MAX_LISTED = 12;

function describeNode(p: ZeekProcess): string {
	return `${p.node ?? '(standalone)'} (pid ${p.pid})`;
}

function knownNodes(processes: ZeekProcess[]): string {
	if (processes.length === 0) return 'no Zeek processes are running';
	const listed = processes.slice(0, MAX_LISTED).map(describeNode).join(', ');
	return `known: ${listed}${processes.length > MAX_LISTED ? `, and ${processes.length - MAX_LISTED} more` : ''}`;
}

/** A node name or pid → one Zeek process, or a UsageError naming the known nodes. */
export function resolveHeapTarget(arg: string, processes: ZeekProcess[]): HeapTarget {
	const safe = escapeText(arg);
	let match: ZeekProcess[];
	if (/^\d+$/.test(arg)) {
		match = processes.filter(p => p.pid === Number(arg));
		if (match.length === 0) throw new UsageError(`pid ${safe} is not a running Zeek node (${knownNodes(processes)})`);
	} else {
		match = processes.filter(p => p.node === arg);
		if (match.length === 0) throw new UsageError(`unknown node '${safe}' (${knownNodes(processes)})`);
		if (match.length > 1) {
			const where = match.slice(0, MAX_LISTED).map(p => `${p.pid} in ${escapeText(p.cwd ?? '?')}`).join(', ');
			throw new UsageError(`node '${safe}' is ambiguous: pids ${where}; give the pid (or --spool DIR)`);
		}
	}
	const p = match[0]!;
	if (p.launch === 'remote') throw new UsageError(`${describeNode(p)} runs on another host: run zeektop heap there`);
	return {pid: p.pid, node: p.node ?? `pid ${p.pid}`, launch: p.launch};
}

/** --base FILE must be a readable regular heap profile: checked before anything runs. */
export function checkBaseFile(path: string): string {
	const full = resolve(path);
	const safe = escapeText(path);
	try {
		const st = lstatSync(full);
		if (st.isSymbolicLink()) throw new UsageError(`--base ${safe} is a symlink; give the file itself`);
		if (!st.isFile()) throw new UsageError(`--base ${safe} is not a regular file`);
		accessSync(full, fsConstants.R_OK);
	} catch (error) {
		if (error instanceof UsageError) throw error;
		const code = (error as NodeJS.ErrnoException).code;
		throw new UsageError(`--base ${safe}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? 'unreadable')}`);
	}
	const summary = readHeapDumpSummary(full);
	if (!summary.ok) throw new UsageError(`--base ${safe}: ${escapeText(summary.reason)}`);
	return full;
}

/** `zeektop heap FILE`: a path to a heap dump rather than a node name or pid. */
function looksLikeDumpFile(arg: string): boolean {
	if (/^\d+$/.test(arg)) return false;
	if (/\.heap$/.test(arg) || arg.includes('/')) return true;
	try {
		return lstatSync(arg).isFile();
	} catch {
		return false; // not a file: a node name
	}
}

export type HeapJson = {
	node: string;
	pid: number;
	dump: string | null;
	base: string | null;
	/** Growth since the base when there is one, else everything live. */
	totalBytes: number | null;
	top: Array<{function: string; flatBytes: number; flatPercent: number; cumBytes: number; cumPercent: number}>;
	sites: Array<{function: string; bytes: number; percent: number}>;
	live?: {totalBytes: number | null; top: HeapJson['top']; sites: HeapJson['sites']};
	dumpPauseMs?: number;
	captureDir?: string;
	notes: string[];
};

const finite = (n: number) => (Number.isFinite(n) ? n : 0);

function topJson(report: JeprofTextReport | undefined): HeapJson['top'] {
	return (report?.rows ?? []).map(r => ({function: r.function, flatBytes: r.flatBytes, flatPercent: finite(r.flatPercent), cumBytes: r.cumBytes, cumPercent: finite(r.cumPercent)}));
}

function sitesJson(sites: AllocationSite[] | undefined): HeapJson['sites'] {
	return (sites ?? []).map(s => ({function: s.function, bytes: s.bytes, percent: s.percent}));
}

export function heapJson(data: HeapData): HeapJson {
	const based = data.base !== undefined;
	const main = based ? data.growth : data.live;
	const doc: HeapJson = {
		node: data.target.node,
		pid: data.target.pid,
		dump: data.dump?.path ?? null,
		base: data.base?.path ?? null,
		totalBytes: main?.totalBytes ?? null,
		top: topJson(main),
		sites: sitesJson(based ? data.growthSites : data.liveSites),
		notes: [...data.notes, ...data.steps.filter(s => s.status === 'failed').map(s => `${s.label}: ${s.reason ?? 'failed'}`)],
	};
	if (based) doc.live = {totalBytes: data.live?.totalBytes ?? null, top: topJson(data.live), sites: sitesJson(data.liveSites)};
	if (data.lastDump) doc.dumpPauseMs = Math.round(data.lastDump.pauseMs);
	if (data.captureDir) doc.captureDir = data.captureDir;
	return doc;
}

function signedBytes(n: number, signed: boolean): string {
	if (n === 0) return '0';
	return signed && n > 0 ? `+${formatBytes(n)}` : formatBytes(n);
}

function tableText(title: string, report: JeprofTextReport, signed: boolean, width: number, limit: number): string[] {
	const lines = [title, `${padStart('flat', 9)} ${padStart('flat%', 6)} ${padStart('sum%', 6)} ${padStart('cum', 9)} ${padStart('cum%', 6)}  function`];
	const pct = (p: number) => (Number.isFinite(p) ? `${p.toFixed(1)}%` : '-');
	for (const r of report.rows.slice(0, limit)) {
		lines.push(truncate(`${padStart(signedBytes(r.flatBytes, signed), 9)} ${padStart(pct(r.flatPercent), 6)} ${padStart(pct(r.sumPercent), 6)} ${padStart(signedBytes(r.cumBytes, signed), 9)} ${padStart(pct(r.cumPercent), 6)}  ${escapeText(r.function)}`, width));
	}
	if (report.rows.length > limit) lines.push(`... ${report.rows.length - limit} more rows`);
	return lines;
}

function sitesText(title: string, sites: AllocationSite[], signed: boolean, width: number, limit: number): string[] {
	const lines = [title, `${padStart('bytes', 9)} ${padStart('%', 6)} ${padStart('stacks', 6)}  allocation site`];
	for (const s of sites.slice(0, limit)) {
		lines.push(truncate(`${padStart(signedBytes(s.bytes, signed), 9)} ${padStart(`${s.percent.toFixed(1)}%`, 6)} ${padStart(String(s.stacks), 6)}  ${escapeText(s.function)}`, width));
	}
	if (sites.length > limit) lines.push(`... ${sites.length - limit} more sites`);
	return lines;
}

export function heapText(data: HeapData, width: number): string {
	const out: string[] = [];
	const d = data.dump;
	out.push(truncate(`${escapeText(data.target.node)}  pid ${data.target.pid}  dump ${d ? escapeText(d.path) : '-'}`, width));
	if (data.base) out.push(truncate(`base ${escapeText(data.base.path)}`, width));
	if (data.windowSeconds) out.push(`sampled for ${data.windowSeconds} s (prof_active was off)`);
	if (data.growth) {
		out.push('', ...tableText(`Growth since the base: ${signedBytes(data.growth.totalBytes ?? 0, true)} (jeprof --text --base)`, data.growth, true, width, 25));
	}
	if (data.live) out.push('', ...tableText(`Everything live: ${formatBytes(data.live.totalBytes ?? 0)} (jeprof --text)`, data.live, false, width, 25));
	const sites = data.base ? data.growthSites : data.liveSites;
	if (sites) out.push('', ...sitesText(`Allocation sites (${data.base ? 'growth since the base' : 'everything live'}; first frame above the allocator)`, sites, data.base !== undefined, width, 15));
	for (const s of data.steps) if (s.status === 'failed') out.push('', truncate(`${s.label}: ${escapeText(s.reason ?? 'failed')}`, width));
	for (const n of data.notes) out.push(truncate(`note: ${escapeText(n)}`, width));
	if (data.captureDir) out.push('', truncate(`saved in ${escapeText(data.captureDir)}`, width));
	return out.join('\n') + '\n';
}

function guidanceText(headline: string, g: Guidance | undefined): string {
	const lines = [`zeektop: ${escapeText(headline)}`];
	if (g) {
		if (g.headline !== headline) lines.push(escapeText(g.headline));
		for (const s of g.steps) lines.push(`  ${escapeText(s)}`);
		if (g.check.length > 0) lines.push('  Check:', ...g.check.map(c => `    ${escapeText(c)}`));
	}
	return lines.join('\n') + '\n';
}

export async function runHeapCommand(args: string[], flags: HeapOptions): Promise<number> {
	if (args.length === 0) throw new UsageError('heap needs a node name or pid: zeektop heap <node|pid> [--dump] [--base FILE] [--json]');
	if (args.length > 1) throw new UsageError(`heap takes one node or pid (got ${args.map(a => `'${escapeText(a)}'`).join(', ')})`);
	if (looksLikeDumpFile(args[0]!)) {
		const {runHeapFile} = await import('./heap-file.js');
		if (flags.base !== undefined) checkBaseFile(flags.base);
		const f = flags.heapFile;
		return runHeapFile({dump: args[0]!, binary: f.binary, base: flags.base, format: f.format, showBytes: f.showBytes, metric: f.metric, cum: f.cum}, {stdout: process.stdout, stderr: process.stderr});
	}
	const allocatorPatterns = flags.allocatorPatterns;
	const baseFile = flags.base === undefined ? undefined : checkBaseFile(flags.base);
	const procfs = new ProcFs(flags.procRoot);
	const target = resolveHeapTarget(args[0]!, discoverZeek(procfs, flags.spool).processes);
	let root: string;
	try {
		root = capturesDir({override: flags.captures, env: process.env});
	} catch (error) {
		throw new UsageError(`--captures ${escapeText(flags.captures ?? '')}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
	}

	const progress = process.stderr.isTTY && !flags.json;
	const reported = new Set<string>();
	const data = await analyseHeap(
		target,
		{procfs, capturesRoot: root, captureSeconds: flags.seconds, concurrency: 2, allocatorPatterns, useJeprof: flags.useJeprof},
		{
			baseFile,
			dumpFirst: flags.dump,
			onChange: progress
				? d => {
						for (const s of d.steps) {
							const key = `${s.id}:${s.status}`;
							if ((s.status === 'done' || s.status === 'cached') && !reported.has(key)) {
								reported.add(key);
								process.stderr.write(`zeektop: ${s.label}: ${s.status} in ${((s.durationMs ?? 0) / 1000).toFixed(1)} s\n`);
							}
						}
					}
				: undefined,
		},
	);

	if (data.lastDump) {
		const l = data.lastDump;
		process.stderr.write(`zeektop: gdb paused ${escapeText(target.node)} (pid ${target.pid}) for ${Math.round(l.pauseMs)} ms (seen stopped ${l.observedStopMs} ms); state now ${l.stateAfter ?? 'gone'}${l.resumed ? ' (resumed with SIGCONT)' : ''}\n`);
	}
	const phase = data.phase;
	if (phase.kind !== 'ready') {
		let headline: string;
		let guidance: Guidance | undefined;
		if (phase.kind === 'cannot') {
			headline = phase.guidance.headline;
			guidance = phase.guidance;
		} else if (phase.kind === 'offer') {
			headline = `${target.node} (pid ${target.pid}): no heap dumps yet`;
			const inactive = data.state?.conf.settings.profActive === false;
			const how = inactive
				? `zeektop heap ${target.pid} --dump [--seconds N] switches sampling on for N s (default 30), dumps, and switches it off (gdb; the node pauses for a moment each time).`
				: `zeektop heap ${target.pid} --dump takes a dump now through gdb (the node pauses for a moment).`;
			guidance = {headline, steps: [...phase.lines.filter(l => !/^[dwc]  /.test(l)), how], check: []};
		} else if (phase.kind === 'failed') {
			headline = phase.reason;
			guidance = phase.guidance;
		} else headline = phase.kind === 'cancelled' ? 'cancelled' : `stopped while ${phase.kind}`;
		if (flags.json) {
			process.stdout.write(JSON.stringify({node: target.node, pid: target.pid, error: headline, guidance: guidance ?? null, notes: data.notes}, null, 2) + '\n');
		} else process.stderr.write(guidanceText(headline, guidance));
		return 1;
	}
	if (flags.json) process.stdout.write(JSON.stringify(heapJson(data), null, 2) + '\n');
	else process.stdout.write(heapText(data, flags.width ?? (process.stdout.columns || 120)));
	return 0;
}
