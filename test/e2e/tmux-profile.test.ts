// The two keys of an incident, end to end in a real terminal: zeektop in tmux on the simulated
// sensor; p on the overloaded worker shows its hot C++ function (real perf), m on the leaking
// worker shows the leaking function as the first allocation site (real jemalloc dumps, real
// jeprof); captures are listed and reopened from the detail pane; Esc stops and discards; q
// mid-capture leaves no perf and no capture directory behind.
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync, readFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {needTool, repoRoot} from '../helpers/env.js';
import {removeDir, tempDir} from '../helpers/fake-zeek.js';
import {Tmux} from '../helpers/tmux.js';
import {DEMO_LG_PROF_INTERVAL, defaultScenario, startCluster, type SimCluster} from '../../source/sim/launcher.js';
import {SIM_HOT_FUNCTION, SIM_LEAK_FUNCTION} from '../../source/sim/names.js';

const dir = tempDir('zeektop-tmux-profile-');
const captures = join(dir, 'captures');
const tmux = new Tmux(132, 40);
let cluster: SimCluster | undefined;
after(async () => {
	tmux.kill();
	await cluster?.stop();
	removeDir(dir);
});

/** Processes whose argv mentions `pid` and whose program is one of `tools` (perf, gdb, jeprof). */
function toolsOn(pid: number, tools = ['perf', 'gdb', 'jeprof']): string[] {
	const out: string[] = [];
	for (const name of readdirSync('/proc')) {
		if (!/^\d+$/.test(name)) continue;
		try {
			const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter(Boolean);
			const prog = (args[0] ?? '').split('/').at(-1)!;
			const isTool = tools.includes(prog) || (prog === 'perl' && (args[1] ?? '').endsWith('jeprof'));
			if (isTool && args.some(a => a === String(pid) || a.includes(`/${pid}/`))) out.push(`${name} ${args.join(' ')}`);
		} catch {
			// gone while listing
		}
	}
	return out;
}

const state = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0];
const perfDirs = () => (existsSync(captures) ? readdirSync(captures).filter(n => n.includes('-perf-')) : []);

/** After an Esc: a key sent at once would arrive with it and read as Alt+key. */
const settle = () => new Promise(r => setTimeout(r, 400));

/** Esc, then wait for `pattern` and a moment more: a key sent at once would read as Alt+key. */
async function esc(pattern: RegExp, timeoutMs?: number): Promise<void> {
	tmux.keys('Escape');
	await tmux.waitFor(pattern, timeoutMs);
	await settle();
}

async function filterTo(node: string): Promise<void> {
	// The prompt opens with the current filter: delete it (an Esc followed at once by a key would
	// read as Alt+key).
	tmux.keys('/');
	await tmux.waitFor(/\/\S*_ {3}\(Enter apply/);
	for (let i = 0; i < 12; i++) tmux.keys('BSpace');
	tmux.keys('-l', node);
	tmux.keys('Enter');
	await tmux.waitFor(new RegExp(`filter: ${node} `));
}

test('tmux: p on the hot worker shows its hot function; m on the leaking worker shows the leak; nothing left behind', {timeout: 240_000}, async t => {
	if (!needTool(t, 'tmux', 'g++', 'perf', 'jeprof')) return;
	// The demo's dump interval: dumps seconds apart, so the growth between two is the leak, not noise.
	cluster = await startCluster(defaultScenario({workers: 2}), {basePort: 0, lgProfInterval: DEMO_LG_PROF_INTERVAL});
	const hot = cluster.nodes.find(n => n.node === 'worker-1')!;
	const leaking = cluster.nodes.find(n => n.node === 'worker-2')!;
	const cli = join(repoRoot, 'dist', 'cli.js');
	tmux.start(`node ${cli} --interval 500 --spool ${cluster.spoolDir} --captures ${captures} --perf-seconds 3`,
		{NODE_ENV: 'production', LANG: 'C.UTF-8', TERM: 'xterm-256color'});
	await tmux.waitFor(/worker-2/);

	// p on the hot worker: the capture screen, then its flame graph with the hot function.
	await filterTo('worker-1');
	tmux.keys('p');
	let screen = await tmux.waitFor(/perf capture {2}worker-1 {2}pid \d+/);
	assert.match(screen, new RegExp(`pid ${hot.pid}`));
	screen = await tmux.waitFor(/samples {2}\d+ lost/, 30_000);
	const shortHot = SIM_HOT_FUNCTION.split('::').slice(-2).join('::');
	assert.ok(screen.includes(shortHot), `the hot function is on screen:\n${screen}`);
	assert.match(screen, /worker-1 {2}pid \d+ {2}3\.0 s/);
	tmux.keys('t'); // the top functions table: the hot function leads it
	screen = await tmux.waitFor(/\[top by self\]/);
	const lines = screen.split('\n');
	const firstRow = lines[lines.findIndex(l => /SELF%.*FUNCTION/.test(l)) + 1] ?? '';
	assert.ok(firstRow.includes(shortHot), `first row of the top table:\n${screen}`);
	await esc(/\[flame\]/);
	await esc(/NODE.*CPU%/);
	assert.equal(perfDirs().length, 1, 'one capture kept');
	assert.deepEqual(toolsOn(hot.pid), [], 'no perf left running');

	// The detail pane lists it; 1 reopens it.
	tmux.keys('Enter');
	screen = await tmux.waitFor(/captures \(1 opens it\)/);
	assert.match(screen, /perf {2}pid \d+ {2}3\.0 s {2}\d+ samples {2}complete/);
	tmux.keys('1');
	screen = await tmux.waitFor(/perf \(saved /);
	assert.ok(screen.includes(shortHot));
	await esc(/captures \(1 opens it\)/);
	await esc(/NODE.*CPU%/);

	// Esc while recording: the partial capture is offered; Esc again discards it.
	tmux.keys('p');
	await tmux.waitFor(/Recording\.\.\./, 20_000);
	await esc(/Stopped after .* samples recorded/, 20_000);
	await esc(/NODE.*CPU%/);
	assert.equal(perfDirs().length, 1, 'the discarded capture is gone');

	// m on the leaking worker: growth, then the allocation sites with the leaking function first.
	// Two interval dumps make a growth table (newest against the one before).
	const dumpsOf = () => readdirSync(leaking.cwd).filter(n => n.startsWith(`jeprof.out.${leaking.pid}.`) && n.endsWith('.heap'));
	for (const deadline = Date.now() + 90_000; dumpsOf().length < 2 && Date.now() < deadline;) await new Promise(r => setTimeout(r, 250));
	assert.ok(dumpsOf().length >= 2, 'the leaking worker wrote two heap dumps');
	await filterTo('worker-2');
	tmux.keys('m');
	screen = await tmux.waitFor(/1 growth {3}2 live {3}3 sites {3}4 flame/, 90_000);
	tmux.keys('3');
	screen = await tmux.waitFor(/allocation site/);
	const firstSite = screen.split('\n').find(l => l.startsWith('>'));
	assert.ok(firstSite?.includes(SIM_LEAK_FUNCTION), `first allocation site:\n${screen}`);
	tmux.keys('4');
	await tmux.waitFor(/heap flame graph/);
	tmux.keys('Enter');
	screen = await tmux.waitFor(/heap (growth since the base|live) {2}worker-2/);
	await esc(/heap flame graph/);
	await esc(/NODE.*CPU%/);
	assert.match(state(leaking.pid)!, /[RS]/, 'the leaking worker keeps running');

	// q in the middle of a capture: zeektop ends, perf is stopped, the unfinished capture removed.
	tmux.keys('p');
	await tmux.waitFor(/Recording\.\.\./, 20_000);
	tmux.keys('q');
	screen = await tmux.waitFor(/exit=\d+/, 20_000);
	assert.match(screen, /exit=0/);
	assert.deepEqual(toolsOn(leaking.pid), [], 'no perf, gdb or jeprof left');
	assert.deepEqual(toolsOn(hot.pid), []);
	assert.equal(perfDirs().length, 1, 'only the kept capture is left');
	assert.match(state(hot.pid)!, /[RS]/);
});
