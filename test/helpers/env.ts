import {existsSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {execFileSync} from 'node:child_process';
import type {TestContext} from 'node:test';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** ../shared/corpora beside the clone (CI lays shared/ there), or $ZEEKTOP_CORPORA. */
export function corpusDir(...parts: string[]): string {
	const base = process.env.ZEEKTOP_CORPORA ?? resolve(repoRoot, '..', 'shared', 'corpora');
	if (!existsSync(base)) {
		throw new Error(`test corpora not found at ${base}: set ZEEKTOP_CORPORA or lay shared/ beside the repo`);
	}
	return join(base, ...parts);
}

export const inCI = process.env.CI === 'true' || process.env.CI === '1';

function hasTool(tool: string): boolean {
	try {
		execFileSync('sh', ['-c', `command -v ${tool}`], {stdio: 'ignore'});
		return true;
	} catch {
		return false;
	}
}

/**
 * Skip a test when a system tool is missing on a developer machine; in CI a missing tool is a
 * failure, never a skip (CI installs them all in .ci/run).
 */
export function needTool(t: TestContext, ...tools: string[]): boolean {
	const missing = tools.filter(tool => !hasTool(tool));
	if (missing.length === 0) return true;
	if (inCI) throw new Error(`required tool(s) missing in CI: ${missing.join(', ')}`);
	t.skip(`missing tool(s): ${missing.join(', ')}`);
	return false;
}
