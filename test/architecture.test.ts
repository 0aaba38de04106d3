/**
 * The house's walls: every file under source/ imports only from its own layer or below, no import
 * cycle exists, only the entry point imports the entry point, profile/ touches no node:* module,
 * and no file but the Prometheus text parser outgrows 700 lines. Imports are read as text (static
 * `import … from`, `export … from` and dynamic `import('…')`), so a lazy import counts too: the
 * one-file bundle's module setup deadlocked on a cycle made of lazy imports before.
 */
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readdirSync, readFileSync, statSync} from 'node:fs';
import {dirname, join, relative, resolve} from 'node:path';

const root = resolve(import.meta.dirname, '..', 'source');

/** Lowest first. A file may import from its own layer or any layer below it. */
export const LAYERS: ReadonlyArray<{layer: number; dirs: string[]; what: string}> = [
	{layer: 0, dirs: ['lib'], what: 'errors, clock, ring, format, escape, result types, cleanup'},
	{layer: 1, dirs: ['profile'], what: 'pure: fold, heap dumps, jeprof text, trees, layout, top, diff (no node:*)'},
	{layer: 2, dirs: ['collect', 'capture'], what: '/proc, metrics, discovery; runner, perf, gdb, jemalloc, capture store'},
	{layer: 3, dirs: ['session', 'state', 'sim'], what: 'capture sessions (effects), tracker, monitor, reducers; the simulated sensor'},
	{layer: 4, dirs: ['ui', 'ink-patch'], what: 'Ink views, keymaps, terminal; patched Ink modules'},
	{layer: 5, dirs: ['commands'], what: 'headless and interactive entry points, composition root'},
	{layer: 6, dirs: ['cli.tsx'], what: 'the entry point: one flag table in, typed options out'},
];

const ENTRY = 'cli.tsx';

function layerOf(file: string): number {
	const top = file.split('/')[0]!;
	const found = LAYERS.find(l => l.dirs.includes(top));
	if (!found) throw new Error(`${file} is in no layer: add its folder to LAYERS`);
	return found.layer;
}

function sourceFiles(dir: string): string[] {
	const out: string[] = [];
	for (const name of readdirSync(dir)) {
		const p = join(dir, name);
		if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
		else if (/\.tsx?$/.test(name)) out.push(relative(root, p));
	}
	return out.sort();
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm;

/** Specifiers a file imports (relative ones resolved to source-relative .ts/.tsx paths). */
export function importsOf(file: string, text: string, files: ReadonlySet<string>): {local: string[]; node: string[]} {
	const local: string[] = [];
	const node: string[] = [];
	// Comments may mention imports; drop them first (line and block comments, not inside strings).
	const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
	for (const m of code.matchAll(IMPORT)) {
		const spec = m[1] ?? m[2] ?? m[3]!;
		if (spec.startsWith('node:')) node.push(spec);
		if (!spec.startsWith('.')) continue;
		const abs = join(dirname(file), spec).replace(/\.js$/, '');
		// A path out of source/ (ink-patch reaching Ink's own build) is a package, not a room.
		if (abs.startsWith('..')) continue;
		const hit = [`${abs}.ts`, `${abs}.tsx`].find(c => files.has(c));
		if (!hit) throw new Error(`${file}: import '${spec}' names no file under source/`);
		local.push(hit);
	}
	return {local, node};
}

function graph(): Map<string, {local: string[]; node: string[]}> {
	const files = sourceFiles(root);
	const set = new Set(files);
	return new Map(files.map(f => [f, importsOf(f, readFileSync(join(root, f), 'utf8'), set)]));
}

test('the layer table this test enforces', () => {
	const lines = LAYERS.map(l => `  ${l.layer}  ${l.dirs.join(', ').padEnd(24)} ${l.what}`);
	console.log(`layers (a file imports from its own layer or below):\n${lines.join('\n')}`);
	assert.ok(LAYERS.length > 0);
});

test('no import runs up the layer table', () => {
	const bad: string[] = [];
	for (const [file, {local}] of graph()) {
		for (const to of local) {
			if (layerOf(to) > layerOf(file)) bad.push(`${file} (layer ${layerOf(file)}) imports ${to} (layer ${layerOf(to)})`);
		}
	}
	assert.deepEqual(bad, []);
});

test('no import cycle under source/', () => {
	const g = graph();
	const cycles: string[] = [];
	const state = new Map<string, 'open' | 'done'>();
	const stack: string[] = [];
	const visit = (f: string) => {
		state.set(f, 'open');
		stack.push(f);
		for (const to of g.get(f)!.local) {
			if (state.get(to) === 'open') cycles.push([...stack.slice(stack.indexOf(to)), to].join(' -> '));
			else if (!state.has(to)) visit(to);
		}
		stack.pop();
		state.set(f, 'done');
	};
	for (const f of g.keys()) if (!state.has(f)) visit(f);
	assert.deepEqual(cycles, []);
});

test('only the entry point imports the entry point; profile/ is pure', () => {
	const bad: string[] = [];
	for (const [file, {local, node}] of graph()) {
		if (local.includes(ENTRY)) bad.push(`${file} imports the entry point ${ENTRY}`);
		if (file.startsWith('profile/') && node.length > 0) bad.push(`${file} imports ${node.join(', ')} (profile/ is pure)`);
	}
	assert.deepEqual(bad, []);
});

test('no file under source/ is over 700 lines (the Prometheus text parser aside)', () => {
	const allowed = new Set(['collect/metrics/parse.ts']);
	const big = sourceFiles(root)
		.filter(f => !allowed.has(f))
		.map(f => ({f, lines: readFileSync(join(root, f), 'utf8').split('\n').length}))
		.filter(x => x.lines > 700)
		.map(x => `${x.f}: ${x.lines} lines`);
	assert.deepEqual(big, []);
});

test('the import reader sees static, re-exported and lazy imports, not comments', () => {
	const files = new Set(['a/x.ts', 'a/y.ts', 'b/z.tsx', 'b/w.ts']);
	const text = [
		"import {q} from './y.js';",
		"export {r} from '../b/z.js';",
		"const m = await import('../b/w.js');",
		"// import {nope} from './nope.js';",
		"import {readFileSync} from 'node:fs';",
	].join('\n');
	assert.deepEqual(importsOf('a/x.ts', text, files), {local: ['a/y.ts', 'b/z.tsx', 'b/w.ts'], node: ['node:fs']});
	assert.throws(() => importsOf('a/x.ts', "import {q} from './missing.js';", files), /names no file/);
});
