import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readdirSync, readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {layoutFlame} from '../../source/profile/flame-layout.js';
import {renderFlameText} from '../../source/profile/flame-text.js';
import {searchFlame} from '../../source/profile/search.js';
import {topFunctions} from '../../source/profile/top.js';
import {buildTree, findByPath, parseFoldedLines, pathOf, type FlameTree} from '../../source/profile/tree.js';
import {corpusDir} from '../helpers/env.js';

/** Real folded files: FlameGraph and inferno expected outputs, perf's own folder, inferno's flame graph inputs. */
function foldedFiles(): string[] {
	const files: string[] = [];
	const add = (dir: string, keep: (name: string) => boolean) => {
		for (const name of readdirSync(dir).sort()) {
			const path = join(dir, name);
			if (statSync(path).isDirectory()) {
				if (name !== 'nameattr') add(path, keep); // nameattr/*.txt are attribute files, not stacks
			} else if (keep(name)) files.push(path);
		}
	};
	add(corpusDir('perf-folding', 'flamegraph-pl', 'current-results'), n => n.endsWith('.txt'));
	add(corpusDir('perf-folding', 'flamegraph-pl', 'test', 'results'), n => n.endsWith('.txt'));
	add(corpusDir('perf-folding', 'inferno', 'collapse-perf', 'results'), n => n.endsWith('.txt'));
	add(corpusDir('perf-folding', 'generated-linux-perf-6.1'), n => n.endsWith('.folded'));
	add(corpusDir('flamegraph-render', 'inferno'), n => n.endsWith('.txt'));
	return files;
}

const LINE = /^(.*)\s(\d+(?:\.\d*)?)\s*$/;

/** An independent, naive reading: inclusive samples per stack prefix ("a", "a;b", ...). */
function naive(text: string): {sum: number; prefixes: Map<string, number>; bad: number} {
	const prefixes = new Map<string, number>();
	let sum = 0;
	let bad = 0;
	for (const line of text.split('\n')) {
		if (line.trim() === '') continue;
		const m = LINE.exec(line);
		if (m === null) {
			bad++;
			continue;
		}
		const count = Number(m[2]);
		if (!(count > 0)) continue;
		sum += count;
		const frames = m[1]!.split(';');
		for (let i = 1; i <= frames.length; i++) {
			const key = frames.slice(0, i).join(';');
			prefixes.set(key, (prefixes.get(key) ?? 0) + count);
		}
	}
	return {sum, prefixes, bad};
}

function close(a: number, b: number): boolean {
	return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

function checkTree(tree: FlameTree): void {
	for (let id = 1; id < tree.size; id++) {
		const p = tree.parent[id]!;
		assert.ok(p >= 0 && p < id && tree.end[id]! <= tree.end[p]!);
		assert.equal(tree.depth[id], tree.depth[p]! + 1);
	}
}

test('real folded corpus files build; totals and every prefix match a naive reading', t => {
	const files = foldedFiles();
	assert.ok(files.length > 150, `found ${files.length} folded files`);
	let frames = 0;
	for (const file of files) {
		const text = readFileSync(file, 'utf8');
		const parsed = parseFoldedLines(text);
		const tree = buildTree(parsed.stacks);
		const expected = naive(text);
		const name = file.slice(file.indexOf('corpora'));
		assert.ok(close(tree.totalSamples, expected.sum), `${name}: total ${tree.totalSamples} vs ${expected.sum}`);
		assert.equal(parsed.skippedLines, expected.bad, `${name}: skipped lines`);
		assert.equal(tree.size - 1, expected.prefixes.size, `${name}: one node per distinct prefix`);
		for (let id = 1; id < tree.size; id++) {
			const key = pathOf(tree, id).join(';');
			assert.ok(close(tree.total[id]!, expected.prefixes.get(key) ?? Number.NaN), `${name}: ${key}`);
		}
		checkTree(tree);
		frames += tree.size - 1;
		// Downstream consumers accept every real tree.
		const layout = layoutFlame(tree, {width: 120, maxRows: 40});
		for (const row of layout.rows) for (const cell of row) assert.ok(cell.x + cell.width <= 120);
		const text40 = renderFlameText(tree, {width: 40, height: 10});
		assert.ok(text40.split('\n').length <= 10);
		const top = topFunctions(tree);
		const selfSum = top.reduce((sum, row) => sum + row.selfSamples, 0);
		assert.ok(close(selfSum + tree.self[0]!, tree.totalSamples), `${name}: self samples add up`);
		const search = searchFlame(tree, '_\\[k\\]$');
		assert.ok(search.ok && search.percentOfTotal <= 100 + 1e-9);
	}
	t.diagnostic(`${files.length} files, ${frames} frames`);
});

test('inferno bad-lines input: bad lines are skipped and counted', () => {
	const text = readFileSync(corpusDir('flamegraph-render', 'inferno', 'bad-lines', 'bad-lines.txt'), 'utf8');
	const parsed = parseFoldedLines(text);
	assert.equal(parsed.skippedLines, 2);
	const tree = buildTree(parsed.stacks);
	// "noploop;main 274" appears twice (after a blank line): counts are summed.
	assert.equal(tree.totalSamples, 31 + 6 + 1 + 19 + 2 + 274 + 274);
	assert.equal(tree.total[findByPath(tree, ['noploop', 'main'])!], 548);
});

test('unsorted input gives the same tree as sorted input (inferno unsorted-input)', () => {
	const dir = corpusDir('flamegraph-render', 'inferno', 'unsorted-input');
	const text = readFileSync(join(dir, 'perf-vertx-stacks-01-collapsed-all-unsorted.txt'), 'utf8');
	const stacks = parseFoldedLines(text).stacks;
	const sorted = [...stacks].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
	const a = buildTree(stacks);
	const b = buildTree(sorted);
	assert.equal(a.size, b.size);
	assert.deepEqual(a.total, b.total);
	assert.deepEqual(
		Array.from(a.nameId, n => a.names[n]),
		Array.from(b.nameId, n => b.names[n]),
	);
});
