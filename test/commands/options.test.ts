import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {spawnSync} from 'node:child_process';
import {FLAGS, dashed, defaultOptions, helpText, meowFlags, optionsMarkdown, parseOptions, unknownFlags} from '../../source/commands/options.js';
import {UsageError} from '../../source/lib/errors.js';
import {repoRoot} from '../helpers/env.js';

const fails = (flags: Record<string, unknown>, pattern: RegExp) =>
	assert.throws(() => parseOptions(flags), (e: unknown) => e instanceof UsageError && pattern.test(e.message) && !e.message.includes('\n'));

test('the meow spec, the known-flag check, --help and the README table come from one table', () => {
	const spec = meowFlags();
	assert.deepEqual(Object.keys(spec), FLAGS.map(f => f.name));
	assert.deepEqual(unknownFlags({interval: 1, perfSeconds: 3, help: true}), []);
	assert.deepEqual(unknownFlags({interval: 1, bogusFlag: true}), ['--bogus-flag']);
	const help = helpText();
	for (const f of FLAGS) assert.ok(help.includes(dashed(f.name)), `--help lacks ${dashed(f.name)}`);
	const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
	assert.ok(readme.includes(optionsMarkdown()), 'README.md options table differs from optionsMarkdown(): run `npm run readme-tables`');
	assert.equal(new Set(FLAGS.map(f => f.name)).size, FLAGS.length, 'a flag is in the table twice');
});

test('one rule per flag: defaults, ranges, and the error names the flag and what it takes', () => {
	const d = defaultOptions();
	assert.equal(d.intervalMs, 1000);
	assert.equal(d.perfSeconds, 10);
	assert.equal(d.perfFrequency, 99);
	assert.equal(d.callGraph, 'fp');
	assert.equal(d.metricsIntervalMs, 10_000);
	assert.deepEqual(d.metricsUrls, []);
	fails({interval: 50}, /^--interval must be at least 100 ms \(got 50\)$/);
	fails({seconds: 0.05}, /^--seconds must be a number of seconds from 0\.1 to 3600/);
	// --seconds means the same in perf and heap: a capture length from 0.1 to 3600 s.
	assert.equal(parseOptions({seconds: 0.5}).seconds, 0.5);
	assert.equal(parseOptions({seconds: 0.5}).perfSeconds, 0.5);
	fails({perfFrequency: 0}, /^--perf-frequency must be a whole number of Hz/);
	fails({callGraph: 'lbr'}, /^--call-graph must be fp or dwarf \(got 'lbr'\)/);
	fails({workers: 0}, /^--workers must be a whole number from 1 to 256/);
	fails({layout: 'zeek9'}, /^--layout must be one of zeek6, zeek7, zeek8/);
	fails({metrics: ['ftp://x']}, /^--metrics needs an http:\/\/ URL/);
	fails({metricsInterval: 0}, /^--metrics-interval/);
	fails({metricsTimeout: 10}, /^--metrics-timeout/);
	fails({width: 10}, /^--width must be a whole number from 20 to 10000 \(got 10\)$/);
	fails({height: 2.5}, /^--height must be a whole number from 3 to 10000/);
	fails({allocSkip: ['(']}, /^--alloc-skip '\(' is not a regular expression/);
	fails({interval: Number.NaN, layout: '\u001b[2J'}, /^--interval/);
	assert.equal(parseOptions({metrics: [false]}).metricsUrls, null);
	assert.deepEqual(parseOptions({metrics: ['http://127.0.0.1:9991']}).metricsUrls, ['http://127.0.0.1:9991/metrics']);
	assert.deepEqual(parseOptions({spool: '/srv/zeek/spool/'}).spool, {dir: '/srv/zeek/spool/', cwdUnder: '/srv/zeek/spool/'});
	assert.equal(parseOptions({allocSkip: ['^MyPool::Alloc$']}).allocatorPatterns.at(-1)?.pattern, '^MyPool::Alloc$');
});

test('npm run typecheck covers test/, bench/ and scripts/', () => {
	const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
	const r = spawnSync(process.execPath, [tsc, '-p', join(repoRoot, 'tsconfig.check.json'), '--listFilesOnly'], {encoding: 'utf8', cwd: repoRoot});
	assert.equal(r.status, 0, r.stderr);
	const files = r.stdout.split('\n').filter(f => f.startsWith(repoRoot + '/') && !f.includes('/node_modules/'));
	for (const dir of ['source', 'test', 'bench', 'scripts']) {
		assert.ok(files.some(f => f.startsWith(join(repoRoot, dir) + '/')), `${dir}/ is not type-checked`);
	}
	assert.ok(files.includes(join(repoRoot, 'test', 'commands', 'options.test.ts')));
	const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {scripts: Record<string, string>};
	assert.match(pkg.scripts.typecheck!, /tsconfig\.check\.json/);
	assert.match(pkg.scripts.test!, /npm run typecheck/);
});
