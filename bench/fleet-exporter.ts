// Child process of bench/fleet.ts: one HTTP server serving every bench node's Zeek metrics.
// Prometheus scrapes it once per node: /metrics?target=sensor-017/worker-03 (the target's
// __param_target), so its targets list and series are those of 1,600 real endpoints.
import {createServer} from 'node:http';
import {zeekExposition, type ZeekNodeSpec} from '../test/helpers/prometheus.js';

const started = performance.now();
const specs = new Map<string, ZeekNodeSpec>();

function specFor(target: string): ZeekNodeSpec | null {
	const known = specs.get(target);
	if (known) return known;
	const m = /^(sensor-\d+)\/(worker-\d+|manager|logger-1|proxy-1)$/.exec(target);
	if (!m) return null;
	let h = 2166136261;
	for (const c of target) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
	const f = (h % 1000) / 1000;
	const spec: ZeekNodeSpec = {
		node: m[2]!, zeekMajor: 8, packetsPerSecond: 20_000 + 80_000 * f, droppedPerSecond: f > 0.9 ? 500 * f : 0,
		eventsPerSecond: 50_000 * f, cpuCoresUsed: 0.2 + 0.7 * f, rssBytes: Math.round(2e8 + 1e9 * f), activeSessions: Math.round(5000 * f),
		packetLagSeconds: f / 100,
	};
	specs.set(target, spec);
	return spec;
}

// ?target=sensor-017/worker-03: one node; ?node=worker-03&sensors=100&port=9994: that node of
// every sensor, with instance labels (scraped with honor_labels: fewer, bigger scrapes).
const server = createServer((req, res) => {
	const url = new URL(req.url ?? '/', 'http://x');
	const t = (performance.now() - started) / 1000 + 10_000;
	const node = url.searchParams.get('node');
	let text: string | null = null;
	if (url.pathname === '/metrics' && node !== null) {
		const parts: string[] = [];
		const sensors = Number(url.searchParams.get('sensors'));
		for (let i = 1; i <= sensors; i++) {
			const sensor = `sensor-${String(i).padStart(3, '0')}`;
			const spec = specFor(`${sensor}/${node}`);
			if (spec) parts.push(zeekExposition({...spec, instance: `${sensor}:${url.searchParams.get('port')}`}, t));
		}
		text = parts.join('').replace(/^# TYPE .*\n/gm, '');
	} else if (url.pathname === '/metrics') {
		const spec = specFor(url.searchParams.get('target') ?? '');
		if (spec) text = zeekExposition(spec, t);
	}
	if (text === null) {
		res.statusCode = 404;
		res.end('no such target\n');
		return;
	}
	res.setHeader('content-type', 'text/plain; version=0.0.4');
	res.end(text);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
	process.stdout.write(JSON.stringify({port: (server.address() as {port: number}).port}) + '\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.stdin.on('end', () => process.exit(0)); // the bench died: do not linger
process.stdin.resume();
