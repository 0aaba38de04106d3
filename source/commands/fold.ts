/**
 * `zeektop fold [FILE|-] [--pid|--tid|--kernel|--jit|--all|--addrs]`: `perf script` text to folded
 * stacks, byte for byte what FlameGraph's stackcollapse-perf.pl prints.
 *
 * The input is streamed through PerfFolder. It is decoded as latin1, one character per byte, as
 * the Perl script sees it: symbols in any encoding (even invalid UTF-8) come out as the same bytes,
 * and the sort of the output lines is Perl's byte order.
 */
import {statSync} from 'node:fs';
import {isatty} from 'node:tty';
import {UsageError} from '../lib/errors.js';
import type {FoldOptions as FoldCommandOptions} from './options.js';
import {escapeText} from '../lib/escape.js';
import {PerfFolder, formatFolded, type FoldOptions, type FoldResult} from '../profile/fold.js';
import {chunksOfFd, chunksOfFile} from '../collect/read-chunks.js';


/** Fold a stream of latin1-decoded text (or bytes, decoded here as latin1). */
export async function foldStream(stream: AsyncIterable<string | Buffer>, options: FoldOptions = {}): Promise<FoldResult> {
	const folder = new PerfFolder(options);
	for await (const chunk of stream) {
		if (typeof chunk === 'string') folder.push(chunk);
		else folder.pushLatin1(chunk);
	}
	return folder.finish();
}

/** Folded text as the bytes stackcollapse-perf.pl writes (latin1 back to the input's bytes). */
export function foldedBytes(result: FoldResult): Buffer {
	return Buffer.from(formatFolded(result.stacks), 'latin1');
}

function openInput(path: string | undefined): AsyncIterable<string | Buffer> {
	if (path === undefined || path === '-') {
		// isatty, not process.stdin.isTTY: creating process.stdin would put fd 0 in non-blocking mode.
		if (isatty(0)) {
			throw new UsageError('fold reads perf script text from a file or a pipe: zeektop fold FILE, or perf script | zeektop fold');
		}
		return chunksOfFd(0);
	}
	try {
		if (statSync(path).isDirectory()) throw new UsageError(`${escapeText(path)} is a directory: give a perf script text file (or - for stdin)`);
	} catch (error) {
		if (error instanceof UsageError) throw error;
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') throw new UsageError(`no such file: ${escapeText(path)} (give a perf script text file, or - for stdin)`);
		throw new UsageError(`cannot read ${escapeText(path)}: ${escapeText((error as Error).message)}`);
	}
	return chunksOfFile(path);
}

function write(data: Buffer): Promise<void> {
	return new Promise((resolve, reject) => {
		process.stdout.write(data, error => (error ? reject(error) : resolve()));
	});
}

export async function runFoldCommand(args: string[], flags: FoldCommandOptions): Promise<number> {
	if (args.length > 1) throw new UsageError(`unexpected argument '${escapeText(args[1]!)}': zeektop fold takes one file (or - for stdin)`);
	const path = args[0];
	const input = openInput(path);
	let result: FoldResult;
	try {
		result = await foldStream(input, {...flags.fold});
	} catch (error) {
		throw new UsageError(`cannot read ${escapeText(path ?? 'stdin')}: ${escapeText((error as Error).message)}`);
	}
	await write(foldedBytes(result));
	if (result.samples === 0 && result.unrecognizedLines > 0) {
		process.stderr.write(`zeektop: no samples folded: ${result.unrecognizedLines} line(s) are not perf script output (first: ${escapeText(result.firstUnrecognized ?? '').slice(0, 80)})\n`);
	}
	return 0;
}
