import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {
	buildDiffTree,
	diffColor,
	diffFolded,
	diffLevel,
	diffTopFunctions,
	formatFoldedDiff,
	formatPerlNumber,
	normalizationNote,
	parseFoldedForDiff,
	selfDelta,
	stripHexAddresses,
	type DiffTree,
} from '../../source/profile/diff.js';
import {diffFlameLines, diffTableLines, plainCell} from '../../source/profile/diff-text.js';
import {layoutFlame} from '../../source/profile/flame-layout.js';
import {topFunctions} from '../../source/profile/top.js';
import {findByPath, nameOf, pathOf} from '../../source/profile/tree.js';
import {corpusDir} from '../helpers/env.js';
import {mulberry32} from '../helpers/prng.js';

const map = (text: string) => parseFoldedForDiff(text).stacks;

describe('difffolded.pl rules', () => {
	test('the count is after the last blank; a line that is not "stack count" becomes the empty stack with 0', () => {
		const p = parseFoldedForDiff('a;b 3\na b  4\n\nx\t2\nbad\n5\na;b 1.5\nc 5.\r\n');
		assert.deepEqual([...p.stacks], [['a;b', 4.5], ['a b ', 4], ['', 0], ['x', 2]]);
		assert.equal(p.total, 10.5);
		assert.equal(p.unreadLines, 4);
	});

	test('-s strips every 0x<hex> and merges the stacks it makes equal', () => {
		assert.equal(stripHexAddresses('f+0x1F;[unknown 0xdeadBEEF];0x;g'), 'f+0x...;[unknown 0x...];0x;g');
		const p = parseFoldedForDiff('f+0x1f 1\nf+0x20 2\n', {stripHex: true});
		assert.deepEqual([...p.stacks], [['f+0x...', 3]]);
	});

	test('-n scales A to B with int() truncation; no samples in A cannot be normalized', () => {
		const d = diffFolded(map('a 3\nb 1\n'), map('a 5\nc 5\n'), {normalize: true});
		assert.ok(d.ok);
		assert.equal(formatFoldedDiff(d.lines), 'a 7 5\nb 2 0\nc 0 5\n'); // 3*10/4 = 7.5, 1*10/4 = 2.5
		const same = diffFolded(map('a 5\n'), map('b 5\n'), {normalize: true});
		assert.ok(same.ok && !same.normalized);
		const empty = diffFolded(new Map(), map('a 1\n'), {normalize: true});
		assert.equal(empty.ok, false);
		assert.ok(diffFolded(new Map(), new Map(), {normalize: true}).ok, 'nothing to print, nothing to divide');
	});

	test('numbers print as Perl prints them', () => {
		const cases: Array<[number, string]> = [
			[3, '3'], [1.5, '1.5'], [0.1 + 0.2, '0.3'], [1 / 3, '0.333333333333333'], [0.000012, '1.2e-05'],
			[2.5e20, '2.5e+20'], [123456.789, '123456.789'], [1e15 + 0.5, '1e+15'], [2 ** 53, '9007199254740992'],
		];
		for (const [n, s] of cases) assert.equal(formatPerlNumber(n), s, String(n));
	});
});

/** Per-path sums straight from the stacks: the reference the merge walk must agree with. */
function pathSums(stacks: Map<string, number>): Map<string, {self: number; total: number}> {
	const out = new Map<string, {self: number; total: number}>();
	for (const [stack, count] of stacks) {
		if (!(count > 0)) continue;
		const frames = stack.split(';');
		for (let i = 1; i <= frames.length; i++) {
			const key = frames.slice(0, i).join(';');
			const e = out.get(key) ?? {self: 0, total: 0};
			e.total += count;
			if (i === frames.length) e.self += count;
			out.set(key, e);
		}
	}
	return out;
}

function randomProfile(seed: number, stacks: number): Map<string, number> {
	const rnd = mulberry32(seed);
	const names = ['main', 'run', 'dispatch', 'tcp', 'udp', 'pcap', 'log', 'write', 'hash', 'alloc', 'free', 'Z'];
	const out = new Map<string, number>();
	for (let i = 0; i < stacks; i++) {
		const depth = 1 + Math.floor(rnd() * 6);
		const frames = ['zeek'];
		for (let d = 0; d < depth; d++) frames.push(names[Math.floor(rnd() * names.length)]!);
		const key = frames.join(';');
		out.set(key, (out.get(key) ?? 0) + 1 + Math.floor(rnd() * 20));
	}
	return out;
}

describe('the diff tree', () => {
	for (const negate of [false, true]) {
		for (const normalize of [false, true]) {
			test(`every node's before/after self and total match the stacks (negate ${negate}, normalize ${normalize})`, () => {
				const a = randomProfile(1, 400);
				const b = randomProfile(2, 300);
				const d = buildDiffTree(a, b, {negate, normalize});
				const sa = pathSums(a);
				const sb = pathSums(b);
				const scale = normalize ? d.totalAfter / d.totalBefore : 1;
				assert.equal(d.normalized, normalize);
				assert.ok(Math.abs(d.scaleBefore - scale) < 1e-12);
				const drawn = negate ? sa : sb;
				const other = negate ? sb : sa;
				assert.equal(d.tree.size - 1, drawn.size, 'one node per path of the drawn profile');
				for (let id = 1; id < d.tree.size; id++) {
					const key = pathOf(d.tree, id).join(';');
					const A = sa.get(key) ?? {self: 0, total: 0};
					const B = sb.get(key) ?? {self: 0, total: 0};
					assert.ok(Math.abs(d.beforeSelf[id]! - A.self * scale) < 1e-9, key);
					assert.ok(Math.abs(d.beforeTotal[id]! - A.total * scale) < 1e-9, key);
					assert.equal(d.afterSelf[id], B.self, key);
					assert.equal(d.afterTotal[id], B.total, key);
					assert.equal(d.onlyHere[id] === 1, !other.has(key), key);
					// What the other profile has under children this tree lacks.
					let hidden = 0;
					for (const [k, v] of other) {
						if (k.startsWith(key + ';') && !k.slice(key.length + 1).includes(';') && !drawn.has(k)) hidden += v.total;
					}
					const hiddenScale = negate ? 1 : scale;
					assert.ok(Math.abs(d.hiddenOther[id]! - hidden * hiddenScale) < 1e-9, `hidden under ${key}`);
				}
			});
		}
	}

	test('diffTopFunctions joins topFunctions of A and B by name, and scopes both to a zoom', () => {
		const a = randomProfile(3, 200);
		const b = randomProfile(4, 200);
		const d = buildDiffTree(a, b);
		const rows = diffTopFunctions(d, {sort: 'name'});
		const ta = new Map(topFunctions(a).map(r => [r.function, r]));
		const tb = new Map(topFunctions(b).map(r => [r.function, r]));
		assert.equal(rows.length, new Set([...ta.keys(), ...tb.keys()]).size);
		for (const r of rows) {
			assert.equal(r.selfBefore, ta.get(r.function)?.selfSamples ?? 0);
			assert.equal(r.totalAfter, tb.get(r.function)?.totalSamples ?? 0);
			assert.equal(r.presence, ta.has(r.function) && tb.has(r.function) ? 'both' : ta.has(r.function) ? 'before' : 'after');
		}
		const byChange = diffTopFunctions(d);
		for (let i = 1; i < byChange.length; i++) {
			const c = (x: (typeof byChange)[number]) => Math.abs(x.selfAfter - x.selfBefore);
			assert.ok(c(byChange[i - 1]!) >= c(byChange[i]!));
		}
		const zoom = findByPath(d.tree, ['zeek', 'main'])!;
		const zoomed = diffTopFunctions(d, {zoomId: zoom, sort: 'name'});
		const zb = topFunctions(d.afterTree, {zoomId: findByPath(d.afterTree, ['zeek', 'main'])});
		const za = topFunctions(d.beforeTree, {zoomId: findByPath(d.beforeTree, ['zeek', 'main'])});
		assert.equal(zoomed.length, new Set([...za, ...zb].map(r => r.function)).size);
	});

	test('the screen says when counts are normalized, and when they are raw but differ', () => {
		const a = map('x 10\n');
		const b = map('x 30\n');
		assert.match(normalizationNote(buildDiffTree(a, b, {normalize: true}))!, /^normalized: A \(10 samples\) scaled x3\.000 to B's 30$/);
		assert.match(normalizationNote(buildDiffTree(a, b))!, /^raw counts: A has 10 samples, B 30 \(not normalized\)$/);
		assert.equal(normalizationNote(buildDiffTree(a, a, {normalize: true})), undefined);
	});
});

// ---------------------------------------------------------------------------------------------
// Colouring against inferno's differential SVGs (structure, not bytes): the same frames red, blue
// or neutral, stronger where the change is larger, and the same widths.

type SvgFrame = {name: string; depth: number; x: number; w: number; rgb: [number, number, number]; deltaPct: number};

function svgFrames(file: string): SvgFrame[] {
	const svg = readFileSync(file, 'utf8');
	const frames: SvgFrame[] = [];
	const re = /<title>([^<]*?) \([\d,]+ samples, [\d.]+%(?:; ([+-]?[\d.]+)%)?\)<\/title>\s*<rect [^>]*y="(\d+)"[^>]*fill="rgb\((\d+),(\d+),(\d+)\)" fg:x="(\d+)" fg:w="(\d+)"/g;
	for (const m of svg.matchAll(re)) {
		frames.push({name: m[1]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'), depth: Number(m[3]), x: Number(m[7]), w: Number(m[8]), rgb: [Number(m[4]), Number(m[5]), Number(m[6])], deltaPct: Number(m[2] ?? 0)});
	}
	// y → depth: the largest y is the root row ("all", not a frame of the tree).
	const ys = [...new Set(frames.map(f => f.depth))].sort((p, q) => q - p);
	for (const f of frames) f.depth = ys.indexOf(f.depth);
	return frames.filter(f => f.depth > 0);
}

/** Each SVG frame's stack path, from the frames one row below it that contain it. */
function svgPath(frames: SvgFrame[], f: SvgFrame): string[] {
	const path = [f.name];
	let cur = f;
	for (let d = f.depth - 1; d >= 1; d--) {
		const parent = frames.find(p => p.depth === d && p.x <= cur.x && cur.x + cur.w <= p.x + p.w)!;
		path.unshift(parent.name);
		cur = parent;
	}
	return path;
}

const hue = ([r, g, b]: [number, number, number]): 'red' | 'blue' | 'neutral' => (r > b ? 'red' : b > r ? 'blue' : 'neutral');

function checkAgainstSvg(d: DiffTree, file: string): void {
	const frames = svgFrames(file);
	assert.ok(frames.length >= 15, `${frames.length} frames in ${file}`);
	const seen = new Set<number>();
	for (const f of frames) {
		// inferno strips the _[k] annotation from titles only; the tree keeps it.
		const path = svgPath(frames, f);
		const id = findByPath(d.tree, path) ?? findByPath(d.tree, path.map((n, i) => (i === path.length - 1 ? `${n}_[k]` : n)))
			?? findAnnotated(d, path);
		assert.ok(id !== undefined, `frame ${path.join(';')} of the SVG is in the diff tree`);
		seen.add(id);
		assert.equal(d.tree.total[id], f.w, `width of ${path.join(';')}`);
		const delta = selfDelta(d, id);
		const expected = delta > 0 ? 'red' : delta < 0 ? 'blue' : 'neutral';
		assert.equal(hue(f.rgb), expected, `${path.join(';')}: svg ${f.rgb}, self change ${delta}`);
		assert.equal(hue(rgbOf(diffColor(d, id))), expected);
		assert.ok(Math.abs((100 * delta) / d.tree.totalSamples - f.deltaPct) < 0.006, `${path.join(';')} ${f.deltaPct}%`);
	}
	assert.equal(seen.size, d.tree.size - 1, 'every frame of the tree is in the SVG');
	// Strength: a larger change is never paler, in the SVG and in our colour.
	const coloured = frames.map(f => ({f, id: findAnnotated(d, svgPath(frames, f))!})).filter(x => selfDelta(d, x.id) !== 0);
	for (const p of coloured) {
		for (const q of coloured) {
			if (Math.sign(selfDelta(d, p.id)) !== Math.sign(selfDelta(d, q.id))) continue;
			if (Math.abs(selfDelta(d, p.id)) <= Math.abs(selfDelta(d, q.id))) continue;
			const pale = (c: [number, number, number]) => Math.min(...c);
			assert.ok(pale(p.f.rgb) <= pale(q.f.rgb), 'svg: larger change, stronger colour');
			const ours = (id: number) => pale(rgbOf(diffColor(d, id)));
			assert.ok(ours(p.id) <= ours(q.id), 'ours: larger change, stronger colour');
			assert.ok(Math.abs(diffLevel(d, p.id, 5)) >= Math.abs(diffLevel(d, q.id, 5)));
		}
	}
}

function rgbOf(c: {r: number; g: number; b: number}): [number, number, number] {
	return [c.r, c.g, c.b];
}

/** Path lookup allowing the `_[k]` suffix inferno drops from titles on any frame. */
function findAnnotated(d: DiffTree, path: string[]): number | undefined {
	let id = 0;
	for (const name of path) {
		let next = -1;
		for (let c = d.tree.firstChild[id]!; c >= 0; c = d.tree.nextSibling[c]!) {
			const n = nameOf(d.tree, c);
			if (n === name || n.replace(/_\[[kwij]\]$/, '') === name) next = c;
		}
		if (next < 0) return undefined;
		id = next;
	}
	return id;
}

describe('colouring matches inferno differential SVGs', () => {
	const dir = () => corpusDir('flamegraph-render', 'inferno', 'differential');
	const columns = () => {
		const lines = readFileSync(`${dir()}/perf-cycles-instructions-01-collapsed-all-diff.txt`, 'utf8').trim().split('\n');
		const c1 = new Map<string, number>();
		const c2 = new Map<string, number>();
		for (const line of lines) {
			const m = /^(.*) (\d+) (\d+)$/.exec(line)!;
			c1.set(m[1]!, Number(m[2]));
			c2.set(m[1]!, Number(m[3]));
		}
		return {c1, c2};
	};

	test('diff.svg: widths from B (column 2), red where it grew', () => {
		const {c1, c2} = columns();
		checkAgainstSvg(buildDiffTree(c1, c2), `${dir()}/diff.svg`);
	});

	test('diff-negated.svg: the same file with hues switched = our --negate with A and B swapped', () => {
		const {c1, c2} = columns();
		// flamegraph.pl convention: difffolded B A | flamegraph.pl --negate. Widths from c2 = our A.
		checkAgainstSvg(buildDiffTree(c2, c1, {negate: true}), `${dir()}/diff-negated.svg`);
	});
});

// ---------------------------------------------------------------------------------------------
// The plain (NO_COLOR) graph reads without colour.

describe('plain differential graph', () => {
	const a = map('zeek;main;old_hot 60\nzeek;main;steady 30\nzeek;log 10\n');
	const b = map('zeek;main;old_hot 20\nzeek;main;steady 30\nzeek;main;new_hot 40\nzeek;log 10\n');

	test('grew +, shrank -, strength by repetition, new frames filled with #', () => {
		const d = buildDiffTree(a, b);
		const lines = diffFlameLines(d, {width: 50, height: 10, color: false});
		assert.deepEqual(lines, [
			'     [+++new_hot########][---old..][steady-------]',
			'[log][main---------------------------------------]',
			'[zeek--------------------------------------------]',
			'[all---------------------------------------------]',
		]);
		assert.ok(!/\x1b/.test(lines.join('')), 'no escape sequences without colour');
		for (const l of lines) assert.ok(l.length <= 50);
	});

	test('--negate: widths from A; the vanished frame is drawn and marked, the new one is not', () => {
		const d = buildDiffTree(a, b, {negate: true});
		const text = diffFlameLines(d, {width: 50, height: 10, color: false}).join('\n');
		assert.match(text, /\[---old_hot-*\]/);
		assert.ok(!text.includes('new_hot'));
		assert.equal(d.hiddenOther[findByPath(d.tree, ['zeek', 'main'])!], 40, 'new_hot is under main in B');
		// Swapped (A = the profile that has new_hot): drawn, marked as gone from B, shrank.
		const gone = buildDiffTree(b, a, {negate: true});
		assert.match(diffFlameLines(gone, {width: 50, height: 10, color: false}).join('\n'), /\[---new_hot#+\]/);
	});

	test('colour: red and blue backgrounds by strength, underlined new frames; cells stay inside the width', () => {
		const d = buildDiffTree(a, b);
		const lines = diffFlameLines(d, {width: 50, height: 10, color: true});
		const top = lines[0]!;
		assert.match(top, /\x1b\[4;97;48;5;196mnew_hot/, 'strongest growth, new: underlined, on full red');
		assert.match(top, /\x1b\[97;48;5;21mold_hot/, 'strongest shrink: full blue');
		assert.match(top, /\x1b\[30;48;5;252msteady/, 'unchanged: neutral');
		for (const l of lines) assert.ok(l.replace(/\x1b\[[0-9;]*m/g, '').length <= 50);
	});

	test('one-column and narrow frames', () => {
		const d = buildDiffTree(map('r;x 1\nr;y 2\nr;big 96\nr;same 1\n'), map('r;x 2\nr;y 1\nr;big 96\nr;same 1\n'));
		const layout = layoutFlame(d.tree, {width: 100});
		const row = layout.rows.find(r => r.some(c => c.id >= 0 && nameOf(d.tree, c.id) === 'x'))!;
		const cell = (name: string) => row.find(c => c.id >= 0 && nameOf(d.tree, c.id) === name)!;
		assert.deepEqual(['x', 'y', 'same'].map(n => cell(n).width), [2, 1, 1]);
		assert.equal(plainCell(d, cell('x')), '++', 'two columns that grew');
		assert.equal(plainCell(d, cell('y')), '-', 'one column that shrank');
		assert.equal(plainCell(d, cell('same')), '|', 'one column, unchanged');
		assert.match(plainCell(d, cell('big')), /^\[big-+\]$/);
		const narrow = buildDiffTree(map('r;a 3\nr;b 3\nr;big 994\n'), map('r;a 3\nr;b 3\nr;big 994\n'));
		assert.match(diffFlameLines(narrow, {width: 100, height: 5})[0]!, /^~\[big-+\]$/, 'a run of sub-column frames is ~');
	});

	test('the change table', () => {
		const d = buildDiffTree(a, b);
		const lines = diffTableLines(diffTopFunctions(d), {width: 100});
		assert.match(lines[0]!, /^ +SELF A +SELF B +CHANGE +TOTAL A +TOTAL B +CHANGE +FUNCTION$/);
		assert.match(lines[1]!, /^ +0 +40 +\+40 +0 +40 +\+40 +new_hot \(new\)$/);
		assert.match(lines[2]!, /^ +60 +20 +-40 +60 +20 +-40 +old_hot$/);
	});
});
