// zeektop's own cost while watching 16 and 64 Zeek nodes, against htop -d 10 in the same run.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {execFileSync} from 'node:child_process';
import {startCluster, type SimScenario, type SimNodeSpec} from '../source/sim/launcher.js';
import {parseStat} from '../source/collect/proc-parse.js';
import {parseKb, parseStatus} from '../source/collect/proc-parse.js';

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const repo = join(import.meta.dirname, '..');

function cpuTicks(pid: number): number {
	const s = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'))!;
	return s.utimeTicks + s.stimeTicks;
}

function rssBytes(pid: number): number {
	return parseKb(parseStatus(readFileSync(`/proc/${pid}/status`, 'utf8')).get('VmRSS')) ?? 0;
}

/** The pid of the process running in the tmux pane (the pane's shell execs env, which execs it). */
function paneProcess(socket: string, comm: string): number {
	const panePid = Number(execFileSync('tmux', ['-L', socket, 'display-message', '-p', '-t', 'b', '#{pane_pid}'], {encoding: 'utf8'}).trim());
	for (let i = 0; i < 50; i++) {
		for (const name of execFileSync('ls', ['/proc'], {encoding: 'utf8'}).split('\n')) {
			if (!/^\d+$/.test(name)) continue;
			try {
				const s = parseStat(readFileSync(`/proc/${name}/stat`, 'utf8'));
				if (s && s.ppid === panePid && s.comm === comm) return s.pid;
				if (s && s.pid === panePid && s.comm === comm) return s.pid;
			} catch {
				// gone
			}
		}
		execFileSync('sleep', ['0.1']);
	}
	throw new Error(`no ${comm} in the tmux pane`);
}

async function measure(command: string, comm: string, seconds: number, soakSeconds = 0): Promise<{cpuPercent: number; rssStart: number; rssEnd: number}> {
	const socket = `zeektop-bench-${process.pid}`;
	execFileSync('tmux', ['-L', socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'b', '-x', '200', '-y', '50', command]);
	try {
		const pid = paneProcess(socket, comm);
		await sleep(3000); // startup is not steady state
		const rssStart = rssBytes(pid);
		const t0 = performance.now();
		const c0 = cpuTicks(pid);
		await sleep(seconds * 1000);
		const cpuPercent = ((cpuTicks(pid) - c0) / 100 / ((performance.now() - t0) / 1000)) * 100;
		if (soakSeconds > 0) await sleep(soakSeconds * 1000);
		return {cpuPercent, rssStart, rssEnd: rssBytes(pid)};
	} finally {
		execFileSync('tmux', ['-L', socket, 'kill-server']);
	}
}

function quietScenario(nodes: number): SimScenario {
	const specs: SimNodeSpec[] = [
		{name: 'manager', role: 'manager', behaviour: 'idle'},
		{name: 'logger-1', role: 'logger', behaviour: 'idle'},
		{name: 'proxy-1', role: 'proxy', behaviour: 'idle'},
	];
	for (let i = 1; i <= nodes - 3; i++) specs.push({name: `worker-${i}`, role: 'worker', behaviour: 'idle', interface: 'lo'});
	return {layout: 'zeek8', nodes: specs};
}

export async function benchTui(options: {seconds: number; soakMinutes: number}): Promise<string[]> {
	const out: string[] = [];
	for (const nodes of [16, 64]) {
		const cluster = await startCluster(quietScenario(nodes), {basePort: 0});
		try {
			await sleep(2000);
			const htop = await measure('env TERM=xterm-256color htop -d 10', 'htop', options.seconds);
			const soak = nodes === 64 ? options.soakMinutes * 60 : 0;
			const zt = await measure(
				`env NODE_ENV=production TERM=xterm-256color LANG=C.UTF-8 node ${join(repo, 'dist', 'cli.js')} --interval 1000 --spool ${cluster.spoolDir}`,
				'zeektop', options.seconds, soak,
			);
			out.push(`tui ${nodes} nodes, 1 s refresh, tmux 200x50, ${options.seconds} s: zeektop ${zt.cpuPercent.toFixed(2)}% CPU, htop -d 10 ${htop.cpuPercent.toFixed(2)}% CPU, ratio zeektop/htop = ${(zt.cpuPercent / Math.max(0.01, htop.cpuPercent)).toFixed(2)} (anchor: htop)`);
			if (soak > 0) {
				out.push(`tui ${nodes} nodes memory: RSS ${(zt.rssStart / 2 ** 20).toFixed(1)} MiB at start, ${(zt.rssEnd / 2 ** 20).toFixed(1)} MiB after ${options.soakMinutes} min more (ratio ${(zt.rssEnd / zt.rssStart).toFixed(2)})`);
			}
		} finally {
			await cluster.stop();
		}
	}
	return out;
}
