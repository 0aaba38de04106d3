/**
 * A raw jemalloc heap dump (heap_v2) as a diff input: jeprof --collapsed symbolises it against
 * the program that wrote it, then it is read like any collapsed profile (collect/profile-input).
 * Runs through capture/jemalloc's runJeprof (runner, timeout, cache), so this file only adapts.
 */
import {basename} from 'node:path';
import {escapeText} from '../lib/escape.js';
import {ProfileInputError, stacksFromText, type ProfileInput, type ReadPurpose} from '../collect/profile-input.js';
import {runJeprof} from './jemalloc.js';

export type HeapDumpInputOptions = {
	/** The program that wrote the dump (jeprof needs its symbols): the Zeek binary, /proc/PID/exe. */
	binary?: string;
	purpose: ReadPurpose;
	stripHex?: boolean;
	jeprofPath?: string;
	cacheDir?: string;
	signal?: AbortSignal;
};

export async function readHeapDumpInput(path: string, options: HeapDumpInputOptions): Promise<ProfileInput> {
	if (options.binary === undefined) {
		throw new ProfileInputError(`${escapeText(path)} is a jemalloc heap dump: jeprof needs the program that wrote it; give --binary PATH (the zeek binary, or /proc/PID/exe while it runs)`);
	}
	const result = await runJeprof({
		binary: options.binary,
		dump: path,
		mode: 'collapsed',
		jeprofPath: options.jeprofPath,
		cacheDir: options.cacheDir,
		signal: options.signal,
	});
	if (!result.ok) throw new ProfileInputError(`cannot read heap dump ${escapeText(path)}: ${escapeText(result.reason)}`);
	const read = stacksFromText(result.output, basename(path), options.purpose, {stripHex: options.stripHex});
	return {...read, kind: 'heap-dump', unit: 'bytes', label: basename(path), path};
}
