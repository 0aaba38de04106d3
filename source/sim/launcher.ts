import {existsSync, rmSync} from 'node:fs';
import {mkdir, mkdtemp, open, readFile, rm, writeFile} from 'node:fs/promises';
import {createServer, type Server} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {start, type Started} from '../capture/runner.js';
import {ProcFs} from '../collect/procfs.js';
import {parseStat} from '../collect/proc-parse.js';
import {onCleanup} from '../lib/cleanup.js';
import {systemClock, type Clock} from '../lib/clock.js';
import {ensureSimTools, type SimTools} from './build.js';
import {startStatsWriters, type StatsWriter} from './stats-writer.js';

/**
 * Starts a simulated Zeek cluster the way zeekctl does: one spool dir per node, `.pid`,
 * `.cmdline`, `.env_vars`, `.startup` written beside each node, zeek's argv and CLUSTER_NODE as
 * zeekctl builds them, start order loggers → manager → proxies → workers, crashed nodes restarted
 * with a new pid (zeekctl's cron). Every node is a real native process (sim/zeek.cc).
 */

export type SimLayout = 'zeek6' | 'zeek7' | 'zeek8';
export type SimRole = 'manager' | 'logger' | 'proxy' | 'worker';
export type SimBehaviour = 'idle' | 'steady' | 'overloaded' | 'leaking' | 'crashing' | 'shifting';
/**
 * off: no jemalloc. interval: prof:true with lg_prof_interval (dumps appear by themselves).
 * on-demand: prof:true, no interval (dump with gdb + mallctl). inactive: prof:true,prof_active:false.
 */
export type SimJemalloc = 'off' | 'interval' | 'on-demand' | 'inactive';

export type SimNodeSpec = {
	name: string;
	role: SimRole;
	behaviour: SimBehaviour;
	/** Workers only: `-i <interface>` (default `lo`). */
	interface?: string;
	jemalloc?: SimJemalloc;
	/** crashing: seconds of uptime before the SIGSEGV (default 10). */
	crashAfterSeconds?: number;
	/** steady/leaking/crashing workers: percent of a core for the packet loop (default 8). */
	dutyPercent?: number;
	/** leaking: KiB/s never freed (default 1536) and where it stops (default 512 MiB). */
	leakKiBPerSecond?: number;
	leakCapMiB?: number;
	/** shifting: seconds of uptime before its hot path moves from CompositeHash::MakeHashKey to RuleMatcher::Match (default 30). */
	shiftAfterSeconds?: number;
	/** Extra environment (zeekctl's env_vars). */
	env?: Record<string, string>;
};

export type SimScenario = {layout: SimLayout; nodes: SimNodeSpec[]};

export type DefaultScenarioOptions = {
	workers?: number;
	layout?: SimLayout;
	/** Make the last worker crash (SIGSEGV) after this many seconds of each run. */
	crashEverySeconds?: number;
	/** Give the last worker jemalloc with `prof:true,prof_active:false`. */
	inactiveProfiling?: boolean;
	dutyPercent?: number;
	/** Make worker-3 (or the last worker) `shifting`: its hot path changes after this many seconds. */
	shiftAfterSeconds?: number;
};

/**
 * manager, logger-1, proxy-1, worker-1..N: worker-1 overloaded, worker-2 leaking (jemalloc dumps
 * every few seconds), worker-3 steady with jemalloc profiling but no interval dumps, the rest steady.
 */
export function defaultScenario(options: DefaultScenarioOptions = {}): SimScenario {
	const workers = Math.max(1, Math.floor(options.workers ?? 4));
	const nodes: SimNodeSpec[] = [
		{name: 'manager', role: 'manager', behaviour: 'idle'},
		{name: 'logger-1', role: 'logger', behaviour: 'idle'},
		{name: 'proxy-1', role: 'proxy', behaviour: 'idle'},
	];
	for (let i = 1; i <= workers; i++) {
		const spec: SimNodeSpec = {name: `worker-${i}`, role: 'worker', behaviour: 'steady', interface: 'lo'};
		if (i === 1) spec.behaviour = 'overloaded';
		else if (i === 2) Object.assign(spec, {behaviour: 'leaking', jemalloc: 'interval'});
		else if (i === 3) spec.jemalloc = 'on-demand';
		if (options.dutyPercent !== undefined) spec.dutyPercent = options.dutyPercent;
		nodes.push(spec);
	}
	const last = nodes.at(-1)!;
	if (options.shiftAfterSeconds !== undefined) {
		const target = nodes.find(n => n.name === 'worker-3') ?? last;
		target.behaviour = 'shifting';
		target.shiftAfterSeconds = options.shiftAfterSeconds;
	}
	if (options.crashEverySeconds !== undefined) {
		last.behaviour = 'crashing';
		last.crashAfterSeconds = options.crashEverySeconds;
	}
	if (options.inactiveProfiling) last.jemalloc = 'inactive';
	return {layout: options.layout ?? 'zeek8', nodes};
}

export type StartClusterOptions = {
	/** Default: a fresh mkdtemp dir, removed by stop(). A given dir is kept; its node dirs are removed. */
	spoolDir?: string;
	/** First metrics port. Default 9991 (zeek7/8, zeekctl's MetricsPort) or 9911 (zeek6). 0: free ports. */
	basePort?: number;
	/** Start each node through sim/run-zeek (zeekctl's wrapper, a bash parent that is not a node). */
	runZeekWrapper?: boolean;
	/** Path of libjemalloc.so.2; default: looked up; null: run without jemalloc. */
	jemallocLibrary?: string | null;
	/** lg_prof_interval for `interval` nodes (default 23: a dump per 8 MiB allocated, every few seconds for the leaking worker). */
	lgProfInterval?: number;
	readyTimeoutMs?: number;
	/** Delay before a crashed node is started again (default 1000). */
	restartDelayMs?: number;
	procFs?: ProcFs;
	clock?: Clock;
	/** Prebuilt tools (tests); default ensureSimTools(). */
	tools?: SimTools;
	/**
	 * Write Zeek's stats.log (logger's cwd) and zeekctl's cron `<spool>/stats.log`, with the hour
	 * before start backdated, so history opens full (default true; sim/stats-writer.ts).
	 */
	statsLogs?: boolean | {statsIntervalMs?: number; cronIntervalMs?: number; backdateMs?: number};
};

/** A live view: pid changes when the node is restarted. */
export type SimNode = {
	readonly node: string;
	readonly role: SimRole;
	readonly behaviour: SimBehaviour;
	pid: number;
	/** The run-zeek wrapper's pid when started through it (not a node). */
	wrapperPid?: number;
	readonly cwd: string;
	/** Port of this node's own /metrics; zeek6: only the manager has one. */
	readonly metricsPort?: number;
	readonly jemalloc: SimJemalloc;
	readonly interface?: string;
	readonly args: readonly string[];
	readonly env: Readonly<Record<string, string>>;
};

export type SimCluster = {
	spoolDir: string;
	layout: SimLayout;
	nodes: SimNode[];
	/** http://127.0.0.1:<manager port>/metrics */
	managerMetricsUrl: string;
	/** What the cluster lacks or changed (no jemalloc, ports taken, ...). */
	notes: string[];
	tools: SimTools;
	stop(): Promise<void>;
	/** How many times the node was restarted after dying. */
	restarts(node: string): number;
	/**
	 * How the node's last run ended (the crashing worker: signal SIGSEGV; through run-zeek: the
	 * wrapper's exit code 139). Undefined while it has never exited.
	 */
	lastExit(node: string): SimExit | undefined;
};

export type SimExit = {pid: number; code: number | null; signal: NodeJS.Signals | null; atMs: number};

export class SimStartError extends Error {
	constructor(message: string, readonly portInUse = false) {
		super(message);
		this.name = 'SimStartError';
	}
}

const multiarch: Partial<Record<string, string>> = {x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu', arm: 'arm-linux-gnueabihf', ppc64: 'powerpc64le-linux-gnu', s390x: 's390x-linux-gnu'};

/** Debian's libjemalloc2 (built with --enable-prof), or another libjemalloc.so.2 on the usual paths. */
export function findJemalloc(): string | undefined {
	const triplet = multiarch[process.arch];
	const candidates = [
		...(triplet ? [`/usr/lib/${triplet}/libjemalloc.so.2`] : []),
		'/usr/lib64/libjemalloc.so.2',
		'/usr/lib/libjemalloc.so.2',
		'/usr/local/lib/libjemalloc.so.2',
	];
	return candidates.find(path => existsSync(path));
}

const roleOrder: Record<SimRole, number> = {manager: 0, logger: 1, proxy: 2, worker: 3};
/** zeekctl starts loggers first, then the manager, proxies, workers. */
const startOrder: Record<SimRole, number> = {logger: 0, manager: 1, proxy: 2, worker: 3};

function sortLayout(specs: SimNodeSpec[]): SimNodeSpec[] {
	return specs
		.map((spec, index) => ({spec, index}))
		.sort((a, b) => roleOrder[a.spec.role] - roleOrder[b.spec.role] || a.index - b.index)
		.map(x => x.spec);
}

function listen(port: number): Promise<Server | undefined> {
	return new Promise(resolve => {
		const server = createServer();
		server.once('error', () => resolve(undefined));
		server.listen({port, host: '127.0.0.1', exclusive: true}, () => resolve(server));
	});
}

function closeAll(servers: Array<Server | undefined>): Promise<void> {
	return Promise.all(servers.map(s => (s ? new Promise<void>(r => s.close(() => r())) : undefined))).then(() => undefined);
}

/** `count` ports from `base` if all are free, else free ports chosen by the kernel (and why). */
async function choosePorts(base: number, count: number): Promise<{ports: number[]; note?: string}> {
	if (count === 0) return {ports: []};
	if (base > 0) {
		const wanted = Array.from({length: count}, (_, i) => base + i);
		const probes = await Promise.all(wanted.map(listen));
		await closeAll(probes);
		const taken = wanted.filter((_, i) => !probes[i]);
		if (taken.length === 0) return {ports: wanted};
		const held = await Promise.all(wanted.map(() => listen(0)));
		const ports = held.map(s => (s?.address() as {port: number} | null)?.port ?? 0);
		await closeAll(held);
		return {ports, note: `metrics port${taken.length > 1 ? 's' : ''} ${taken.join(', ')} in use: using free ports ${ports.join(', ')} instead of ${base}–${base + count - 1}`};
	}
	const held = await Promise.all(Array.from({length: count}, () => listen(0)));
	const ports = held.map(s => (s?.address() as {port: number} | null)?.port ?? 0);
	await closeAll(held);
	return {ports, note: `free metrics ports chosen: ${ports.join(', ')}`};
}

function zeekArgs(spec: SimNodeSpec, layout: SimLayout): string[] {
	const args: string[] = [];
	if (spec.role === 'worker') args.push('-i', spec.interface ?? 'lo');
	args.push('-U', '.status', '-p', 'zeekctl', '-p', 'zeekctl-live', '-p', 'local', '-p', spec.name);
	// zeekctl for Zeek 8 loads the cluster backend script (ZeroMQ by default) first.
	if (layout === 'zeek8') args.push('policy/frameworks/cluster/backend/zeromq');
	args.push('local.zeek', 'zeekctl', 'zeekctl/auto');
	return args;
}

/**
 * lg_prof_interval of the demo (and its screenshots): a dump per 32 MiB allocated, every several
 * seconds on the leaking worker, so that "growth since the dump before" holds a clear leak rather
 * than sampling noise (tests keep the default 23 to get dumps quickly).
 */
export const DEMO_LG_PROF_INTERVAL = 25;

function mallocConf(mode: SimJemalloc, lgInterval: number): string | undefined {
	switch (mode) {
		case 'interval': return `prof:true,prof_prefix:jeprof.out,lg_prof_interval:${lgInterval}`;
		case 'on-demand': return 'prof:true,prof_prefix:jeprof.out';
		case 'inactive': return 'prof:true,prof_active:false,prof_prefix:jeprof.out';
		default: return undefined;
	}
}

const pad = (n: number) => String(n).padStart(2, '0');

/** run-zeek's .startup: epoch seconds, `date`, and Zeek's rotation time format. */
function startupText(ms: number): string {
	const d = new Date(ms);
	const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
	const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
	const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
	const offset = -d.getTimezoneOffset();
	const zone = offset === 0 ? 'UTC' : `${offset > 0 ? '+' : '-'}${pad(Math.floor(Math.abs(offset) / 60))}${pad(Math.abs(offset) % 60)}`;
	const date = `${days[d.getDay()]} ${months[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${time} ${zone} ${d.getFullYear()}`;
	const rot = `${pad(d.getFullYear() % 100)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}_${pad(d.getHours())}.${pad(d.getMinutes())}.${pad(d.getSeconds())}`;
	return `${Math.floor(ms / 1000)}\n${date}\n${rot}\n`;
}

/** zeekctl's generated cluster-layout.zeek (installed-scripts-do-not-touch/auto). */
function clusterLayoutText(nodes: Array<{spec: SimNodeSpec; metricsPort?: number}>, layout: SimLayout): string {
	const hasLogger = nodes.some(n => n.spec.role === 'logger');
	let brokerPort = 27760;
	const lines = [
		'# Automatically generated. Do not edit.',
		`redef Cluster::manager_is_logger = ${hasLogger ? 'F' : 'T'};`,
		'redef Cluster::nodes = {',
		`\t["control"] = [$node_type=Cluster::CONTROL, $ip=127.0.0.1, $p=${brokerPort++}/tcp],`,
	];
	const type: Record<SimRole, string> = {manager: 'MANAGER', logger: 'LOGGER', proxy: 'PROXY', worker: 'WORKER'};
	for (const {spec, metricsPort} of nodes) {
		const parts = [`$node_type=Cluster::${type[spec.role]}`, '$ip=127.0.0.1', `$p=${brokerPort++}/tcp`];
		if (spec.role === 'worker') parts.push(`$interface="${spec.interface ?? 'lo'}"`);
		if (spec.role === 'proxy' || spec.role === 'worker') parts.push('$manager="manager"');
		if (metricsPort !== undefined && layout !== 'zeek6') parts.push(`$metrics_port=${metricsPort}/tcp`);
		lines.push(`\t["${spec.name}"] = [${parts.join(', ')}],`);
	}
	lines.push('};', '');
	return lines.join('\n');
}

type Internal = {
	spec: SimNodeSpec;
	node: SimNode;
	started?: Started;
	startedAtMs: number;
	restarts: number;
	restartTimer?: NodeJS.Timeout;
	lastExit?: SimExit;
};

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

async function httpGet(url: string, timeoutMs = 1500): Promise<{status: number; text: string} | undefined> {
	try {
		const response = await fetch(url, {signal: AbortSignal.timeout(timeoutMs)});
		return {status: response.status, text: await response.text()};
	} catch {
		// not listening yet, or too slow: the caller polls again
		return undefined;
	}
}

export async function startCluster(scenario: SimScenario, options: StartClusterOptions = {}): Promise<SimCluster> {
	try {
		return await startClusterOnce(scenario, options);
	} catch (error) {
		// Another cluster (a parallel test, a demo) grabbed a port between our probe and the bind.
		if (error instanceof SimStartError && error.portInUse && options.basePort !== 0) {
			const cluster = await startClusterOnce(scenario, {...options, basePort: 0});
			cluster.notes.unshift(`a metrics port was taken while starting (${error.message}); restarted on free ports`);
			return cluster;
		}
		throw error;
	}
}

async function startClusterOnce(scenario: SimScenario, options: StartClusterOptions): Promise<SimCluster> {
	const {layout} = scenario;
	const procFs = options.procFs ?? new ProcFs();
	const clock = options.clock ?? systemClock;
	const tools = options.tools ?? await ensureSimTools();
	const notes: string[] = [];
	const specs = sortLayout(scenario.nodes);
	const names = new Set<string>();
	for (const spec of specs) {
		if (!/^[A-Za-z0-9_.-]+$/.test(spec.name) || names.has(spec.name)) throw new SimStartError(`bad or duplicate node name: ${JSON.stringify(spec.name)}`);
		names.add(spec.name);
	}
	const manager = specs.find(s => s.role === 'manager');
	if (!manager) throw new SimStartError('a cluster needs a manager node');

	// Metrics ports: zeekctl numbers them manager first, then loggers, proxies, workers.
	const withPorts = layout === 'zeek6' ? [manager] : specs;
	const basePort = options.basePort ?? (layout === 'zeek6' ? 9911 : 9991);
	const chosen = await choosePorts(basePort, withPorts.length);
	if (chosen.note && basePort !== 0) notes.push(chosen.note);
	const portOf = new Map(withPorts.map((s, i) => [s.name, chosen.ports[i]!] as const));

	// jemalloc
	const wantsJemalloc = specs.filter(s => (s.jemalloc ?? 'off') !== 'off');
	const jemallocLib = options.jemallocLibrary === null ? undefined : (options.jemallocLibrary ?? findJemalloc());
	if (wantsJemalloc.length > 0 && !jemallocLib) {
		notes.push(`libjemalloc.so.2 not found (apt-get install libjemalloc2): ${wantsJemalloc.map(s => s.name).join(', ')} run${wantsJemalloc.length === 1 ? 's' : ''} without heap profiling`);
	}
	const lgInterval = options.lgProfInterval ?? 23;

	const ownSpool = options.spoolDir === undefined;
	const spoolDir = options.spoolDir ?? await mkdtemp(join(tmpdir(), 'zeektop-sim-'));
	await mkdir(spoolDir, {recursive: true});
	const autoDir = join(spoolDir, 'installed-scripts-do-not-touch', 'auto');
	const siteDir = join(spoolDir, 'installed-scripts-do-not-touch', 'site');
	await mkdir(autoDir, {recursive: true});
	await mkdir(siteDir, {recursive: true});
	await writeFile(join(autoDir, 'cluster-layout.zeek'), clusterLayoutText(specs.map(spec => ({spec, metricsPort: portOf.get(spec.name)})), layout));

	const targets = withPorts.map(s => `127.0.0.1:${portOf.get(s.name)}`);
	const zeekPath = `${siteDir}:${autoDir}:/opt/zeek/share/zeek:/opt/zeek/share/zeek/policy:/opt/zeek/share/zeek/site:/opt/zeek/share/zeek/builtin-plugins`;

	const internals: Internal[] = [];
	for (const spec of specs) {
		const cwd = join(spoolDir, spec.name);
		await mkdir(cwd, {recursive: true});
		const jemalloc: SimJemalloc = jemallocLib ? spec.jemalloc ?? 'off' : 'off';
		const env: Record<string, string> = {
			PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
			ZEEKPATH: zeekPath,
			CLUSTER_NODE: spec.name,
			ZEEKTOP_SIM_ROLE: spec.role,
			ZEEKTOP_SIM_BEHAVIOUR: spec.behaviour,
			ZEEKTOP_SIM_LAYOUT: layout,
			ZEEKTOP_SIM_NODES: specs.map(s => s.name).join(','),
			ZEEKTOP_SIM_PARENT_PID: String(process.pid),
		};
		if (process.env.HOME) env.HOME = process.env.HOME;
		const port = portOf.get(spec.name);
		if (port !== undefined) env.ZEEKTOP_SIM_METRICS_PORT = String(port);
		if (spec.role === 'manager') env.ZEEKTOP_SIM_TARGETS = targets.join(',');
		if (spec.crashAfterSeconds !== undefined) env.ZEEKTOP_SIM_CRASH_AFTER = String(spec.crashAfterSeconds);
		if (spec.dutyPercent !== undefined) env.ZEEKTOP_SIM_DUTY = String(spec.dutyPercent);
		if (spec.leakKiBPerSecond !== undefined) env.ZEEKTOP_SIM_LEAK_RATE_KB = String(spec.leakKiBPerSecond);
		if (spec.leakCapMiB !== undefined) env.ZEEKTOP_SIM_LEAK_CAP_MB = String(spec.leakCapMiB);
		if (spec.shiftAfterSeconds !== undefined) env.ZEEKTOP_SIM_SHIFT_AFTER = String(spec.shiftAfterSeconds);
		const conf = mallocConf(jemalloc, lgInterval);
		if (conf && jemallocLib) {
			env.LD_PRELOAD = jemallocLib;
			env.MALLOC_CONF = conf;
		}
		Object.assign(env, spec.env);
		const node: SimNode = {
			node: spec.name, role: spec.role, behaviour: spec.behaviour, pid: -1, cwd, jemalloc,
			args: zeekArgs(spec, layout), env,
			...(port === undefined ? {} : {metricsPort: port}),
			...(spec.role === 'worker' ? {interface: spec.interface ?? 'lo'} : {}),
		};
		internals.push({spec, node, startedAtMs: 0, restarts: 0});
	}

	let stopping = false;
	let ready = false;
	let startupFailure: SimStartError | undefined;

	const tail = async (path: string) => {
		const text = await readFile(path, 'utf8').catch(() => '');
		return text.trim().split('\n').filter(Boolean).slice(-3).join(' | ');
	};

	const spawnNode = async (internal: Internal): Promise<void> => {
		const {node} = internal;
		const out = await open(join(node.cwd, 'stdout.log'), 'a');
		const err = await open(join(node.cwd, 'stderr.log'), 'a');
		await rm(join(node.cwd, '.pid'), {force: true});
		await rm(join(node.cwd, '.status'), {force: true});
		let started: Started;
		try {
			const spawnOptions = {cwd: node.cwd, env: node.env, stdio: ['ignore', out.fd, err.fd] as ['ignore', number, number], detached: true};
			if (options.runZeekWrapper) {
				started = start(tools.runZeek, ['-1', ...node.args], {...spawnOptions, env: {...node.env, ZEEKTOP_SIM_ZEEK: tools.zeek}});
			} else {
				started = start(tools.zeek, [...node.args], spawnOptions);
			}
		} finally {
			await out.close();
			await err.close();
		}
		// Children must not keep the event loop alive on their own: an exit without stop() still
		// ends them (PDEATHSIG, the exit hook below).
		started.child.unref();
		internal.started = started;
		internal.startedAtMs = clock.now();
		if (options.runZeekWrapper) {
			node.wrapperPid = started.pid;
			node.pid = -1;
			// run-zeek writes zeek's pid to .pid right after starting it.
			for (let i = 0; i < 100 && node.pid <= 0 && internal.started === started; i++) {
				refreshWrapperPid(internal);
				if (node.pid <= 0) await sleep(50);
			}
		} else {
			node.pid = started.pid;
			const ms = clock.now();
			await writeFile(join(node.cwd, '.env_vars'), `PATH=${node.env.PATH}\nZEEKPATH=${node.env.ZEEKPATH}\nCLUSTER_NODE=${node.env.CLUSTER_NODE}\n`);
			await writeFile(join(node.cwd, '.cmdline'), `${node.args.join(' ')}\n`);
			await writeFile(join(node.cwd, '.startup'), startupText(ms));
			await writeFile(join(node.cwd, '.pid'), `${started.pid}\n`);
		}
		void started.exited.then(async ({code, signal}) => {
			if (internal.started !== started) return;
			internal.started = undefined;
			internal.lastExit = {pid: node.pid, code, signal, atMs: clock.now()};
			if (stopping) return;
			if (!ready && internal.spec.behaviour !== 'crashing') {
				const why = await tail(join(node.cwd, 'stderr.log'));
				startupFailure ??= new SimStartError(
					`${node.node} exited while starting (${signal ?? `exit ${code}`})${why ? `: ${why}` : ''}`,
					/in use/i.test(why),
				);
				return;
			}
			internal.restartTimer = setTimeout(() => {
				internal.restartTimer = undefined;
				if (stopping) return;
				internal.restarts++;
				spawnNode(internal).catch((error: unknown) => {
					notes.push(`${node.node}: restart failed: ${(error as Error).message}`);
				});
			}, options.restartDelayMs ?? 1000);
			internal.restartTimer.unref();
		});
	};

	const alive = (pid: number): boolean => {
		if (pid <= 0) return false;
		const r = procFs.read(pid, 'stat');
		if (!r.ok) return false;
		const stat = parseStat(r.value);
		return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
	};

	/** Wrapper mode: the node's pid is what run-zeek wrote to .pid. */
	const refreshWrapperPid = (internal: Internal) => {
		if (!options.runZeekWrapper || !internal.started) return;
		const r = procFs.readFile(join(internal.node.cwd, '.pid'));
		const pid = r.ok ? Number.parseInt(r.value.trim(), 10) : Number.NaN;
		if (Number.isInteger(pid) && pid > 0) internal.node.pid = pid;
	};

	const groupKill = (internal: Internal, signal: NodeJS.Signals) => {
		const pid = internal.started?.pid;
		if (!pid || pid <= 0) return;
		try {
			// detached: the node (or its wrapper and the node) is its own process group.
			process.kill(-pid, signal);
		} catch {
			// ESRCH: already gone
		}
	};

	// Last resort on a plain process exit (no signal, no stop()): kill synchronously, remove the spool.
	const exitHook = () => {
		stopping = true;
		for (const internal of internals) groupKill(internal, 'SIGKILL');
		for (const internal of internals) {
			if (internal.node.pid > 0 && alive(internal.node.pid)) {
				try {
					process.kill(internal.node.pid, 'SIGKILL');
				} catch {
					// gone
				}
			}
		}
		try {
			rmSync(ownSpool ? spoolDir : join(spoolDir, 'installed-scripts-do-not-touch'), {recursive: true, force: true});
			if (!ownSpool) for (const internal of internals) rmSync(internal.node.cwd, {recursive: true, force: true});
		} catch {
			// the process is exiting: nothing more to do
		}
	};
	process.on('exit', exitHook);

	let stopPromise: Promise<void> | undefined;
	let unregister: () => void = () => undefined;
	let statsWriter: StatsWriter | undefined;
	const stop = (): Promise<void> => {
		stopPromise ??= (async () => {
			stopping = true;
			unregister();
			statsWriter?.stop();
			for (const internal of internals) {
				if (internal.restartTimer) clearTimeout(internal.restartTimer);
				refreshWrapperPid(internal);
			}
			const nodePids = internals.map(i => i.node.pid).filter(pid => pid > 0);
			const live = internals.filter(i => i.started);
			for (const internal of live) groupKill(internal, 'SIGTERM');
			const allExited = Promise.all(live.map(i => i.started!.exited));
			const timedOut = await Promise.race([allExited.then(() => false), sleep(3000).then(() => true)]);
			if (timedOut) {
				for (const internal of internals) groupKill(internal, 'SIGKILL');
				await Promise.race([allExited, sleep(2000)]);
			}
			// A wrapper's child is reaped by init once the wrapper is gone: wait until it is.
			const deadline = Date.now() + 3000;
			for (;;) {
				const left = nodePids.filter(alive);
				if (left.length === 0) break;
				if (Date.now() > deadline) {
					for (const pid of left) {
						try {
							process.kill(pid, 'SIGKILL');
						} catch {
							// gone meanwhile
						}
					}
					await sleep(200);
					break;
				}
				await sleep(50);
			}
			process.off('exit', exitHook);
			if (ownSpool) {
				await rm(spoolDir, {recursive: true, force: true});
			} else {
				await rm(join(spoolDir, 'installed-scripts-do-not-touch'), {recursive: true, force: true});
				for (const internal of internals) await rm(internal.node.cwd, {recursive: true, force: true});
				if (statsWriter) await rm(statsWriter.cronPath, {force: true});
			}
		})();
		return stopPromise;
	};
	unregister = onCleanup(stop);

	try {
		const ordered = [...internals].sort((a, b) => startOrder[a.spec.role] - startOrder[b.spec.role]);
		for (const internal of ordered) await spawnNode(internal);

		// Ready: every node alive and RUNNING, every endpoint answering (zeek6: the manager already
		// serves every node's series).
		const deadline = clock.monotonic() + (options.readyTimeoutMs ?? 30_000);
		const managerPort = portOf.get(manager.name)!;
		for (;;) {
			if (startupFailure) throw startupFailure;
			let allReady = true;
			for (const internal of internals) {
				refreshWrapperPid(internal);
				const {node} = internal;
				const status = procFs.readFile(join(node.cwd, '.status'));
				if (!alive(node.pid) || !status.ok || !status.value.startsWith('RUNNING')) {
					allReady = false;
					break;
				}
			}
			if (allReady) {
				const urls = internals.filter(i => i.node.metricsPort !== undefined).map(i => `http://127.0.0.1:${i.node.metricsPort}/metrics`);
				const answers = await Promise.all(urls.map(url => httpGet(url)));
				allReady = answers.every(a => a?.status === 200);
				if (allReady && layout === 'zeek6') {
					const text = answers[0]?.text ?? '';
					allReady = internals.every(i => text.includes(`endpoint="${i.node.node}"`));
				}
			}
			if (allReady) break;
			if (clock.monotonic() > deadline) {
				const lagging = internals.filter(i => !alive(i.node.pid)).map(i => i.node.node);
				throw new SimStartError(`simulated cluster not ready after ${options.readyTimeoutMs ?? 30_000} ms${lagging.length ? ` (not running: ${lagging.join(', ')})` : ''}`);
			}
			await sleep(100);
		}
		ready = true;
		if (options.statsLogs !== false) {
			statsWriter = startStatsWriters({spoolDir, layout, nodes: internals.map(i => i.node), ...(typeof options.statsLogs === 'object' ? options.statsLogs : {})});
		}

		return {
			spoolDir,
			layout,
			nodes: internals.map(i => i.node),
			managerMetricsUrl: `http://127.0.0.1:${managerPort}/metrics`,
			notes,
			tools,
			stop,
			restarts: (name: string) => internals.find(i => i.node.node === name)?.restarts ?? 0,
			lastExit: (name: string) => internals.find(i => i.node.node === name)?.lastExit,
		};
	} catch (error) {
		await stop();
		throw error;
	}
}
