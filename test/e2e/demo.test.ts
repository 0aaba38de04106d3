import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {run} from '../../source/capture/runner.js';
import {needTool, repoRoot} from '../helpers/env.js';

test('zeektop demo --once --json: the simulated sensor in one snapshot, torn down afterwards', async t => {
	if (!needTool(t, 'g++')) return;
	const cli = join(repoRoot, 'dist', 'cli.js');
	const r = await run(process.execPath, [cli, 'demo', '--once', '--json', '--interval', '1500'], {
		timeoutMs: 120_000, env: {...process.env, NODE_ENV: 'production'},
	});
	assert.equal(r.code, 0, r.stderr);
	const doc = JSON.parse(r.stdout);
	assert.match(doc.timestamp, /^\d{4}-\d\d-\d\dT/);
	assert.equal(typeof doc.host.hostname, 'string');
	const nodes = new Map<string, any>(doc.nodes.map((n: any) => [n.node, n]));
	assert.deepEqual([...nodes.keys()].sort(), ['logger-1', 'manager', 'proxy-1', 'worker-1', 'worker-2', 'worker-3', 'worker-4']);
	assert.equal(nodes.get('manager').role, 'manager');
	assert.equal(nodes.get('worker-1').launch, 'zeekctl');
	// The overloaded worker is the hottest node, on its main thread.
	const hottest = doc.nodes.reduce((a: any, b: any) => (b.mainThreadCpuPercent > a.mainThreadCpuPercent ? b : a));
	assert.equal(hottest.node, 'worker-1');
	for (const n of doc.nodes) {
		assert.ok(n.rssBytes > 0);
		assert.ok(n.threads >= 2);
		assert.ok(!existsSync(`/proc/${n.pid}`) || !isZeek(n.pid), `pid ${n.pid} (${n.node}) left running`);
	}
	assert.ok(Array.isArray(doc.problems));
});

function isZeek(pid: number): boolean {
	try {
		return readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('zeek');
	} catch {
		return false;
	}
}
