import {test} from 'node:test';
import assert from 'node:assert/strict';
import {copyFileSync, existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {run} from '../../source/capture/runner.js';
import {corpusDir, needTool, repoRoot} from '../helpers/env.js';
import {buildFakeZeek, removeDir, startZeekctlNode, stopAll, tempDir} from '../helpers/fake-zeek.js';
import {Tmux} from '../helpers/tmux.js';

test('one file: dist/zeektop.mjs runs with no node_modules beside it', async t => {
	const bundle = join(repoRoot, 'dist', 'zeektop.mjs');
	assert.ok(existsSync(bundle), 'dist/zeektop.mjs missing: npm test runs npm run build first');
	const dir = tempDir('zeektop-onefile-');
	t.after(() => removeDir(dir));
	copyFileSync(bundle, join(dir, 'zeektop.mjs'));
	const node = (args: string[]) => run(process.execPath, [join(dir, 'zeektop.mjs'), ...args], {cwd: dir, timeoutMs: 60_000, env: {PATH: process.env.PATH}});
	const version = await node(['--version']);
	assert.equal(version.stdout.trim(), JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version);
	const help = await node(['--help']);
	assert.match(help.stdout, /zeektop perf <node\|pid>/);
	const once = await node(['--once', '--json', '--interval', '200', '--no-metrics']);
	assert.equal(once.code, 0, once.stderr);
	assert.ok(Array.isArray(JSON.parse(once.stdout).nodes));
	const input = corpusDir('perf-folding/flamegraph-pl/test/perf-funcab-cmd-01.txt');
	const fold = await node(['fold', '--pid', input]);
	assert.equal(fold.code, 0, fold.stderr);
	assert.equal(fold.stdout, readFileSync(corpusDir('perf-folding/flamegraph-pl/current-results/perf-funcab-cmd-01-collapsed-pid.txt'), 'utf8'));
	// NODE_ENV=production is baked in, Ink's caches are the bounded copies.
	const text = readFileSync(bundle, 'utf8');
	assert.ok(!text.includes('process.env.NODE_ENV'), 'NODE_ENV replaced at build time');
	assert.ok(/cache\d*\.size >= LIMIT\d*\)/.test(text), 'bounded measure-text/wrap-text caches are in the bundle');
});

test('one file: the live table starts from the bundle in a terminal, p opens the capture screen, q leaves', async t => {
	if (!needTool(t, 'tmux', 'g++')) return;
	const bundle = join(repoRoot, 'dist', 'zeektop.mjs');
	const dir = tempDir('zeektop-onefile-tui-');
	const bin = buildFakeZeek(dir);
	const nodes = [startZeekctlNode(bin, join(dir, 'spool'), 'worker-onefile', {env: {FAKE_BUSY: '1'}})];
	const tmux = new Tmux(100, 30);
	t.after(async () => {
		tmux.kill();
		await stopAll(nodes);
		removeDir(dir);
	});
	copyFileSync(bundle, join(dir, 'zeektop.mjs'));
	// An import cycle among the UI modules once made the bundle's TUI exit 13 before drawing.
	tmux.start(`node ${join(dir, 'zeektop.mjs')} --interval 300 --spool ${join(dir, 'spool')} --captures ${join(dir, 'captures')} --perf-seconds 1 --no-metrics`, {TERM: 'xterm-256color'});
	await tmux.waitFor(/worker-onefile/);
	tmux.keys('p');
	await tmux.waitFor(/perf capture {2}worker-onefile/);
	tmux.keys('q');
	assert.match(await tmux.waitFor(/exit=\d+/), /exit=0/);
});
