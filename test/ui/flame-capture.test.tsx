import {test} from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import {render} from 'ink-testing-library';
import {CaptureView, captureLines, progressBar, type CaptureViewProps} from '../../source/ui/views/CaptureView.js';
import {FlameApp} from '../../source/ui/run-flame.js';
import {buildTree, parseFoldedLines} from '../../source/profile/tree.js';

const base: CaptureViewProps = {node: 'worker-1', pid: 1234, phase: 'starting', elapsedMs: 0, totalMs: 10_000, mainThreadOnly: false, frequency: 99};
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const SGR = /\u001b\[[0-9;]*m/g;

test('capture view, starting: what is recorded, the keys; main thread only in the title', () => {
	assert.deepEqual(captureLines(base), [
		'perf capture  worker-1  pid 1234  all threads  99 Hz  10.0 s',
		'',
		'Starting perf: attaching to the process...',
		'[.................................................]  0.0 s / 10.0 s  10.0 s left',
		'samples so far: -',
		'',
		'Esc stops (what was recorded is offered)   t restarts: main thread only (-t)',
	]);
	assert.match(captureLines({...base, mainThreadOnly: true}).at(-1)!, /t restarts: all threads$/);
	assert.match(captureLines({...base, mainThreadOnly: true})[0]!, /main thread only/);
});

test('capture view, recording: progress bar, countdown, estimated samples, notes escaped', () => {
	const lines = captureLines({...base, phase: 'recording', elapsedMs: 3200, estimatedSamples: 316.8, mainThreadOnly: true, frequency: undefined, notes: ['target\u001b[2J busy']});
	assert.deepEqual(lines, [
		'perf capture  worker-1  pid 1234  main thread only  10.0 s',
		'',
		'Recording...',
		'[################..................................]  3.2 s / 10.0 s  6.8 s left',
		'samples so far: ~317 (estimated from the CPU time used)',
		'',
		'Esc stops (what was recorded is offered)   t restarts: all threads',
		'',
		'note: target\\e[2J busy',
	]);
	// Reading: the bar is full and counts folded samples; 120 columns: a 60-cell bar.
	const reading = captureLines({...base, phase: 'reading', elapsedMs: 10_000, foldedSamples: 990, width: 120});
	assert.equal(reading[3], `[${'#'.repeat(60)}]  10.0 s / 10.0 s  0.0 s left`);
	assert.equal(reading[4], 'samples folded: 990');
	assert.equal(captureLines({...base, phase: 'stopping'})[2], 'Stopping: perf is writing perf.data...');
	// Never taller than asked, never wider; colour only when asked.
	assert.equal(captureLines({...base, height: 3}).length, 3);
	for (const l of captureLines({...base, width: 40, notes: ['x'.repeat(100)]})) assert.ok(l.length <= 40, l);
	assert.equal(captureLines(base).join('').match(SGR), null);
	assert.match(captureLines({...base, theme: {color: true, unicode: false}}).join('\n'), /\u001b\[32m\[/);
	assert.equal(progressBar(0.5, 10), '[#####.....]');
	assert.equal(progressBar(Number.NaN, 4), '[....]');
	assert.equal(progressBar(7, 4), '[####]');
});

test('capture view, partial and failed: the offer and the fix', () => {
	const partial = captureLines({...base, phase: 'partial', partial: {seconds: 3.24, samples: 321}, elapsedMs: 3240});
	assert.deepEqual(partial.slice(2, 5), [
		'Stopped after 3.2 s of 10.0 s: 321 samples recorded.',
		'',
		'Enter shows them (the capture is kept)   Esc discards them (nothing is kept)',
	]);
	const failed = captureLines({...base, phase: 'failed', error: 'perf is not installed', fix: 'apt-get install linux-perf', notes: ['a\u0007note']});
	assert.deepEqual(failed.slice(2), [
		'The capture failed: perf is not installed',
		'fix: apt-get install linux-perf',
		'',
		'note: a\\x07note',
		'',
		'Esc goes back to the table; zeektop doctor checks everything perf needs.',
	]);
});

test('capture view in Ink: one text block', async () => {
	const app = render(<CaptureView {...base} phase="recording" elapsedMs={5000} />);
	await sleep(20);
	const frame = app.lastFrame() ?? '';
	assert.match(frame, /Recording\.\.\./);
	assert.match(frame, /5\.0 s \/ 10\.0 s {2}5\.0 s left/);
	app.unmount();
});

test('flame app in Ink at 80x24: keys move, search, tables, help; e exports; q quits', async () => {
	const tree = buildTree(parseFoldedLines('main;a;b 3\nmain;a;c 1\nmain;d 4\nother 2\n').stacks);
	const exported: string[] = [];
	const app = render(
		<FlameApp tree={tree} header={{title: 'test.folded', samples: 10}} theme={{color: false, unicode: false}} size={{columns: 80, rows: 24}}
			exportView={(state, width) => {
				exported.push(`${state.selectedId}@${width}`);
				return 'wrote /tmp/x.txt';
			}} />,
	);
	await sleep(50);
	const plain = () => (app.lastFrame() ?? '').replace(SGR, '');
	let lines = plain().split('\n');
	assert.ok(lines.length <= 23, `frame of ${lines.length} lines in a 24-row terminal`);
	assert.match(lines[0]!, /^test\.folded {2}10 samples +\[flame\]$/);
	assert.equal(lines[1], '[all--------------------------------------------------------------------------]', '79 columns wide');
	for (const ch of ['j', 'j']) app.stdin.write(ch);
	await sleep(50);
	assert.match(plain(), /^a {2}4 samples \(40\.00% of all\)/m);
	app.stdin.write('/');
	await sleep(20);
	for (const ch of 'oth') app.stdin.write(ch);
	await sleep(50);
	assert.match(plain(), /^\/oth_/m);
	app.stdin.write('\r');
	await sleep(50);
	assert.match(plain(), /^other {2}2 samples/m);
	assert.match(plain(), /\[other\*+\]/);
	app.stdin.write('\t');
	await sleep(50);
	assert.match(plain(), /\[top by self\]/);
	app.stdin.write('?');
	await sleep(50);
	assert.match(plain(), /flame graph keys/);
	assert.match(plain(), /Enter +flame: zoom into the selected frame/);
	app.stdin.write('x');
	await sleep(50);
	assert.doesNotMatch(plain(), /flame graph keys/);
	app.stdin.write('e');
	await sleep(50);
	assert.deepEqual(exported, [`${tree.size - 1}@79`]);
	assert.match(plain(), /^wrote \/tmp\/x\.txt$/m);
	app.stdin.write('q');
	await sleep(50);
	app.unmount();
});

test('flame app below 80x24 says so', async () => {
	const tree = buildTree([['a', 1]]);
	const app = render(<FlameApp tree={tree} header={{title: 't', samples: 1}} theme={{color: false, unicode: false}} size={{columns: 70, rows: 20}} />);
	await sleep(30);
	assert.match(app.lastFrame() ?? '', /needs at least 80x24; this terminal is 70x20/);
	app.unmount();
});
