import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {corpusDir, needTool, repoRoot} from '../helpers/env.js';
import {Tmux} from '../helpers/tmux.js';

const tmux = new Tmux(120, 40);
after(() => tmux.kill());
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

test('tmux: zeektop flame FILE is interactive: zoom, search, top table, help, Esc back out; exit 0, screen restored', async t => {
	if (!needTool(t, 'tmux')) return;
	const cli = join(repoRoot, 'dist', 'cli.js');
	assert.ok(existsSync(cli), 'dist/cli.js missing: npm test builds it first');
	const file = corpusDir('zeek-real', 'supervisor-cluster', 'perf', 'zeek.worker-1.perf-script-fp.txt');
	tmux.start(`node ${cli} flame ${file}`, {NODE_ENV: 'production', LANG: 'C.UTF-8', TERM: 'xterm-256color'});
	let screen = await tmux.waitFor(/\[flame\]/);
	let lines = screen.trimEnd().split('\n');
	assert.ok(lines.length <= 39, 'never as tall as the terminal');
	assert.match(lines[0]!, /^zeek\.worker-1\.perf-script-fp\.txt \(perf script\) {2}104 samples +\[flame\]$/);
	assert.match(screen, /zeek::run_state::detail::run_loop/);
	// Down the widest path to main (the root is on top), then zoom.
	for (const key of ['Down', 'Down', 'Down']) tmux.keys(key);
	await tmux.waitFor(/^main {2}\d+ samples/m);
	tmux.keys('Enter');
	screen = await tmux.waitFor(/\[flame, zoom 1\]/);
	tmux.keys('/');
	tmux.keys('-l', 'Drain');
	screen = await tmux.waitFor(/^\/Drain_/m);
	tmux.keys('Enter');
	screen = await tmux.waitFor(/^\/Drain\/ {2}\d+ frames, \d+\.\d\d% of all samples, \d+\.\d\d% of the zoomed frame/m);
	assert.match(screen, /^zeek::EventMgr::Drain {2}\d+ samples/m, 'the match is selected');
	tmux.keys('Tab');
	screen = await tmux.waitFor(/\[top by self, zoom 1\]/);
	assert.match(screen, /SELF%v +TOTAL% +SELF +TOTAL KIND +FUNCTION/);
	tmux.keys('?');
	screen = await tmux.waitFor(/flame graph keys/);
	tmux.keys('x');
	await tmux.waitFor(/\[top by self, zoom 1\]/);
	// Esc: table -> flame, zoom out, clear the search, leave.
	for (const expect of [/\[flame, zoom 1\]/, /\[flame\]/]) {
		tmux.keys('Escape');
		await tmux.waitFor(expect);
		await sleep(150);
	}
	tmux.keys('Escape');
	screen = await tmux.waitFor(/^zeek::EventMgr::Drain {2}\d+ samples.*\nEnter zoom/m);
	assert.doesNotMatch(screen, /\/Drain\//, 'the search is cleared');
	await sleep(150);
	tmux.keys('Escape');
	screen = await tmux.waitFor(/exit=\d+/);
	assert.match(screen, /exit=0/);
	assert.doesNotMatch(screen, /\[flame/, 'the alternate screen was left');
});
