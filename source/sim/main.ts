/**
 * Run the simulated cluster by hand:
 *
 *   node --import tsx source/sim/main.ts [--workers N] [--layout zeek6|zeek7|zeek8]
 *        [--base-port N] [--run-zeek] [--crash-every SECONDS] [--prof-inactive] [--no-jemalloc]
 *
 * Prints the nodes and waits; Ctrl-C (or SIGTERM/SIGHUP) tears everything down.
 */
import {onCleanup} from '../lib/cleanup.js';
import {defaultScenario, startCluster, type SimLayout, type StartClusterOptions} from './launcher.js';

function parseArgs(argv: string[]) {
	const out = {workers: 4, layout: 'zeek8' as SimLayout, basePort: undefined as number | undefined, wrapper: false, crashEvery: undefined as number | undefined, profInactive: false, noJemalloc: false};
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i]!;
		const value = () => {
			const v = argv[++i];
			if (v === undefined) throw new Error(`${a} needs a value`);
			return v;
		};
		if (a === '--workers') out.workers = Number(value());
		else if (a === '--layout') {
			const v = value();
			if (v !== 'zeek6' && v !== 'zeek7' && v !== 'zeek8') throw new Error(`--layout must be zeek6, zeek7 or zeek8, not ${v}`);
			out.layout = v;
		} else if (a === '--base-port') out.basePort = Number(value());
		else if (a === '--run-zeek') out.wrapper = true;
		else if (a === '--crash-every') out.crashEvery = Number(value());
		else if (a === '--prof-inactive') out.profInactive = true;
		else if (a === '--no-jemalloc') out.noJemalloc = true;
		else if (a === '--help' || a === '-h') {
			process.stdout.write('usage: main.ts [--workers N] [--layout zeek6|zeek7|zeek8] [--base-port N] [--run-zeek] [--crash-every S] [--prof-inactive] [--no-jemalloc]\n');
			process.exit(0);
		} else throw new Error(`unknown option ${a}`);
	}
	if (!Number.isInteger(out.workers) || out.workers < 1) throw new Error('--workers must be a positive integer');
	return out;
}

async function main(): Promise<void> {
	const args = parseArgs(process.argv.slice(2));
	const scenario = defaultScenario({
		workers: args.workers,
		layout: args.layout,
		...(args.crashEvery === undefined ? {} : {crashEverySeconds: args.crashEvery}),
		inactiveProfiling: args.profInactive,
	});
	const options: StartClusterOptions = {runZeekWrapper: args.wrapper};
	if (args.basePort !== undefined) options.basePort = args.basePort;
	if (args.noJemalloc) options.jemallocLibrary = null;
	process.stdout.write('starting the simulated cluster (first run compiles sim/zeek.cc)...\n');
	const cluster = await startCluster(scenario, options);
	onCleanup(() => cluster.stop());
	const rows = cluster.nodes.map(n => [n.node, n.role, n.behaviour, String(n.pid), n.metricsPort === undefined ? '-' : String(n.metricsPort), n.jemalloc, n.cwd]);
	const header = ['NODE', 'ROLE', 'BEHAVIOUR', 'PID', 'METRICS', 'JEMALLOC', 'CWD'];
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i]!.length)));
	for (const row of [header, ...rows]) process.stdout.write(`${row.map((c, i) => c.padEnd(widths[i]!)).join('  ')}\n`);
	process.stdout.write(`\nspool: ${cluster.spoolDir}\nmetrics: ${cluster.managerMetricsUrl}\n`);
	for (const note of cluster.notes) process.stdout.write(`note: ${note}\n`);
	process.stdout.write('Ctrl-C to stop.\n');
	// Report restarts (the crashing worker) as they happen.
	const pids = new Map(cluster.nodes.map(n => [n.node, n.pid]));
	setInterval(() => {
		for (const n of cluster.nodes) {
			if (n.pid > 0 && pids.get(n.node) !== n.pid) {
				process.stdout.write(`${n.node} restarted: pid ${n.pid} (restart ${cluster.restarts(n.node)})\n`);
				pids.set(n.node, n.pid);
			}
		}
	}, 500);
}

main().catch((error: unknown) => {
	process.stderr.write(`zeektop sim: ${(error as Error).message}\n`);
	process.exit(1);
});
