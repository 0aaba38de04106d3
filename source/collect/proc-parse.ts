/** Pure parsers of /proc files. Text in, values out. Field numbers follow proc(5). */

export type ProcStat = {
	pid: number;
	comm: string;
	state: string;
	ppid: number;
	/** utime + stime, clock ticks (proc(5) fields 14, 15). */
	utimeTicks: number;
	stimeTicks: number;
	numThreads: number;
	/** Field 22: start time after boot, clock ticks. */
	startTicks: number;
	/** Field 24: resident set size, pages. */
	rssPages: number;
	/** Field 39: CPU last executed on. */
	processor: number;
};

/**
 * /proc/PID/stat (proc(5) "/proc/pid/stat"). comm is in parentheses and may itself contain
 * spaces and ")", so split on the LAST ")".
 */
export function parseStat(text: string): ProcStat | undefined {
	const open = text.indexOf('(');
	const close = text.lastIndexOf(')');
	if (open < 0 || close < open) return undefined;
	const pid = Number(text.slice(0, open).trim());
	const comm = text.slice(open + 1, close);
	const rest = text.slice(close + 2).trim().split(' ');
	// rest[0] is field 3 (state); field N is rest[N - 3].
	const f = (n: number) => Number(rest[n - 3]);
	if (rest.length < 22 || !Number.isFinite(pid)) return undefined;
	const stat: ProcStat = {
		pid,
		comm,
		state: rest[0] ?? '?',
		ppid: f(4),
		utimeTicks: f(14),
		stimeTicks: f(15),
		numThreads: f(20),
		startTicks: f(22),
		rssPages: f(24),
		processor: rest.length >= 37 ? f(39) : -1,
	};
	if ([stat.utimeTicks, stat.stimeTicks, stat.startTicks, stat.rssPages].some(n => !Number.isFinite(n))) {
		return undefined;
	}
	return stat;
}

/** /proc/PID/status: "Key:\tvalue" lines. */
export function parseStatus(text: string): Map<string, string> {
	const map = new Map<string, string>();
	for (const line of text.split('\n')) {
		const i = line.indexOf(':');
		if (i > 0) map.set(line.slice(0, i), line.slice(i + 1).trim());
	}
	return map;
}

/** "123456 kB" → bytes. */
export function parseKb(value: string | undefined): number | undefined {
	if (!value) return undefined;
	const m = /^(\d+)\s*kB$/.exec(value.trim());
	return m ? Number(m[1]) * 1024 : undefined;
}

/** NUL-separated KEY=VALUE (/proc/PID/environ). */
export function parseEnviron(text: string): Map<string, string> {
	const env = new Map<string, string>();
	for (const entry of text.split('\0')) {
		if (!entry) continue;
		const i = entry.indexOf('=');
		if (i > 0) env.set(entry.slice(0, i), entry.slice(i + 1));
	}
	return env;
}

/** NUL-separated argv (/proc/PID/cmdline); a trailing NUL is dropped. */
export function parseCmdline(text: string): string[] {
	if (!text) return [];
	const parts = text.split('\0');
	if (parts.at(-1) === '') parts.pop();
	return parts;
}

/** "0-3,8,10-11" → [0,1,2,3,8,10,11] (Cpus_allowed_list, /sys/devices/system/cpu/online). */
export function parseCpuList(text: string): number[] {
	const cpus: number[] = [];
	for (const part of text.trim().split(',')) {
		if (!part) continue;
		const [a, b] = part.split('-').map(Number);
		if (a === undefined || !Number.isFinite(a)) continue;
		const end = b !== undefined && Number.isFinite(b) ? b : a;
		for (let i = a; i <= end && cpus.length < 65536; i++) cpus.push(i);
	}
	return cpus;
}

export type CpuTimes = {label: string; busy: number; total: number};

/** /proc/stat "cpu" and "cpuN" lines (proc(5) "/proc/stat"). */
export function parseProcStatCpus(text: string): CpuTimes[] {
	const out: CpuTimes[] = [];
	for (const line of text.split('\n')) {
		if (!line.startsWith('cpu')) continue;
		const [label, ...nums] = line.trim().split(/\s+/);
		const v = nums.map(Number);
		// user nice system idle iowait irq softirq steal (guest is already in user)
		const idle = (v[3] ?? 0) + (v[4] ?? 0);
		const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
		out.push({label: label!, busy: total - idle, total});
	}
	return out;
}

/** /proc/meminfo → bytes for MemTotal, MemAvailable. */
export function parseMeminfo(text: string): {totalBytes: number; availableBytes: number} {
	const m = parseStatus(text);
	return {totalBytes: parseKb(m.get('MemTotal')) ?? 0, availableBytes: parseKb(m.get('MemAvailable')) ?? 0};
}

/** /proc/loadavg → [1, 5, 15] minute load. */
export function parseLoadavg(text: string): [number, number, number] {
	const [a, b, c] = text.trim().split(/\s+/).map(Number);
	return [a ?? 0, b ?? 0, c ?? 0];
}

/** /proc/PID/cgroup (v2: "0::/path"). Returns the unified path, or the first one. */
export function parseCgroup(text: string): string | undefined {
	let first: string | undefined;
	for (const line of text.split('\n')) {
		const parts = line.split(':');
		if (parts.length < 3) continue;
		const path = parts.slice(2).join(':');
		if (parts[0] === '0' && parts[1] === '') return path;
		first ??= path;
	}
	return first;
}

export type ListeningSocket = {inode: number; address: string; port: number; family: 4 | 6};

/**
 * Listening TCP sockets from /proc/net/tcp or /proc/net/tcp6 (proc(5) "/proc/net/tcp"): state
 * 0A is LISTEN; addresses are hex in host (little-endian) byte order per 32-bit word.
 */
export function parseProcNetTcp(text: string, family: 4 | 6): ListeningSocket[] {
	const out: ListeningSocket[] = [];
	const lines = text.split('\n');
	for (let i = 1; i < lines.length; i++) {
		const f = lines[i]!.trim().split(/\s+/);
		if (f.length < 10 || f[3] !== '0A') continue;
		const [addrHex, portHex] = f[1]!.split(':');
		if (!addrHex || !portHex) continue;
		const inode = Number(f[9]);
		if (!Number.isFinite(inode) || inode === 0) continue;
		out.push({inode, address: decodeAddress(addrHex, family), port: parseInt(portHex, 16), family});
	}
	return out;
}

function decodeAddress(hex: string, family: 4 | 6): string {
	const words: string[] = [];
	for (let i = 0; i < hex.length; i += 8) {
		const w = hex.slice(i, i + 8);
		// each 32-bit word is little-endian
		words.push(w.slice(6, 8) + w.slice(4, 6) + w.slice(2, 4) + w.slice(0, 2));
	}
	if (family === 4) {
		const w = words[0] ?? '00000000';
		return [0, 2, 4, 6].map(i => parseInt(w.slice(i, i + 2), 16)).join('.');
	}
	const all = words.join('');
	if (/^0{20}ffff/.test(all)) {
		const v4 = all.slice(24);
		return [0, 2, 4, 6].map(i => parseInt(v4.slice(i, i + 2), 16)).join('.');
	}
	const groups: string[] = [];
	for (let i = 0; i < 32; i += 4) groups.push(parseInt(all.slice(i, i + 4), 16).toString(16));
	return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}
