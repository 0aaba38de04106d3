// source/ink-patch/output.ts against Ink's own Output: the same operations through both, the
// results compared cell by cell (character and style, as a terminal shows them); where the patch
// falls back, the strings must be identical.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {Chalk} from 'chalk';
import InkOutput from '../../node_modules/ink/build/output.js';
import Output, {outputStats} from '../../source/ink-patch/output.js';
import {buildTree, parseFoldedLines} from '../../source/profile/tree.js';
import {flameFrameLines, type FlameHeader} from '../../source/ui/views/FlameView.js';
import {initialFlameUiState, reduceFlameKey} from '../../source/ui/flame-keys.js';
import {cells, show} from './cells.js';
import {mulberry32} from '../helpers/prng.js';

const E = '\u001b';
const chalk = new Chalk({level: 3});

type Transformer = (line: string, index: number) => string;
type Op =
	| {write: [number, number, string]; transformers?: Transformer[]}
	| {clip: {x1?: number; x2?: number; y1?: number; y2?: number}}
	| {unclip: true};

type Result = {fast: boolean; output: string; original: string};

/** Runs ops through both; asserts they agree; says whether the fast path drew it. */
function check(width: number, height: number, ops: Op[], label = ''): Result {
	const ink = new InkOutput({width, height});
	const ours = new Output({width, height});
	const calls = {ink: 0, ours: 0};
	const counted = (ts: Transformer[] | undefined, who: 'ink' | 'ours') => (ts ?? []).map(t => (line: string, index: number) => {
		calls[who]++;
		return t(line, index);
	});
	for (const op of ops) {
		if ('write' in op) {
			ink.write(...op.write, {transformers: counted(op.transformers, 'ink')});
			ours.write(...op.write, {transformers: counted(op.transformers, 'ours')});
		} else if ('clip' in op) {
			const clip = {x1: op.clip.x1, x2: op.clip.x2, y1: op.clip.y1, y2: op.clip.y2};
			ink.clip(clip);
			ours.clip(clip);
		} else {
			ink.unclip();
			ours.unclip();
		}
	}
	const a = ink.get();
	const before = outputStats().fast;
	const b = ours.get();
	const fast = outputStats().fast > before;
	const context = `${label} ${width}x${height} ${JSON.stringify(ops.map(o => ('write' in o ? {...o, transformers: o.transformers?.length} : o)))}\nink:  ${JSON.stringify(a.output)}\nours: ${JSON.stringify(b.output)}`;
	assert.equal(b.height, a.height, context);
	assert.equal(calls.ours, calls.ink, `transformer calls: ${context}`);
	if (!fast) assert.equal(b.output, a.output, context);
	else {
		assert.equal(b.output.split('\n').length, a.output.split('\n').length, context);
		// The patch's rows must stand alone: read as one stream (styles carried over line ends).
		assert.deepEqual(show(cells(b.output, true)), show(cells(a.output)), context);
	}
	return {fast, output: b.output, original: a.output};
}

const w = (x: number, y: number, text: string, transformers?: Transformer[]): Op => ({write: [x, y, text], transformers});

// --- hand-picked ---

test('full frame at column 0 with SGR: fast, SGR kept as written, trailing blanks trimmed', () => {
	const lines = [
		`${E}[1;36mperf worker-1  pid 4242${E}[0m`,
		`${E}[30;48;5;75mmain     ${E}[0m ${E}[97;48;5;236mrun_loop${E}[0m `,
		`${E}[1;7;30;48;5;100msel${E}[0m   `,
		'',
		'plain text with trailing spaces    ',
		`${E}[2mq quit  ? help${E}[0m`,
	];
	const r = check(40, 8, [w(0, 0, lines.join('\n'))]);
	assert.ok(r.fast);
	assert.equal(r.output.split('\n')[0], `${E}[1;36mperf worker-1  pid 4242${E}[0m`);
	assert.equal(r.output.split('\n')[2], `${E}[1;7;30;48;5;100msel${E}[0m`);
	assert.equal(r.output.split('\n')[4], 'plain text with trailing spaces');
	assert.equal(r.output.split('\n')[6], '');
	assert.equal(r.original.split('\n')[0], `${E}[1m${E}[36mperf worker-1  pid 4242${E}[39m${E}[22m`, "Ink's own normalisation (why cells are compared)");
});

test('one write per line, like a <Box flexDirection="column"> of <Text>s, with Text transformers', () => {
	const cyan: Transformer = line => chalk.cyan(line);
	const dim: Transformer = line => chalk.dim(line);
	const r = check(30, 5, [w(0, 0, 'sensor-1  load 1.50', [cyan]), w(0, 1, ' 0[|||     42%]'), w(0, 3, 'status line', [chalk.yellow]), w(0, 4, 'q quit  ? help', [dim])]);
	assert.ok(r.fast);
});

test('writes at x > 0 and side by side on one row', () => {
	assert.ok(check(30, 3, [w(4, 0, 'indented'), w(2, 1, `${E}[31mred${E}[39m`)]).fast);
	assert.ok(check(30, 2, [w(0, 0, 'left'), w(10, 0, `${E}[42mmiddle`), w(20, 0, 'right   ')]).fast, 'open style closed before the gap');
	assert.ok(check(30, 2, [w(20, 0, 'right'), w(0, 0, 'left     ')]).fast, 'written right to left');
	assert.ok(check(30, 2, [w(0, 0, 'abc'), w(3, 0, 'def')]).fast, 'touching');
	assert.ok(check(10, 2, [w(10, 0, 'at the edge')]).fast, 'starting at the width: Ink grows the row');
	assert.ok(check(10, 2, [w(0, 0, 'longer than the width, kept whole as Ink does')]).fast);
	assert.ok(check(10, 2, [w(0, 0, 'abc'), w(8, 0, 'wider than the rest')]).fast);
	assert.ok(check(30, 2, [w(0, 0, 'a   '), w(6, 0, `${E}[41m  ${E}[49m`), w(12, 0, '   ')]).fast, 'styled blanks kept, unstyled ones after them dropped');
});

test('overlapping writes, clipping, positions Ink treats oddly: fall back, identical output', () => {
	assert.ok(!check(30, 2, [w(0, 0, `${E}[44m${' '.repeat(20)}${E}[49m`), w(2, 0, 'over a background')]).fast);
	assert.ok(!check(30, 2, [w(0, 0, 'abcdef'), w(3, 0, 'XY')]).fast);
	assert.ok(!check(20, 4, [{clip: {x1: 2, x2: 8, y1: 0, y2: 2}}, w(0, 0, 'clipped text\nline 2\nline 3'), {unclip: true}]).fast);
	assert.ok(!check(20, 4, [{clip: {y1: 1, y2: 3}}, w(0, 0, 'a\nb\nc\nd', [(l, i) => `${i}:${l}`]), {unclip: true}]).fast);
	assert.ok(!check(20, 2, [w(-2, 0, 'negative x')]).fast);
	assert.ok(!check(20, 2, [w(25, 0, 'past the width')]).fast);
	assert.ok(!check(20, 2, [w(1.5, 0, 'fraction')]).fast);
});

test('rows outside the output: dropped as Ink drops them, transformers not run for them', () => {
	const index: Transformer = (line, i) => `${i}>${line}`;
	assert.ok(check(20, 3, [w(0, -1, 'above\nstill above', [index]), w(0, 1, 'one\ntwo\nthree\nfour', [index])]).fast);
	assert.ok(check(20, 3, [w(0, 5, 'below', [index])]).fast);
	assert.ok(check(20, 0, [w(0, 0, 'no rows')]).fast);
	assert.ok(check(0, 2, [w(0, 0, 'no columns')]).fast);
});

test('characters: narrow Unicode is fast; wide, combining, controls, tabs fall back', () => {
	assert.ok(check(30, 2, [w(0, 0, '─│▏█… é ü → ⠿ ±°')]).fast);
	assert.ok(check(30, 2, [w(0, 0, 'non-breaking\u00a0\u00a0')]).fast, 'NBSP trimmed like trimEnd');
	for (const text of ['漢字', 'emoji 😀', 'e\u0301', 'zero\u200bwidth', '✔\ufe0f', 'tab\there', 'cr\r', 'bell\u0007', `${E}[2Kerase`, `${E}]8;;http://x\u0007link${E}]8;;\u0007`, '\ud800lone', '🇩🇪']) {
		assert.ok(!check(30, 2, [w(0, 0, text)], text).fast, JSON.stringify(text));
	}
	assert.ok(!check(30, 2, [w(0, 0, `${E}[31m\u0301`)]).fast, 'a combining mark after an SGR code (Ink drops it)');
});

test('SGR: the known set is fast (open styles closed per row); the rest falls back', () => {
	for (const text of [
		`${E}[31mopen at the end`,
		`${E}[41mbackground spaces   `,
		`abc${E}[31m`,
		`abc   ${E}[7m`,
		`${E}[38;2;1;2;3mtrue${E}[48;5;255m colour${E}[0m`,
		`${E}[3;4;9;53mall${E}[23;24;29;55m off ${E}[8mhidden${E}[28m`,
		`${E}[90;103mbright${E}[0m  `,
		`${E}[1mbold${E}[22m${E}[2mdim${E}[0m`,
		`${E}[0;31mred${E}[31;0m plain`,
	]) {
		assert.ok(check(40, 2, [w(0, 0, text + '\nnext line unstyled')], text).fast, JSON.stringify(text));
	}
	for (const text of [`${E}[mreset`, `${E}[5mblink${E}[25m`, `${E}[01mlead`, `${E}[38;5mbad`, `${E}[1;;2m`, `${E}[38;5;300mbig`, `${E}[58;5;1munderline colour`, `${E}[1m${E}[2mboth${E}[22m${E}[2mdim`]) {
		assert.ok(!check(40, 2, [w(0, 0, text)], text).fast, JSON.stringify(text));
	}
});

test('a fallback late in the frame runs each transformer once per line, like Ink', () => {
	let n = 0;
	const t: Transformer = (line, i) => {
		n++;
		return `${i}|${line}`;
	};
	const r = check(20, 4, [w(0, 0, 'a\nb', [t]), w(0, 2, 'wide 漢', [t])]);
	assert.ok(!r.fast);
	assert.equal(n, 6, '3 lines, once in the original and once in the patch');
});

// --- random ---

const rng = mulberry32;

const SAFE = [
	'abc', 'node', 'worker-1', '42.0%', 'x', ' ', '   ', '-', '[main---]', '─', '│', '▏', '█', '…', 'é', '\u00a0', '→',
	`${E}[1m`, `${E}[2m`, `${E}[22m`, `${E}[3m`, `${E}[23m`, `${E}[4m`, `${E}[24m`, `${E}[7m`, `${E}[27m`, `${E}[0m`, `${E}[31m`,
	`${E}[39m`, `${E}[42m`, `${E}[49m`, `${E}[1;36m`, `${E}[97;48;5;236m`, `${E}[38;2;10;20;30m`, `${E}[1;7;30;48;5;100m`, `${E}[9m`,
	`${E}[53m`, `${E}[55m`, `${E}[90m`, `${E}[103m`, `${E}[8m`, `${E}[28m`, `${E}[0;32m`,
];
const RISKY = [`${E}[m`, `${E}[5m`, `${E}[01m`, `${E}[38;5m`, `${E}[2K`, '漢字', '😀', 'e\u0301', '\u200b', '\t', '\r', '\ufe0f', `${E}[1m${E}[2m`];
const TRANSFORMERS: Transformer[][] = [
	[], [], [], [line => chalk.bold(line)], [line => chalk.cyan(line)], [line => chalk.dim(line), line => chalk.bgBlue(line)],
	[(line, i) => `${i}: ${line}`], [line => chalk.inverse(line)], [line => chalk.red(line), line => chalk.bold(line)], [line => line.trimEnd()],
];

function randomText(r: () => number, risky: boolean): string {
	const lines: string[] = [];
	const nLines = 1 + Math.floor(r() * 4);
	for (let l = 0; l < nLines; l++) {
		let line = '';
		const parts = Math.floor(r() * 9);
		for (let p = 0; p < parts; p++) {
			const pool = risky && r() < 0.15 ? RISKY : SAFE;
			line += pool[Math.floor(r() * pool.length)];
		}
		lines.push(line);
	}
	return lines.join('\n');
}

function randomOps(r: () => number, width: number, height: number): Op[] {
	const ops: Op[] = [];
	const risky = r() < 0.3;
	const layout = r();
	if (layout > 0.8) {
		// Tiles: single-line writes side by side, left to right with gaps, written in any order.
		for (let y = 0; y < height; y++) {
			let x = Math.floor(r() * 3);
			while (x < width && r() < 0.8) {
				const text = randomText(r, risky).split('\n')[0]!;
				ops.splice(Math.floor(r() * (ops.length + 1)), 0, w(x, y, text, TRANSFORMERS[Math.floor(r() * 3)]));
				x += text.replace(/\u001b\[[0-9;]*m/g, '').length + Math.floor(r() * 3);
			}
		}
		return ops;
	}
	const n = 1 + Math.floor(r() * 8);
	let clips = 0;
	for (let i = 0; i < n; i++) {
		if (r() < 0.02) {
			ops.push({clip: {x1: Math.floor(r() * width), x2: Math.floor(r() * width) + 2, y1: r() < 0.5 ? 0 : undefined, y2: r() < 0.5 ? height - 1 : undefined}});
			clips++;
		}
		// Mostly column layouts (x 0, a row per write); sometimes anywhere, overlapping or not.
		const x = layout < 0.5 ? 0 : r() < 0.05 ? Math.floor(r() * 3) - 2 : Math.floor(r() * (width + 2));
		const y = layout < 0.5 ? i : Math.floor(r() * (height + 2)) - 1;
		ops.push(w(x, y, randomText(r, risky), TRANSFORMERS[Math.floor(r() * TRANSFORMERS.length)]));
		if (clips > 0 && r() < 0.3) {
			ops.push({unclip: true});
			clips--;
		}
	}
	return ops;
}

test('random write sequences: same cells as Ink (or the same string where it falls back)', () => {
	const r = rng(20240611);
	let fast = 0;
	const N = 6000;
	for (let k = 0; k < N; k++) {
		const width = 1 + Math.floor(r() * 40);
		const height = Math.floor(r() * 8);
		if (check(width, height, randomOps(r, width, height), `#${k}`).fast) fast++;
	}
	assert.ok(fast > N * 0.4, `fast path taken in ${fast} of ${N}`);
	const {reasons} = outputStats();
	for (const reason of ['clip', 'overlap', 'position', 'text']) assert.ok((reasons[reason] ?? 0) > 0, `no fallback for ${reason} among the random cases`);
});

// --- zeektop's own frames ---

test("the flame view's frames (colour, Unicode, every key): fast and the same cells", () => {
	let folded = '';
	for (let i = 0; i < 400; i++) folded += `zeek;main;run_loop;dispatch_${i % 7};analyzer_${i % 13};fn_${i}_with_a_long_name<std::string> ${1 + (i % 5)}\n`;
	folded += 'zeek;log_thread;write 50\n';
	const tree = buildTree(parseFoldedLines(folded).stacks);
	const header: FlameHeader = {title: 'perf worker-1', node: 'worker-1', pid: 42, seconds: 3, samples: tree.totalSamples};
	let state = initialFlameUiState();
	const transform: Transformer = line => line; // <Text> with no style props
	for (const theme of [{color: true, unicode: true}, {color: true, unicode: false}, {color: false, unicode: true}]) {
		for (const key of ['', 'down', 'down', 'right', 'return', 'down', 'f', '/', 'a', 'n', 'return', 'tab', 'down', 'tab', 'tab', 'home']) {
			if (key !== '') state = reduceFlameKey(state, key, key.length === 1 ? key : '', tree, 119).state;
			const lines = flameFrameLines({tree, state, width: 119, height: 39, theme, header});
			assert.ok(check(120, 39, [w(0, 0, lines.join('\n'), [transform])], `key ${key}`).fast, `key ${key}`);
		}
	}
});
