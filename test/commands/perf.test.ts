import {after, before, describe, test, type TestContext} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {run} from '../../source/capture/runner.js';
import {ProcFs} from '../../source/collect/procfs.js';
import {UsageError} from '../../source/lib/errors.js';
import {resolveTarget} from '../../source/commands/perf.js';
import {parseOptions} from '../../source/commands/options.js';
import {defaultScenario, startCluster, type SimCluster} from '../../source/sim/launcher.js';
import {SIM_HOT_FUNCTION} from '../../source/sim/names.js';
import {needTool, repoRoot} from '../helpers/env.js';
import {layProc, statLine} from '../helpers/proc-tree.js';

const cli = join(repoRoot, 'dist', 'cli.js');
const temps: string[] = [];
function tempDir(prefix = 'zeektop-perf-cli-'): string {
	const dir = mkdtempSync(join(tmpdir(), prefix));
	temps.push(dir);
	return dir;
}
after(() => {
	for (const dir of temps) rmSync(dir, {recursive: true, force: true});
});

function zeektop(args: string[], timeoutMs = 60_000) {
	return run(process.execPath, [cli, ...args], {timeoutMs, env: {...process.env, NODE_ENV: 'production', NO_COLOR: '1'}});
}

/** perf processes whose command line mentions `needle` (a capture directory). */
function perfProcesses(needle: string): number[] {
	const pids: number[] = [];
	for (const name of readdirSync('/proc')) {
		if (!/^\d+$/.test(name)) continue;
		try {
			const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8');
			if (argv.includes(needle) && /(^|\/)perf\0/.test(argv)) pids.push(Number(name));
		} catch {
			// gone while listing
		}
	}
	return pids;
}

function usageLine(stderr: string, pattern: RegExp): void {
	const lines = stderr.trimEnd().split('\n');
	assert.equal(lines.length, 1, `one stderr line: ${stderr}`);
	assert.match(lines[0]!, /^zeektop: /);
	assert.match(lines[0]!, pattern);
	assert.ok(!/\n\s+at /.test(stderr), 'no stack trace');
}

describe('resolving a node name or pid (fixture /proc)', () => {
	const root = tempDir('zeektop-proc-');
	const zeekctl = (pid: number, node: string, spool: string) => {
		const argv = `/opt/zeek/bin/zeek\0-i\0lo\0-U\0.status\0-p\0zeekctl\0-p\0zeekctl-live\0-p\0local\0-p\0${node}\0local.zeek\0zeekctl\0`;
		layProc(root, pid, {comm: 'zeek\n', cmdline: argv, stat: statLine(pid, 'zeek'), environ: `CLUSTER_NODE=${node}\0`, status: 'Uid:\t0\t0\t0\t0\n'},
			{cwd: `${spool}/${node}`, exe: '/opt/zeek/bin/zeek'});
	};
	zeekctl(100, 'manager', '/srv/a/spool');
	zeekctl(101, 'worker-1', '/srv/a/spool');
	zeekctl(200, 'worker-1', '/srv/b/spool');
	zeekctl(201, 'worker-2', '/srv/b/spool');
	layProc(root, 300, {comm: 'bash\n', cmdline: 'bash\0', stat: statLine(300, 'bash')});
	const procfs = new ProcFs(root);
	const fails = (fn: () => unknown, pattern: RegExp) => assert.throws(fn, (e: unknown) => e instanceof UsageError && pattern.test(e.message) && !e.message.includes('\n'));

	test('by name; a name two clusters share is ambiguous until --spool picks one', () => {
		const w2 = resolveTarget('worker-2', procfs);
		assert.deepEqual([w2.pid, w2.node, w2.process?.launch], [201, 'worker-2', 'zeekctl']);
		fails(() => resolveTarget('worker-1', procfs), /^node 'worker-1' is ambiguous, 2 processes have it: pid 101 \(\/srv\/a\/spool\/worker-1\), pid 200 \(\/srv\/b\/spool\/worker-1\); give the pid, or --spool DIR$/);
		assert.equal(resolveTarget('worker-1', procfs, {cwdUnder: '/srv/b/spool/'}).pid, 200);
		fails(() => resolveTarget('manager', procfs, {cwdUnder: '/srv/b/spool/'}), /^unknown node 'manager': known nodes are worker-1, worker-2 \(or give a pid\)$/);
		fails(() => resolveTarget('worker-9', procfs), /^unknown node 'worker-9': known nodes are manager, worker-1, worker-2 \(or give a pid\)$/);
		fails(() => resolveTarget('x', procfs, {cwdUnder: '/nowhere/'}), /no Zeek processes found under \/nowhere\/; give a pid$/);
		fails(() => resolveTarget('evil\u001b[2J', procfs), /^unknown node 'evil\\e\[2J'/);
	});

	test('by pid: a node keeps its name, another process its comm, a missing pid is an error', () => {
		assert.equal(resolveTarget('200', procfs).node, 'worker-1');
		assert.deepEqual(resolveTarget('300', procfs), {pid: 300, node: 'bash'});
		fails(() => resolveTarget('999', procfs), /^no process with pid 999/);
	});

	test('--seconds and --frequency are checked', () => {
		assert.equal(parseOptions({seconds: undefined, perfSeconds: 10}).perfSeconds, 10);
		assert.equal(parseOptions({seconds: 2.5, perfSeconds: 10}).perfSeconds, 2.5);
		fails(() => parseOptions({seconds: Number.NaN, perfSeconds: 10}), /^--seconds must be a number of seconds from 0\.1 to 3600 \(got NaN\)$/);
		fails(() => parseOptions({seconds: 0, perfSeconds: 10}), /--seconds/);
		fails(() => parseOptions({seconds: undefined, perfSeconds: -1}), /^--perf-seconds/);
		assert.equal(parseOptions({frequency: undefined, perfFrequency: 99}).perfFrequency, 99);
		fails(() => parseOptions({frequency: 99.5, perfFrequency: 99}), /^--frequency must be a whole number/);
	});
});

describe('zeektop perf: bad input is one stderr line and exit 2', () => {
	test('bad --seconds, unknown node, a pid that is not running, no target, extra arguments', async () => {
		const cases: Array<[string[], RegExp]> = [
			[['perf', 'worker-1', '--seconds', 'abc'], /--seconds must be a number of seconds from 0\.1 to 3600/],
			[['perf', 'worker-1', '--seconds', '0'], /--seconds must be/],
			[['perf', 'no-such-node-zz', '--spool', '/nonexistent-spool'], /unknown node 'no-such-node-zz': no Zeek processes found under \/nonexistent-spool\//],
			[['perf', '4000000000'], /no process with pid 4000000000/],
			[['perf'], /perf needs a node name or pid/],
			[['perf', 'a', 'b'], /unexpected argument 'b'/],
			[['perf', 'worker-1', '--frequency', '0'], /--frequency must be a whole number/],
			[['perf', 'worker-1', '--call-graph', 'lbr'], /--call-graph must be fp or dwarf \(got 'lbr'\)/],
		];
		const results = await Promise.all(cases.map(([args]) => zeektop(args)));
		results.forEach((r, i) => {
			assert.equal(r.code, 2, `${cases[i]![0].join(' ')}: ${r.stderr}`);
			assert.equal(r.stdout, '');
			usageLine(r.stderr, cases[i]![1]);
		});
	});

	test('a blocking preflight problem (perf not installed) is one line with the fix', async () => {
		const r = await run(process.execPath, [cli, 'perf', String(process.pid), '--seconds', '1'], {
			timeoutMs: 60_000, env: {PATH: '/nonexistent', NODE_ENV: 'production'},
		});
		assert.equal(r.code, 2, r.stderr);
		usageLine(r.stderr, new RegExp(`^zeektop: cannot profile \\S+ \\(pid ${process.pid}\\): perf is not installed; fix: (apt-get|dnf) install `));
	});
});

describe('zeektop perf against a simulated cluster (real perf)', () => {
	let cluster: SimCluster | undefined;
	let skip = '';
	const captures = tempDir('zeektop-captures-');
	before(async () => {
		try {
			cluster = await startCluster(defaultScenario({workers: 2}), {basePort: 0, jemallocLibrary: null});
		} catch (error) {
			skip = `no simulated cluster: ${(error as Error).message}`;
		}
	});
	after(async () => {
		await cluster?.stop();
		// Nothing may outlive the tests: no perf recording into our capture directories.
		assert.deepEqual(perfProcesses(captures), []);
	});
	const ready = (t: TestContext) => {
		if (!needTool(t, 'perf', 'g++')) return false;
		if (skip) throw new Error(skip);
		return true;
	};

	test('by node name (scoped to our cluster): --json, the hot function on top, files kept', async t => {
		if (!ready(t)) return;
		const c = cluster!;
		const worker = c.nodes.find(n => n.node === 'worker-1')!;
		const r = await zeektop(['perf', 'worker-1', '--spool', c.spoolDir, '--seconds', '3', '--json', '--captures', captures]);
		assert.equal(r.code, 0, r.stderr);
		const doc = JSON.parse(r.stdout);
		assert.equal(doc.node, 'worker-1');
		assert.equal(doc.pid, worker.pid);
		assert.ok(doc.seconds > 2 && doc.seconds <= 3, `recorded ${doc.seconds} s`);
		assert.equal(doc.requestedSeconds, 3);
		assert.ok(doc.samples > 50, `${doc.samples} samples`);
		assert.equal(typeof doc.lostSamples, 'number');
		assert.equal(doc.top[0].function, SIM_HOT_FUNCTION, `top: ${JSON.stringify(doc.top.slice(0, 3))}`);
		assert.ok(doc.top[0].selfPercent > 20 && doc.top[0].selfPercent <= doc.top[0].totalPercent);
		assert.ok(doc.dir.startsWith(captures + '/'));
		for (const file of [doc.files.folded, doc.files.perfData, doc.files.meta]) assert.ok(statSync(file).size > 0, file);
		assert.equal(JSON.parse(readFileSync(doc.files.meta, 'utf8')).status, 'complete');
		assert.match(readFileSync(doc.files.folded, 'utf8'), new RegExp(`;${SIM_HOT_FUNCTION.replace(/[:]/g, '\\$&')} \\d+\\n`));
	});

	test('--call-graph dwarf (builds without frame pointers): the hot function on top, recorded with dwarf', async t => {
		if (!ready(t)) return;
		const c = cluster!;
		const r = await zeektop(['perf', 'worker-1', '--spool', c.spoolDir, '--seconds', '2', '--call-graph', 'dwarf', '--json', '--captures', captures]);
		assert.equal(r.code, 0, r.stderr);
		const doc = JSON.parse(r.stdout);
		assert.equal(doc.top[0].function, SIM_HOT_FUNCTION, `top: ${JSON.stringify(doc.top.slice(0, 3))}`);
		const meta = JSON.parse(readFileSync(doc.files.meta, 'utf8'));
		assert.equal(meta.callGraph, 'dwarf');
		assert.ok(meta.command.includes('--call-graph') && meta.command.includes('dwarf'), meta.command.join(' '));
	});

	test('by pid, as text (not a terminal: 120x40): the top table and an ASCII flame graph', async t => {
		if (!ready(t)) return;
		const worker = cluster!.nodes.find(n => n.node === 'worker-1')!;
		const r = await zeektop(['perf', String(worker.pid), '--seconds', '2', '--captures', captures]);
		assert.equal(r.code, 0, r.stderr);
		const lines = r.stdout.trimEnd().split('\n');
		assert.match(lines[0]!, new RegExp(`^perf worker-1 {2}pid ${worker.pid} {2}\\d\\.\\d s at 99 Hz, all threads {2}\\d+ samples {2}\\d+ lost`));
		assert.match(lines[1]!, /^saved in .* \(perf\.data, stacks\.folded, meta\.json\)$/);
		assert.match(lines[2]!, /^explore it: zeektop flame \/.*\/stacks\.folded$/);
		const header = lines.findIndex(l => /^ SELF% {2}TOTAL% {2}FUNCTION$/.test(l));
		assert.ok(header > 0, r.stdout);
		assert.match(lines[header + 1]!, new RegExp(`^ +\\d+\\.\\d\\d +\\d+\\.\\d\\d  ${SIM_HOT_FUNCTION}$`));
		const flame = lines.slice(lines.findIndex(l => l.startsWith('[all')));
		assert.ok(flame.length > 5 && flame.length <= 40, `${flame.length} flame lines`);
		for (const l of lines.slice(header)) assert.ok(l.length <= 120, `wider than 120: ${l}`);
		assert.ok(flame.some(l => l.includes('[zeek::run_state::detail::run_loop')), 'Zeek frames in the flame graph');
	});

	test('Ctrl-C during the capture stops perf; nothing keeps running', async t => {
		if (!ready(t)) return;
		const c = cluster!;
		const dir = tempDir('zeektop-captures-int-');
		const child = spawn(process.execPath, [cli, 'perf', 'worker-2', '--spool', c.spoolDir, '--seconds', '30', '--captures', dir],
			{stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, NODE_ENV: 'production'}});
		let stderr = '';
		child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
		const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
		try {
			const deadline = Date.now() + 20_000;
			while (perfProcesses(dir).length === 0 && Date.now() < deadline) await new Promise(r => setTimeout(r, 100));
			assert.ok(perfProcesses(dir).length > 0, `perf record started: ${stderr}`);
			await new Promise(r => setTimeout(r, 500));
			child.kill('SIGINT');
			const code = await exited;
			assert.equal(code, 130, stderr);
			assert.deepEqual(perfProcesses(dir), [], 'perf stopped with zeektop');
			const [capture] = readdirSync(dir);
			assert.ok(capture && existsSync(join(dir, capture, 'meta.json')));
		} finally {
			if (child.exitCode === null) child.kill('SIGKILL');
			for (const pid of perfProcesses(dir)) process.kill(pid, 'SIGKILL');
		}
	});
});
