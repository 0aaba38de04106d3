// The simulated sensor's `shifting` worker: its hot path really changes, which two real perf
// captures and `zeektop diff` show (the demo's before/after).
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {capturePerf, newCaptureDir} from '../../source/capture/perf.js';
import {runDiff, type DiffJson} from '../../source/commands/diff.js';
import {defaultScenario, startCluster, type SimCluster} from '../../source/sim/launcher.js';
import {SIM_SHIFT_AFTER_FUNCTION, SIM_SHIFT_BEFORE_FUNCTION} from '../../source/sim/names.js';
import {needTool} from '../helpers/env.js';

const temp = mkdtempSync(join(tmpdir(), 'zeektop-sim-shift-'));
let cluster: SimCluster | undefined;
after(async () => {
	await cluster?.stop();
	rmSync(temp, {recursive: true, force: true});
});

test('defaultScenario({shiftAfterSeconds}) makes worker-3 shifting; before/after captures diff as expected', async t => {
	if (!needTool(t, 'perf', 'g++')) return;
	const scenario = defaultScenario({workers: 3, shiftAfterSeconds: 9});
	assert.deepEqual(scenario.nodes.map(n => [n.name, n.behaviour]).slice(3), [['worker-1', 'overloaded'], ['worker-2', 'leaking'], ['worker-3', 'shifting']]);
	// The manager (a cluster needs one) and the shifting worker.
	cluster = await startCluster({layout: 'zeek8', nodes: [scenario.nodes[0]!, scenario.nodes.find(n => n.name === 'worker-3')!]}, {basePort: 0, jemallocLibrary: null});
	const startedAt = Date.now();
	const worker = cluster.nodes.find(n => n.node === 'worker-3')!;
	const root = join(temp, 'captures');
	const capture = async () => {
		const dir = newCaptureDir(root, {node: 'worker-3', pid: worker.pid, kind: 'perf'});
		const r = await capturePerf({pid: worker.pid, seconds: 1.5, frequency: 199, dir, node: 'worker-3', mainThreadOnly: true});
		assert.ok(r.ok, r.ok ? '' : r.error);
		return dir;
	};
	const before = await capture();
	assert.ok(Date.now() - startedAt < 9000, 'the first capture ended before the shift');
	const wait = 9500 - (Date.now() - startedAt);
	if (wait > 0) await new Promise(r => setTimeout(r, wait));
	const afterDir = await capture();

	let stdout = '';
	const code = await runDiff({a: before, b: afterDir, mode: 'json'}, {stdout: {write: c => (stdout += c.toString())}, stderr: {write: () => true}});
	assert.equal(code, 0);
	const json = JSON.parse(stdout) as DiffJson;
	const fn = (name: string) => json.functions.find(f => f.function === name);
	const gone = fn(SIM_SHIFT_BEFORE_FUNCTION);
	const grown = fn(SIM_SHIFT_AFTER_FUNCTION);
	assert.ok(gone && grown, json.functions.slice(0, 8).map(f => f.function).join(', '));
	assert.ok(gone.self.change < 0 && gone.self.after < gone.self.before / 5, JSON.stringify(gone));
	assert.ok(grown.self.change > 0 && grown.self.before < grown.self.after / 5, JSON.stringify(grown));
	assert.deepEqual(new Set(json.functions.slice(0, 2).map(f => f.function)), new Set([SIM_SHIFT_BEFORE_FUNCTION, SIM_SHIFT_AFTER_FUNCTION]), 'the two largest changes');
});
