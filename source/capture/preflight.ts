/**
 * Can we profile this process with perf, and if not, what is the fix? Each check is a finding
 * with a level, a one-line title, the detail behind it and the command that fixes it; together
 * they are `zeektop doctor`'s perf section.
 *
 * /proc only through ProcFs (tests point it at a fixture tree); perf only through the runner.
 * The perf map file lives in /tmp, outside /proc, and is stat()ed here.
 */
import {statSync} from 'node:fs';
import {join} from 'node:path';
import type {ProcFs} from '../collect/procfs.js';
import {parseStat, parseStatus} from '../collect/proc-parse.js';
import {describeFailure, run} from './runner.js';

export type Finding = {
	level: 'ok' | 'warn' | 'error';
	title: string;
	detail: string;
	/** What to do about it ('' when nothing needs doing). */
	fix: string;
};

// capabilities(7) bit numbers.
export const CAP_SYS_PTRACE = 19;
export const CAP_SYS_ADMIN = 21;
export const CAP_SYSLOG = 34;
export const CAP_PERFMON = 38;

/** CapEff (hex, /proc/PID/status) → has bit `cap`. */
export function hasCapability(capEffHex: string | undefined, cap: number): boolean {
	if (!capEffHex || !/^[0-9a-fA-F]+$/.test(capEffHex)) return false;
	return ((BigInt(`0x${capEffHex}`) >> BigInt(cap)) & 1n) === 1n;
}

export type Privileges = {
	euid: number | undefined;
	capEff: string | undefined;
	root: boolean;
	/** May open perf events on any process (root, CAP_PERFMON or CAP_SYS_ADMIN). */
	perfmon: boolean;
	syslog: boolean;
	ptrace: boolean;
};

/** Who we are, from /proc/self/status (Uid: real effective saved fs; CapEff). */
export function readPrivileges(procfs: ProcFs): Privileges {
	const r = procfs.read('self', 'status');
	const status = r.ok ? parseStatus(r.value) : new Map<string, string>();
	const uids = status.get('Uid')?.split(/\s+/).map(Number);
	const euid = uids?.[1] !== undefined && Number.isFinite(uids[1]) ? uids[1] : undefined;
	const capEff = status.get('CapEff');
	const root = euid === 0;
	return {
		euid,
		capEff,
		root,
		perfmon: root || hasCapability(capEff, CAP_PERFMON) || hasCapability(capEff, CAP_SYS_ADMIN),
		syslog: root || hasCapability(capEff, CAP_SYSLOG),
		ptrace: root || hasCapability(capEff, CAP_SYS_PTRACE),
	};
}

function readInt(procfs: ProcFs, ...path: string[]): number | undefined {
	const r = procfs.read(...path);
	if (!r.ok) return undefined;
	const n = Number(r.value.trim());
	return Number.isInteger(n) ? n : undefined;
}

/** What kernel.perf_event_paranoid allows an unprivileged user (perf_event_open(2), and the
 * Debian/Ubuntu patch that adds level 3+). */
export function describeParanoid(value: number): string {
	if (value <= -1) return 'no restrictions: any user may profile anything, including CPU-wide and raw tracepoints';
	if (value === 0) return 'unprivileged users may profile processes and CPUs (kernel included), but not raw tracepoints';
	if (value === 1) return 'unprivileged users may profile their own processes, user and kernel space';
	if (value === 2) return 'unprivileged users may profile only user space of their own processes (no kernel frames)';
	return 'unprivileged users may not use perf at all (Debian/Ubuntu level 3 and above)';
}

export type PreflightOptions = {
	pid?: number;
	perfPath?: string;
	/** Where perf map files live (default /tmp). */
	tmpDir?: string;
	/** Capture frequency to check against kernel.perf_event_max_sample_rate. */
	frequency?: number;
	/** Distribution id (os-release ID) for the install hint; read from /etc/os-release if absent. */
	distro?: string;
};

function installHint(distro: string | undefined, kernel: string | undefined): string {
	if (distro === 'ubuntu') return `apt-get install linux-tools-common linux-tools-${kernel ?? '$(uname -r)'}`;
	if (distro === 'fedora' || distro === 'rhel' || distro === 'centos' || distro === 'rocky' || distro === 'almalinux') {
		return 'dnf install perf';
	}
	return 'apt-get install linux-perf';
}

function readDistro(procfs: ProcFs): string | undefined {
	const r = procfs.readFile('/etc/os-release', 64 * 1024);
	if (!r.ok) return undefined;
	const m = /^ID="?([^"\n]+)"?$/m.exec(r.value);
	return m?.[1]?.toLowerCase();
}

/** perf installed and runnable (`perf --version`). */
export async function perfInstalledFinding(perfPath = 'perf', hint = 'apt-get install linux-perf'): Promise<Finding> {
	const r = await run(perfPath, ['--version'], {timeoutMs: 10_000, env: {...process.env, LC_ALL: 'C'}});
	if (r.spawnError?.code === 'ENOENT') {
		return {level: 'error', title: 'perf is not installed', detail: `no '${perfPath}' on PATH`, fix: hint};
	}
	if (r.spawnError || r.code !== 0) {
		// Debian's /usr/bin/perf wrapper fails like this when the kernel's perf_<version> is missing.
		return {level: 'error', title: 'perf does not run', detail: describeFailure(perfPath, r), fix: hint};
	}
	return {level: 'ok', title: 'perf is installed', detail: r.stdout.trim() || perfPath, fix: ''};
}

export async function perfPreflight(options: PreflightOptions, procfs: ProcFs): Promise<Finding[]> {
	const findings: Finding[] = [];
	const kernelRelease = procfs.read('sys', 'kernel', 'osrelease');
	const kernel = kernelRelease.ok ? kernelRelease.value.trim() : undefined;
	findings.push(await perfInstalledFinding(options.perfPath, installHint(options.distro ?? readDistro(procfs), kernel)));

	const priv = readPrivileges(procfs);
	const paranoid = readInt(procfs, 'sys', 'kernel', 'perf_event_paranoid');
	if (priv.root) {
		findings.push({level: 'ok', title: 'running as root', detail: 'perf may attach to any process', fix: ''});
	} else if (priv.perfmon) {
		const which = hasCapability(priv.capEff, CAP_PERFMON) ? 'CAP_PERFMON' : 'CAP_SYS_ADMIN';
		findings.push({level: 'ok', title: `running with ${which}`, detail: `uid ${priv.euid ?? '?'}, CapEff ${priv.capEff ?? '?'}`, fix: ''});
	} else {
		const ok = paranoid !== undefined && paranoid <= 2;
		findings.push({
			level: ok ? 'warn' : 'error',
			title: 'not root and no CAP_PERFMON',
			detail: `uid ${priv.euid ?? '?'}, CapEff ${priv.capEff ?? '?'}: ${ok
				? 'perf can profile only processes of this user'
				: 'perf_event_paranoid forbids unprivileged profiling'}; Zeek usually runs as root or its own user`,
			fix: 'run zeektop with sudo, or: setcap cap_perfmon,cap_sys_ptrace,cap_syslog+ep $(command -v perf)',
		});
	}

	if (paranoid === undefined) {
		findings.push({
			level: 'warn',
			title: 'kernel.perf_event_paranoid is unreadable',
			detail: 'no /proc/sys/kernel/perf_event_paranoid: perf events may be unsupported by this kernel',
			fix: 'check that the kernel has CONFIG_PERF_EVENTS',
		});
	} else {
		const meaning = describeParanoid(paranoid);
		let level: Finding['level'] = 'ok';
		let fix = '';
		if (!priv.perfmon && paranoid >= 3) {
			level = 'error';
			fix = 'sysctl -w kernel.perf_event_paranoid=2 (or run as root)';
		} else if (!priv.perfmon && paranoid === 2) {
			level = 'warn';
			fix = 'sysctl -w kernel.perf_event_paranoid=1 to see kernel frames (or run as root)';
		}
		findings.push({
			level,
			title: `kernel.perf_event_paranoid = ${paranoid}`,
			detail: priv.perfmon ? `${meaning}; does not limit root/CAP_PERFMON` : meaning,
			fix,
		});
	}

	const kptr = readInt(procfs, 'sys', 'kernel', 'kptr_restrict');
	if (kptr !== undefined) {
		const hidden = kptr >= 2 || (kptr === 1 && !priv.syslog);
		findings.push({
			level: hidden ? 'warn' : 'ok',
			title: `kernel.kptr_restrict = ${kptr}`,
			detail: hidden
				? 'kernel addresses are hidden from perf: kernel frames will show as [unknown]'
				: kptr === 0
					? 'kernel symbols are visible'
					: 'kernel symbols are visible to root/CAP_SYSLOG only (that is us)',
			fix: hidden ? 'sysctl -w kernel.kptr_restrict=0 (only if kernel frames matter)' : '',
		});
	}

	const maxRate = readInt(procfs, 'sys', 'kernel', 'perf_event_max_sample_rate');
	if (maxRate !== undefined && options.frequency !== undefined && options.frequency > maxRate) {
		findings.push({
			level: 'warn',
			title: `sampling at ${options.frequency} Hz exceeds kernel.perf_event_max_sample_rate (${maxRate})`,
			detail: 'perf will throttle to the maximum rate',
			fix: `use -F ${Math.min(maxRate, 99)} or lower`,
		});
	}

	if (options.pid !== undefined) findings.push(...targetFindings(options.pid, priv, procfs, options.tmpDir ?? '/tmp'));
	return findings;
}

function targetFindings(pid: number, priv: Privileges, procfs: ProcFs, tmpDir: string): Finding[] {
	const findings: Finding[] = [];
	const stat = procfs.read(pid, 'stat');
	if (!stat.ok) {
		findings.push({
			level: 'error',
			title: `process ${pid} ${stat.error.kind === 'vanished' ? 'is not running' : 'cannot be read'}`,
			detail: stat.error.message,
			fix: stat.error.kind === 'vanished' ? 'pick a running node (it may have been restarted with a new pid)' : '',
		});
		return findings;
	}
	const parsed = parseStat(stat.value);
	const comm = parsed?.comm ?? '?';
	if (parsed?.state === 'Z') {
		findings.push({level: 'error', title: `process ${pid} (${comm}) is a zombie`, detail: 'it has exited', fix: 'pick a running node'});
		return findings;
	}
	const status = procfs.read(pid, 'status');
	const ownerUid = status.ok ? Number(parseStatus(status.value).get('Uid')?.split(/\s+/)[1]) : undefined;
	if (!priv.ptrace && !priv.perfmon && ownerUid !== undefined && priv.euid !== undefined && ownerUid !== priv.euid) {
		findings.push({
			level: 'error',
			title: `process ${pid} (${comm}) belongs to uid ${ownerUid}`,
			detail: `we are uid ${priv.euid} without CAP_SYS_PTRACE/CAP_PERFMON: perf cannot attach`,
			fix: 'run zeektop with sudo, or as the user Zeek runs as',
		});
	} else {
		findings.push({level: 'ok', title: `process ${pid} (${comm}) can be profiled`, detail: `owner uid ${ownerUid ?? '?'}`, fix: ''});
	}

	// zeek-perf-support (a Zeek plugin) writes /tmp/perf-<pid>.map so that script functions get
	// names in perf output instead of a pile of interpreter frames.
	const mapPath = join(tmpDir, `perf-${pid}.map`);
	let st: ReturnType<typeof statSync> | undefined;
	try {
		st = statSync(mapPath);
	} catch {
		st = undefined;
	}
	if (!st) {
		findings.push({
			level: 'ok',
			title: `no ${mapPath}`,
			detail: 'Zeek script functions will appear as interpreter frames (zeek::detail::*Stmt::Exec, …); '
				+ 'the zeek-perf-support plugin (PerfSupport::enable=T) names them',
			fix: '',
		});
	} else {
		const uid = Number(st.uid);
		const foreign = uid !== 0 && priv.euid !== undefined && uid !== priv.euid;
		findings.push({
			level: foreign ? 'warn' : 'ok',
			title: `${mapPath} present (${st.size} bytes, owner uid ${uid})`,
			detail: foreign
				? 'perf script ignores map files owned by another user unless forced; zeektop passes -f'
				: 'Zeek script functions will be named in the flame graph (zeek-perf-support)',
			fix: foreign ? `or: chown ${priv.euid} ${mapPath}` : '',
		});
	}
	return findings;
}

/**
 * Frame-pointer-less binaries give stacks of one or two frames (the sampled function and maybe
 * a bogus caller): a flat, useless flame graph. Judge by the share of samples (count-weighted)
 * whose stack below the process name is at most two frames deep.
 */
export function frameDepthFinding(folded: ReadonlyMap<string, number>): Finding {
	let total = 0;
	let shallow = 0;
	const depths: Array<[number, number]> = [];
	for (const [stack, count] of folded) {
		if (!(count > 0)) continue;
		let depth = 0;
		for (let i = stack.indexOf(';'); i >= 0; i = stack.indexOf(';', i + 1)) depth++;
		total += count;
		if (depth <= 2) shallow += count;
		depths.push([depth, count]);
	}
	if (total === 0) return {level: 'ok', title: 'no samples to judge stack depth', detail: '', fix: ''};
	depths.sort((a, b) => a[0] - b[0]);
	let seen = 0;
	let median = 0;
	for (const [depth, count] of depths) {
		seen += count;
		if (seen * 2 >= total) {
			median = depth;
			break;
		}
	}
	const share = shallow / total;
	const pct = `${Math.round(share * 100)}%`;
	if (share > 0.5) {
		return {
			level: 'warn',
			title: `${pct} of samples have stacks only 1–2 frames deep`,
			detail: 'the binary was probably built without frame pointers, so perf -g cannot walk the stack',
			fix: 'capture with --call-graph dwarf (bigger perf.data, slower), or build Zeek with -fno-omit-frame-pointer',
		};
	}
	return {level: 'ok', title: `stacks look complete (median depth ${median})`, detail: `${pct} of samples are 1–2 frames deep`, fix: ''};
}
