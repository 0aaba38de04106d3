// npm run bench [-- section ...] [--seconds N] [--soak-minutes N]
// Prints ratios against the named anchor measured in the same run; no thresholds, no asserts.
import {benchTui} from './tui.js';
import {benchMetrics} from './metrics.js';
import {benchFold} from './fold.js';

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

if (want('metrics')) report(await benchMetrics());
if (want('fold')) report(await benchFold());
if (want('tui')) report(await benchTui({seconds: num('--seconds', 30), soakMinutes: num('--soak-minutes', 10)}));
process.exit(0);
