import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {createServer as createNetServer} from 'node:net';
import {join} from 'node:path';
import {run} from '../../source/capture/runner.js';
import {scrapeUrl} from '../../source/collect/metrics/scrape.js';
import {MetricsCollector} from '../../source/collect/metrics/collector.js';
import {systemClock} from '../../source/lib/clock.js';
import {corpusDir, repoRoot} from '../helpers/env.js';
import {serve} from '../helpers/http.js';

const closers: Array<() => Promise<void>> = [];
after(async () => {
	for (const c of closers) await c();
});

async function faultServers() {
	const zeek = readFileSync(corpusDir('zeek-real/supervisor-cluster/metrics/worker-1-port9924-scrape1.metrics.txt'));
	const servers = {
		ok: await serve((_p, res) => res.end(zeek)),
		http500: await serve((_p, res) => {
			res.statusCode = 500;
			res.end('internal error');
		}),
		garbage: await serve((_p, res) => res.end('\u0000\u0001 this is not {prometheus text\n')),
		huge: await serve((_p, res) => {
			// 50 MB, sent without a content-length
			const chunk = Buffer.alloc(1 << 20, 'a');
			let n = 0;
			const write = () => {
				while (n < 50 && res.write(chunk)) n++;
				if (n < 50) res.once('drain', write);
				else res.end();
			};
			write();
		}),
		drip: await serve((_p, res) => {
			res.write('zeek_net_received_packets_total');
			const t = setInterval(() => res.write('1'), 300);
			res.on('close', () => clearInterval(t));
		}),
		hang: await serve(() => {
			// accepts, never answers
		}),
	};
	for (const s of Object.values(servers)) closers.push(s.close);
	// A port with nobody listening: bind, learn the port, close.
	const refusedPort = await new Promise<number>(resolve => {
		const s = createNetServer().listen(0, '127.0.0.1', () => {
			const port = (s.address() as {port: number}).port;
			s.close(() => resolve(port));
		});
	});
	return {servers, refused: `http://127.0.0.1:${refusedPort}/metrics`};
}

const fixture = faultServers();

test('scrapeUrl: every fault is a status, bounded by the timeout and the size cap', async () => {
	const {servers, refused} = await fixture;
	const opts = {timeoutMs: 1000, maxBytes: 8 * 1024 * 1024};
	const started = performance.now();
	const results = await Promise.all([
		scrapeUrl(servers.ok.url, opts), scrapeUrl(servers.http500.url, opts), scrapeUrl(servers.huge.url, opts),
		scrapeUrl(servers.drip.url, opts), scrapeUrl(servers.hang.url, opts), scrapeUrl(refused, opts),
	]);
	assert.deepEqual(results.map(r => r.status), ['ok', 'http-error', 'too-large', 'timeout', 'timeout', 'refused']);
	assert.ok(performance.now() - started < 5000, 'all within the timeout (with slack for a loaded machine)');
});

test('collector: states per target, rates after two scrapes, problems name the target and the age of its last success', async () => {
	const {servers, refused} = await fixture;
	const c = new MetricsCollector({
		clock: systemClock, intervalMs: 10_000, timeoutMs: 800, maxBytes: 8 * 1024 * 1024,
		fixedUrls: [servers.ok.url, servers.http500.url, servers.garbage.url, servers.huge.url, servers.hang.url, refused],
	});
	await c.scrapeAll();
	const states = new Map(c.targetList().map(t => [t.url, t.state]));
	assert.equal(states.get(servers.ok.url), 'ok');
	assert.equal(states.get(servers.http500.url), 'http-error');
	assert.equal(states.get(servers.garbage.url), 'unparsable');
	assert.equal(states.get(servers.huge.url), 'too-large');
	assert.equal(states.get(servers.hang.url), 'timeout');
	assert.equal(states.get(refused), 'refused');
	const problems = c.problems();
	assert.equal(problems.length, 5);
	assert.ok(problems.every(p => /never scraped/.test(p.message)));
	const m = c.nodeMetrics().get('worker-1')!;
	assert.equal(m.zeekVersion, '8.0.10');
	assert.equal(m.receivedPacketsPerSecond, null, 'one scrape: no rate yet');
	await c.scrapeAll();
	assert.equal(c.nodeMetrics().get('worker-1')!.receivedPacketsPerSecond, 0, 'same text twice: zero rate, never negative');
});

test('label-less (standalone) scrape joins by the process that owns the port', async () => {
	const text = readFileSync(corpusDir('zeek-real/standalone/metrics/standalone-port9911-scrape1.metrics.txt'));
	const s = await serve((_p, res) => res.end(text));
	closers.push(s.close);
	const c = new MetricsCollector({clock: systemClock, intervalMs: 10_000, timeoutMs: 1000, maxBytes: 1 << 24});
	c.updateSockets(new Map([[4242, [{inode: 1, address: '127.0.0.1', port: s.port, family: 4 as const}]]]));
	await c.scrapeAll();
	const m = c.nodeMetrics().get('pid:4242');
	assert.ok(m, 'standalone series keyed by the owning pid');
	assert.equal(m.zeekVersion, '8.0.10');
	assert.ok(m.activeSessions !== null);
});

test('zeektop --once --json with broken endpoints finishes within the timeout and reports each problem', async () => {
	const {servers, refused} = await fixture;
	const cli = join(repoRoot, 'dist', 'cli.js');
	const started = performance.now();
	const r = await run(process.execPath, [
		cli, '--once', '--json', '--interval', '200', '--metrics-timeout', '1000', '--spool', '/nonexistent-zeektop-test',
		'--metrics', servers.hang.url, '--metrics', servers.huge.url, '--metrics', servers.drip.url, '--metrics', servers.http500.url,
		'--metrics', servers.garbage.url, '--metrics', refused,
	], {timeoutMs: 30_000});
	const elapsed = performance.now() - started;
	assert.equal(r.code, 0, r.stderr);
	const doc = JSON.parse(r.stdout);
	const messages = doc.problems.map((p: {message: string}) => p.message).join('\n');
	for (const word of ['timeout', 'too-large', 'http-error', 'unparsable', 'refused']) assert.match(messages, new RegExp(word));
	// two scrape rounds of at most 1 s each, plus the interval and start-up
	assert.ok(elapsed < 15_000, `took ${elapsed} ms`);
});

test('bad --metrics values get one line naming the fix', async () => {
	const cli = join(repoRoot, 'dist', 'cli.js');
	const r = await run(process.execPath, [cli, '--once', '--metrics', 'not-a-url'], {timeoutMs: 20_000});
	assert.equal(r.code, 2);
	assert.match(r.stderr, /^zeektop: --metrics needs an http:\/\/ URL/);
	assert.equal(r.stderr.trim().split('\n').length, 1);
});
