/**
 * `zeektop diff A B`: the command line's side of commands/diff.ts. With --folded, --print, --top or
 * --json the diff is printed; with none of them, a terminal gets the interactive diff view and a
 * pipe the change table.
 */
import {UsageError} from '../lib/errors.js';
import {escapeText} from '../lib/escape.js';
import {jeprofCacheDir} from '../session/heap-session.js';
import {colorEnabled} from '../ui/theme.js';
import {unicodeOk} from '../ui/glyphs.js';
import {runDiff, runDiffInteractive} from './diff.js';
import type {DiffCommandOptions} from './options.js';

export async function runDiffCommand(args: string[], options: DiffCommandOptions): Promise<number> {
	if (args.length !== 2) {
		throw new UsageError(`diff takes two profiles, before and after (got ${args.length === 0 ? 'none' : args.map(a => `'${escapeText(a)}'`).join(', ')}): zeektop diff BEFORE AFTER [--folded|--print|--top|--json]`);
	}
	const [a, b] = args as [string, string];
	const d = options.diff;
	const io = {stdout: process.stdout, stderr: process.stderr};
	const tty = process.stdout.isTTY === true;
	const common = {
		a, b, normalize: d.normalize, stripHex: d.stripHex, negate: d.negate, binary: options.heapFile.binary,
		jeprofCacheDir: jeprofCacheDir(process.env), color: colorEnabled(process.env, tty),
	};
	const mode = d.mode ?? (options.json ? 'json' : options.print ? 'print' : undefined);
	if (mode === undefined && tty && process.stdin.isTTY === true) return runDiffInteractive({...common, unicode: unicodeOk()}, io);
	return runDiff({
		...common, mode: mode ?? 'top', width: options.width ?? (tty && process.stdout.columns ? process.stdout.columns : 120),
		height: options.height ?? (tty && process.stdout.rows ? Math.max(3, process.stdout.rows - 1) : 40),
		limit: d.limit, output: d.output,
	}, io);
}
