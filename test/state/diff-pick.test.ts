import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {listCaptures, newCaptureDir} from '../../source/capture/perf.js';
import {nodeRole, previousCaptureOf, siblingCaptures, type CaptureRef} from '../../source/state/diff-pick.js';
import {fakeClock} from '../../source/lib/clock.js';

const root = mkdtempSync(join(tmpdir(), 'zeektop-diff-pick-'));
after(() => rmSync(root, {recursive: true, force: true}));

function capture(node: string, kind: 'perf' | 'heap', at: string, status = 'complete'): string {
	const dir = newCaptureDir(root, {node, pid: 42, kind, clock: fakeClock(Date.parse(at))});
	writeFileSync(join(dir, 'meta.json'), JSON.stringify({kind, node, pid: 42, startedAt: at, status}));
	return dir;
}

test('previous capture of the same node and kind; sibling workers newest first per node', () => {
	const old = capture('worker-3', 'perf', '2026-12-04T06:00:00.000Z');
	capture('worker-3', 'perf', '2026-12-04T06:30:00.000Z', 'failed');
	capture('worker-3', 'heap', '2026-12-04T06:40:00.000Z');
	const mid = capture('worker-3', 'perf', '2026-12-04T06:50:00.000Z');
	const now = capture('worker-3', 'perf', '2026-12-04T07:00:00.000Z');
	capture('worker-3', 'perf', '2026-12-04T07:10:00.000Z'); // later than "now": not a "previous"
	const w4old = capture('worker-4', 'perf', '2026-12-04T05:00:00.000Z');
	const w4 = capture('worker-4', 'perf', '2026-12-04T06:55:00.000Z');
	const w10 = capture('worker-10', 'perf', '2026-12-04T06:00:00.000Z');
	capture('worker-2', 'heap', '2026-12-04T06:00:00.000Z');
	capture('manager', 'perf', '2026-12-04T06:00:00.000Z');
	writeFileSync(join(root, 'stray-file'), 'x');

	const entries = listCaptures(root);
	const current: CaptureRef = {dir: now, node: 'worker-3', kind: 'perf', startedAt: '2026-12-04T07:00:00.000Z'};
	assert.equal(previousCaptureOf(entries, current)?.dir, mid);
	assert.equal(previousCaptureOf(entries, {...current, dir: mid, startedAt: '2026-12-04T06:50:00.000Z'})?.dir, old, 'the failed one is skipped');
	assert.equal(previousCaptureOf(entries, {...current, dir: old, startedAt: '2026-12-04T06:00:00.000Z'}), undefined);
	const siblings = siblingCaptures(entries, current);
	assert.deepEqual(siblings.map(s => [s.node, s.dir]), [['worker-4', w4], ['worker-10', w10]], 'numeric order, newest per node, no manager, no heap');
	assert.ok(!siblings.some(s => s.dir === w4old));
	assert.equal(nodeRole('worker-12'), 'worker');
	assert.equal(nodeRole('zeek.proxy-1'), 'zeek.proxy');
	assert.equal(nodeRole('manager'), 'manager');
});
