// Folding throughput on a >= 50 MB `perf script` text against `perf report --stdio -g folded` on the
// same perf.data (the folding perf itself ships), and perf stopping -> flame graph text.
import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {spawnSync} from 'node:child_process';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {run} from '../source/capture/runner.js';
import {PerfFolder} from '../source/profile/fold.js';
import {buildTree} from '../source/profile/tree.js';
import {renderFlameText} from '../source/profile/flame-text.js';
import {defaultScenario, startCluster} from '../source/sim/launcher.js';
import {corpusDir} from '../test/helpers/env.js';

const repo = join(import.meta.dirname, '..');

/** One run of a command with stdout to a file: wall ms and CPU ms (user + sys of the child). */
function timed(command: string, args: string[], outFile: string): {wallMs: number; cpuMs: number; ok: boolean} {
	const t0 = performance.now();
	const r = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', outFile + '.time', command, ...args], {stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 30});
	const wallMs = performance.now() - t0;
	writeFileSync(outFile, r.stdout);
	const [u, sy] = readFileSync(outFile + '.time', 'utf8').trim().split(/\s+/).slice(-2).map(Number);
	return {wallMs, cpuMs: ((u ?? 0) + (sy ?? 0)) * 1000, ok: r.status === 0};
}

/**
 * `zeektop fold FILE` (the one-file bundle, process start included) against FlameGraph's
 * stackcollapse-perf.pl on the same file, alternated, best of `runs` each: wall and CPU time.
 */
function foldVsPerl(file: string, dir: string, runs = 3): string[] {
	const perlScript = corpusDir('perf-folding', 'flamegraph-pl', 'tools', 'stackcollapse-perf.pl');
	const bundle = join(repo, 'dist', 'zeektop.mjs');
	const best = {zt: {wallMs: Infinity, cpuMs: Infinity}, perl: {wallMs: Infinity, cpuMs: Infinity}};
	let identical = true;
	for (let i = 0; i < runs; i++) {
		const p = timed('perl', [perlScript, file], join(dir, 'perl.out'));
		const z = timed(process.execPath, [bundle, 'fold', file], join(dir, 'zt.out'));
		if (!p.ok || !z.ok) return [`fold vs stackcollapse-perf.pl: a run failed (perl ${p.ok}, zeektop ${z.ok})`];
		identical &&= readFileSync(join(dir, 'perl.out')).equals(readFileSync(join(dir, 'zt.out')));
		for (const [k, r] of [['zt', z], ['perl', p]] as const) {
			best[k].wallMs = Math.min(best[k].wallMs, r.wallMs);
			best[k].cpuMs = Math.min(best[k].cpuMs, r.cpuMs);
		}
	}
	const mib = statSync(file).size / 2 ** 20;
	return [
		`fold ${mib.toFixed(0)} MiB perf script, process start included, best of ${runs}: zeektop fold (dist/zeektop.mjs) ${best.zt.wallMs.toFixed(0)} ms wall / ${best.zt.cpuMs.toFixed(0)} ms CPU, ` +
			`stackcollapse-perf.pl (anchor) ${best.perl.wallMs.toFixed(0)} ms wall / ${best.perl.cpuMs.toFixed(0)} ms CPU: ` +
			`perl/zeektop = ${(best.perl.wallMs / best.zt.wallMs).toFixed(2)}x wall, ${(best.perl.cpuMs / best.zt.cpuMs).toFixed(2)}x CPU; output ${identical ? 'byte-identical' : 'DIFFERS'}`,
	];
}

export async function benchFold(): Promise<string[]> {
	const out: string[] = [];
	const dir = mkdtempSync(join(tmpdir(), 'zeektop-bench-fold-'));
	const cluster = await startCluster(defaultScenario({workers: 1}), {basePort: 0, jemallocLibrary: null});
	try {
		const pid = cluster.nodes.find(n => n.node === 'worker-1')!.pid;
		const data = join(dir, 'perf.data');
		const rec = await run('perf', ['record', '-N', '-F', '1999', '-g', '-p', String(pid), '-o', data, '--', 'sleep', '12'], {timeoutMs: 60_000});
		if (rec.code !== 0) return [`fold: perf record failed: ${rec.stderr.trim().split('\n').at(-1)}`];

		// perf stopping -> flame graph text: perf script streamed into the folder, tree, layout.
		let t0 = performance.now();
		const folder = new PerfFolder();
		const script = await run('perf', ['script', '--no-inline', '-i', data], {
			timeoutMs: 300_000, discardStdout: true, onStdout: c => folder.push(c.toString('utf8')),
		});
		const folded = folder.finish();
		const tScriptFold = performance.now() - t0;
		t0 = performance.now();
		const tree = buildTree(folded.stacks);
		renderFlameText(tree, {width: 200, height: 50});
		const tTree = performance.now() - t0;
		out.push(`perf stop -> flame graph: ${(tScriptFold + tTree).toFixed(0)} ms (perf script --no-inline streamed into fold ${tScriptFold.toFixed(0)} ms, tree + 200x50 layout ${tTree.toFixed(1)} ms; ${folded.samples} samples, ${tree.size} frames)`);

		// Folding alone on >= 50 MB of perf script text (the capture's text, repeated).
		const textR = await run('perf', ['script', '--no-inline', '-i', data], {timeoutMs: 300_000});
		const one = textR.stdout;
		const copies = Math.max(1, Math.ceil((50 * 1024 * 1024) / Math.max(1, Buffer.byteLength(one))));
		const chunks = Array.from({length: copies}, () => one);
		const bytes = Buffer.byteLength(one) * copies;
		t0 = performance.now();
		const f = new PerfFolder();
		for (const c of chunks) f.push(c);
		f.finish();
		const tFold = performance.now() - t0;

		// The same text as one file of ~70 MiB, folded by the command and by the Perl script.
		const bigFile = join(dir, 'big.script');
		writeFileSync(bigFile, one.repeat(Math.max(1, Math.ceil((69 * 2 ** 20) / Math.max(1, Buffer.byteLength(one))))));
		out.push(...foldVsPerl(bigFile, dir));
		rmSync(bigFile);

		t0 = performance.now();
		const report = await run('perf', ['report', '--stdio', '-g', 'folded', '-i', data], {timeoutMs: 600_000, discardStdout: true});
		const tReport = performance.now() - t0;
		const perOneMb = tFold / (bytes / 2 ** 20);
		out.push(`fold: ${(bytes / 2 ** 20).toFixed(0)} MiB perf script in ${tFold.toFixed(0)} ms = ${((bytes / 2 ** 20) / (tFold / 1000)).toFixed(0)} MiB/s`);
		out.push(`fold vs perf report --stdio -g folded (anchor) on the same perf.data (${(statSync(data).size / 2 ** 20).toFixed(1)} MiB, ${(Buffer.byteLength(one) / 2 ** 20).toFixed(1)} MiB of script): zeektop fold of that script ${(perOneMb * Buffer.byteLength(one) / 2 ** 20).toFixed(0)} ms, perf report ${tReport.toFixed(0)} ms${report.code === 0 ? '' : ' (failed)'}, ratio ${((perOneMb * Buffer.byteLength(one) / 2 ** 20) / tReport).toFixed(3)}`);
	} finally {
		await cluster.stop();
		rmSync(dir, {recursive: true, force: true});
	}
	return out;
}
