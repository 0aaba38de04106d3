#!/usr/bin/env node
// One-file build: dist/zeektop.mjs runs with no node_modules (copy it onto a sensor and run
// `node zeektop.mjs`). NODE_ENV=production is baked in (React's development build grows without
// bound), and Ink's two unbounded text caches are swapped for the bounded copies in
// source/ink-patch and its Output for the one with a fast path (source/ink-patch/output.ts), as
// the resolve hook does for the unbundled build.
import {build} from 'esbuild';
import {fileURLToPath} from 'node:url';
import {dirname, join} from 'node:path';
import {readFileSync} from 'node:fs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const patches = {
	'measure-text.js': join(root, 'dist', 'ink-patch', 'measure-text.js'),
	'wrap-text.js': join(root, 'dist', 'ink-patch', 'wrap-text.js'),
	'output.js': join(root, 'dist', 'ink-patch', 'output.js'),
};

// react-devtools-core is an optional Ink dependency, loaded only with DEV=true: not shipped.
const noDevtools = {
	name: 'no-react-devtools',
	setup(b) {
		b.onResolve({filter: /^react-devtools-core$/}, () => ({path: 'react-devtools-core', namespace: 'zeektop-stub'}));
		b.onLoad({filter: /.*/, namespace: 'zeektop-stub'}, () => ({
			contents: 'export default {initialize() {}, connectToDevTools() {}};',
			loader: 'js',
		}));
	},
};

const boundInkCaches = {
	name: 'bound-ink-caches',
	setup(b) {
		// Only Ink's own imports (ink/build/*.js, not ink/build/experimental): the patched output.js
		// imports Ink's original by a path of its own, which is left alone.
		b.onResolve({filter: /^\.\/(measure-text|wrap-text|output)\.js$/}, args => {
			if (!/[\\/]ink[\\/]build[\\/][^\\/]+$/.test(args.importer)) return undefined;
			return {path: patches[args.path.slice(2)]};
		});
		// Ink measures every text node of every frame with widest-line: the counting fast path.
		b.onResolve({filter: /^widest-line$/}, args => {
			if (!/[\\/]ink[\\/]build[\\/]render-node-to-output\.js$/.test(args.importer)) return undefined;
			return {path: join(root, 'dist', 'ink-patch', 'widest-line.js')};
		});
	},
};

await build({
	entryPoints: [join(root, 'dist', 'cli.js')],
	outfile: join(root, 'dist', 'zeektop.mjs'),
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node20',
	minify: false,
	legalComments: 'none',
	define: {
		'process.env.NODE_ENV': '"production"',
		'process.env.ZEEKTOP_BUNDLED': '"1"',
		'process.env.ZEEKTOP_VERSION': JSON.stringify(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version),
	},
	// ESM bundles that contain CommonJS need a require for Node's built-ins.
	banner: {js: "import {createRequire as __zeektopRequire} from 'node:module';\nconst require = __zeektopRequire(import.meta.url);"},
	plugins: [boundInkCaches, noDevtools],
	logLevel: 'warning',
});
