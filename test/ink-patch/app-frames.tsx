// Child process of hook.test.ts: zeektop's own screens through Ink (ink-testing-library), key by
// key; prints the frames and the patched Output's frame counts as JSON. Run with the resolve hook
// registered, once as is and once with ZEEKTOP_INK_OUTPUT=original.
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import React from 'react';
import {render} from 'ink-testing-library';
import {App} from '../../source/ui/App.js';
import {FlameApp} from '../../source/ui/run-flame.js';
import {defaultScene, replayMonitor} from '../helpers/scene.js';
import {buildTree, parseFoldedLines} from '../../source/profile/tree.js';

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const theme = {color: true, unicode: true};
const frames: string[] = [];

const snapshot = defaultScene().at(-1)!;
const app = render(<App monitor={replayMonitor([snapshot])} intervalMs={60_000} theme={theme} size={{columns: 120, rows: 40}} initialSnapshot={snapshot}
	capturesRoot={join(tmpdir(), `zeektop-ink-frames-${process.pid}-none`)} perfSeconds={10} perfFrequency={99} />);
await sleep(100);
frames.push(app.lastFrame() ?? '');
for (const key of ['j', 'j', 'P', '\r', '\u001b', '/', 'w', 'o', '\r', '?', '\u001b']) {
	app.stdin.write(key);
	await sleep(40);
	frames.push(app.lastFrame() ?? '');
}
app.unmount();

let folded = '';
for (let i = 0; i < 300; i++) folded += `zeek;main;run_loop;dispatch_${i % 7};analyzer_${i % 13};fn_${i} ${1 + (i % 5)}\n`;
const tree = buildTree(parseFoldedLines(folded).stacks);
const header = {title: 'perf worker-1', node: 'worker-1', pid: 42, seconds: 3, samples: tree.totalSamples};
const flame = render(<FlameApp tree={tree} header={header} theme={theme} size={{columns: 120, rows: 40}} onQuit={() => {}} onLeave={() => {}} />);
await sleep(100);
frames.push(flame.lastFrame() ?? '');
for (const key of ['\u001b[B', '\u001b[B', '\u001b[C', '\r', 'f', '/', 'a', '\r', 'n', '\t', '\u001b[B', '\t', '\t', '?', 'x']) {
	flame.stdin.write(key);
	await sleep(40);
	frames.push(flame.lastFrame() ?? '');
}
flame.unmount();

const {outputStats} = await import('../../dist/ink-patch/output.js' as string);
console.log(JSON.stringify({frames, stats: outputStats()}));
process.exit(0);
