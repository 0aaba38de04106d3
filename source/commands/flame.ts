/**
 * `zeektop flame FILE [--print] [--width N] [--height N]`: a folded file, `perf script` text or
 * `jeprof --collapsed` output as a flame graph: interactive in a terminal, plain text otherwise.
 */
import {readFileSync, statSync} from 'node:fs';
import {basename} from 'node:path';
import {UsageError} from '../lib/errors.js';
import {escapeText} from '../lib/escape.js';
import {writeFlameExport} from '../capture/store.js';
import {loadProfile, type LoadedProfile} from '../profile/load.js';
import {renderProfileReport} from '../profile/report.js';
import type {FlameOptions} from './options.js';

export {stacksInSamples} from '../profile/tree.js';
export {renderProfileReport, type ReportOptions} from '../profile/report.js';
export {writeFlameExport} from '../capture/store.js';
export type {LoadedProfile} from '../profile/load.js';

/** loadProfile for the command line: unreadable text is a UsageError naming `name`. */
export function loadProfileText(text: string, name: string): LoadedProfile {
	const r = loadProfile(text, name);
	if (!r.ok) throw new UsageError(r.error);
	return r.profile;
}

/** --width/--height, else the terminal's size, else 120x40 (not a terminal). */
export function outputSize(flags: Pick<FlameOptions, 'width' | 'height'>, stdout: {isTTY?: boolean; columns?: number; rows?: number}): {width: number; height: number} {
	const {width, height} = flags;
	const tty = stdout.isTTY === true;
	return {
		width: width ?? (tty && stdout.columns ? stdout.columns : 120),
		height: height ?? (tty && stdout.rows ? Math.max(3, stdout.rows - 1) : 40),
	};
}

function readProfileFile(path: string): string {
	let size: number;
	try {
		const st = statSync(path);
		if (st.isDirectory()) throw new UsageError(`${escapeText(path)} is a directory: give a profile file (folded stacks, perf script text or jeprof --collapsed output)`);
		size = st.size;
	} catch (error) {
		if (error instanceof UsageError) throw error;
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') throw new UsageError(`no such file: ${escapeText(path)} (give a folded file, perf script text or jeprof --collapsed output)`);
		throw new UsageError(`cannot read ${escapeText(path)}: ${(error as Error).message}`);
	}
	if (size > 2 ** 30) throw new UsageError(`${escapeText(path)} is larger than 1 GiB: fold it first (zeektop fold FILE > FILE.folded)`);
	try {
		return readFileSync(path, 'utf8');
	} catch (error) {
		throw new UsageError(`cannot read ${escapeText(path)}: ${(error as Error).message}`);
	}
}

export async function runFlameCommand(args: string[], flags: FlameOptions): Promise<number> {
	if (args.length === 0) throw new UsageError('flame needs a file: zeektop flame FILE (folded stacks, perf script text or jeprof --collapsed output)');
	if (args.length > 1) throw new UsageError(`unexpected argument '${escapeText(args[1]!)}': zeektop flame takes one file`);
	const path = args[0]!;
	const size = outputSize(flags, process.stdout);
	const profile = loadProfileText(readProfileFile(path), path);
	const name = basename(path);
	const formatLabel = profile.format === 'perf-script' ? 'perf script' : profile.format === 'jeprof-collapsed' ? 'jeprof --collapsed' : 'folded';
	const interactive = process.stdout.isTTY === true && process.stdin.isTTY === true && !flags.print;

	if (!interactive) {
		const t = profile.tree;
		const lines = [
			`${escapeText(name)}  ${formatLabel}  ${fmt(t.totalSamples)} ${profile.unit}  ${t.stackCount} stacks  ${t.size - 1} frames  depth ${t.maxDepth}`,
			...profile.notes.map(n => `note: ${escapeText(n)}`),
		];
		if (t.totalSamples === 0) lines.push(`no ${profile.unit} in ${escapeText(name)}`);
		process.stdout.write(renderProfileReport(t, {width: size.width, height: size.height, lines}));
		return 0;
	}

	const {runFlameInteractive} = await import('../ui/run-flame.js');
	const {colorEnabled} = await import('../ui/theme.js');
	const {unicodeOk} = await import('../ui/glyphs.js');
	return runFlameInteractive({
		tree: profile.tree,
		header: {
			title: `${name} (${formatLabel})`,
			samples: profile.tree.totalSamples,
			unit: profile.unit,
			note: profile.notes[0],
		},
		theme: {color: colorEnabled(process.env, true), unicode: unicodeOk()},
		exportView: (state, width) => {
			const file = writeFlameExport(profile.tree, state, width, process.cwd(), `${escapeText(name)}  ${formatLabel}`);
			return `wrote ${file}`;
		},
	});
}

function fmt(n: number): string {
	return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
