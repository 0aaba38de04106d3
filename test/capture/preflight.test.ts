import {after, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {corpusDir, needTool} from '../helpers/env.js';
import {layProc, statLine} from '../helpers/proc-tree.js';
import {ProcFs} from '../../source/collect/procfs.js';
import {
	CAP_PERFMON,
	CAP_SYS_ADMIN,
	describeParanoid,
	frameDepthFinding,
	hasCapability,
	perfInstalledFinding,
	perfPreflight,
	readPrivileges,
	type Finding,
} from '../../source/capture/preflight.js';
import {foldPerfScriptToMap} from '../../source/profile/fold.js';

const temps: string[] = [];
after(() => {
	for (const dir of temps) rmSync(dir, {recursive: true, force: true});
});
function tempDir(): string {
	const dir = mkdtempSync(join(tmpdir(), 'zeektop-preflight-test-'));
	temps.push(dir);
	return dir;
}

const find = (findings: Finding[], re: RegExp) => {
	const f = findings.find(x => re.test(x.title));
	assert.ok(f, `no finding matching ${re}: ${findings.map(x => x.title).join(' | ')}`);
	return f;
};

/** A fixture /proc: who we are, the sysctls, and one target process. */
function fixtureProc(o: {uid: number; capEff: string; paranoid?: string; kptr?: string; maxRate?: string; target?: {pid: number; uid: number}}): ProcFs {
	const root = tempDir();
	mkdirSync(join(root, 'self'), {recursive: true});
	writeFileSync(join(root, 'self', 'status'),
		`Name:\tzeektop\nUid:\t${o.uid}\t${o.uid}\t${o.uid}\t${o.uid}\nCapEff:\t${o.capEff}\n`);
	mkdirSync(join(root, 'sys', 'kernel'), {recursive: true});
	if (o.paranoid !== undefined) writeFileSync(join(root, 'sys', 'kernel', 'perf_event_paranoid'), o.paranoid);
	if (o.kptr !== undefined) writeFileSync(join(root, 'sys', 'kernel', 'kptr_restrict'), o.kptr);
	if (o.maxRate !== undefined) writeFileSync(join(root, 'sys', 'kernel', 'perf_event_max_sample_rate'), o.maxRate);
	writeFileSync(join(root, 'sys', 'kernel', 'osrelease'), '6.1.0-99-amd64\n');
	if (o.target) {
		layProc(root, o.target.pid, {
			stat: statLine(o.target.pid, 'zeek', {state: 'S'}),
			status: `Name:\tzeek\nUid:\t${o.target.uid}\t${o.target.uid}\t${o.target.uid}\t${o.target.uid}\n`,
		});
	}
	return new ProcFs(root);
}

describe('preflight: pieces', () => {
	test('capability bits from CapEff', () => {
		assert.equal(hasCapability('000001fffeffffff', CAP_PERFMON), true);
		assert.equal(hasCapability('000001fffeffffff', CAP_SYS_ADMIN), true);
		assert.equal(hasCapability('0000004000000000', CAP_PERFMON), true); // bit 38 only
		assert.equal(hasCapability('0000004000000000', CAP_SYS_ADMIN), false);
		assert.equal(hasCapability('0000000000000000', CAP_PERFMON), false);
		assert.equal(hasCapability(undefined, CAP_PERFMON), false);
		assert.equal(hasCapability('zz', CAP_PERFMON), false);
	});

	test('paranoid levels read as what they allow', () => {
		assert.match(describeParanoid(-1), /no restrictions/);
		assert.match(describeParanoid(2), /only user space/);
		assert.match(describeParanoid(4), /may not use perf at all/);
	});

	test('perf missing: error with the package to install', async () => {
		const f = await perfInstalledFinding('/nonexistent/perf');
		assert.equal(f.level, 'error');
		assert.equal(f.fix, 'apt-get install linux-perf');
	});
});

describe('preflight: fixture /proc trees', () => {
	test('unprivileged user, paranoid 3, kptr_restrict 1, target owned by root', async () => {
		const procfs = fixtureProc({uid: 1000, capEff: '0000000000000000', paranoid: '3\n', kptr: '1\n', target: {pid: 4242, uid: 0}});
		assert.deepEqual(readPrivileges(procfs), {euid: 1000, capEff: '0000000000000000', root: false, perfmon: false, syslog: false, ptrace: false});
		const findings = await perfPreflight({pid: 4242, perfPath: '/nonexistent/perf', distro: 'ubuntu', tmpDir: tempDir()}, procfs);
		assert.equal(find(findings, /perf is not installed/).fix, 'apt-get install linux-tools-common linux-tools-6.1.0-99-amd64');
		assert.equal(find(findings, /not root and no CAP_PERFMON/).level, 'error');
		const paranoid = find(findings, /perf_event_paranoid = 3/);
		assert.equal(paranoid.level, 'error');
		assert.match(paranoid.fix, /sysctl -w kernel.perf_event_paranoid=2/);
		assert.equal(find(findings, /kptr_restrict = 1/).level, 'warn');
		const target = find(findings, /process 4242 \(zeek\) belongs to uid 0/);
		assert.equal(target.level, 'error');
	});

	test('CAP_PERFMON without root: paranoid does not apply; high frequency warned', async () => {
		const procfs = fixtureProc({uid: 1000, capEff: '0000004000000000', paranoid: '2', kptr: '0', maxRate: '1000', target: {pid: 7, uid: 1000}});
		const findings = await perfPreflight({pid: 7, frequency: 4000, perfPath: '/nonexistent/perf', distro: 'debian', tmpDir: tempDir()}, procfs);
		assert.equal(find(findings, /running with CAP_PERFMON/).level, 'ok');
		const paranoid = find(findings, /perf_event_paranoid = 2/);
		assert.equal(paranoid.level, 'ok');
		assert.match(paranoid.detail, /does not limit root\/CAP_PERFMON/);
		assert.equal(find(findings, /kptr_restrict = 0/).level, 'ok');
		assert.equal(find(findings, /exceeds kernel.perf_event_max_sample_rate \(1000\)/).level, 'warn');
		assert.equal(find(findings, /process 7 \(zeek\) can be profiled/).level, 'ok');
		assert.equal(find(findings, /no .*perf-7\.map/).level, 'ok');
	});

	test('unprivileged with paranoid 2: may profile own processes, user space only', async () => {
		const procfs = fixtureProc({uid: 1000, capEff: '0', paranoid: '2', target: {pid: 9, uid: 1000}});
		const findings = await perfPreflight({pid: 9, perfPath: '/nonexistent/perf'}, procfs);
		assert.equal(find(findings, /not root and no CAP_PERFMON/).level, 'warn');
		assert.equal(find(findings, /perf_event_paranoid = 2/).level, 'warn');
	});

	test('target gone; sysctl missing', async () => {
		const procfs = fixtureProc({uid: 0, capEff: '000001ffffffffff'});
		const findings = await perfPreflight({pid: 31337, perfPath: '/nonexistent/perf'}, procfs);
		assert.equal(find(findings, /running as root/).level, 'ok');
		assert.equal(find(findings, /perf_event_paranoid is unreadable/).level, 'warn');
		assert.equal(find(findings, /process 31337 is not running/).level, 'error');
	});

	test('a perf map owned by another user is flagged (perf script needs -f)', async t => {
		if (process.getuid?.() !== 0) {
			t.skip('needs root to chown the fixture map file');
			return;
		}
		const tmp = tempDir();
		const map = join(tmp, 'perf-4242.map');
		writeFileSync(map, '7f0000001000 40 zeek::script::my_event_handler\n');
		chownSync(map, 1234, 1234);
		const procfs = fixtureProc({uid: 0, capEff: '000001ffffffffff', paranoid: '2', target: {pid: 4242, uid: 0}});
		const f = find(await perfPreflight({pid: 4242, perfPath: '/nonexistent/perf', tmpDir: tmp}, procfs), /perf-4242\.map present/);
		assert.equal(f.level, 'warn');
		assert.match(f.detail, /zeektop passes -f/);
		chownSync(map, 0, 0);
		const g = find(await perfPreflight({pid: 4242, perfPath: '/nonexistent/perf', tmpDir: tmp}, procfs), /perf-4242\.map present/);
		assert.equal(g.level, 'ok');
	});
});

describe('preflight: this machine', () => {
	test('perf installed, our own process can be profiled', async t => {
		if (!needTool(t, 'perf')) return;
		const findings = await perfPreflight({pid: process.pid}, new ProcFs());
		const perf = find(findings, /perf is installed/);
		assert.equal(perf.level, 'ok');
		assert.match(perf.detail, /^perf version \d/);
		assert.ok(findings.some(f => /perf_event_paranoid = -?\d+/.test(f.title)));
		assert.equal(find(findings, new RegExp(`process ${process.pid} \\(`)).level, 'ok');
		for (const f of findings) {
			assert.ok(f.title.length > 0 && !f.title.includes('\n'));
			if (f.level !== 'ok') assert.ok(f.fix.length > 0, `${f.title} needs a fix`);
		}
		if (process.getuid?.() === 0) assert.equal(find(findings, /running as root/).level, 'ok');
	});
});

describe('frameDepthFinding', () => {
	test('real Zeek 8 capture with frame pointers: ok', () => {
		const folded = foldPerfScriptToMap(readFileSync(corpusDir('zeek-real', 'supervisor-cluster', 'perf', 'zeek.worker-1.perf-script-fp.txt'), 'utf8')).stacks;
		const f = frameDepthFinding(folded);
		assert.equal(f.level, 'ok');
		assert.match(f.title, /median depth \d+/);
	});

	test('mostly one-frame stacks: suggest --call-graph dwarf', () => {
		const f = frameDepthFinding(new Map([['zeek;Hot', 90], ['zeek;[unknown];Hot', 5], ['zeek;main;loop;Hot', 5]]));
		assert.equal(f.level, 'warn');
		assert.match(f.title, /^95% of samples/);
		assert.match(f.fix, /--call-graph dwarf/);
	});

	test('empty', () => {
		assert.equal(frameDepthFinding(new Map()).level, 'ok');
	});
});
