// p, m and the saved captures from the table: the reducer, the detail pane's list, the HEAP
// column, and the panels mounted in the App (a real PerfSession whose perf is missing; a real
// saved capture directory).
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {render} from 'ink-testing-library';
import {App, nodeCaptures} from '../../source/ui/App.js';
import {closePanel, initialUi, reduceUi, whyNotProfile, type SavedCaptureRef, type UiState} from '../../source/ui/table-keys.js';
import {heapCell, shortAge} from '../../source/ui/columns.js';
import {PerfSession} from '../../source/session/perf-session.js';
import type {NodeRow} from '../../source/state/tracker.js';
import {defaultScene, replayMonitor} from '../helpers/scene.js';

const theme = {color: false, unicode: false};
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const plain = (frame: string | undefined) => (frame ?? '').replace(/\u001b\[[0-9;]*m/g, '');
const work = mkdtempSync(join(tmpdir(), 'zeektop-app-panels-'));
after(() => rmSync(work, {recursive: true, force: true}));

const rows = (): NodeRow[] => defaultScene().at(-1)!.rows;

async function until(get: () => string, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
	const deadline = Date.now() + timeoutMs;
	let last = '';
	while (Date.now() < deadline) {
		last = get();
		if (pattern.test(last)) return last;
		await sleep(20);
	}
	throw new Error(`timed out waiting for ${pattern}:\n${last}`);
}

/** A saved capture directory as capturePerf leaves it: meta.json and period-weighted folded stacks. */
function savePerfCapture(root: string, name: string, meta: Record<string, unknown>, folded: string): string {
	const dir = join(root, name);
	mkdirSync(dir, {recursive: true});
	writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
	writeFileSync(join(dir, 'stacks.folded'), folded);
	return dir;
}

test('p and m open a panel on the selected local node; remote or vanished rows say why not', () => {
	const all = rows();
	const ctx = {rows: all, pageSize: 10};
	let s: UiState = {...initialUi, selectedKey: 'worker-1'};
	s = reduceUi(s, 'perf', ctx);
	assert.deepEqual(s.panel, {kind: 'perf', pid: 1004, node: 'worker-1', launch: 'zeekctl', returnTo: 'table'});
	assert.equal(closePanel(s).panel, null);
	const fromDetail = reduceUi({...initialUi, view: 'detail', selectedKey: 'worker-2'}, 'heap', ctx);
	assert.equal(fromDetail.panel?.kind, 'heap');
	assert.equal(closePanel(fromDetail).view, 'detail', 'closing returns where it was opened');

	const remote = {...all.find(r => r.key === 'worker-1')!, key: 'worker-9', node: 'worker-9', launch: 'remote' as const};
	const r = reduceUi({...initialUi, selectedKey: 'worker-9'}, 'perf', {rows: [...all, remote], pageSize: 10});
	assert.equal(r.panel, null);
	assert.match(r.message ?? '', /worker-9 runs on another host .*zeektop perf there/);
	assert.equal(whyNotProfile({...remote, launch: 'zeekctl', vanishedTicks: 2}, 'heap'), 'worker-9 (pid 1004) is gone');
	// The message goes with the next key.
	assert.equal(reduceUi(r, 'down', {rows: all, pageSize: 10}).message, null);
});

test('1-9 in the detail pane open that saved capture; none saved says how to make one', () => {
	const capture: SavedCaptureRef = {dir: '/x', kind: 'perf', node: 'worker-1', pid: 1004, startedAt: '2026-11-26T09:00:00.000Z', label: 'perf'};
	const base: UiState = {...initialUi, view: 'detail', selectedKey: 'worker-1'};
	const opened = reduceUi(base, 'openCapture', {rows: rows(), pageSize: 10, key: '1', captures: [capture]});
	assert.deepEqual(opened.panel, {kind: 'saved', capture, returnTo: 'detail'});
	assert.match(reduceUi(base, 'openCapture', {rows: rows(), pageSize: 10, key: '2', captures: [capture]}).message ?? '', /there are 1 saved/);
	assert.match(reduceUi(base, 'openCapture', {rows: rows(), pageSize: 10, key: '1', captures: []}).message ?? '', /p records one/);
});

test('nodeCaptures: this node only, newest first, unfinished and unreadable ones left out', () => {
	const root = join(work, 'list');
	const meta = (node: string, startedAt: string, extra: Record<string, unknown> = {}) => ({kind: 'perf', node, pid: 1004, startedAt, status: 'complete', durationMs: 10_000, samples: 990, ...extra});
	savePerfCapture(root, 'a', meta('worker-1', '2026-11-26T09:00:00.000Z'), 'main;f 1\n');
	savePerfCapture(root, 'b', meta('worker-1', '2026-11-26T09:05:00.000Z', {mainThreadOnly: true}), 'main;f 1\n');
	savePerfCapture(root, 'c', meta('worker-2', '2026-11-26T09:06:00.000Z'), 'main;f 1\n');
	savePerfCapture(root, 'd', meta('worker-1', '2026-11-26T09:07:00.000Z', {status: 'recording'}), '');
	savePerfCapture(root, 'e', {kind: 'heap', node: 'worker-1', pid: 1004, startedAt: '2026-11-26T09:08:00.000Z', status: 'complete', files: {dump: 'jeprof.out.1004.3.i3.heap', base: 'x'}}, '');
	mkdirSync(join(root, 'no-meta'));
	const list = nodeCaptures(root, {node: 'worker-1', pid: 1004});
	assert.deepEqual(list.map(c => c.dir.slice(root.length + 1)), ['e', 'b', 'a']);
	assert.equal(list[0]!.label, 'heap  pid 1004  growth  dump jeprof.out.1004.3.i3.heap  complete');
	assert.equal(list[1]!.label, 'perf  pid 1004  10.0 s  990 samples  main thread  complete');
	assert.equal(list[1]!.samples, 990);
	assert.deepEqual(nodeCaptures(join(work, 'nothing-here'), {node: 'worker-1', pid: 1}), []);
});

test('HEAP column: no jemalloc, off, on, idle, dumps with the age of the newest', () => {
	const row = rows()[0]!;
	const heap = (h: Partial<NonNullable<NodeRow['heap']>> | null) => ({...row, heap: h === null ? null : {kind: 'profiling', summary: '', dumps: 0, newestDumpAtMs: null, paused: false, dumpDir: null, mallocConf: null, hint: null, ...h}} as NodeRow);
	const now = 1_000_000;
	assert.equal(heapCell(heap(null), now), '-');
	assert.equal(heapCell(heap({kind: 'no-jemalloc'}), now), '-');
	assert.equal(heapCell(heap({kind: 'unknown'}), now), '?');
	assert.equal(heapCell(heap({kind: 'jemalloc-no-profiling'}), now), 'off');
	assert.equal(heapCell(heap({}), now), 'on');
	assert.equal(heapCell(heap({paused: true}), now), 'idle');
	assert.equal(heapCell(heap({dumps: 4, newestDumpAtMs: now - 40_000}), now), '4@40s');
	assert.deepEqual([shortAge(59_000), shortAge(61_000), shortAge(3 * 3600_000), shortAge(5 * 86400_000)], ['59s', '1m', '3h', '5d']);
});

test('App: p opens the capture screen; a capture that cannot run explains the fix; Esc returns to the table', async () => {
	const snapshot = defaultScene().at(-1)!;
	let sessions = 0;
	const makePerfSession = (target: {pid: number; node: string}) => {
		sessions++;
		return new PerfSession(target, {capturesRoot: join(work, 'app-perf'), seconds: 1, frequency: 99, perfPath: '/nonexistent/perf'});
	};
	const monitor = replayMonitor([snapshot]);
	const app = render(<App monitor={monitor} intervalMs={60_000} theme={theme} size={{columns: 100, rows: 30}} initialSnapshot={snapshot}
		capturesRoot={join(work, 'app-perf')} perfSeconds={1} perfFrequency={99} sessions={{perf: makePerfSession, heap: () => { throw new Error('no heap panel in this test'); }}} />);
	await sleep(50);
	for (const k of 'jjj') app.stdin.write(k);
	await sleep(30);
	app.stdin.write('p');
	const frame = await until(() => plain(app.lastFrame()), /The capture failed/);
	assert.match(frame, /perf capture {2}worker-1 {2}pid 1004/);
	assert.match(frame, /The capture failed: perf is not installed/);
	assert.match(frame, /fix: /);
	// The terminal shrinking below 80x24 and growing back keeps the panel (and its session).
	for (const size of [{columns: 60, rows: 20}, {columns: 100, rows: 30}]) {
		app.rerender(<App monitor={monitor} intervalMs={60_000} theme={theme} size={size} initialSnapshot={snapshot}
			capturesRoot={join(work, 'app-perf')} perfSeconds={1} perfFrequency={99} sessions={{perf: makePerfSession, heap: () => { throw new Error('no heap panel in this test'); }}} />);
		await sleep(30);
	}
	await until(() => plain(app.lastFrame()), /The capture failed/);
	assert.equal(sessions, 1, 'one session: the panel was not remounted');
	app.stdin.write('\u001b');
	await until(() => plain(app.lastFrame()), /NODE.*CPU%/);
	app.unmount();
});

test('App: the detail pane lists saved captures; 1 opens the flame graph in samples; Esc comes back', async () => {
	const root = join(work, 'app-saved');
	// Period-weighted, as perf script gives them (10,101,010 ns per sample at 99 Hz): 3 + 1 samples.
	savePerfCapture(root, '20261126T090000Z-perf-worker-1-1004', {kind: 'perf', node: 'worker-1', pid: 1004, startedAt: '2026-11-26T09:00:00.000Z', status: 'complete', durationMs: 10_000, samples: 4},
		'zeek;main;zeek::analyzer::tcp::TCP_Reassembler::DeliverBlock 30303030\nzeek;main;zeek::Dispatch 10101010\n');
	const snapshot = defaultScene().at(-1)!;
	const app = render(<App monitor={replayMonitor([snapshot])} intervalMs={60_000} theme={theme} size={{columns: 100, rows: 40}} initialSnapshot={snapshot}
		capturesRoot={root} perfSeconds={1} perfFrequency={99} />);
	await sleep(50);
	for (const k of 'jjj') app.stdin.write(k);
	await sleep(30);
	app.stdin.write('\r');
	let frame = await until(() => plain(app.lastFrame()), /captures \(1 opens it\)/);
	assert.match(frame, /1 {2}2026-11-26 09:00:00Z {2}perf {2}pid 1004 {2}10\.0 s {2}4 samples {2}complete/);
	app.stdin.write('1');
	frame = await until(() => plain(app.lastFrame()), /perf \(saved/);
	assert.match(frame, /4 samples/, 'periods shown as samples again');
	assert.match(frame, /TCP_Reassembler::DeliverBlock/);
	app.stdin.write('\u001b');
	frame = await until(() => plain(app.lastFrame()), /captures \(1 opens it\)/);
	app.unmount();
});
