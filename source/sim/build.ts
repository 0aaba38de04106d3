import {existsSync} from 'node:fs';
import {createHash} from 'node:crypto';
import {chmod, copyFile, mkdir, readFile, rename, rm, stat} from 'node:fs/promises';
import {homedir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {describeFailure, run} from '../capture/runner.js';

/**
 * Builds the simulated Zeek node (sim/zeek.cc) on first use into a per-user cache, keyed by a hash
 * of the sources and flags, so a changed source rebuilds and concurrent builders never see a half
 * written binary (build to a temporary name, then rename).
 */

/**
 * The directory holding sim/: two levels above this module (dist/sim/build.js, source/sim/build.ts)
 * or one above the one-file bundle (dist/zeektop.mjs in the npm package). The bundle copied alone
 * finds none, and the demo says so.
 */
function findPackageRoot(): string {
	const here = dirname(fileURLToPath(import.meta.url));
	for (const up of [['..', '..'], ['..']]) {
		const candidate = resolve(here, ...up);
		if (existsSync(join(candidate, 'sim', 'zeek.cc'))) return candidate;
	}
	return resolve(here, '..', '..');
}

export const packageRoot = findPackageRoot();
export const simSourcePath = join(packageRoot, 'sim', 'zeek.cc');
export const runZeekSourcePath = join(packageRoot, 'sim', 'run-zeek');

/** Frame pointers and symbols so perf shows whole stacks; -O1 keeps the named functions apart. */
export const simCompileFlags = ['-std=c++17', '-O1', '-g', '-fno-omit-frame-pointer', '-pthread'];

export type SimTools = {
	/** The node binary; named `zeek` so comm and argv[0] look like Zeek. */
	zeek: string;
	/** A copy of sim/run-zeek beside it (zeekctl's wrapper), executable. */
	runZeek: string;
	dir: string;
};

export function simCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
	const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
	return join(base, 'zeektop', 'sim');
}

let building: Promise<SimTools> | undefined;

/** Path of the built `zeek` stand-in, building it when missing. */
export async function ensureSimBinary(): Promise<string> {
	return (await ensureSimTools()).zeek;
}

export function ensureSimTools(): Promise<SimTools> {
	building ??= buildSimTools().catch(error => {
		building = undefined; // let a later call retry (e.g. after installing g++)
		throw error;
	});
	return building;
}

async function exists(path: string): Promise<boolean> {
	try {
		const s = await stat(path);
		return s.isFile() && (s.mode & 0o111) !== 0;
	} catch {
		// missing or unreadable: build it
		return false;
	}
}

async function buildSimTools(): Promise<SimTools> {
	const [source, wrapper] = await Promise.all([readFile(simSourcePath), readFile(runZeekSourcePath)]);
	const hash = createHash('sha256').update(source).update('\0').update(wrapper).update('\0').update(simCompileFlags.join(' ')).digest('hex').slice(0, 16);
	const dir = join(simCacheRoot(), hash);
	const tools: SimTools = {zeek: join(dir, 'zeek'), runZeek: join(dir, 'run-zeek'), dir};
	if (await exists(tools.zeek) && await exists(tools.runZeek)) return tools;

	await mkdir(dir, {recursive: true});
	const tag = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
	const tmpZeek = join(dir, `.zeek.tmp-${tag}`);
	const tmpWrapper = join(dir, `.run-zeek.tmp-${tag}`);
	try {
		if (!await exists(tools.zeek)) {
			const result = await run('g++', [...simCompileFlags, '-o', tmpZeek, simSourcePath], {timeoutMs: 300_000});
			if (result.code !== 0) throw new Error(`cannot build the simulated Zeek node: ${describeFailure('g++', result, 'g++')}`);
			await rename(tmpZeek, tools.zeek);
		}
		if (!await exists(tools.runZeek)) {
			await copyFile(runZeekSourcePath, tmpWrapper);
			await chmod(tmpWrapper, 0o755);
			await rename(tmpWrapper, tools.runZeek);
		}
	} finally {
		await rm(tmpZeek, {force: true});
		await rm(tmpWrapper, {force: true});
	}
	return tools;
}
