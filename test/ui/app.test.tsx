import {test} from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import {render} from 'ink-testing-library';
import {App} from '../../source/ui/App.js';
import {defaultScene, proc, replayMonitor, sceneSnapshots} from '../helpers/scene.js';

const theme = {color: false, unicode: false};
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
/** Frames without our own SGR styling (selection is inverse even without colour). */
const plain = (frame: string | undefined) => (frame ?? '').replace(/\u001b\[[0-9;]*m/g, '');
const lastScene = () => {
	const s = defaultScene();
	return s.at(-1)!;
};

function mount(size = {columns: 100, rows: 30}, snapshot = lastScene()) {
	const monitor = replayMonitor([snapshot]);
	return render(<App monitor={monitor} intervalMs={60_000} theme={theme} size={size} initialSnapshot={snapshot} capturesRoot="/nonexistent-zeektop/captures" perfSeconds={10} perfFrequency={99} />);
}

test('frame at 100x30: header, every node, hot worker values, footer; never taller than rows - 1', async () => {
	const app = mount();
	await sleep(50);
	const frame = plain(app.lastFrame());
	const lines = frame.split('\n');
	assert.ok(lines.length <= 29, `frame has ${lines.length} lines`);
	assert.match(lines[0]!, /^sensor-1 {2}load 1\.50 1\.20 0\.90 {2}mem 6\.00G\/16\.0G {2}zeektop 2\.0%/);
	assert.match(frame, /NODE\^? +ROLE +PID +CPU%/);
	const row = lines.find(l => l.startsWith('worker-1'))!;
	assert.match(row, /worker-1 +worker +1004 +99\.0 .* 97\.0 +500M/);
	const leaking = lines.find(l => l.startsWith('worker-2'))!;
	assert.match(leaking, /\+120M/, 'RSS/min of the growing worker (2 MiB per s)');
	// role order: manager, logger, proxy, then workers by name
	const order = lines.filter(l => /^(manager|logger|proxy|worker)/.test(l)).map(l => l.split(' ')[0]);
	assert.deepEqual(order, ['manager', 'logger-1', 'proxy-1', 'worker-1', 'worker-2', 'worker-3']);
	assert.match(lines.at(-1)!, /q quit {2}\? help/);
	app.unmount();
});

test('fits 80 columns by dropping the least important columns', async () => {
	const app = mount({columns: 80, rows: 24});
	await sleep(50);
	const lines = plain(app.lastFrame()).split('\n');
	assert.ok(lines.every(l => l.length <= 80), 'no line wider than 80');
	assert.ok(lines.length <= 23);
	const header = lines.find(l => l.includes('NODE'))!;
	for (const col of ['NODE', 'CPU%', 'MAIN%', 'RSS', 'RSS/min', 'RST']) assert.ok(header.includes(col), `${col} kept at 80 cols`);
	assert.ok(!header.includes(' UP'), 'UP dropped first');
	app.unmount();
});

test('below 80x24 says so instead of garbling', async () => {
	const app = mount({columns: 60, rows: 20});
	await sleep(50);
	assert.match(plain(app.lastFrame()), /needs at least 80x24; this terminal is 60x20/);
	app.unmount();
});

test('keys: move, sort by CPU, filter, detail, help, back; selection follows the node', async () => {
	const app = mount();
	await sleep(50);
	const selected = () => plain(app.lastFrame()).split('\n').find(l => l.includes('worker') || l.includes('manager'));
	app.stdin.write('j');
	app.stdin.write('j');
	app.stdin.write('j');
	await sleep(50);
	// Sorting by CPU keeps worker-1 selected although its row moved.
	app.stdin.write('P');
	await sleep(50);
	let frame = plain(app.lastFrame());
	let rows = frame.split('\n').filter(l => /^(manager|logger|proxy|worker)/.test(l));
	assert.equal(rows[0]!.split(' ')[0], 'worker-1', 'P sorts by CPU, descending');
	app.stdin.write('\r');
	await sleep(50);
	frame = plain(app.lastFrame());
	assert.match(frame, /^worker-1 {2}worker {2}pid 1004/m, 'Enter opens the detail of the selected node (worker-1)');
	assert.match(frame, /MAIN% +97\.0/);
	app.stdin.write('\u001b');
	await sleep(50);
	app.stdin.write('/');
	await sleep(20);
	for (const ch of 'proxy') app.stdin.write(ch);
	await sleep(50);
	frame = plain(app.lastFrame());
	assert.match(frame, /\/proxy_/);
	rows = frame.split('\n').filter(l => /^(manager|logger|proxy|worker)/.test(l));
	assert.deepEqual(rows.map(r => r.split(' ')[0]), ['proxy-1']);
	app.stdin.write('\r');
	await sleep(50);
	assert.match(plain(app.lastFrame()), /filter: proxy {2}\(1\/6 nodes\)/);
	app.stdin.write('?');
	await sleep(50);
	assert.match(plain(app.lastFrame()), /zeektop keys/);
	app.stdin.write('\u001b');
	await sleep(50);
	assert.doesNotMatch(plain(app.lastFrame()), /zeektop keys/);
	void selected;
	app.unmount();
});

test('untrusted text is escaped: a node named with ESC[2J shows as text', async () => {
	const evil = '\u001b[2Jevil';
	const snaps = sceneSnapshots([proc(7, evil, 'worker', {cmdline: ['zeek', '\u001b]0;pwned\u0007']})], [{cpuPerTick: 1, mainPerTick: 1, rss: 1 << 20}], 3);
	const app = mount({columns: 100, rows: 30}, snaps.at(-1)!);
	await sleep(50);
	const frame = plain(app.lastFrame());
	assert.ok(!frame.includes('\u001b'), 'no raw ESC from the data reaches the terminal');
	assert.ok(!app.lastFrame()!.includes('\u001b[2J'));
	assert.match(frame, /\\e\[2Jevil/);
	app.stdin.write('\r');
	await sleep(50);
	const detail = plain(app.lastFrame());
	assert.ok(!detail.includes('\u001b') && !detail.includes('\u0007'));
	assert.match(detail, /\\e\]0;pwned\\x07/);
	app.unmount();
});
