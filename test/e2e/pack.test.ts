import {test} from 'node:test';
import assert from 'node:assert/strict';
import {accessSync, constants, existsSync, readFileSync, readdirSync, realpathSync} from 'node:fs';
import {delimiter, dirname, join} from 'node:path';
import {run} from '../../source/capture/runner.js';
import {needTool, repoRoot} from '../helpers/env.js';
import {removeDir, tempDir} from '../helpers/fake-zeek.js';

// Issue #7: `npm pack` gives a package that `npm install -g` turns into a working `zeektop`
// command. The package is the one-file bundle (no runtime dependencies), so the install works
// offline. npm runs with its own cache and no user or global npmrc, so nothing outside the
// temporary directory is read or written.

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {version: string; bin: Record<string, string>};

test('npm pack + npm install -g (offline): a self-contained zeektop command', async t => {
	assert.ok(existsSync(join(repoRoot, 'dist', 'zeektop.mjs')), 'dist/zeektop.mjs missing: npm test runs npm run build first');
	const dir = tempDir('zeektop-pack-');
	t.after(() => removeDir(dir));
	const path = [dirname(process.execPath), process.env.PATH ?? '/usr/bin:/bin'].join(delimiter);
	const env: NodeJS.ProcessEnv = {
		PATH: path,
		HOME: dir,
		npm_config_cache: join(dir, 'cache'),
		npm_config_userconfig: join(dir, 'no-npmrc'),
		npm_config_globalconfig: join(dir, 'no-global-npmrc'),
		npm_config_update_notifier: 'false',
		npm_config_fund: 'false',
		npm_config_audit: 'false',
		npm_config_loglevel: 'warn',
	};
	const npm = (args: string[], cwd: string) => run('npm', args, {cwd, env, timeoutMs: 180_000});

	// npm test has just built dist/: skip prepare (a second tsc + esbuild run) here.
	const pack = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], repoRoot);
	assert.equal(pack.code, 0, pack.stderr);
	const [info] = JSON.parse(pack.stdout) as Array<{filename: string; size: number; unpackedSize: number; files: Array<{path: string; mode: number}>}>;
	assert.ok(info, 'npm pack --json printed no package');
	const files = info.files.map(f => f.path).sort();
	for (const wanted of ['package.json', 'README.md', 'dist/zeektop.mjs', 'sim/zeek.cc', 'sim/run-zeek']) {
		assert.ok(files.includes(wanted), `${wanted} is not in the package: ${files.join(', ')}`);
	}
	const stray = files.filter(f => /^(test|source|scripts|bench|node_modules|screenshots|\.ci)\//.test(f) || (f.startsWith('dist/') && f !== 'dist/zeektop.mjs'));
	assert.deepEqual(stray, [], 'only the bundle, sim/ and the docs are shipped');
	assert.equal(pkg.bin.zeektop, 'dist/zeektop.mjs', 'bin is the one-file bundle');
	assert.ok(readFileSync(join(repoRoot, 'dist', 'zeektop.mjs'), 'utf8').startsWith('#!/usr/bin/env node\n'), 'the bundle starts with a node shebang');
	t.diagnostic(`${info.filename}: ${files.length} files, ${info.size} bytes packed, ${info.unpackedSize} unpacked`);

	// --offline: with no dependencies there is nothing to fetch; a fetch would fail the install.
	const prefix = join(dir, 'prefix');
	const tarball = join(dir, info.filename);
	const install = await npm(['install', '--global', '--prefix', prefix, '--offline', tarball], dir);
	assert.equal(install.code, 0, install.stderr);
	const installed = join(prefix, 'lib', 'node_modules', 'zeektop');
	assert.ok(!existsSync(join(installed, 'node_modules')), 'the installed package pulls in no dependencies');
	assert.deepEqual(readdirSync(join(installed, 'dist')), ['zeektop.mjs']);
	const bin = join(prefix, 'bin', 'zeektop');
	assert.equal(realpathSync(bin), realpathSync(join(installed, 'dist', 'zeektop.mjs')));
	accessSync(bin, constants.X_OK);

	// The command itself (through its shebang), from a directory with no package.json above it.
	const zeektop = (args: string[], timeoutMs = 60_000) => run(bin, args, {cwd: dir, env: {PATH: path, HOME: dir}, timeoutMs});
	const version = await zeektop(['--version']);
	assert.equal(version.code, 0, version.stderr);
	assert.equal(version.stdout.trim(), pkg.version);
	const help = await zeektop(['--help']);
	assert.equal(help.code, 0, help.stderr);
	assert.match(help.stdout, /Usage/);
	assert.match(help.stdout, /\$ zeektop perf <node\|pid>/);
	assert.match(help.stdout, /--version, --help/);
	// No Zeek on this host (or whatever runs): one valid JSON snapshot either way.
	const once = await zeektop(['--once', '--json', '--interval', '200', '--no-metrics']);
	assert.equal(once.code, 0, once.stderr);
	const doc = JSON.parse(once.stdout);
	assert.ok(Array.isArray(doc.nodes));
	assert.ok(Array.isArray(doc.problems));
	assert.equal(typeof doc.host.hostname, 'string');

	// The demo finds sim/ inside the installed package (the bundle sits one level below it).
	await t.test('zeektop demo from the installed package', async st => {
		if (!needTool(st, 'g++')) return;
		const demo = await run(bin, ['demo', '--once', '--json', '--workers', '1', '--interval', '500'], {
			cwd: dir, env: {...process.env, PATH: path}, timeoutMs: 180_000,
		});
		assert.equal(demo.code, 0, demo.stderr);
		const nodes = (JSON.parse(demo.stdout).nodes as Array<{node: string}>).map(n => n.node).sort();
		assert.ok(nodes.includes('manager') && nodes.includes('worker-1'), `demo nodes: ${nodes.join(', ')}`);
	});
});
