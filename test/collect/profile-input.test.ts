// Capture directories and heap collapses as diff inputs (collect/profile-input).
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {ProfileInputError, readProfileInput} from '../../source/collect/profile-input.js';
import {corpusDir} from '../helpers/env.js';

const temp = mkdtempSync(join(tmpdir(), 'zeektop-profile-input-'));
after(() => rmSync(temp, {recursive: true, force: true}));

function dir(name: string, meta: object, files: Record<string, string> = {}): string {
	const d = join(temp, name);
	mkdirSync(d);
	writeFileSync(join(d, 'meta.json'), JSON.stringify(meta));
	for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
	return d;
}

test('perf capture: folded counts as written for --folded, rescaled to meta.samples for views', () => {
	const d = dir('perf', {kind: 'perf', node: 'worker-1', startedAt: '2026-12-04T06:00:00.123Z', status: 'complete', samples: 30}, {'stacks.folded': 'zeek;main;a 20000000\nzeek;main;b 10000000\n'});
	const folded = readProfileInput(d, 'folded');
	assert.deepEqual([...folded.stacks], [['zeek;main;a', 20000000], ['zeek;main;b', 10000000]]);
	assert.equal(folded.kind, 'perf-capture');
	assert.equal(folded.label, 'worker-1 2026-12-04T06:00:00Z');
	const view = readProfileInput(d, 'view');
	assert.deepEqual([...view.stacks], [['zeek;main;a', 20], ['zeek;main;b', 10]]);
	assert.equal(view.total, 30);
});

test('heap capture: stacks.collapsed with jeprof names for views, as written for --folded', () => {
	const src = corpusDir('jemalloc', 'generated-jemalloc-5.3.0-debian', 'jeprof-output', 'jeprof.exact.collapsed.show_bytes.txt');
	const d = join(temp, 'heap');
	mkdirSync(d);
	writeFileSync(join(d, 'meta.json'), JSON.stringify({kind: 'heap', node: 'worker-2', startedAt: '2026-12-04T06:00:00Z', status: 'complete'}));
	copyFileSync(src, join(d, 'stacks.collapsed'));
	const view = readProfileInput(d, 'view');
	assert.equal(view.unit, 'bytes');
	assert.equal(view.kind, 'heap-capture');
	assert.equal(view.total, 8716928, 'the corpus ground truth: 8,716,928 bytes live');
	assert.ok([...view.stacks.keys()].some(k => k.endsWith(';packet_loop;conn_state_alloc')), 'offsets dropped from frame names');
	const folded = readProfileInput(d, 'folded');
	assert.ok([...folded.stacks.keys()].some(k => k.includes('conn_state_alloc<00000000000011cc>')), 'raw for difffolded.pl parity');
});

test('unusable directories: one message each', () => {
	const unfinished = dir('unfinished', {kind: 'perf', node: 'w', startedAt: 'x', status: 'failed'});
	assert.throws(() => readProfileInput(unfinished, 'view'), (e: unknown) => e instanceof ProfileInputError && /stacks\.folded is missing: the capture did not finish \(status failed\)/.test(e.message));
	const other = dir('other', {kind: 'trace'});
	assert.throws(() => readProfileInput(other, 'view'), /does not describe a perf or heap capture/);
	const broken = join(temp, 'broken');
	mkdirSync(broken);
	writeFileSync(join(broken, 'meta.json'), '{');
	assert.throws(() => readProfileInput(broken, 'view'), /meta\.json is unreadable/);
});
