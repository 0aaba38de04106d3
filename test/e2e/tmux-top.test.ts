import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync, readFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {needTool, repoRoot} from '../helpers/env.js';
import {buildFakeZeek, removeDir, startZeekctlNode, stopAll, tempDir, type FakeNode} from '../helpers/fake-zeek.js';
import {Tmux} from '../helpers/tmux.js';

const dir = tempDir('zeektop-tmux-');
let nodes: FakeNode[] = [];
const tmux = new Tmux(120, 40);
after(async () => {
	tmux.kill();
	await stopAll(nodes);
	removeDir(dir);
});

test('tmux: the TUI starts, shows the nodes, moves, opens help, quits with status 0 and restores the screen', async t => {
	if (!needTool(t, 'tmux', 'g++')) return;
	const cli = join(repoRoot, 'dist', 'cli.js');
	assert.ok(existsSync(cli), 'dist/cli.js missing: npm test builds it first');
	const bin = buildFakeZeek(dir);
	const spool = join(dir, 'spool');
	nodes = [
		startZeekctlNode(bin, spool, 'manager'),
		startZeekctlNode(bin, spool, 'worker-tmux-1', {iface: 'eth0', env: {FAKE_BUSY: '1'}}),
		startZeekctlNode(bin, spool, 'worker-tmux-2', {iface: 'eth1'}),
	];
	tmux.start(`node ${cli} --interval 300`, {NODE_ENV: 'production', LANG: 'C.UTF-8', TERM: 'xterm-256color'});
	let screen = await tmux.waitFor(/worker-tmux-2/);
	assert.match(screen, /NODE.*CPU%.*MAIN%.*RSS/);
	assert.ok(screen.trimEnd().split('\n').length <= 40);
	// Filter to our nodes (other Zeek processes may run on this host), then move and open the detail.
	tmux.keys('/');
	tmux.keys('-l', 'tmux');
	tmux.keys('Enter');
	screen = await tmux.waitFor(/filter: tmux/);
	tmux.keys('j');
	tmux.keys('Enter');
	screen = await tmux.waitFor(/worker-tmux-2 {2}worker {2}pid/);
	tmux.keys('Escape');
	// Wait for the table: an Esc followed at once by a key reads as Alt+key.
	await tmux.waitFor(/NODE.*CPU%/);
	tmux.keys('?');
	screen = await tmux.waitFor(/zeektop keys/);
	assert.match(screen, /sort by CPU%/);
	tmux.keys('Escape');
	await tmux.waitFor(/worker-tmux-1/);
	tmux.keys('q');
	screen = await tmux.waitFor(/exit=\d+/);
	assert.match(screen, /exit=0/);
	assert.doesNotMatch(screen, /NODE.*CPU%/, 'the alternate screen was left: the table is gone');
});

test('tmux: the terminal going away (SSH dropped: SIGHUP, EIO) ends zeektop, nothing keeps running', async t => {
	if (!needTool(t, 'tmux')) return;
	const cli = join(repoRoot, 'dist', 'cli.js');
	const hup = new Tmux(100, 30);
	try {
		hup.start(`node ${cli} --interval 200`, {NODE_ENV: 'production'});
		await hup.waitFor(/zeektop/);
		const panePid = Number(hup.tmux('display-message', '-p', '-t', 'main', '#{pane_pid}').trim());
		const child = findChild(panePid);
		assert.ok(child, 'zeektop runs in the pane');
		hup.kill();
		const deadline = Date.now() + 8000;
		while (Date.now() < deadline && existsSync(`/proc/${child}`)) await new Promise(r => setTimeout(r, 100));
		assert.ok(!existsSync(`/proc/${child}`), `zeektop (pid ${child}) still running after its terminal went away`);
	} finally {
		hup.kill();
	}
});

function findChild(ppid: number): number | undefined {
	for (const name of readdirSync('/proc')) {
		if (!/^\d+$/.test(name)) continue;
		try {
			const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
			const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			if (Number(fields[1]) === ppid) return Number(name);
		} catch {
			// exited while we looked
		}
	}
	return undefined;
}
