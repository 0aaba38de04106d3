/**
 * Profile text of any format zeektop reads (folded stacks, perf script text, jeprof --collapsed)
 * → a call tree. Pure: the caller reads the file; an unreadable text is a result, not an exception,
 * so a view shows it and a command turns it into its one-line error.
 */
import {escapeText} from '../lib/escape.js';
import {detectProfileFormat, type ProfileFormat} from './detect-format.js';
import {foldPerfScriptToMap} from './fold.js';
import {parseJeprofCollapsed} from './jeprof.js';
import {buildTree, parseFoldedLines, stacksInSamples, type FlameTree} from './tree.js';


export type LoadedProfile = {
	tree: FlameTree;
	format: Exclude<ProfileFormat, 'unknown'>;
	/** What the counts are: samples (perf, folded) or bytes (jeprof). */
	unit: 'samples' | 'bytes';
	/** Samples in the input, when known (perf script: events folded). */
	samples: number;
	notes: string[];
};

/** Profile text of any supported format → a call tree, or why not (naming `name`, escaped). */
export function loadProfile(text: string, name: string): {ok: true; profile: LoadedProfile} | {ok: false; error: string} {
	const format = detectProfileFormat(text);
	const notes: string[] = [];
	switch (format) {
		case 'folded': {
			const parsed = parseFoldedLines(text);
			if (parsed.skippedLines > 0) notes.push(`${parsed.skippedLines} line(s) were not "stack count" and were skipped`);
			const tree = buildTree(parsed.stacks);
			return {ok: true, profile: {tree, format, unit: 'samples', samples: tree.totalSamples, notes}};
		}
		case 'perf-script': {
			const fold = foldPerfScriptToMap(text);
			if (fold.otherEventSamples > 0) notes.push(`${fold.otherEventSamples} samples of other event types were left out (shown: ${fold.event})`);
			if (fold.unrecognizedLines > 0) notes.push(`${fold.unrecognizedLines} unreadable line(s)`);
			return {ok: true, profile: {tree: buildTree(stacksInSamples(fold.stacks, fold.samples)), format, unit: 'samples', samples: fold.samples, notes}};
		}
		case 'jeprof-collapsed': {
			const stacks = parseJeprofCollapsed(text);
			let negative = 0;
			for (const count of stacks.values()) if (count < 0) negative++;
			if (negative > 0) notes.push(`${negative} stack(s) shrank against the base profile and are not drawn`);
			const tree = buildTree(stacks);
			return {ok: true, profile: {tree, format, unit: 'bytes', samples: tree.totalSamples, notes}};
		}
		default:
			return {ok: false, error: `${escapeText(name)} is not a profile zeektop can read: expected folded stacks, perf script output or jeprof --collapsed output`};
	}
}

