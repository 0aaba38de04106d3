/**
 * The live table and the demo: the composition root that builds the real collectors, the monitor
 * and the capture sessions' factory, and hands them to the view (or to `--once`).
 */
import {existsSync} from 'node:fs';
import {ProcFs} from '../collect/procfs.js';
import {MetricsCollector} from '../collect/metrics/collector.js';
import {systemClock} from '../lib/clock.js';
import {UsageError} from '../lib/errors.js';
import {Monitor, type Problem, type Snapshot} from '../state/monitor.js';
import {escapeText} from '../lib/escape.js';
import {unicodeOk} from '../ui/glyphs.js';
import {colorEnabled} from '../ui/theme.js';
import {renderOnceJson, renderOnceText, takeSnapshot} from './once.js';
import type {DemoOptions, TopOptions} from './options.js';

export type Scope = {cwdUnder?: string; notes?: Problem[]};

export function makeCollector(options: Pick<TopOptions, 'metricsUrls' | 'metricsIntervalMs' | 'metricsTimeoutMs'>): MetricsCollector | undefined {
	if (options.metricsUrls === null) return undefined;
	return new MetricsCollector({
		clock: systemClock, intervalMs: options.metricsIntervalMs, timeoutMs: options.metricsTimeoutMs, maxBytes: 32 * 1024 * 1024,
		fixedUrls: options.metricsUrls,
	});
}

export function makeMonitor(options: Pick<TopOptions, 'procRoot' | 'metricsUrls' | 'metricsIntervalMs' | 'metricsTimeoutMs'>, scope: Scope, threadPids?: () => Iterable<number>): Monitor {
	return new Monitor({
		procfs: new ProcFs(options.procRoot), clock: systemClock, threadPids, cwdUnder: scope.cwdUnder, notes: scope.notes,
		metrics: makeCollector(options),
	});
}

/** `--once [--json] --prometheus URL`: this host's nodes and the fleet Prometheus knows, merged. */
async function runFleetOnce(options: TopOptions, snapshot: Snapshot): Promise<number> {
	const {PrometheusSource} = await import('../collect/fleet.js');
	const {readCaFile, resolvePrometheusAuth} = await import('../collect/prometheus.js');
	const {mergeFleet, remoteFleetRow} = await import('../state/fleet.js');
	const {fleetSnapshotJson} = await import('./fleet-json.js');
	const p = options.prometheus;
	const auth = resolvePrometheusAuth({env: process.env, tokenFile: p.tokenFile, username: p.username, passwordFile: p.passwordFile});
	if (!auth.ok) throw new UsageError(auth.error);
	let caPem: Buffer | undefined;
	if (p.caFile !== undefined) {
		const ca = readCaFile(p.caFile);
		if (!ca.ok) throw new UsageError(ca.error);
		caPem = ca.pem;
	}
	const source = new PrometheusSource({urls: p.urls, auth: auth.auth, caPem, hosts: p.hosts.length > 0 ? p.hosts : undefined, clock: systemClock});
	try {
		await source.refresh();
		const rows = mergeFleet(snapshot.rows, source.nodes().map(remoteFleetRow), snapshot.host.hostname);
		const doc = fleetSnapshotJson(snapshot, rows, source.status(), source.problems());
		if (options.json) {
			process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
		} else {
			const lines = rows.map(r => `${escapeText(r.host ?? snapshot.host.hostname).padEnd(20)} ${escapeText(r.node ?? '-').padEnd(16)} ${r.pid === null ? 'prometheus' : `pid ${r.pid}`}`);
			const problems = (doc.problems as Array<{scope: string; message: string}>).map(x => `! ${escapeText(x.scope)}: ${escapeText(x.message)}`);
			process.stdout.write([`${'HOST'.padEnd(20)} ${'NODE'.padEnd(16)} SOURCE`, ...lines, ...problems].join('\n') + '\n');
		}
		return 0;
	} finally {
		await source.stop();
	}
}

export async function runDemo(options: DemoOptions): Promise<number> {
	const {simSourcePath} = await import('../sim/build.js');
	if (!existsSync(simSourcePath)) {
		throw new UsageError(`the simulated sensor's source (${simSourcePath}) is not here, as in the one-file bundle: run the demo from the npm package or a clone (npm run demo)`);
	}
	const {defaultScenario, startCluster, SimStartError, DEMO_LG_PROF_INTERVAL} = await import('../sim/launcher.js');
	process.stderr.write(`zeektop: starting a simulated Zeek cluster (${options.workers} workers, ${options.layout} layout)...\n`);
	let cluster;
	try {
		cluster = await startCluster(defaultScenario({workers: options.workers, layout: options.layout}), {lgProfInterval: DEMO_LG_PROF_INTERVAL});
	} catch (error) {
		if (error instanceof SimStartError) throw new UsageError(error.message);
		throw error;
	}
	try {
		const notes = cluster.notes.map(message => ({scope: 'demo', message}));
		return await runTop(options, {cwdUnder: cluster.spoolDir + '/', notes});
	} finally {
		await cluster.stop();
	}
}

export async function runTop(options: TopOptions, scope: Scope = {cwdUnder: options.spool?.cwdUnder}): Promise<number> {
	if (options.once || options.json) {
		const monitor = makeMonitor(options, scope);
		const snapshot = await takeSnapshot(monitor, options.intervalMs);
		if (options.prometheus.urls.length > 0) return runFleetOnce(options, snapshot);
		process.stdout.write(options.json ? renderOnceJson(snapshot) : renderOnceText(snapshot, process.stdout.columns || 120, unicodeOk()));
		return 0;
	}
	if (options.prometheus.urls.length > 0) {
		throw new UsageError('--prometheus works with --once (and --once --json) for now; the live table does not show remote nodes yet');
	}
	if (!process.stdout.isTTY || !process.stdin.isTTY) {
		throw new UsageError('the interactive view needs a terminal; use --once (or --once --json) for scripts and pipes');
	}
	const {runInteractive} = await import('../ui/run.js');
	const {capturesPath} = await import('../capture/store.js');
	const detailPid = {current: null as number | null};
	const monitor = makeMonitor(options, scope, () => (detailPid.current === null ? [] : [detailPid.current]));
	const capturesRoot = capturesPath({override: options.captures, env: process.env});
	const {createSessionFactory} = await import('../session/factory.js');
	return runInteractive({
		monitor,
		intervalMs: options.intervalMs,
		capturesRoot,
		sessions: createSessionFactory({
			capturesRoot, perfSeconds: options.perfSeconds, perfFrequency: options.perfFrequency,
			perfCallGraph: options.callGraph, allocatorPatterns: options.allocatorPatterns,
			heap: {useJeprof: options.useJeprof},
		}),
		perfSeconds: options.perfSeconds,
		perfFrequency: options.perfFrequency,
		perfCallGraph: options.callGraph,
		allocatorPatterns: options.allocatorPatterns,
		theme: {color: colorEnabled(process.env, true), unicode: unicodeOk()},
		detailPid,
	});
}
