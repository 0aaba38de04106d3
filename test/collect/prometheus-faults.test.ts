import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {PrometheusSource} from '../../source/collect/fleet.js';
import {checkPrometheusUrl, PrometheusClient, readCaFile, resolvePrometheusAuth} from '../../source/collect/prometheus.js';
import {systemClock, type Clock} from '../../source/lib/clock.js';
import {repoRoot} from '../helpers/env.js';
import {freePort, frontFor, serveZeekNode, startPrometheus, waitForQuery, type Front, type LocalServer, type RunningPrometheus, prometheusInstalled} from '../helpers/prometheus.js';

/**
 * Prometheus down, slow, redirecting, answering garbage, asking for credentials, behind TLS:
 * each is one status and one problem line, never a throw, never a wait past the timeout. The
 * fronts forward to a real Prometheus when they behave, so the good path is the real API.
 */

const hasPrometheus = prometheusInstalled();

let prom: RunningPrometheus | null = null;
let zeek: LocalServer | null = null;
const cleanups: Array<() => Promise<void>> = [];

before(async () => {
	if (!hasPrometheus) return;
	zeek = await serveZeekNode({node: 'worker-1', zeekMajor: 8, packetsPerSecond: 100, droppedPerSecond: 1, eventsPerSecond: 10, cpuCoresUsed: 0.2, rssBytes: 1e8, activeSessions: 5, packetLagSeconds: 0});
	cleanups.push(zeek.close);
	prom = await startPrometheus({scrapeIntervalSeconds: 1, targets: [{address: zeek.address, instance: 'sensor-a:9994'}]});
	cleanups.unshift(prom.stop);
	await waitForQuery(prom.url, 'count_over_time(zeek_net_received_packets_total[5s]) >= 3', r => r.length === 1);
});

after(async () => {
	for (const c of cleanups) await c();
});

async function withFront<T>(options: Parameters<typeof frontFor>[1], fn: (f: Front) => Promise<T>): Promise<T> {
	const front = await frontFor(prom!.url, options);
	try {
		return await fn(front);
	} finally {
		await front.close();
	}
}

const client = (url: string, extra: Partial<ConstructorParameters<typeof PrometheusClient>[0]> = {}) =>
	new PrometheusClient({url, timeoutMs: 1500, maxBytes: 8 << 20, ...extra});

test('down: connection refused is a status and one problem line', {skip: !hasPrometheus}, async () => {
	const url = `http://127.0.0.1:${await freePort()}`;
	const c = client(url);
	const r = await c.query('up');
	await c.close();
	assert.equal(r.ok, false);
	assert.equal(!r.ok && r.status, 'refused');
	const source = new PrometheusSource({urls: [url], clock: systemClock});
	await source.refresh();
	assert.deepEqual(source.problems(), [{scope: `prometheus ${url}`, message: 'refused: connection refused: is Prometheus running there? (no data yet)'}]);
	assert.deepEqual(source.nodes(), []);
	await source.stop();
});

test('slow: start() returns at once, the refresh ends at the timeout, a second one is not stacked', {skip: !hasPrometheus}, async () => {
	await withFront({}, async front => {
		front.mode = {kind: 'hang'};
		const source = new PrometheusSource({urls: [front.url], clock: systemClock, timeoutMs: 600, intervalMs: 60_000});
		source.start();
		// Nothing known and nothing wrong yet: the caller draws an empty fleet, it does not wait.
		assert.deepEqual(source.nodes(), []);
		assert.deepEqual(source.problems(), []);
		await source.refresh(); // joins the refresh in flight instead of starting another
		assert.equal(front.counts.get('/api/v1/targets'), 1);
		const problems = source.problems();
		assert.equal(problems.length, 1);
		assert.match(problems[0]!.message, /^timeout: no answer within 600 ms \(no data yet\)$/);
		await source.stop();
	});
});

test('redirect: refused, with where it points, and not followed', {skip: !hasPrometheus}, async () => {
	await withFront({}, async front => {
		const elsewhere = await frontFor(prom!.url);
		front.mode = {kind: 'redirect', location: `${elsewhere.url}/prometheus/api/v1/query`};
		const c = client(front.url);
		const r = await c.query('up');
		await c.close();
		assert.ok(!r.ok);
		assert.equal(r.status, 'redirect');
		assert.equal(r.detail, `HTTP 302 redirect to ${elsewhere.url}/prometheus/api/v1/query: zeektop does not follow redirects, give the final URL`);
		assert.equal(elsewhere.counts.size, 0, 'the redirect was not followed');
		await elsewhere.close();
	});
});

test('garbage: HTML, JSON that is not the API, the wrong result type; escaped in the problem line', {skip: !hasPrometheus}, async () => {
	await withFront({}, async front => {
		const c = client(front.url);
		front.mode = {kind: 'garbage', body: '<html><body>Welcome to nginx!</body></html>'};
		let r = await c.query('up');
		assert.ok(!r.ok && r.status === 'garbage' && r.detail === 'not JSON: <html><body>Welcome to nginx!</body></html>', JSON.stringify(r));
		front.mode = {kind: 'garbage', body: '{"hello": "world"}'};
		r = await c.query('up');
		assert.ok(!r.ok && r.status === 'garbage' && /without the API's "status"/.test(r.detail), JSON.stringify(r));
		front.mode = {kind: 'garbage', body: '{"status":"success","data":{"resultType":"matrix","result":[]}}'};
		r = await c.query('up');
		assert.ok(!r.ok && r.status === 'garbage' && r.detail === 'answer is not an instant vector', JSON.stringify(r));
		front.mode = {kind: 'garbage', body: '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,2]}]}}'};
		r = await c.query('up');
		assert.ok(!r.ok && r.status === 'garbage', 'a number where the API has a string');
		await c.close();

		front.mode = {kind: 'garbage', body: '\u001b]0;owned\u0007\u001b[2J not json'};
		const source = new PrometheusSource({urls: [front.url], clock: systemClock});
		await source.refresh();
		const problems = source.problems();
		assert.equal(problems.length, 1);
		assert.ok(!problems[0]!.message.includes('\u001b'), problems[0]!.message);
		assert.match(problems[0]!.message, /^garbage: not JSON: \\e\]0;owned\\x07\\e\[2J not json \(no data yet\)$/);
		await source.stop();
	});
});

test('the real API: a query error carries Prometheus\' message, an answer over the cap is refused', {skip: !hasPrometheus}, async () => {
	let c = client(prom!.url);
	const bad = await c.query('sum(');
	assert.ok(!bad.ok);
	assert.equal(bad.status, 'http-error');
	assert.match(bad.detail, /^HTTP 400: bad_data: .*parse error/);
	const good = await c.query('zeek_net_received_packets_total');
	assert.ok(good.ok && good.value.length === 1 && good.value[0]!.labels['instance'] === 'sensor-a:9994');
	await c.close();
	c = client(prom!.url, {maxBytes: 64});
	const big = await c.query('zeek_version_info');
	await c.close();
	assert.ok(!big.ok && big.status === 'too-large', JSON.stringify(big));
});

test('404: a URL that is not Prometheus (or a missing path prefix) says so', {skip: !hasPrometheus}, async () => {
	const c = client(`${prom!.url}/not-prometheus`);
	const r = await c.query('up');
	await c.close();
	assert.ok(!r.ok && r.status === 'not-found', JSON.stringify(r));
});

test('basic auth and bearer tokens: missing or wrong credentials are one line, right ones reach the real API', {skip: !hasPrometheus}, async () => {
	const basic = `Basic ${Buffer.from('zeek:s3cret').toString('base64')}`;
	await withFront({authorize: h => h === basic}, async front => {
		let c = client(front.url);
		let r = await c.query('zeek_version_info');
		await c.close();
		assert.ok(!r.ok && r.status === 'auth' && /^HTTP 401: it needs credentials \(ZEEKTOP_PROMETHEUS_TOKEN/.test(r.detail), JSON.stringify(r));
		c = client(front.url, {auth: {kind: 'basic', username: 'zeek', password: 'wrong'}});
		r = await c.query('zeek_version_info');
		await c.close();
		assert.ok(!r.ok && r.status === 'auth' && r.detail === 'HTTP 401: the basic credentials were refused', JSON.stringify(r));
		c = client(front.url, {auth: {kind: 'basic', username: 'zeek', password: 's3cret'}});
		r = await c.query('zeek_version_info');
		await c.close();
		assert.ok(r.ok && r.value[0]!.labels['version_string'] === '8.0.10', JSON.stringify(r));
	});
	await withFront({authorize: h => h === 'Bearer tok-123'}, async front => {
		const dir = mkdtempSync(join(tmpdir(), 'zeektop-auth-'));
		try {
			writeFileSync(join(dir, 'token'), 'tok-123\n');
			const auth = resolvePrometheusAuth({env: {}, tokenFile: join(dir, 'token')});
			assert.ok(auth.ok);
			const source = new PrometheusSource({urls: [front.url], clock: systemClock, auth: auth.auth});
			await source.refresh();
			assert.deepEqual(source.problems(), []);
			assert.deepEqual(source.nodes().map(n => n.key), ['sensor-a/worker-1']);
			await source.stop();
		} finally {
			rmSync(dir, {recursive: true, force: true});
		}
	});
});

test('TLS: an unknown CA is one line naming --prometheus-ca; with the CA file it works', {skip: !hasPrometheus}, async () => {
	const tls = {cert: readFileSync(join(repoRoot, 'test/fixtures/tls/server.pem')), key: readFileSync(join(repoRoot, 'test/fixtures/tls/server.key'))};
	await withFront({tls}, async front => {
		let c = client(front.url);
		let r = await c.query('up');
		await c.close();
		assert.ok(!r.ok && r.status === 'tls' && /--prometheus-ca FILE/.test(r.detail), JSON.stringify(r));
		const ca = readCaFile(join(repoRoot, 'test/fixtures/tls/ca.pem'));
		assert.ok(ca.ok);
		c = client(front.url, {caPem: ca.pem});
		r = await c.query('zeek_version_info');
		await c.close();
		assert.ok(r.ok && r.value.length === 1, JSON.stringify(r));
	});
	const notPem = readCaFile(join(repoRoot, 'test/fixtures/tls/README.md'));
	assert.ok(!notPem.ok && /no PEM certificate/.test(notPem.error));
});

test('stale: a server that stops answering keeps its rows, marked with their age', {skip: !hasPrometheus}, async () => {
	// Monotonic time stands still but for the jump: the age is exact (wall time stays real, for the queries).
	let offsetMs = 0;
	const clock: Clock = {now: () => Date.now(), monotonic: () => 1_000_000 + offsetMs};
	await withFront({}, async front => {
		const source = new PrometheusSource({urls: [front.url], clock, timeoutMs: 500, intervalMs: 5000});
		await source.refresh();
		assert.equal(source.nodes()[0]!.stale, false);
		front.mode = {kind: 'hang'};
		offsetMs = 20_000;
		await source.refresh();
		const [node] = source.nodes();
		assert.equal(node!.key, 'sensor-a/worker-1');
		assert.equal(node!.stale, true);
		assert.equal(node!.ageMs, 20_000);
		assert.deepEqual(source.problems().map(p => p.message), ['timeout: no answer within 500 ms (showing data 20 s old)']);
		front.mode = {kind: 'forward'};
		await source.refresh();
		assert.equal(source.nodes()[0]!.stale, false);
		assert.deepEqual(source.problems(), []);
		await source.stop();
	});
});

test('credentials: from the environment or files, never the URL; bad combinations are one line', () => {
	assert.match(checkPrometheusUrl('http://zeek:pw@prom:9090')!, /credentials in the URL are visible/);
	assert.match(checkPrometheusUrl('ftp://prom')!, /only http/);
	assert.match(checkPrometheusUrl('prom:9090')!, /only http|not a URL/);
	assert.equal(checkPrometheusUrl('https://prom.example.org/prometheus'), null);
	assert.deepEqual(resolvePrometheusAuth({env: {}}), {ok: true, auth: null});
	assert.deepEqual(resolvePrometheusAuth({env: {ZEEKTOP_PROMETHEUS_TOKEN: 't'}}), {ok: true, auth: {kind: 'bearer', token: 't'}});
	assert.deepEqual(resolvePrometheusAuth({env: {ZEEKTOP_PROMETHEUS_USER: 'u', ZEEKTOP_PROMETHEUS_PASSWORD: 'p'}}), {ok: true, auth: {kind: 'basic', username: 'u', password: 'p'}});
	assert.match((resolvePrometheusAuth({env: {ZEEKTOP_PROMETHEUS_TOKEN: 't', ZEEKTOP_PROMETHEUS_PASSWORD: 'p'}}) as {error: string}).error, /not both/);
	assert.match((resolvePrometheusAuth({env: {}, username: 'u'}) as {error: string}).error, /without a password/);
	assert.match((resolvePrometheusAuth({env: {}, tokenFile: '/nonexistent/token'}) as {error: string}).error, /^--prometheus-token-file \/nonexistent\/token: cannot read it \(ENOENT\)$/);
	const dir = mkdtempSync(join(tmpdir(), 'zeektop-auth-'));
	try {
		writeFileSync(join(dir, 'pw'), 'pa ss\n');
		assert.deepEqual(resolvePrometheusAuth({env: {}, username: 'u', passwordFile: join(dir, 'pw')}), {ok: true, auth: {kind: 'basic', username: 'u', password: 'pa ss'}});
		writeFileSync(join(dir, 'two'), 'a\nb\n');
		assert.match((resolvePrometheusAuth({env: {}, tokenFile: join(dir, 'two')}) as {error: string}).error, /expected one line/);
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
});
