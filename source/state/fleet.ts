import {roleOf} from '../collect/discover.js';
import type {RemoteNode} from '../collect/fleet.js';
import type {NodeMetrics} from '../collect/metrics/collector.js';
import type {NodeRow} from './tracker.js';

/**
 * Local rows and the rows Prometheus knows, as one table: every row has a host and a source; a
 * node of this machine that Prometheus also scrapes is one row (the local one, which has a pid,
 * threads and capture keys). Pure: no clock, no I/O.
 */

export type RemoteInfo = {
	server: string;
	instance: string;
	ageMs: number;
	stale: boolean;
	up: boolean;
	lastError: string;
};

export type FleetRow = Omit<NodeRow, 'pid'> & {
	/** Null on remote rows: a pid of another machine is nothing to act on here. */
	pid: number | null;
	host: string;
	source: 'local' | 'prometheus';
	/** Where a remote row came from; null on local rows. */
	remote: RemoteInfo | null;
};

export function localFleetRow(row: NodeRow, hostname: string): FleetRow {
	return {...row, host: hostname, source: 'local', remote: null};
}

/** A Prometheus node as a table row: the same field names, null where only /proc would know. */
export function remoteFleetRow(n: RemoteNode): FleetRow {
	const metrics: NodeMetrics = {
		node: n.node ?? '',
		receivedPacketsPerSecond: n.receivedPacketsPerSecond,
		droppedPacketsPerSecond: n.droppedPacketsPerSecond,
		linkPacketsPerSecond: n.linkPacketsPerSecond,
		receivedBytesPerSecond: n.receivedBytesPerSecond,
		dropPercent: n.dropPercent,
		packetLagSeconds: n.packetLagSeconds,
		timerLagSeconds: null,
		activeSessions: n.activeSessions,
		newSessionsPerSecond: n.newSessionsPerSecond,
		eventsPerSecond: n.eventsPerSecond,
		logWritesPerSecond: n.logWritesPerSecond,
		// Per-handler series would be one answer series per handler per node: not in a refresh.
		topEventHandlers: [],
		zeekVersion: n.zeekVersion,
		cpuPercent: n.cpuPercent,
		rssBytes: n.rssBytes,
		startTimeSeconds: n.startTimeSeconds,
		restarted: n.restarted,
		dropHistory: n.dropHistory,
		target: n.server,
		ageMs: n.ageMs,
	};
	const hints: string[] = [];
	if (!n.up) hints.push(`not scraped by Prometheus now${n.lastError === '' ? '' : `: ${n.lastError}`}`);
	if (n.stale) hints.push(`Prometheus data ${Math.round(n.ageMs / 1000)} s old`);
	return {
		key: `prometheus:${n.key}`,
		node: n.node,
		role: roleOf(n.node, null),
		launch: 'remote',
		pid: null,
		iface: null,
		comm: '',
		cmdline: [],
		cwd: null,
		exe: null,
		nameTruncated: false,
		cpuPercent: n.cpuPercent,
		mainThreadCpuPercent: null,
		rssBytes: n.rssBytes,
		rssBytesPerMinute: n.rssBytesPerMinute,
		threads: null,
		cpusAllowed: null,
		cpusAllowedCount: null,
		lastCpu: null,
		state: !n.up ? 'down' : n.stale ? 'stale' : 'remote',
		startedAtMs: n.startTimeSeconds === null ? null : n.startTimeSeconds * 1000,
		restarts: n.restarts,
		vanishedTicks: n.missingRefreshes,
		cpuHistory: n.cpuHistory,
		mainHistory: [],
		rssHistory: n.rssHistory,
		threadList: null,
		hints,
		environ: null,
		metrics,
		heap: null,
		host: n.host,
		source: 'prometheus',
		remote: {server: n.server, instance: n.instance, ageMs: n.ageMs, stale: n.stale, up: n.up, lastError: n.lastError},
	};
}

const shortName = (h: string) => h.split('.')[0]!;

/**
 * Whether a host Prometheus names (its instance label without the port) is this machine: the
 * hostname, its short form when one side has no domain, loopback, or one of `localAddresses`.
 */
export function isThisMachine(host: string, localHostname: string, localAddresses: readonly string[] = []): boolean {
	const h = host.toLowerCase();
	const me = localHostname.toLowerCase();
	if (h === me || h === 'localhost' || h === '::1' || h.startsWith('127.')) return true;
	if (localAddresses.some(a => a.toLowerCase() === h)) return true;
	// sensor-a vs sensor-a.example.org: the same machine; sensor-a.dc1 vs sensor-a.dc2 are not.
	if (!h.includes('.') && shortName(me) === h) return true;
	if (!me.includes('.') && shortName(h) === me && !/^\d+\.\d+\.\d+\.\d+$/.test(h)) return true;
	return false;
}

/**
 * One table of local and remote rows. A remote row on this machine with the node name of a local
 * row (or the only standalone Zeek of both) is that row: the local one stays, gains its host,
 * and takes Prometheus' Zeek numbers only when it has none of its own. Remote rows of this
 * machine that match no local row are kept (a Zeek in a container, say) under this hostname.
 */
export function mergeFleet(localRows: readonly NodeRow[], remoteRows: readonly FleetRow[], localHostname: string, localAddresses: readonly string[] = []): FleetRow[] {
	const out = localRows.map(r => localFleetRow(r, localHostname));
	const byNode = new Map<string, FleetRow>();
	const standalone: FleetRow[] = [];
	for (const r of out) {
		if (r.node !== null) byNode.set(r.node, r);
		else standalone.push(r);
	}
	const remoteStandaloneHere = remoteRows.filter(r => r.node === null && isThisMachine(r.host, localHostname, localAddresses));
	const remote: FleetRow[] = [];
	for (const r of remoteRows) {
		if (!isThisMachine(r.host, localHostname, localAddresses)) {
			remote.push(r);
			continue;
		}
		const local = r.node !== null
			? byNode.get(r.node)
			: standalone.length === 1 && remoteStandaloneHere.length === 1 ? standalone[0] : undefined;
		if (local === undefined) {
			remote.push({...r, host: localHostname});
			continue;
		}
		if (local.metrics === null && r.metrics !== null) local.metrics = r.metrics;
	}
	remote.sort((a, b) => cmp(a.host, b.host) || cmp(a.node ?? '', b.node ?? '') || cmp(a.key, b.key));
	return [...out, ...remote];
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Rows grouped by host, this machine first, then hosts by name; row order kept within a host. */
export function groupByHost(rows: readonly FleetRow[], localHostname: string): Array<{host: string; rows: FleetRow[]}> {
	const groups = new Map<string, FleetRow[]>();
	for (const r of rows) {
		let g = groups.get(r.host);
		if (!g) groups.set(r.host, (g = []));
		g.push(r);
	}
	return [...groups.entries()]
		.sort(([a], [b]) => (a === localHostname ? -1 : b === localHostname ? 1 : cmp(a, b)))
		.map(([host, list]) => ({host, rows: list}));
}

export type CaptureAction = 'perf' | 'heap';
export type CaptureOptions = {perfSeconds?: number; perfFrequency?: number; mainThread?: boolean; callGraph?: 'fp' | 'dwarf'};

/** A POSIX shell word: as is when it is plain, else single-quoted. */
export function shellWord(s: string): string {
	return /^[A-Za-z0-9_.:@%+=,/-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * What a capture key does on a remote row: zeektop cannot perf or gdb a process on another
 * machine, so it shows the command that does it there. Null for local rows (the key captures).
 * The command is quoted for a shell; the caller still escapes it for the terminal.
 */
export function remoteCaptureHint(row: FleetRow, action: CaptureAction, options: CaptureOptions = {}): {command: string | null; message: string} | null {
	if (row.source === 'local') return null;
	const what = action === 'perf' ? 'a perf profile' : 'a heap profile';
	const name = row.node ?? 'the standalone Zeek';
	if (row.host.startsWith('-') || row.host === '') {
		return {command: null, message: `${name} is on ${row.host === '' ? 'an unnamed host' : `host "${row.host}"`}: run zeektop there for ${what}`};
	}
	if (row.node === null || row.node.startsWith('-')) {
		// No node name to give (a standalone Zeek): its own table, where p/m work on its row.
		return {command: `ssh -t ${shellWord(row.host)} zeektop`, message: `${name} runs on ${row.host}: for ${what}, run zeektop there and press ${action === 'perf' ? 'p' : 'm'} on its row`};
	}
	const args = ['zeektop', action, row.node];
	if (action === 'perf') {
		args.push('--seconds', String(options.perfSeconds ?? 10));
		if (options.perfFrequency !== undefined && options.perfFrequency !== 99) args.push('--frequency', String(options.perfFrequency));
		if (options.mainThread) args.push('--main-thread');
		if (options.callGraph === 'dwarf') args.push('--call-graph', 'dwarf');
	}
	const words = args.map(shellWord);
	// ssh hands its arguments to the remote shell as one string: a quoted word needs quoting twice.
	const remote = words.join(' ');
	const command = words.every((w, i) => w === args[i]) ? `ssh ${shellWord(row.host)} ${remote}` : `ssh ${shellWord(row.host)} ${shellWord(remote)}`;
	return {command, message: `${row.node} runs on ${row.host}; for ${what} run: ${command}`};
}
