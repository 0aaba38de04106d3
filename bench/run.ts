// npm run bench [-- section ...] [--seconds N] [--soak-minutes N]
// Prints ratios against the named anchor measured in the same run; no thresholds, no asserts.
import {existsSync} from 'node:fs';
import {register} from 'node:module';
import {benchTui} from './tui.js';
import {benchMetrics} from './metrics.js';
import {benchFold} from './fold.js';
import {benchDiff} from './diff.js';
import {benchHistory} from './history.js';

const args = process.argv.slice(2);
const num = (flag: string, d: number) => {
	const i = args.indexOf(flag);
	return i >= 0 ? Number(args[i + 1]) : d;
};
const sections = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1]!.startsWith('--')));
const want = (s: string) => sections.length === 0 || sections.includes(s);

const lines: string[] = [];
const report = (l: string[]) => {
	for (const line of l) {
		console.log(line);
		lines.push(line);
	}
};

/**
 * Sections that mount Ink are imported only now, after doing what cli.tsx does before Ink loads:
 * Ink's two unbounded text caches swapped for zeektop's bounded ones (the resolve hook of the
 * build, dist/ink-patch), and CI variables dropped (is-in-ci would make Ink render nothing).
 */
let inkPrepared = false;
function prepareInk(): void {
	if (inkPrepared) return;
	inkPrepared = true;
	const hooks = new URL('../dist/ink-patch/hooks.js', import.meta.url);
	if (existsSync(hooks)) register(hooks);
	else console.log('(dist/ink-patch missing: Ink runs with its own unbounded caches; run npm run build)');
	for (const key of Object.keys(process.env)) {
		if (key === 'CI' || key === 'CONTINUOUS_INTEGRATION' || key.startsWith('CI_')) delete process.env[key];
	}
}

if (want('metrics')) report(await benchMetrics());
if (want('fold')) report(await benchFold());
if (want('diff')) report(await benchDiff());
if (want('history')) report(await benchHistory());
if (want('tui')) report(await benchTui({seconds: num('--seconds', 30), soakMinutes: num('--soak-minutes', 10)}));
if (want('flamekeys')) {
	prepareInk();
	const {benchFlameKeys} = await import('./flamekeys.js');
	report(await benchFlameKeys());
}
if (want('heap')) {
	prepareInk();
	const {benchHeap} = await import('./heap.js');
	report(await benchHeap());
}
if (want('heap-v2')) {
	const {benchHeapV2} = await import('./heap-v2.js');
	report(await benchHeapV2());
}
process.exit(0);
