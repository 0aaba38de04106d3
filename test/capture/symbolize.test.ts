/**
 * zeektop's heap tables against live jeprof, byte for byte (`--collapsed`: as a multiset, jeprof's
 * order is Perl hash order), on dumps the tests make: a fixture program (inlined templates,
 * recursion, a shared-library frame) built four ways — with debug info, without, with its debug
 * info in a separate file found by .gnu_debuglink, and stripped with the debug file in the
 * build-id directory — and the simulated sensor's interval and on-demand (gdb) dumps; plus the
 * per-build-id cache: reuse, corruption, bound, two processes at once.
 */
import {after, before, describe, test, type TestContext} from 'node:test';
import assert from 'node:assert/strict';
import {copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {inCI, needTool, repoRoot} from '../helpers/env.js';
import {run} from '../../source/capture/runner.js';
import {heapTables, runHeapTables, type HeapTablesOptions} from '../../source/capture/heap-tables.js';
import {runHeapFile} from '../../source/commands/heap-file.js';
import {dumpNow, findJemallocLibrary, listHeapDumps, readElfBuildId} from '../../source/capture/jemalloc.js';
import {startCluster, type SimCluster} from '../../source/sim/launcher.js';

const fixtures = join(repoRoot, 'test', 'fixtures', 'heap-symbolize');
let work = '';
let library: string | undefined;
let buildError: string | undefined;
const buildIdFiles: string[] = [];
type Variant = {bin: string; dumps: string[]};
const variants = new Map<string, Variant>();

async function sh(cmd: string, args: string[], cwd?: string): Promise<void> {
	const r = await run(cmd, args, {timeoutMs: 120_000, cwd});
	if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.trim() || r.spawnError?.message}`);
}

async function buildVariant(name: string, lib: string): Promise<void> {
	const dir = join(work, name);
	mkdirSync(dir);
	const bin = join(dir, 'prog');
	const debug = name !== 'nodebug';
	await sh('g++', ['-std=c++17', '-O2', ...(debug ? ['-g'] : []), '-fno-omit-frame-pointer', '-o', bin, join(fixtures, 'prog.cc'), `-L${join(work, 'lib')}`, '-lplugin', `-Wl,-rpath,${join(work, 'lib')}`, '-Wl,--build-id']);
	if (name === 'debuglink') {
		await sh('objcopy', ['--only-keep-debug', bin, `${bin}.debug`]);
		await sh('objcopy', ['--strip-debug', bin]);
		await sh('objcopy', [`--add-gnu-debuglink=${bin}.debug`, bin], dir);
	}
	if (name === 'buildid') {
		const id = readElfBuildId(bin);
		if (!id.ok) throw new Error(`no build-id: ${id.reason}`);
		const target = join('/usr/lib/debug/.build-id', id.buildId.slice(0, 2), `${id.buildId.slice(2)}.debug`);
		mkdirSync(join('/usr/lib/debug/.build-id', id.buildId.slice(0, 2)), {recursive: true});
		await sh('objcopy', ['--only-keep-debug', bin, target]);
		buildIdFiles.push(target);
		await sh('strip', ['--strip-all', bin]);
	}
	const env: NodeJS.ProcessEnv = {PATH: process.env.PATH ?? '/usr/bin:/bin', LD_PRELOAD: lib, MALLOC_CONF: `prof:true,lg_prof_sample:0,lg_prof_interval:17,prof_final:true,prof_prefix:${join(dir, 'jeprof.out')}`};
	const r = await run(bin, ['400'], {env, timeoutMs: 60_000});
	if (r.code !== 0) throw new Error(`fixture ${name} exited ${r.code}: ${r.stderr}`);
	const dumps = listHeapDumps(dir).dumps.map(d => d.path);
	if (dumps.length < 3) throw new Error(`fixture ${name} wrote ${dumps.length} dumps`);
	variants.set(name, {bin, dumps});
}

before(async () => {
	library = findJemallocLibrary();
	if (!library) return;
	work = mkdtempSync(join(tmpdir(), 'zt-symbolize-'));
	try {
		mkdirSync(join(work, 'lib'));
		await sh('g++', ['-std=c++17', '-O2', '-g', '-fPIC', '-shared', '-fno-omit-frame-pointer', '-o', join(work, 'lib', 'libplugin.so'), join(fixtures, 'shared.cc')]);
		await Promise.all(['debug', 'nodebug', 'debuglink', 'buildid'].map(n => buildVariant(n, library!)));
	} catch (error) {
		buildError = (error as Error).message;
	}
});

after(() => {
	for (const f of buildIdFiles) rmSync(f, {force: true});
	if (work) rmSync(work, {recursive: true, force: true});
});

function ready(t: TestContext): boolean {
	if (!needTool(t, 'g++', 'jeprof', 'objcopy', 'strip', 'nm', 'addr2line')) return false;
	if (!library) {
		if (inCI) throw new Error('libjemalloc.so.2 not found (apt-get install libjemalloc2)');
		t.skip('libjemalloc.so.2 not installed');
		return false;
	}
	if (buildError) throw new Error(`fixtures: ${buildError}`);
	return true;
}

async function jeprof(args: string[]): Promise<string> {
	const r = await run('jeprof', args, {timeoutMs: 120_000, maxStdoutBytes: 64 << 20});
	assert.equal(r.code, 0, `jeprof ${args.join(' ')}: ${r.stderr}`);
	return r.stdout;
}

async function ours(options: HeapTablesOptions): Promise<string> {
	const r = await heapTables(options);
	assert.ok(r.ok, r.ok ? '' : r.reason);
	return r.output;
}

const lines = (s: string) => s.split('\n').filter(l => l !== '').sort();

describe('identical to jeprof on the fixture program', {concurrency: false}, () => {
	for (const name of ['debug', 'nodebug', 'debuglink', 'buildid']) {
		test(`${name}: --text, --text --show_bytes, --collapsed, --base`, async t => {
			if (!ready(t)) return;
			const v = variants.get(name)!;
			const dump = v.dumps.at(-1)!; // the final dump
			const base = v.dumps[1]!;
			const cacheDir = join(work, `cache-${name}`);
			const text = await jeprof(['--text', v.bin, dump]);
			assert.match(text, /plugin::make_table/, 'the shared-library frame is named');
			// Stripped (--strip-all): jeprof's nm -D table has only exported symbols, so what it
			// prints for the program's frames is whatever that table and addr2line make of them.
			if (name !== 'buildid') assert.match(text, /zeek::detail::Insert/);
			else assert.match(text, /zeek::detail::Recurse/, 'names from the build-id debug file');
			assert.equal(await ours({dump, binary: v.bin, mode: 'text', cacheDir}), text);
			// Second run: from the cache, same bytes.
			const again = await heapTables({dump, binary: v.bin, mode: 'text', cacheDir});
			assert.ok(again.ok);
			assert.equal(again.stats.cachedAddresses, again.stats.addresses);
			assert.equal(again.output, text);
			assert.equal(await ours({dump, binary: v.bin, mode: 'text', showBytes: true, cacheDir}), await jeprof(['--text', '--show_bytes', v.bin, dump]));
			assert.deepEqual(lines(await ours({dump, binary: v.bin, mode: 'collapsed', cacheDir})), lines(await jeprof(['--collapsed', v.bin, dump])));
			assert.equal(await ours({dump, base, binary: v.bin, mode: 'text', cacheDir}), await jeprof(['--text', `--base=${base}`, v.bin, dump]));
			if (name === 'debug') {
				assert.match(text, /\(inline\)/, 'inlined frames from DWARF');
				// --binary defaults to the dump's program.
				assert.equal(await ours({dump, mode: 'text', cacheDir}), text);
				// The command line: zeektop heap DUMP --base OLD prints what jeprof --text --base prints.
				const cli = await run(process.execPath, [join(repoRoot, 'dist', 'cli.js'), 'heap', dump, '--base', base, '--binary', v.bin], {env: {...process.env, XDG_CACHE_HOME: join(work, 'xdg-cli')}, timeoutMs: 120_000});
				assert.equal(cli.code, 0, cli.stderr);
				assert.equal(cli.stdout, await jeprof(['--text', `--base=${base}`, v.bin, dump]));
				const collapsed = await run(process.execPath, [join(repoRoot, 'dist', 'cli.js'), 'heap', dump, '--collapsed'], {env: {...process.env, XDG_CACHE_HOME: join(work, 'xdg-cli')}, timeoutMs: 120_000});
				assert.deepEqual(lines(collapsed.stdout), lines(await jeprof(['--collapsed', v.bin, dump])));
			}
			if (name === 'nodebug') assert.doesNotMatch(text, /\(inline\)/);
		});
	}
});

describe('symbol cache', {concurrency: false}, () => {
	test('corrupt file: a note, rebuilt, same output', async t => {
		if (!ready(t)) return;
		const v = variants.get('debug')!;
		const dump = v.dumps.at(-1)!;
		const cacheDir = join(work, 'cache-corrupt');
		const first = await heapTables({dump, binary: v.bin, mode: 'text', cacheDir});
		assert.ok(first.ok);
		for (const f of readdirSync(cacheDir)) writeFileSync(join(cacheDir, f), '{"v":1,"key":');
		const second = await heapTables({dump, binary: v.bin, mode: 'text', cacheDir});
		assert.ok(second.ok);
		assert.equal(second.output, first.output);
		assert.ok(second.notes.some(n => /corrupt/.test(n)), second.notes.join('; '));
		assert.equal(second.stats.cachedAddresses, 0);
		const third = await heapTables({dump, binary: v.bin, mode: 'text', cacheDir});
		assert.ok(third.ok && third.notes.length === 0 && third.stats.cachedAddresses === third.stats.addresses);
	});

	test('keyed by build-id: a rebuilt binary at the same path is not answered from the cache', async t => {
		if (!ready(t)) return;
		const v = variants.get('debug')!;
		const dir = join(work, 'rebuilt');
		mkdirSync(dir, {recursive: true});
		const bin = join(dir, 'prog');
		copyFileSync(v.bin, bin);
		const cacheDir = join(work, 'cache-rebuilt');
		// The dump names the original path; give the copy explicitly: same build-id → cache hit.
		const a = await heapTables({dump: v.dumps.at(-1)!, binary: v.bin, mode: 'text', cacheDir});
		assert.ok(a.ok);
		const files = readdirSync(cacheDir).filter(f => f.endsWith('.json'));
		// Rebuild with a different flag: a new build-id, a new cache file.
		await sh('g++', ['-std=c++17', '-O1', '-g', '-o', bin, join(fixtures, 'prog.cc'), `-L${join(work, 'lib')}`, '-lplugin', `-Wl,-rpath,${join(work, 'lib')}`]);
		assert.notEqual((readElfBuildId(bin) as {buildId: string}).buildId, (readElfBuildId(v.bin) as {buildId: string}).buildId);
		const b = await heapTables({dump: v.dumps.at(-1)!, binary: bin, mode: 'text', cacheDir});
		assert.ok(b.ok);
		assert.ok(readdirSync(cacheDir).filter(f => f.endsWith('.json')).length > files.length);
	});

	test('bounded: old files are evicted', async t => {
		if (!ready(t)) return;
		const cacheDir = join(work, 'cache-bounded');
		mkdirSync(cacheDir, {recursive: true});
		for (let i = 0; i < 20; i++) {
			const f = join(cacheDir, `old${i}.json`);
			writeFileSync(f, 'x'.repeat(1 << 20));
		}
		const {symbolizeAddresses} = await import('../../source/capture/symbolize.js');
		const {parseHeapV2, heapProfileValues, parseMappedObjects} = await import('../../source/profile/heap-v2.js');
		const v = variants.get('debug')!;
		const p = parseHeapV2(readFileSync(v.dumps.at(-1)!, 'utf8'));
		const pcs = new Set<string>();
		heapProfileValues(p, 'inuse_space', pcs);
		await symbolizeAddresses(parseMappedObjects(p.maps, v.bin, pcs), pcs, {cacheDir, cacheMaxBytes: 4 << 20});
		const total = readdirSync(cacheDir).reduce((s, f) => s + statSync(join(cacheDir, f)).size, 0);
		assert.ok(total <= (4 << 20) + (1 << 20), `cache is ${total} bytes`);
		assert.ok(readdirSync(cacheDir).some(f => !f.startsWith('old')), 'the new entry is kept');
	});

	test('two processes at once: both right, the cache whole afterwards', async t => {
		if (!ready(t)) return;
		const v = variants.get('debuglink')!;
		const dump = v.dumps.at(-1)!;
		const cacheDir = join(work, 'cache-two');
		const script = `import {runHeapFile} from ${JSON.stringify(join(repoRoot, 'source', 'commands', 'heap-file.ts'))};
process.exitCode = await runHeapFile({dump: ${JSON.stringify(dump)}, binary: ${JSON.stringify(v.bin)}, format: 'text', cacheDir: ${JSON.stringify(cacheDir)}}, {stdout: process.stdout, stderr: process.stderr});`;
		const file = join(work, 'two.mts');
		writeFileSync(file, script);
		const tsx = join(repoRoot, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
		const [a, b] = await Promise.all([0, 1].map(() => run(process.execPath, ['--import', tsx, file], {timeoutMs: 120_000})));
		const expected = await jeprof(['--text', v.bin, dump]);
		assert.equal(a!.stdout, expected, a!.stderr);
		assert.equal(b!.stdout, expected, b!.stderr);
		assert.ok(!readdirSync(cacheDir).some(f => f.endsWith('.tmp')), 'no temporaries left');
		const c = await heapTables({dump, binary: v.bin, mode: 'text', cacheDir});
		assert.ok(c.ok && c.notes.length === 0 && c.stats.cachedAddresses === c.stats.addresses);
	});
});

describe('bad input: one line, the line named', () => {
	test('truncated dump, missing binary', async t => {
		if (!ready(t)) return;
		const v = variants.get('debug')!;
		const text = readFileSync(v.dumps.at(-1)!, 'utf8');
		const cut = join(work, 'cut.heap');
		writeFileSync(cut, text.slice(0, Math.floor(text.indexOf('MAPPED_LIBRARIES') / 2)));
		let err = '';
		const io = {stdout: {write: (_: string) => true}, stderr: {write: (s: string) => (err += s)}};
		assert.equal(await runHeapFile({dump: cut, binary: v.bin, format: 'text', cacheDir: null}, io), 2);
		assert.match(err, /^zeektop heap: dump .*cut\.heap: line \d+: .*\n$/);
		err = '';
		assert.equal(await runHeapFile({dump: v.dumps.at(-1)!, binary: join(work, 'nope'), format: 'text', cacheDir: null}, io), 2);
		assert.match(err, /^zeektop heap: binary .*nope: no such file\n$/);
	});
});

describe('simulated sensor: interval and on-demand dumps', {concurrency: false}, () => {
	let cluster: SimCluster | undefined;
	after(async () => {
		await cluster?.stop();
	});
	test('leaking worker (interval dumps, --base) and a gdb dump of the on-demand worker', {timeout: 180_000}, async t => {
		if (!ready(t) || !needTool(t, 'gdb')) return;
		cluster = await startCluster(
			{
				layout: 'zeek8',
				nodes: [
					{name: 'manager', role: 'manager', behaviour: 'idle'},
					{name: 'worker-1', role: 'worker', behaviour: 'leaking', jemalloc: 'interval', dutyPercent: 3, leakKiBPerSecond: 16_384, leakCapMiB: 64},
					{name: 'worker-2', role: 'worker', behaviour: 'steady', jemalloc: 'on-demand', dutyPercent: 3},
				],
			},
			{basePort: 0, lgProfInterval: 22},
		);
		const w1 = cluster.nodes.find(n => n.node === 'worker-1')!;
		const w2 = cluster.nodes.find(n => n.node === 'worker-2')!;
		const complete = () => listHeapDumps(w1.cwd, {pid: w1.pid}).dumps.filter(d => isComplete(d.path));
		for (let i = 0; i < 150 && complete().length < 3; i++) await new Promise(r => setTimeout(r, 200));
		const dumps = complete();
		assert.ok(dumps.length >= 3, `interval dumps: ${dumps.length}`);
		const exe = `/proc/${w1.pid}/exe`;
		const dump = dumps.at(-1)!.path;
		const base = dumps[0]!.path;
		const cacheDir = join(work, 'cache-sim');
		const text = await jeprof(['--text', exe, dump]);
		assert.equal(await ours({dump, binary: exe, mode: 'text', cacheDir}), text);
		assert.equal(await ours({dump, base, binary: exe, mode: 'text', cacheDir}), await jeprof(['--text', `--base=${base}`, exe, dump]));
		assert.deepEqual(lines(await ours({dump, binary: exe, mode: 'collapsed', cacheDir})), lines(await jeprof(['--collapsed', exe, dump])));
		// The drop-in for runJeprof: same parsed shape as heap-session consumes.
		const like = await runHeapTables({binary: exe, dump, mode: 'text', symbolCacheDir: cacheDir});
		assert.ok(like.ok && like.mode === 'text');
		assert.equal(like.output, await jeprof(['--text', '--show_bytes', exe, dump]));
		assert.ok(like.report.rows.some(r => r.function === 'zeek::session::Manager::Insert'));

		const on = await dumpNow(w2.pid);
		assert.ok(on.ok, on.ok ? '' : on.reason);
		const exe2 = `/proc/${w2.pid}/exe`;
		assert.equal(await ours({dump: on.dumpPath, binary: exe2, mode: 'text', cacheDir}), await jeprof(['--text', exe2, on.dumpPath]));
		assert.deepEqual(lines(await ours({dump: on.dumpPath, binary: exe2, mode: 'collapsed', cacheDir})), lines(await jeprof(['--collapsed', exe2, on.dumpPath])));
	});
});

/** Interval dumps are written in place: a half-written one has no MAPPED_LIBRARIES yet. */
function isComplete(path: string): boolean {
	try {
		return readFileSync(path, 'utf8').includes('\nMAPPED_LIBRARIES:');
	} catch {
		return false;
	}
}
