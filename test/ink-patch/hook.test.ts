// The fast Output is the one Ink uses: through the resolve hook (node dist/cli.js) and in the
// one-file bundle (dist/zeektop.mjs); and zeektop's own screens look the same with it as with
// Ink's Output, in a real terminal (tmux) too. Needs `npm run build` (dist/).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {run} from '../../source/capture/runner.js';
import {needTool, repoRoot} from '../helpers/env.js';
import {removeDir, tempDir} from '../helpers/fake-zeek.js';
import {Tmux} from '../helpers/tmux.js';
import {cells, show} from './cells.js';

const MARKER = 'zeektop-ink-output-fast-path';
const hooks = join(repoRoot, 'dist', 'ink-patch', 'hooks.js');
const bundle = join(repoRoot, 'dist', 'zeektop.mjs');
const registerHooks = 'data:text/javascript,' + encodeURIComponent(`import {register} from 'node:module'; register(${JSON.stringify(pathToFileURL(hooks).href)});`);
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
	const e: NodeJS.ProcessEnv = {...process.env, NODE_ENV: 'production', ...extra};
	delete e.ZEEKTOP_INK_OUTPUT;
	delete e.ZEEKTOP_INK_OUTPUT_STATS;
	for (const key of Object.keys(e)) if (key === 'CI' || key === 'CONTINUOUS_INTEGRATION' || key.startsWith('CI_')) delete e[key];
	return {...e, ...extra};
}

test('resolve hook: Ink measures text nodes with the counting widest-line (render-node-to-output, measure-text)', async () => {
	const measure = pathToFileURL(join(repoRoot, 'dist', 'ink-patch', 'measure-text.js')).href;
	const script = `
		const React = (await import('react')).default;
		const {renderToString, Box, Text} = await import('ink');
		const {fastWidestLineCalls} = await import(${JSON.stringify(measure)});
		const before = fastWidestLineCalls();
		const text = renderToString(React.createElement(Box, {flexDirection: 'column'}, React.createElement(Text, null, 'worker-1 ▁▂▃█ 99.9'), React.createElement(Text, null, '日本')), {columns: 40});
		console.log(JSON.stringify({calls: fastWidestLineCalls() - before, text}));`;
	const r = await run(process.execPath, ['--import', registerHooks, '--input-type=module', '-e', script], {cwd: repoRoot, timeoutMs: 60_000, env: env()});
	assert.equal(r.code, 0, r.stderr);
	const out = JSON.parse(r.stdout);
	// Two text nodes: measured once each for layout (measure-text) and once each when drawn (render-node-to-output).
	assert.equal(out.calls, 4);
	assert.equal(out.text, 'worker-1 ▁▂▃█ 99.9\n日本');
	assert.ok(readFileSync(bundle, 'utf8').includes('const currentWidth = fastWidestLine(text)'), 'the bundle\'s renderer uses it too');
});

test('resolve hook: ink/build/output.js is the patched Output (unless ZEEKTOP_INK_OUTPUT=original); Ink renders through it', async () => {
	assert.ok(existsSync(hooks), 'dist/ink-patch/hooks.js missing: run npm run build');
	const inkOutput = pathToFileURL(join(repoRoot, 'node_modules', 'ink', 'build', 'output.js')).href;
	const patched = pathToFileURL(join(repoRoot, 'dist', 'ink-patch', 'output.js')).href;
	const script = `
		const Output = (await import(${JSON.stringify(inkOutput)})).default;
		const React = (await import('react')).default;
		const {renderToString, Text} = await import('ink');
		const text = renderToString(React.createElement(Text, {color: 'cyan'}, 'hello'), {columns: 20});
		const {outputStats} = await import(${JSON.stringify(patched)});
		console.log(JSON.stringify({marker: Output.zeektopPatch ?? 'ink', text, stats: outputStats()}));`;
	const node = (extra: Record<string, string>) => run(process.execPath, ['--import', registerHooks, '--input-type=module', '-e', script], {cwd: repoRoot, timeoutMs: 60_000, env: env({FORCE_COLOR: '3', ...extra})});
	const on = await node({});
	assert.equal(on.code, 0, on.stderr);
	const a = JSON.parse(on.stdout);
	assert.equal(a.marker, MARKER);
	assert.equal(a.stats.fast, 1, 'renderToString drew its frame with the fast path');
	assert.equal(a.stats.fallback, 0);
	const off = await node({ZEEKTOP_INK_OUTPUT: 'original'});
	assert.equal(off.code, 0, off.stderr);
	const b = JSON.parse(off.stdout);
	assert.equal(b.marker, 'ink');
	assert.equal(b.stats.fast + b.stats.fallback, 0);
	assert.deepEqual(show(cells(a.text, true)), show(cells(b.text)));
	assert.match(a.text, /hello/);
});

test("one-file bundle: Ink's renderer gets the patched Output", () => {
	assert.ok(existsSync(bundle), 'dist/zeektop.mjs missing: run npm run build');
	const text = readFileSync(bundle, 'utf8');
	assert.ok(text.includes(MARKER), 'output.ts is in the bundle');
	// Both classes are bundled (the fallback needs Ink's); the renderer must construct ours.
	const classes = [...text.matchAll(/^\s*(Output\d*) = class \{\n/gm)].map(m => ({name: m[1]!, ours: text.slice(m.index, m.index + 400).includes('static zeektopPatch')}));
	const ours = classes.find(c => c.ours);
	assert.ok(ours, `patched class not found among ${JSON.stringify(classes)}`);
	const renderer = text.slice(text.indexOf('// node_modules/ink/build/renderer.js'));
	assert.ok(renderer.length > 0);
	assert.match(renderer.slice(0, 3000), new RegExp(`new ${ours.name}\\(\\{`), 'renderer.js constructs the patched class');
});

test("zeektop's screens (table, filter, detail, help, flame view and its tables): same cells with the fast Output, no fallback", async () => {
	const child = (extra: Record<string, string>) => run(process.execPath, ['--import', 'tsx', '--import', registerHooks, join(repoRoot, 'test', 'ink-patch', 'app-frames.tsx')], {
		cwd: repoRoot, timeoutMs: 120_000, env: env({FORCE_COLOR: '3', ...extra}),
	});
	const [fast, slow] = await Promise.all([child({}), child({ZEEKTOP_INK_OUTPUT: 'original'})]);
	assert.equal(fast.code, 0, fast.stderr);
	assert.equal(slow.code, 0, slow.stderr);
	const a = JSON.parse(fast.stdout.trim().split('\n').at(-1)!);
	const b = JSON.parse(slow.stdout.trim().split('\n').at(-1)!);
	assert.equal(a.frames.length, b.frames.length);
	assert.ok(a.frames.some((f: string) => f.includes('\u001b[')), 'colour on');
	for (let i = 0; i < a.frames.length; i++) {
		assert.deepEqual(show(cells(a.frames[i], true)), show(cells(b.frames[i])), `frame ${i}`);
	}
	assert.ok(a.stats.fast > 20, JSON.stringify(a.stats));
	assert.equal(a.stats.fallback, 0, JSON.stringify(a.stats));
});

type Counts = {fast: number; fallback: number; reasons: Record<string, number>};

const FOLDED = Array.from({length: 300}, (_, i) => `zeek;main;run_loop;dispatch_${i % 7};analyzer_${i % 13};fn_${i} ${1 + (i % 5)}\n`).join('');

/** `zeektop flame FILE` in tmux with one Output, a few keys, a colour capture after each; then q. */
async function flameInTmux(dir: string, entry: string, mode: 'fast' | 'original'): Promise<{shots: string[]; counts?: Counts; early?: string}> {
	const tag = `${mode}-${entry.replace(/\W/g, '_')}`;
	const stats = join(dir, `stats-${tag}.json`);
	const stderr = join(dir, `stderr-${tag}.txt`);
	const tmux = new Tmux(120, 40);
	try {
		tmux.start(`${process.execPath} ${join(repoRoot, entry)} flame ${join(dir, 'profile.folded')} 2>${stderr}`, {
			NODE_ENV: 'production', TERM: 'xterm-256color', LANG: 'C.UTF-8', ZEEKTOP_INK_OUTPUT: mode, ZEEKTOP_INK_OUTPUT_STATS: stats,
		});
		const first = await tmux.waitFor(/run_loop|exit=\d+/);
		if (!first.includes('run_loop')) return {shots: [], early: `${first.trim()}\n${readFileSync(stderr, 'utf8')}`};
		const shots: string[] = [tmux.capture(true)];
		for (const key of ['Down', 'Down', 'Right', 'Enter', 'f', 'Tab', 'Down', 'Tab', 'Tab', 'BSpace']) {
			tmux.keys(key);
			await sleep(300);
			shots.push(tmux.capture(true));
		}
		tmux.keys('q');
		await tmux.waitFor(/exit=0/);
		return {shots, counts: mode === 'fast' ? JSON.parse(readFileSync(stats, 'utf8')) : undefined};
	} finally {
		tmux.kill();
	}
}

for (const entry of ['dist/cli.js', 'dist/zeektop.mjs']) {
	test(`in tmux: \`zeektop flame FILE\` from ${entry} shows the same screens with either Output, no fallback`, async t => {
		if (!needTool(t, 'tmux')) return;
		const dir = tempDir('zeektop-ink-output-');
		t.after(() => removeDir(dir));
		writeFileSync(join(dir, 'profile.folded'), FOLDED);
		const fast = await flameInTmux(dir, entry, 'fast');
		const original = await flameInTmux(dir, entry, 'original');
		assert.equal(fast.early, undefined, fast.early);
		assert.equal(original.early, undefined, original.early);
		assert.deepEqual(fast.shots, original.shots);
		assert.ok(fast.counts!.fast > 5, JSON.stringify(fast.counts));
		assert.equal(fast.counts!.fallback, 0, JSON.stringify(fast.counts));
	});
}
