// Differential profiles on two >= 50,000-frame profiles (B: A with every count rescaled, 5 % of
// its stacks dropped and 5 % new ones; the same synthetic Zeek profile as the flamekeys bench).
//   1. open: both folded texts -> diff tree -> first 199x49 diff frame, against opening the plain
//      flame view of B the same way (text -> tree -> first frame). Goal: <= 300 ms.
//   2. keys: the flamekeys key sequence, pure part (reduceFlameKey + the frame's lines) in the diff
//      view against the plain flame view on B's tree, same keys, same run.
//   3. `zeektop diff --folded` (runDiff, in process, files on disk) against `perl difffolded.pl`
//      on the same files (Perl's start-up measured apart on two empty files).
import {execFile} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {runDiff} from '../source/commands/diff.js';
import {buildDiffTree} from '../source/profile/diff.js';
import {diffTables} from '../source/profile/diff-nav.js';
import {buildTree, parseFoldedLines} from '../source/profile/tree.js';
import {initialFlameUiState, reduceFlameKey, type FlameUiState} from '../source/ui/flame-keys.js';
import {diffFrameLines} from '../source/ui/views/DiffView.js';
import {flameFrameLines} from '../source/ui/views/FlameView.js';
import type {Theme} from '../source/ui/theme.js';
import {mulberry32} from '../test/helpers/prng.js';
import {syntheticZeekProfile} from './zeek-profile.js';

const WIDTH = 199;
const HEIGHT = 49;
const OPEN_GOAL_MS = 300;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)]!;
const f1 = (x: number) => x.toFixed(1);

function folded(stacks: Iterable<readonly [string, number]>): string {
	let out = '';
	for (const [s, c] of stacks) out += `${s} ${c}\n`;
	return out;
}

/** B: A's stacks with counts x0.5..1.5, 5 % dropped, plus 5 % stacks of another profile. */
function perturb(a: Array<[string, number]>, other: Array<[string, number]>): Array<[string, number]> {
	const rand = mulberry32(7);
	const out: Array<[string, number]> = [];
	for (const [s, c] of a) if (rand() >= 0.05) out.push([s, Math.max(1, Math.round(c * (0.5 + rand())))]);
	for (let i = 0; i < Math.floor(a.length * 0.05) && i < other.length; i++) out.push(other[i]!);
	return out;
}

function keySequence(): Array<{name: string; input: string}> {
	const k = (name: string, input = '') => ({name, input});
	const keys = [];
	for (let r = 0; r < 5; r++) {
		for (let i = 0; i < 8; i++) keys.push(k('down'));
		keys.push(k('right'), k('right'), k('left'), k('left'), k('return'), k('down'), k('down'), k('down'), k('return'), k('up'), k('up'), k('backspace'), k('backspace'));
		keys.push(k('/', '/'));
		for (const ch of 'Reassembler') keys.push(k(ch, ch));
		keys.push(k('return'), k('n', 'n'), k('n', 'n'), k('tab'), k('down'), k('down'), k('tab'), k('down'), k('tab'), k('f', 'f'), k('f', 'f'), k('home'));
	}
	return keys;
}

function perl(args: string[]): Promise<number> {
	return new Promise((resolve, reject) => {
		const t0 = performance.now();
		execFile('perl', args, {maxBuffer: 512 << 20}, error => (error ? reject(error) : resolve(performance.now() - t0)));
	});
}

export async function benchDiff(): Promise<string[]> {
	const out: string[] = [];
	const theme: Theme = {color: true, unicode: true};
	const first = syntheticZeekProfile({minFrames: 50_000});
	const other = syntheticZeekProfile({minFrames: 5_000, seed: 99});
	const aStacks = first.stacks;
	const bStacks = perturb(aStacks, other.stacks);
	const textA = folded(aStacks);
	const textB = folded(bStacks);

	// 1. open
	const openDiff: number[] = [];
	const openFlame: number[] = [];
	let diff = buildDiffTree([], []);
	for (let i = 0; i < 6; i++) {
		let t0 = performance.now();
		const plain = buildTree(parseFoldedLines(textB).stacks);
		flameFrameLines({tree: plain, state: initialFlameUiState(), width: WIDTH, height: HEIGHT, theme, header: {title: 'B', samples: plain.totalSamples}});
		const tFlame = performance.now() - t0;
		t0 = performance.now();
		diff = buildDiffTree(parseFoldedLines(textA).stacks, parseFoldedLines(textB).stacks, {normalize: true});
		diffFrameLines({diff, state: initialFlameUiState(), width: WIDTH, height: HEIGHT, theme, header: {before: 'A', after: 'B'}});
		const tDiff = performance.now() - t0;
		if (i === 0) continue; // warm-up
		openFlame.push(tFlame);
		openDiff.push(tDiff);
	}
	const bTree = buildTree(parseFoldedLines(textB).stacks);
	out.push(`diff profiles: A ${diff.beforeTree.size} frames (${aStacks.length} stacks, ${(textA.length / 2 ** 20).toFixed(1)} MiB), B ${diff.afterTree.size} frames (${bStacks.length} stacks); view ${WIDTH}x${HEIGHT}, colour on, NODE_ENV=${process.env.NODE_ENV ?? '(unset)'}`);
	out.push(`diff open (2 texts -> diff tree -> first frame): median ${f1(median(openDiff))} ms, max ${f1(Math.max(...openDiff))} ms (goal <= ${OPEN_GOAL_MS} ms: ${Math.max(...openDiff) <= OPEN_GOAL_MS ? 'within' : 'OVER'}); anchor: plain flame view of B (1 text -> tree -> first frame) median ${f1(median(openFlame))} ms; ratio ${(median(openDiff) / median(openFlame)).toFixed(2)}`);

	// 2. keys
	const keys = keySequence();
	const table = diffTables(diff);
	const run = (step: (s: FlameUiState, k: {name: string; input: string}) => FlameUiState): number[] => {
		let state = initialFlameUiState();
		const ms: number[] = [];
		keys.forEach((k, i) => {
			const t0 = performance.now();
			state = step(state, k);
			if (i >= keys.length / 5) ms.push(performance.now() - t0); // first round: warm-up
		});
		return ms;
	};
	const plainMs = run((s, k) => {
		const next = reduceFlameKey(s, k.name, k.input, bTree, WIDTH, {pageSize: HEIGHT - 6}).state;
		flameFrameLines({tree: bTree, state: next, width: WIDTH, height: HEIGHT, theme, header: {title: 'B', samples: bTree.totalSamples}});
		return next;
	});
	const diffMs = run((s, k) => {
		const next = reduceFlameKey(s, k.name, k.input, diff.tree, WIDTH, {pageSize: HEIGHT - 6, table}).state;
		diffFrameLines({diff, state: next, width: WIDTH, height: HEIGHT, theme, header: {before: 'A', after: 'B'}});
		return next;
	});
	out.push(`diff keys (reduceFlameKey + frame lines, ${diffMs.length} keys): diff view p50 ${f1(median(diffMs))} p95 ${f1(p95(diffMs))} max ${f1(Math.max(...diffMs))} ms; anchor: plain flame view of B p50 ${f1(median(plainMs))} p95 ${f1(p95(plainMs))} max ${f1(Math.max(...plainMs))} ms; ratio p50 ${(median(diffMs) / median(plainMs)).toFixed(2)}, p95 ${(p95(diffMs) / p95(plainMs)).toFixed(2)} (Ink's cost per frame is the same for both: one <Text>; see flamekeys)`);

	// 3. --folded vs difffolded.pl
	const dir = mkdtempSync(join(tmpdir(), 'zeektop-bench-diff-'));
	try {
		const fa = join(dir, 'a.folded');
		const fb = join(dir, 'b.folded');
		const empty = join(dir, 'empty.folded');
		writeFileSync(fa, textA);
		writeFileSync(fb, textB);
		writeFileSync(empty, '');
		// Like test/helpers/env.ts corpusDir: $ZEEKTOP_CORPORA, else ../shared/corpora beside the clone.
		const corpora = process.env.ZEEKTOP_CORPORA ?? fileURLToPath(new URL('../../shared/corpora', import.meta.url));
		const difffolded = join(corpora, 'perf-folding', 'flamegraph-pl', 'tools', 'difffolded.pl');
		const ours: number[] = [];
		const theirs: number[] = [];
		const startup: number[] = [];
		const sink = {write: () => true};
		for (let i = 0; i < 4; i++) {
			const t0 = performance.now();
			await runDiff({a: fa, b: fb, mode: 'folded'}, {stdout: sink, stderr: sink});
			const t = performance.now() - t0;
			const p = await perl([difffolded, fa, fb]);
			const s = await perl([difffolded, empty, empty]);
			if (i === 0) continue;
			ours.push(t);
			theirs.push(p);
			startup.push(s);
		}
		out.push(`diff --folded on those files: zeektop (runDiff in process: read, parse, diff, format) median ${f1(median(ours))} ms; anchor: perl difffolded.pl median ${f1(median(theirs))} ms (of which perl start-up on empty files ${f1(median(startup))} ms); ratio ${(median(ours) / median(theirs)).toFixed(3)}`);
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
	return out;
}
