import {basename} from 'node:path';
import {parseCgroup, parseCmdline, parseEnviron} from './proc-parse.js';
import type {ProcFs} from './procfs.js';

/**
 * Discovery of every Zeek process on the host, however it was launched (zeekctl, the
 * supervisor `zeek -j`, systemd units from Zeek 8.1's generator, standalone).
 */

export type Role = 'manager' | 'logger' | 'proxy' | 'worker' | 'standalone' | 'other';
export type LaunchMode = 'zeekctl' | 'supervisor' | 'systemd' | 'standalone' | 'remote';
/** Where the node name came from, strongest first. */
export type NameSource = 'environ' | 'spool' | 'systemd-unit' | 'cmdline' | 'comm+cwd' | 'comm' | 'metrics' | 'none';

export type ZeekProcess = {
	pid: number;
	node: string | null;
	nameSource: NameSource;
	/** The name in comm was cut at 15 characters and could not be recovered yet. */
	nameTruncated: boolean;
	role: Role;
	launch: LaunchMode;
	iface: string | null;
	comm: string;
	cmdline: string[];
	cwd: string | null;
	exe: string | null;
	cgroup: string | null;
	/** null when unreadable (not root, other user). */
	environ: Map<string, string> | null;
	hints: string[];
};

const COMM_MAX = 15;
/** zeekctl's -p prefixes that are not node names. */
const NON_NODE_PREFIXES = new Set(['zeekctl', 'zeekctl-live', 'local', 'standalone', 'repo']);

export function roleOf(node: string | null, iface: string | null): Role {
	if (node === null) return 'standalone';
	if (/^manager\b/.test(node)) return 'manager';
	if (/^logger\b/.test(node)) return 'logger';
	if (/^proxy\b/.test(node)) return 'proxy';
	if (/^worker\b/.test(node) || iface) return 'worker';
	return 'other';
}

/** The argument of `-i`/`--iface`/`-i=` in a Zeek command line. */
export function ifaceOf(argv: string[]): string | null {
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i]!;
		if ((a === '-i' || a === '--iface') && i + 1 < argv.length) return argv[i + 1]!;
		if (a.startsWith('--iface=')) return a.slice(8);
	}
	return null;
}

/** zeekctl passes `-p zeekctl -p zeekctl-live -p local -p <node>`: the last other -p is the node. */
export function nodeFromPrefixes(argv: string[]): string | null {
	let node: string | null = null;
	for (let i = 0; i < argv.length - 1; i++) {
		if (argv[i] === '-p' && !NON_NODE_PREFIXES.has(argv[i + 1]!)) node = argv[i + 1]!;
	}
	return node;
}

/** zeek-manager.service → manager; zeek-logger@1.service → logger-1; zeek-worker-eth0@2 → worker-eth0-2. */
export function nodeFromSystemdUnit(cgroup: string): string | null {
	const m = /\/zeek-([A-Za-z0-9_.-]+?)(?:@([^/]+))?\.service(?:\/|$)/.exec(cgroup);
	if (!m) return null;
	return m[2] ? `${m[1]}-${m[2]}` : m[1]!;
}

/** KEY=VALUE lines or NUL-separated (zeekctl's .env_vars). */
function parseEnvFile(text: string): Map<string, string> {
	return parseEnviron(text.replaceAll('\n', '\0'));
}

/** Is this pid a Zeek process at all? Cheap: comm only. */
export function isZeekComm(comm: string): boolean {
	return comm === 'zeek' || comm.startsWith('zeek.');
}

export type ClassifyResult = {kind: 'node'; process: ZeekProcess} | {kind: 'not-node'; reason: string};

/** Classify one pid whose comm looks like Zeek. Never throws; a vanished pid is "not-node". */
export function classifyZeekPid(procfs: ProcFs, pid: number, comm: string): ClassifyResult {
	const cmdlineR = procfs.read(pid, 'cmdline');
	if (!cmdlineR.ok) return {kind: 'not-node', reason: cmdlineR.error.kind};
	const cmdline = parseCmdline(cmdlineR.value);
	if (cmdline.length === 0) return {kind: 'not-node', reason: 'zombie or kernel thread'};
	const hints: string[] = [];

	// The supervisor (`zeek -j`) and its stem are not nodes.
	if (comm === 'zeek.stem') return {kind: 'not-node', reason: 'supervisor stem'};
	const supervised = comm.startsWith('zeek.');
	if (!supervised && cmdline.some(a => a === '-j' || a === '--jobs' || a.startsWith('--jobs='))) {
		return {kind: 'not-node', reason: 'supervisor'};
	}

	const environR = procfs.read(pid, 'environ');
	const environ = environR.ok ? parseEnviron(environR.value) : null;
	const cwdR = procfs.readlink(pid, 'cwd');
	const cwd = cwdR.ok ? cwdR.value.replace(/ \(deleted\)$/, '') : null;
	const exeR = procfs.readlink(pid, 'exe');
	const exe = exeR.ok ? exeR.value : null;
	const cgroupR = procfs.read(pid, 'cgroup');
	const cgroup = cgroupR.ok ? parseCgroup(cgroupR.value) ?? null : null;
	const iface = ifaceOf(cmdline);

	let node: string | null = null;
	let nameSource: NameSource = 'none';
	let nameTruncated = false;
	let launch: LaunchMode = 'standalone';

	if (supervised) {
		launch = 'supervisor';
		const short = comm.slice('zeek.'.length);
		node = short;
		nameSource = 'comm';
		if (comm.length >= COMM_MAX) {
			// comm is cut: the node's cwd is <dir>/<node>; trust it when it extends the short name.
			const dir = cwd ? basename(cwd) : null;
			if (dir && dir.startsWith(short)) {
				node = dir;
				nameSource = 'comm+cwd';
			} else {
				nameTruncated = true;
			}
		}
	} else {
		const fromEnv = environ?.get('CLUSTER_NODE');
		if (fromEnv) {
			node = fromEnv;
			nameSource = 'environ';
		}
		if (!node && cwd) {
			// zeekctl writes .env_vars beside the node; readable when environ is not.
			const envFile = procfs.readFile(`${cwd}/.env_vars`, 64 * 1024);
			if (envFile.ok) {
				const v = parseEnvFile(envFile.value).get('CLUSTER_NODE');
				if (v) {
					node = v;
					nameSource = 'spool';
				}
			}
		}
		if (!node && cgroup) {
			const unit = nodeFromSystemdUnit(cgroup);
			if (unit) {
				node = unit;
				nameSource = 'systemd-unit';
			}
		}
		if (!node) {
			const fromArgs = nodeFromPrefixes(cmdline);
			if (fromArgs) {
				node = fromArgs;
				nameSource = 'cmdline';
			}
		}
		if (cgroup && /(^|\/)zeek(-[^/]*)?\.slice(\/|$)/.test(cgroup)) launch = 'systemd';
		else if (node) launch = 'zeekctl';
		if (!environR.ok) {
			hints.push(`cannot read /proc/${pid}/environ (${environR.error.kind}): run zeektop as root or as the Zeek user to see CLUSTER_NODE and MALLOC_CONF`);
		}
	}
	const role = roleOf(node, iface);
	return {
		kind: 'node',
		process: {
			pid, node, nameSource, nameTruncated, role, launch, iface, comm, cmdline, cwd, exe, cgroup, environ,
			hints,
		},
	};
}

export type Discovery = {processes: ZeekProcess[]; skipped: Array<{pid: number; reason: string}>};

/** A full /proc scan (slow cadence): every pid's comm, then classify the Zeek ones. */
export function discoverZeek(procfs: ProcFs, scope?: {cwdUnder: string}): Discovery {
	const processes: ZeekProcess[] = [];
	const skipped: Discovery['skipped'] = [];
	for (const pid of procfs.pids()) {
		const commR = procfs.read(pid, 'comm');
		if (!commR.ok) continue;
		const comm = commR.value.replace(/\n$/, '');
		if (!isZeekComm(comm)) continue;
		const r = classifyZeekPid(procfs, pid, comm);
		// The demo and tests watch only their own cluster (its spool directory).
		if (r.kind === 'node' && scope && !(r.process.cwd ?? '').startsWith(scope.cwdUnder)) continue;
		if (r.kind === 'node') processes.push(r.process);
		else skipped.push({pid, reason: r.reason});
	}
	processes.sort((a, b) => (a.node ?? '').localeCompare(b.node ?? '') || a.pid - b.pid);
	return {processes, skipped};
}

/**
 * Recover names cut by the 15-character comm limit from names known elsewhere (metrics labels):
 * a truncated `worker-1-1` becomes `worker-1-10` only when exactly one known name extends it and
 * no other process already has it.
 */
export function recoverTruncatedNames(processes: ZeekProcess[], knownNames: Iterable<string>): void {
	const known = [...knownNames];
	const taken = new Set(processes.filter(p => !p.nameTruncated && p.node).map(p => p.node!));
	for (const p of processes) {
		if (!p.nameTruncated || !p.node) continue;
		const candidates = known.filter(n => n.startsWith(p.node!) && !taken.has(n));
		if (candidates.length === 1) {
			p.node = candidates[0]!;
			p.nameSource = 'metrics';
			p.nameTruncated = false;
			p.role = roleOf(p.node, p.iface);
			taken.add(p.node);
		}
	}
}
