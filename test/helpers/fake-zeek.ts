import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {repoRoot} from './env.js';

/** Compile test/fixtures/fake-zeek.cc into <dir>/bin/zeek (the binary must be named zeek). */
export function buildFakeZeek(dir: string): string {
	const bin = join(dir, 'bin');
	mkdirSync(bin, {recursive: true});
	const out = join(bin, 'zeek');
	if (!existsSync(out)) {
		execFileSync('g++', ['-O1', '-pthread', '-o', out, join(repoRoot, 'test', 'fixtures', 'fake-zeek.cc')], {stdio: 'pipe'});
	}
	return out;
}

export type FakeNode = {child: ChildProcess; pid: number; cwd: string};

/** Start it the way zeekctl does: cwd <spool>/<node>, CLUSTER_NODE, zeekctl's argument shape. */
export function startZeekctlNode(binary: string, spool: string, node: string, opts: {iface?: string; env?: Record<string, string>} = {}): FakeNode {
	const cwd = join(spool, node);
	mkdirSync(cwd, {recursive: true});
	const args = [
		...(opts.iface ? ['-i', opts.iface] : []), '-U', '.status', '-p', 'zeekctl', '-p', 'zeekctl-live', '-p', 'local', '-p', node,
		'local.zeek', 'zeekctl', 'base/frameworks/cluster', 'zeekctl/auto',
	];
	const child = spawn(binary, args, {cwd, env: {PATH: process.env.PATH, CLUSTER_NODE: node, ...opts.env}, stdio: 'ignore'});
	writeFileSync(join(cwd, '.pid'), `${child.pid}\n`);
	writeFileSync(join(cwd, '.cmdline'), [binary, ...args].join(' ') + '\n');
	writeFileSync(join(cwd, '.env_vars'), `CLUSTER_NODE=${node}\n`);
	writeFileSync(join(cwd, '.status'), 'RUNNING [net_run]\n');
	return {child, pid: child.pid!, cwd};
}

export function tempDir(prefix: string): string {
	return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
	rmSync(dir, {recursive: true, force: true});
}

export async function stopAll(nodes: FakeNode[]): Promise<void> {
	await Promise.all(nodes.map(n => new Promise<void>(resolve => {
		if (n.child.exitCode !== null || n.child.signalCode !== null) return resolve();
		n.child.once('exit', () => resolve());
		n.child.kill('SIGKILL');
	})));
}

export const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));
