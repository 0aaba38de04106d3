import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {join} from 'node:path';
import {run} from '../../source/capture/runner.js';
import {formatFinding} from '../../source/commands/doctor.js';
import {needTool, repoRoot} from '../helpers/env.js';

const cli = join(repoRoot, 'dist', 'cli.js');
const LINE = /^(OK|WARN|ERROR) +\S/;

function zeektop(args: string[]) {
	return run(process.execPath, [cli, ...args], {timeoutMs: 60_000, env: {...process.env, NODE_ENV: 'production'}});
}

test('doctor on this machine: exit 0, one finding per line, perf and perf_event_paranoid listed', async t => {
	if (!needTool(t, 'perf')) return;
	const r = await zeektop(['doctor']);
	assert.equal(r.code, 0, r.stdout + r.stderr);
	const lines = r.stdout.trimEnd().split('\n');
	for (const l of lines) assert.match(l, LINE);
	assert.ok(lines.some(l => /^OK +perf is installed: perf version \d/.test(l)), r.stdout);
	assert.ok(lines.some(l => /^(OK|WARN) +kernel\.perf_event_paranoid = -?\d+: /.test(l)), r.stdout);
	assert.ok(lines.some(l => /Zeek process|no Zeek processes found/.test(l)));
	assert.ok(!lines.some(l => l.startsWith('ERROR')));

	const json = await zeektop(['doctor', '--json']);
	assert.equal(json.code, 0);
	const doc = JSON.parse(json.stdout);
	assert.equal(doc.ok, true);
	assert.ok(doc.findings.some((f: {title: string}) => f.title.startsWith('kernel.perf_event_paranoid')));
});

test('doctor <pid>: the target, its perf map file, and that stack depth needs a capture', async t => {
	if (!needTool(t, 'perf')) return;
	const sleeper = spawn('sleep', ['30'], {stdio: 'ignore'});
	try {
		const r = await zeektop(['doctor', String(sleeper.pid)]);
		assert.equal(r.code, 0, r.stdout + r.stderr);
		const lines = r.stdout.trimEnd().split('\n');
		assert.match(lines[0]!, new RegExp(`^OK +sleep is pid ${sleeper.pid}: not recognised as a Zeek node$`));
		assert.ok(lines.some(l => new RegExp(`^OK +process ${sleeper.pid} \\(sleep\\) can be profiled`).test(l)), r.stdout);
		assert.ok(lines.some(l => new RegExp(`^OK +no /tmp/perf-${sleeper.pid}\\.map: Zeek script functions`).test(l)), r.stdout);
		assert.match(lines.at(-1)!, /^OK +stack depth \(frame pointers\) is only known after a capture: .*fix: zeektop perf sleep --seconds 3$/);
	} finally {
		sleeper.kill('SIGKILL');
	}
});

test('doctor errors: unknown node and extra arguments are one line, exit 2; an error finding exits 1', async () => {
	const unknown = await zeektop(['doctor', 'no-such-node-zz', '--spool', '/nonexistent-spool']);
	assert.equal(unknown.code, 2);
	assert.match(unknown.stderr, /^zeektop: unknown node 'no-such-node-zz': no Zeek processes found under \/nonexistent-spool\/; give a pid\n$/);
	const extra = await zeektop(['doctor', 'a', 'b']);
	assert.equal(extra.code, 2);
	assert.match(extra.stderr, /^zeektop: unexpected argument 'b'/);
	// perf that is not installed: an error finding, exit 1 (PATH without perf).
	const noPerf = await run(process.execPath, [cli, 'doctor'], {timeoutMs: 60_000, env: {PATH: '/nonexistent', NODE_ENV: 'production'}});
	assert.equal(noPerf.code, 1, noPerf.stdout + noPerf.stderr);
	assert.match(noPerf.stdout, /^ERROR perf is not installed: no 'perf' on PATH {2}fix: /m);
});

test('a finding is one escaped line', () => {
	assert.equal(formatFinding({level: 'warn', title: 't\u001b[2J', detail: 'a\nb', fix: 'do x'}), 'WARN  t\\e[2J: a\\nb  fix: do x');
	assert.equal(formatFinding({level: 'ok', title: 'fine', detail: '', fix: ''}), 'OK    fine');
});
