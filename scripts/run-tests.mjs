#!/usr/bin/env node
// Runs every test/**/*.test.ts(x) with node:test through tsx. Node 20's --test takes no globs,
// so the file list is built here. Extra arguments are passed through (e.g. a single file).
import {readdirSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {spawnSync} from 'node:child_process';

function find(dir) {
	const out = [];
	for (const name of readdirSync(dir)) {
		const p = join(dir, name);
		if (statSync(p).isDirectory()) out.push(...find(p));
		else if (/\.test\.tsx?$/.test(name)) out.push(p);
	}
	return out;
}

const args = process.argv.slice(2);
const files = args.length > 0 ? args : find('test').sort();
const result = spawnSync(
	process.execPath,
	['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
	{stdio: 'inherit', env: {...process.env, NODE_ENV: 'production'}},
);
process.exit(result.status ?? 1);
