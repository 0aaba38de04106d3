import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import {createServer as createNetServer, type AddressInfo, type Socket} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {inCI} from './env.js';

/**
 * A real Prometheus (Debian's `prometheus`) on 127.0.0.1, a free port, a temporary config and
 * TSDB; stop() kills it and removes the directory, and so does process exit if a test forgot.
 * Plus small HTTP servers that serve Zeek-shaped /metrics whose counters advance with time.
 */

export type PromTarget = {
	/** host:port Prometheus scrapes (127.0.0.1:N). */
	address: string;
	/** The instance label to give it (e.g. sensor-a:9994); default the address. */
	instance?: string;
	job?: string;
	/** More target labels, e.g. __param_target (a URL parameter of its scrapes). */
	labels?: Record<string, string>;
};

export type PromOptions = {
	targets: PromTarget[];
	scrapeIntervalSeconds?: number;
	/** Keep the scraped series' own instance labels (one endpoint serving many sensors). */
	honorLabels?: boolean;
	/** Also scrape Prometheus itself (a non-Zeek target with process_* series). */
	scrapeSelf?: boolean;
	/** Extra flags, e.g. --query.max-samples. */
	args?: string[];
};

export type RunningPrometheus = {url: string; port: number; dir: string; stop: () => Promise<void>; stderr: () => string};

const running = new Set<ChildProcess>();
process.on('exit', () => {
	for (const p of running) p.kill('SIGKILL');
});
// A bench or test killed by a signal must not leave its Prometheus behind.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.once(signal, () => {
		for (const p of running) p.kill('SIGKILL');
		process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
	});
}

export async function freePort(): Promise<number> {
	return new Promise<number>((resolve, reject) => {
		const s = createNetServer();
		s.once('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const port = (s.address() as AddressInfo).port;
			s.close(() => resolve(port));
		});
	});
}

function yamlString(s: string): string {
	return JSON.stringify(s); // JSON strings are YAML flow scalars
}

export function prometheusConfig(options: PromOptions, selfAddress: string): string {
	const interval = options.scrapeIntervalSeconds ?? 1;
	const jobs = new Map<string, PromTarget[]>();
	for (const t of options.targets) {
		const job = t.job ?? 'zeek';
		if (!jobs.has(job)) jobs.set(job, []);
		jobs.get(job)!.push(t);
	}
	const lines = [
		'global:',
		`  scrape_interval: ${interval}s`,
		`  scrape_timeout: ${interval}s`,
		`  evaluation_interval: ${interval}s`,
		'scrape_configs:',
	];
	for (const [job, targets] of jobs) {
		lines.push(`  - job_name: ${yamlString(job)}`, `    honor_labels: ${options.honorLabels ? 'true' : 'false'}`, '    static_configs:');
		for (const t of targets) {
			lines.push(`      - targets: [${yamlString(t.address)}]`);
			const labels = {...t.labels, ...(t.instance === undefined ? {} : {instance: t.instance})};
			const pairs = Object.entries(labels).map(([k, v]) => `${k}: ${yamlString(v)}`);
			if (pairs.length > 0) lines.push(`        labels: {${pairs.join(', ')}}`);
		}
	}
	if (options.scrapeSelf) {
		lines.push('  - job_name: "prometheus"', '    static_configs:', `      - targets: [${yamlString(selfAddress)}]`);
	}
	return lines.join('\n') + '\n';
}

export async function startPrometheus(options: PromOptions): Promise<RunningPrometheus> {
	const dir = mkdtempSync(join(tmpdir(), 'zeektop-prom-'));
	const port = await freePort();
	const address = `127.0.0.1:${port}`;
	const config = join(dir, 'prometheus.yml');
	writeFileSync(config, prometheusConfig(options, address));
	const child = spawn('prometheus', [
		`--config.file=${config}`,
		`--storage.tsdb.path=${join(dir, 'data')}`,
		`--web.listen-address=${address}`,
		'--log.level=warn',
		...(options.args ?? []),
	], {stdio: ['ignore', 'ignore', 'pipe']});
	running.add(child);
	let stderr = '';
	child.stderr!.on('data', (d: Buffer) => { if (stderr.length < 64 << 10) stderr += d.toString(); });
	const exited = new Promise<void>(resolve => child.once('exit', () => { running.delete(child); resolve(); }));
	const stop = async () => {
		if (child.exitCode === null && child.signalCode === null) {
			child.kill('SIGTERM');
			const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
			await exited;
			clearTimeout(timer);
		}
		rmSync(dir, {recursive: true, force: true});
	};
	const url = `http://${address}`;
	try {
		const deadline = Date.now() + 30_000;
		for (;;) {
			if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}): ${stderr.slice(-500)}`);
			if (Date.now() > deadline) throw new Error(`prometheus not ready within 30 s: ${stderr.slice(-500)}`);
			try {
				const r = await fetch(`${url}/-/ready`, {signal: AbortSignal.timeout(1000)});
				await r.arrayBuffer();
				if (r.status === 200) break;
			} catch {
				// not listening yet
			}
			await new Promise(r => setTimeout(r, 100));
		}
	} catch (error) {
		await stop();
		throw error;
	}
	return {url, port, dir, stop, stderr: () => stderr};
}

/** Poll an instant query until `accept` likes its result (or throw after timeoutMs). */
export async function waitForQuery(url: string, query: string, accept: (result: unknown[]) => boolean, timeoutMs = 30_000): Promise<unknown[]> {
	const deadline = Date.now() + timeoutMs;
	let last: unknown = null;
	for (;;) {
		try {
			const r = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`, {signal: AbortSignal.timeout(2000)});
			const doc = await r.json() as {data?: {result?: unknown[]}};
			last = doc;
			const result = doc.data?.result ?? [];
			if (accept(result)) return result;
		} catch (error) {
			last = error;
		}
		if (Date.now() > deadline) throw new Error(`query ${query} never satisfied: ${JSON.stringify(last)?.slice(0, 300)}`);
		await new Promise(r => setTimeout(r, 250));
	}
}

// ---- Zeek-shaped endpoints ----------------------------------------------------------------------

export type ZeekNodeSpec = {
	/** Node name; null: a standalone Zeek 8 (no node label at all). */
	node: string | null;
	/** 8: `node` label everywhere; 7: `endpoint` label, zeek_version_info without one. */
	zeekMajor: 7 | 8;
	packetsPerSecond: number;
	droppedPerSecond: number;
	eventsPerSecond: number;
	/** CPU seconds per second (0.5 = 50 % of a core). */
	cpuCoresUsed: number;
	rssBytes: number;
	activeSessions: number;
	packetLagSeconds: number;
	/** Extra instance label written into every series (for honor_labels scrapes). */
	instance?: string;
	startTimeSeconds?: number;
};

/** Zeek's exposition at `elapsedSeconds` after start: counters are rate × elapsed. */
export function zeekExposition(spec: ZeekNodeSpec, elapsedSeconds: number): string {
	const nodeLabel = spec.node === null ? '' : spec.zeekMajor === 8 ? `node="${spec.node}"` : `endpoint="${spec.node}"`;
	const inst = spec.instance === undefined ? '' : `instance="${spec.instance}"`;
	const l = (...parts: string[]) => {
		const all = [...parts, nodeLabel, inst].filter(p => p !== '');
		return all.length === 0 ? '' : `{${all.join(',')}}`;
	};
	const t = elapsedSeconds;
	const out: string[] = [];
	const version = spec.zeekMajor === 8 ? '8.0.10' : '7.0.0';
	const versionLabels = `beta="false",commit="0",debug="false",major="${spec.zeekMajor}",minor="0",patch="${spec.zeekMajor === 8 ? '10' : '0'}",version_number="${spec.zeekMajor}0000",version_string="${version}"`;
	out.push('# TYPE zeek_version_info gauge');
	// Zeek 7's version series carries no endpoint label (docs example of 7.0.0-rc4).
	if (spec.zeekMajor === 7) out.push(`zeek_version_info{${[versionLabels, inst].filter(p => p !== '').join(',')}} 1`);
	else out.push(`zeek_version_info${l(versionLabels)} 1`);
	const counter = (name: string, value: number, labels = '') => out.push(`# TYPE ${name} counter`, `${name}${l(labels)} ${value}`);
	counter('zeek_net_received_packets_total', Math.floor(spec.packetsPerSecond * t));
	counter('zeek_net_dropped_packets_total', Math.floor(spec.droppedPerSecond * t));
	counter('zeek_net_link_packets_total', Math.floor((spec.packetsPerSecond + spec.droppedPerSecond) * t));
	counter('zeek_net_received_bytes_total', Math.floor(spec.packetsPerSecond * 800 * t));
	out.push('# TYPE zeek_net_packet_lag_seconds gauge', `zeek_net_packet_lag_seconds${l()} ${spec.packetLagSeconds}`);
	out.push('# TYPE zeek_active_sessions gauge');
	out.push(`zeek_active_sessions${l('protocol="tcp"')} ${Math.round(spec.activeSessions * 0.6)}`);
	out.push(`zeek_active_sessions${l('protocol="udp"')} ${spec.activeSessions - Math.round(spec.activeSessions * 0.6)}`);
	out.push('# TYPE zeek_total_sessions_total counter');
	out.push(`zeek_total_sessions_total${l('protocol="tcp"')} ${Math.floor(20 * t)}`);
	out.push(`zeek_total_sessions_total${l('protocol="udp"')} ${Math.floor(10 * t)}`);
	out.push('# TYPE zeek_event_handler_invocations_total counter');
	// Split over three handlers: the sum is the node's events/s.
	out.push(`zeek_event_handler_invocations_total${l('name="new_connection"')} ${Math.floor(spec.eventsPerSecond * 0.5 * t)}`);
	out.push(`zeek_event_handler_invocations_total${l('name="http_request"')} ${Math.floor(spec.eventsPerSecond * 0.3 * t)}`);
	out.push(`zeek_event_handler_invocations_total${l('name="dns_request"')} ${Math.floor(spec.eventsPerSecond * 0.2 * t)}`);
	out.push('# TYPE zeek_log_stream_writes_total counter');
	out.push(`zeek_log_stream_writes_total${l('module="Conn",stream="Conn::LOG"')} ${Math.floor(30 * t)}`);
	if (spec.zeekMajor === 8) {
		counter('process_cpu_user_seconds_total', spec.cpuCoresUsed * 0.75 * t);
		counter('process_cpu_system_seconds_total', spec.cpuCoresUsed * 0.25 * t);
	} else {
		counter('process_cpu_seconds_total', spec.cpuCoresUsed * t);
	}
	out.push('# TYPE process_resident_memory_bytes gauge', `process_resident_memory_bytes${l()} ${spec.rssBytes}`);
	out.push('# TYPE process_start_time_seconds gauge', `process_start_time_seconds${l()} ${spec.startTimeSeconds ?? 1795667001.68}`);
	return out.join('\n') + '\n';
}

export type LocalServer = {port: number; address: string; close: () => Promise<void>};

/** An HTTP server on 127.0.0.1 with a free port; close() drops every socket. */
export async function serveHttp(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<LocalServer> {
	const server: Server = createServer(handler);
	const sockets = new Set<Socket>();
	server.on('connection', s => {
		sockets.add(s);
		s.on('close', () => sockets.delete(s));
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as AddressInfo).port;
	return {
		port,
		address: `127.0.0.1:${port}`,
		close: () => new Promise(resolve => {
			for (const s of sockets) s.destroy();
			server.close(() => resolve());
		}),
	};
}

/** A Zeek node's /metrics; its counters advance with the wall clock. */
export async function serveZeekNode(spec: ZeekNodeSpec | ZeekNodeSpec[]): Promise<LocalServer> {
	const started = performance.now();
	const specs = Array.isArray(spec) ? spec : [spec];
	return serveHttp((req, res) => {
		if (req.url !== '/metrics') {
			res.statusCode = 404;
			res.end('not found');
			return;
		}
		const t = (performance.now() - started) / 1000 + 1000; // as if up for a while already
		res.setHeader('content-type', 'text/plain; version=0.0.4');
		// Many nodes in one scrape: TYPE lines once per family would need regrouping; untyped
		// series are scraped the same and rate() does not care.
		const text = specs.map(s => zeekExposition(s, t)).join('');
		res.end(specs.length === 1 ? text : text.replace(/^# TYPE .*\n/gm, ''));
	});
}

// ---- a front for a real Prometheus: counting, faults, auth, TLS --------------------------------

export type FrontMode =
	| {kind: 'forward'}
	| {kind: 'hang'}
	| {kind: 'redirect'; location: string}
	| {kind: 'garbage'; body: string; status?: number};

export type Front = LocalServer & {
	url: string;
	/** Requests seen per path (without the query string). */
	counts: Map<string, number>;
	mode: FrontMode;
};

/**
 * An HTTP(S) server in front of a real Prometheus: forwards (the answers are Prometheus' own),
 * or misbehaves on demand. `authorize` sees each request's Authorization header; false → 401.
 */
export async function frontFor(prometheusUrl: string, options: {authorize?: (header: string | undefined) => boolean; tls?: {cert: Buffer; key: Buffer}} = {}): Promise<Front> {
	const front = {counts: new Map<string, number>(), mode: {kind: 'forward'} as FrontMode};
	const handler = (req: IncomingMessage, res: ServerResponse) => {
		const path = (req.url ?? '/').split('?')[0]!;
		front.counts.set(path, (front.counts.get(path) ?? 0) + 1);
		const mode = front.mode;
		if (mode.kind === 'hang') return; // accepts, reads, never answers
		if (options.authorize && !options.authorize(req.headers['authorization'])) {
			res.statusCode = 401;
			res.setHeader('www-authenticate', 'Basic realm="prometheus"');
			res.end('Unauthorized\n');
			return;
		}
		if (mode.kind === 'redirect') {
			res.statusCode = 302;
			res.setHeader('location', mode.location);
			res.end();
			return;
		}
		if (mode.kind === 'garbage') {
			res.statusCode = mode.status ?? 200;
			res.end(mode.body);
			return;
		}
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const headers: Record<string, string> = {};
			if (req.headers['content-type']) headers['content-type'] = req.headers['content-type'];
			fetch(`${prometheusUrl}${req.url}`, {method: req.method, headers, body: req.method === 'POST' ? Buffer.concat(chunks) : undefined})
				.then(async r => {
					res.statusCode = r.status;
					res.setHeader('content-type', r.headers.get('content-type') ?? 'application/json');
					res.end(Buffer.from(await r.arrayBuffer()));
				})
				.catch(() => res.destroy());
		});
	};
	let server: Server;
	if (options.tls) {
		const {createServer: createHttpsServer} = await import('node:https');
		server = createHttpsServer({cert: options.tls.cert, key: options.tls.key}, handler);
	} else {
		server = createServer(handler);
	}
	const sockets = new Set<Socket>();
	server.on('connection', s => {
		sockets.add(s);
		s.on('close', () => sockets.delete(s));
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as AddressInfo).port;
	const result: Front = Object.assign(front, {
		port,
		address: `127.0.0.1:${port}`,
		url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
		close: () => new Promise<void>(resolve => {
			for (const s of sockets) s.destroy();
			server.close(() => resolve());
		}),
	});
	return result;
}

/** Whether Debian's prometheus is on PATH; with CI=true its absence is a failure, not a skip. */
export function prometheusInstalled(): boolean {
	let found = true;
	try {
		execFileSync('sh', ['-c', 'command -v prometheus'], {stdio: 'ignore'});
	} catch {
		found = false;
	}
	if (!found && inCI) throw new Error('required tool missing in CI: prometheus (Debian package prometheus)');
	return found;
}
