/**
 * mallctl calls into a live worker through the gdb session: prof.dump now, prof.active on/off.
 */
import {ProcFs} from '../collect/procfs.js';
import {type GdbOptions, describeGdbFailure, gdbPrintInt, readState, runGdbBatch} from './gdb-session.js';
import {type HeapDumpFile, detectJemalloc, listHeapDumps} from './jemalloc-detect.js';

function mallctlError(code: number): string {
	switch (code) {
		case 2:
			return 'ENOENT: profiling not enabled in this process (needs prof:true at start)';
		case 14:
			return 'EFAULT: jemalloc could not write the dump (directory not writable by the node?)';
		case 22:
			return 'EINVAL: invalid mallctl arguments';
		case 11:
			return 'EAGAIN: jemalloc was busy; try again';
		case 1:
			return 'EPERM: not permitted';
		default:
			return `error ${code}`;
	}
}

export type DumpNowOptions = GdbOptions & {etcMallocConfPath?: string};

export type DumpNowResult =
	| {ok: true; dumpPath: string; dump: HeapDumpFile; pauseMs: number; observedStopMs: number; stateAfter: string | undefined; resumed: boolean}
	| {ok: false; reason: string; pauseMs: number; observedStopMs: number; stateAfter: string | undefined; resumed: boolean};

/**
 * Force a heap dump now: attach gdb without reading debug info and call
 * `mallctl("prof.dump", NULL, NULL, NULL, 0)`, which writes `<prefix>.<pid>.<seq>.m<n>.heap`
 * into the node's dump directory. Pauses the node for gdb's attach (~0.6 s on Zeek). Finds the
 * new file by listing the directory before and after.
 */
export async function dumpNow(pid: number, options: DumpNowOptions = {}): Promise<DumpNowResult> {
	const procfs = options.procfs ?? new ProcFs();
	const detectOptions = {clock: options.clock, etcMallocConfPath: options.etcMallocConfPath};
	const before = detectJemalloc(pid, procfs, detectOptions);
	const none = {pauseMs: 0, observedStopMs: 0, stateAfter: readState(procfs, pid), resumed: false};
	if (before.kind === 'no-jemalloc') return {ok: false, reason: 'no jemalloc in this process', ...none};
	if (before.kind === 'jemalloc-no-profiling' && before.profilingKnown) {
		return {ok: false, reason: 'profiling is off (prof:true must be in MALLOC_CONF when the node starts)', ...none};
	}
	const known = new Set(before.dumps.map(d => d.name));
	const session = await runGdbBatch(pid, [gdbPrintInt('dump', '(int)mallctl("prof.dump", 0, 0, 0, 0)')], options);
	const common = {pauseMs: session.pauseMs, observedStopMs: session.observedStopMs, stateAfter: session.stateAfter, resumed: session.resumed};
	const code = session.values.get('dump');
	if (code === undefined) return {ok: false, reason: describeGdbFailure(session, pid), ...common};
	if (code !== 0) return {ok: false, reason: `mallctl("prof.dump") failed: ${mallctlError(code)}`, ...common};
	if (before.dumpDir === undefined) return {ok: false, reason: 'dump written, but the node\'s dump directory is unknown (cwd unreadable)', ...common};
	const after = listHeapDumps(before.dumpDir, {pid});
	const fresh = after.dumps.filter(d => !known.has(d.name));
	const newest = fresh.at(-1);
	if (!newest) return {ok: false, reason: `dump written, but no new dump appeared in ${before.dumpDir} (prof_prefix set elsewhere?)`, ...common};
	return {ok: true, dumpPath: newest.path, dump: newest, ...common};
}

export type ProfActiveResult =
	| {ok: true; previous: boolean | undefined; active: boolean; pauseMs: number; observedStopMs: number; stateAfter: string | undefined; resumed: boolean}
	| {ok: false; reason: string; pauseMs: number; observedStopMs: number; stateAfter: string | undefined; resumed: boolean};

/**
 * Switch sampling on or off at runtime: `mallctl("prof.active", &old, &len, &new, 1)` with the bool
 * in malloc'd buffers of the node (gdb cannot take the address of a literal in the inferior).
 * Needs prof:true at start; used for a timed capture with prof_active:false by default.
 */
export async function setProfActive(pid: number, on: boolean, options: GdbOptions = {}): Promise<ProfActiveResult> {
	const commands = [
		'set $zt_new = (unsigned char *)(void *)malloc(16)',
		'set $zt_old = (unsigned char *)(void *)malloc(16)',
		'set $zt_len = (unsigned long *)(void *)malloc(16)',
		`set *$zt_new = ${on ? 1 : 0}`,
		'set *$zt_old = 255',
		'set *$zt_len = 1',
		gdbPrintInt('ret', '(int)mallctl("prof.active", $zt_old, $zt_len, $zt_new, 1)'),
		gdbPrintInt('old', '(int)*$zt_old'),
		'call (void)free($zt_new)',
		'call (void)free($zt_old)',
		'call (void)free($zt_len)',
	];
	const session = await runGdbBatch(pid, commands, options);
	const common = {pauseMs: session.pauseMs, observedStopMs: session.observedStopMs, stateAfter: session.stateAfter, resumed: session.resumed};
	const code = session.values.get('ret');
	if (code === undefined) return {ok: false, reason: describeGdbFailure(session, pid), ...common};
	if (code !== 0) return {ok: false, reason: `mallctl("prof.active") failed: ${mallctlError(code)}`, ...common};
	const old = session.values.get('old');
	return {ok: true, previous: old === 0 ? false : old === 1 ? true : undefined, active: on, ...common};
}
