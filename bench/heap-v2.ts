// zeektop's own heap tables (capture/heap-tables.ts) against `jeprof --text` on the same dump, in
// the same run: the first table with an empty symbol cache, a cached table (in-process, warm
// modules), and peak RSS (zeektop's process; addr2line's child separately; jeprof's largest
// process) — on the simulated sensor's binary and on a large C++ binary with full debug info
// (bench/big-binary.ts builds it once into the XDG cache). Prints; asserts nothing.
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {run} from '../source/capture/runner.js';
import {heapTables} from '../source/capture/heap-tables.js';
import {findJemallocLibrary} from '../source/capture/jemalloc.js';
import {ensureSimBinary} from '../source/sim/build.js';
import {ensureBigBinary} from './big-binary.js';

const hasGnuTime = existsSync('/usr/bin/time');
const ms = (x: number) => `${Math.round(x)} ms`;
const mib = (kb: number | undefined) => (kb === undefined ? '-' : `${Math.round(kb / 1024)} MiB`);

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
	const t0 = performance.now();
	const r = await fn();
	return [r, performance.now() - t0];
}

async function jeprofText(bin: string, dump: string): Promise<{ms: number; rssKb?: number; output: string}> {
	const rssFile = join(tmpdir(), `zt-bench-jeprof-${process.pid}.rss`);
	const [r, t] = await timed(() =>
		hasGnuTime ? run('/usr/bin/time', ['-f', '%M', '-o', rssFile, 'jeprof', '--text', bin, dump], {timeoutMs: 600_000, maxStdoutBytes: 64 << 20}) : run('jeprof', ['--text', bin, dump], {timeoutMs: 600_000, maxStdoutBytes: 64 << 20}),
	);
	let rssKb: number | undefined;
	try {
		rssKb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1));
		rmSync(rssFile, {force: true});
	} catch {
		// no GNU time: RSS not measured
	}
	return {ms: t, rssKb, output: r.stdout};
}

async function makeDump(bin: string, args: string[], mallocConf: string, dir: string, runMs?: number): Promise<string> {
	const lib = findJemallocLibrary();
	if (!lib) throw new Error('libjemalloc.so.2 not installed');
	const env = {PATH: process.env.PATH ?? '/usr/bin:/bin', LD_PRELOAD: lib, MALLOC_CONF: `${mallocConf},prof_prefix:${join(dir, 'jeprof.out')}`, CLUSTER_NODE: 'worker-1', ZEEKTOP_SIM_ROLE: 'worker', ZEEKTOP_SIM_BEHAVIOUR: 'leaking'};
	await run(bin, args, {env, timeoutMs: runMs ?? 600_000, cwd: dir});
	const dumps = readdirSync(dir).filter(f => f.endsWith('.heap')).map(f => join(dir, f)).filter(f => readFileSync(f, 'latin1').includes('\nMAPPED_LIBRARIES:'));
	dumps.sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs || a.localeCompare(b));
	const last = dumps.at(-1);
	if (!last) throw new Error(`no complete dump from ${bin}`);
	return last;
}

async function benchOne(label: string, bin: string, dump: string, work: string): Promise<string[]> {
	const stacks = (readFileSync(dump, 'latin1').match(/^@/gm) ?? []).length;
	const cacheDir = join(work, `cache-${label}`);
	rmSync(cacheDir, {recursive: true, force: true});
	// addr2line's peak RSS through a wrapper (GNU time appends one number per run).
	const a2lRss = join(work, `a2l-${label}.rss`);
	const wrapper = join(work, `addr2line-${label}`);
	writeFileSync(wrapper, `#!/bin/sh\nexec /usr/bin/time -f %M -a -o '${a2lRss}' addr2line "$@"\n`);
	chmodSync(wrapper, 0o755);
	const jeprof = await jeprofText(bin, dump);
	const [first, firstMs] = await timed(() => heapTables({dump, binary: bin, mode: 'text', cacheDir, addr2line: hasGnuTime ? wrapper : undefined}));
	if (!first.ok) throw new Error(first.reason);
	const cachedRuns: number[] = [];
	let cachedOut = '';
	for (let i = 0; i < 3; i++) {
		const [c, t] = await timed(() => heapTables({dump, binary: bin, mode: 'text', cacheDir}));
		if (!c.ok) throw new Error(c.reason);
		cachedRuns.push(t);
		cachedOut = c.output;
	}
	cachedRuns.sort((a, b) => a - b);
	const cachedMs = cachedRuns[1]!;
	let a2lKb: number | undefined;
	try {
		a2lKb = Math.max(...readFileSync(a2lRss, 'utf8').trim().split('\n').map(Number));
	} catch {
		// no addr2line run or no GNU time
	}
	const ownKb = process.resourceUsage().maxRSS;
	const same = first.output === jeprof.output && cachedOut === jeprof.output;
	return [
		`  ${label}: ${Math.round(statSync(bin).size / 2 ** 20)} MiB binary, ${stacks} stacks, ${first.stats.addresses} addresses; output ${same ? 'identical to jeprof' : 'DIFFERS from jeprof'}`,
		`    jeprof --text (anchor)      ${ms(jeprof.ms).padStart(9)}   peak RSS ${mib(jeprof.rssKb)}`,
		`    first table (empty cache)   ${ms(firstMs).padStart(9)}   ${(firstMs / jeprof.ms).toFixed(2)}x jeprof   (addr2line ${ms(first.stats.addr2lineMs)}, symtab read ${ms(first.stats.nmReadMs)}, nm demangle ${ms(first.stats.demangleMs)})`,
		`    cached table (in process)   ${ms(cachedMs).padStart(9)}   ${(cachedMs / jeprof.ms).toFixed(3)}x jeprof`,
		`    peak RSS: zeektop process ${mib(ownKb)} (whole bench so far), addr2line child ${mib(a2lKb)}`,
	];
}

export async function benchHeapV2(): Promise<string[]> {
	const out = ['heap-v2: zeektop heap tables vs jeprof --text, same dump, same run'];
	const work = mkdtempSync(join(tmpdir(), 'zt-bench-heapv2-'));
	try {
		const sim = await ensureSimBinary();
		const simDir = join(work, 'sim');
		mkdirSync(simDir);
		// The leaking worker for 4 s with interval dumps (default sampling, as on a sensor).
		const simDump = await makeDump(sim, ['-i', 'lo', 'local'], 'prof:true,lg_prof_interval:21', simDir, 4000);
		out.push(...(await benchOne('sim', sim, simDump, work)));
		const big = await ensureBigBinary({log: l => console.log(l)});
		const bigDir = join(work, 'big');
		mkdirSync(bigDir);
		// 1 sample per 4 KiB: ~5000 stacks, ~12000 distinct addresses (a busy Zeek dump's order).
		const bigDump = await makeDump(big, ['40'], 'prof:true,prof_final:true,lg_prof_sample:12', bigDir);
		out.push(...(await benchOne('big', big, bigDump, work)));
	} catch (error) {
		out.push(`  not run: ${(error as Error).message}`);
	} finally {
		rmSync(work, {recursive: true, force: true});
	}
	return out;
}
