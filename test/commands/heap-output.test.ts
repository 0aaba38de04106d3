/**
 * `zeektop heap` without processes: resolving a node or pid (unknown, ambiguous, remote), the
 * --base check, and the JSON / text output for a real Zeek profile (corpora/zeek-real).
 */
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {DEFAULT_ALLOCATOR_PATTERNS} from '../../source/profile/alloc-sites.js';
import {readFileSync} from 'node:fs';
import {corpusDir, repoRoot} from '../helpers/env.js';
import {UsageError} from '../../source/lib/errors.js';
import type {ZeekProcess} from '../../source/collect/discover.js';
import {checkBaseFile, heapJson, heapText, resolveHeapTarget} from '../../source/commands/heap.js';
import {parseJeprofCollapsed, parseJeprofText} from '../../source/profile/jeprof.js';
import {allocationSites} from '../../source/profile/alloc-sites.js';
import type {HeapData} from '../../source/session/heap-session.js';

function proc(pid: number, node: string | null, extra: Partial<ZeekProcess> = {}): ZeekProcess {
	return {
		pid, node, nameSource: 'environ', nameTruncated: false, role: 'worker', launch: 'zeekctl', iface: null, comm: 'zeek', cmdline: [],
		cwd: `/spool/${node}`, exe: null, cgroup: null, environ: null, hints: [], ...extra,
	};
}

test('resolveHeapTarget: by name or pid; unknown, ambiguous and remote are one-line usage errors', () => {
	const list = [proc(10, 'manager', {role: 'manager'}), proc(11, 'worker-1'), proc(12, 'worker-2', {launch: 'systemd'})];
	assert.deepEqual(resolveHeapTarget('worker-2', list), {pid: 12, node: 'worker-2', launch: 'systemd'});
	assert.deepEqual(resolveHeapTarget('11', list), {pid: 11, node: 'worker-1', launch: 'zeekctl'});
	assert.deepEqual(resolveHeapTarget('13', [proc(13, null, {launch: 'standalone'})]), {pid: 13, node: 'pid 13', launch: 'standalone'});
	const message = (f: () => unknown) => {
		try {
			f();
		} catch (error) {
			assert.ok(error instanceof UsageError);
			assert.ok(!error.message.includes('\n'));
			return error.message;
		}
		assert.fail('no error');
	};
	assert.equal(message(() => resolveHeapTarget('worker-9', list)), "unknown node 'worker-9' (known: manager (pid 10), worker-1 (pid 11), worker-2 (pid 12))");
	assert.equal(message(() => resolveHeapTarget('99', list)), 'pid 99 is not a running Zeek node (known: manager (pid 10), worker-1 (pid 11), worker-2 (pid 12))');
	assert.equal(message(() => resolveHeapTarget('x', [])), "unknown node 'x' (no Zeek processes are running)");
	const two = [proc(20, 'worker-1', {cwd: '/a/worker-1'}), proc(21, 'worker-1', {cwd: '/b/worker-1'})];
	assert.equal(message(() => resolveHeapTarget('worker-1', two)), "node 'worker-1' is ambiguous: pids 20 in /a/worker-1, 21 in /b/worker-1; give the pid (or --spool DIR)");
	const many = Array.from({length: 20}, (_, i) => proc(100 + i, `worker-${i}`));
	assert.match(message(() => resolveHeapTarget('nope', many)), /worker-11 \(pid 111\), and 8 more\)$/);
	assert.equal(message(() => resolveHeapTarget('w', [proc(30, 'w', {launch: 'remote'})])), 'w (pid 30) runs on another host: run zeektop heap there');
	assert.equal(message(() => resolveHeapTarget('evil\u001b[2J', list)).includes('\u001b'), false, 'escaped');
});

test('checkBaseFile: a readable heap profile, else a usage error', () => {
	const heap = corpusDir('zeek-real', 'standalone', 'jemalloc', 'jeprof.out.11501.2.i2.heap');
	assert.equal(checkBaseFile(heap), heap);
	assert.throws(() => checkBaseFile('/nonexistent/x.heap'), {message: '--base /nonexistent/x.heap: no such file'});
	assert.throws(() => checkBaseFile(repoRoot), {message: `--base ${repoRoot} is not a regular file`});
	assert.throws(() => checkBaseFile(`${repoRoot}/package.json`), {message: `--base ${repoRoot}/package.json: package.json is not a heap profile`});
});

function corpusData(): HeapData {
	const read = (name: string) => readFileSync(corpusDir('zeek-real', 'standalone', 'jemalloc', name), 'utf8');
	const stacks = parseJeprofCollapsed(read('jeprof-collapsed.i24.txt'));
	return {
		target: {pid: 11501, node: 'zeek', launch: 'standalone'},
		phase: {kind: 'ready'},
		actions: [],
		captureSeconds: 30, allocatorPatterns: DEFAULT_ALLOCATOR_PATTERNS,
		dump: {path: '/spool/zeek/jeprof.out.11501.24.i24.heap', name: 'jeprof.out.11501.24.i24.heap', sizeBytes: 1, mtimeMs: 0},
		base: {path: '/spool/zeek/jeprof.out.11501.2.i2.heap', name: 'jeprof.out.11501.2.i2.heap', sizeBytes: 1, mtimeMs: 0},
		steps: [],
		growth: parseJeprofText(read('jeprof-text-base.i2-to-i24.txt')),
		live: parseJeprofText(read('jeprof-text.i24.txt')),
		growthSites: allocationSites(stacks),
		liveSites: allocationSites(stacks),
		notes: [],
		nowMs: 0,
		wallNowMs: 0,
	};
}

test('JSON: growth when based (totalBytes, top), sites, the live part beside it', () => {
	const doc = heapJson(corpusData());
	assert.equal(doc.node, 'zeek');
	assert.equal(doc.dump, '/spool/zeek/jeprof.out.11501.24.i24.heap');
	assert.equal(doc.base, '/spool/zeek/jeprof.out.11501.2.i2.heap');
	assert.equal(doc.totalBytes, 40 * 1024 * 1024);
	assert.deepEqual(doc.top[0], {function: 'malloc_usable_size', flatBytes: 33.8 * 1024 * 1024, flatPercent: 84.6, cumBytes: 33.8 * 1024 * 1024, cumPercent: 84.6});
	assert.equal(doc.top.length, 234);
	assert.equal(doc.sites[0]!.function, 'zeek::ValManager::ValManager');
	assert.equal(doc.sites[0]!.bytes, 11534864);
	assert.equal(doc.sites[0]!.percent.toFixed(2), '17.46');
	assert.deepEqual(Object.keys(doc.sites[0]!), ['function', 'bytes', 'percent']);
	assert.equal(doc.live!.totalBytes, 63 * 1024 * 1024);
	const unbased = heapJson({...corpusData(), base: undefined});
	assert.equal(unbased.base, null);
	assert.equal(unbased.totalBytes, 63 * 1024 * 1024);
	assert.equal(unbased.live, undefined);
});

test('text: three tables, escaped, cut to the width', () => {
	const data = corpusData();
	data.live!.rows[1]!.function = 'bad\u001b[2Jname';
	const text = heapText(data, 80);
	const lines = text.trimEnd().split('\n');
	assert.ok(lines.every(l => l.length <= 80));
	assert.ok(!text.includes('\u001b'));
	assert.equal(lines[0], 'zeek  pid 11501  dump /spool/zeek/jeprof.out.11501.24.i24.heap');
	assert.equal(lines[3], 'Growth since the base: +40.0M (jeprof --text --base)');
	assert.equal(lines[5], '   +33.8M  84.6%  84.6%    +33.8M  84.6%  malloc_usable_size');
	assert.ok(lines.includes('... 209 more rows'));
	assert.ok(lines.includes('Everything live: 63.0M (jeprof --text)'));
	assert.ok(lines.some(l => l.endsWith('bad\\e[2Jname')));
	const sites = lines.indexOf('Allocation sites (growth since the base; first frame above the allocator)');
	assert.ok(sites > 0);
	assert.equal(lines[sites + 2], '   +11.0M  17.5%      1  zeek::ValManager::ValManager');
});
