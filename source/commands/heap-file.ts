/**
 * `zeektop heap DUMP.heap [--binary BIN] [--base OLD.heap] --text|--collapsed [--show-bytes]
 * [--inuse-objects|--alloc-space|--alloc-objects] [--cum]`: what `jeprof --text [--base=OLD] BIN
 * DUMP` prints on stdout, byte for byte (`--collapsed`: the same stacks and counts; jeprof's line
 * order is Perl hash order), without jeprof or Perl. `--binary` defaults to the dump's program.
 *
 * Exit 0 with the table; 2 with one line on stderr for bad input (unreadable/truncated dump,
 * missing binary); 1 when symbolizing fails (binutils missing).
 */
import {escapeText} from '../lib/escape.js';
import {heapTables, type HeapTablesMode} from '../capture/heap-tables.js';
import type {HeapMetric} from '../profile/heap-v2.js';

export type HeapFileOptions = {
	dump: string;
	binary?: string;
	base?: string;
	format: HeapTablesMode;
	/** jeprof --show_bytes (text only; collapsed is always in bytes/objects). */
	showBytes?: boolean;
	metric?: HeapMetric;
	cum?: boolean;
	/** Symbol cache directory; default $XDG_CACHE_HOME/zeektop/symbols; null: no cache. */
	cacheDir?: string | null;
	/** Print cache/timing notes on stderr. */
	verbose?: boolean;
	env?: NodeJS.ProcessEnv;
};

export type HeapFileIo = {
	stdout: {write(chunk: string): unknown; isTTY?: boolean};
	stderr: {write(chunk: string): unknown};
	signal?: AbortSignal;
};

export async function runHeapFile(options: HeapFileOptions, io: HeapFileIo): Promise<number> {
	const r = await heapTables({
		dump: options.dump,
		binary: options.binary,
		base: options.base,
		mode: options.format,
		showBytes: options.showBytes,
		metric: options.metric,
		cum: options.cum,
		cacheDir: options.cacheDir,
		env: options.env,
		signal: io.signal,
	});
	if (!r.ok) {
		io.stderr.write(`zeektop heap: ${escapeText(r.reason)}\n`);
		return /is not installed|failed|cancelled/.test(r.reason) ? 1 : 2;
	}
	for (const note of r.notes) io.stderr.write(`zeektop heap: note: ${escapeText(note)}\n`);
	if (options.verbose) {
		const s = r.stats;
		io.stderr.write(`zeektop heap: ${s.addresses} addresses in ${s.objects} objects, ${s.cachedAddresses} from the cache; ${Math.round(r.durationMs)} ms (addr2line ${Math.round(s.addr2lineMs)} ms)\n`);
	}
	// Byte for byte into a pipe or file; on a terminal, symbol names are untrusted text.
	io.stdout.write(io.stdout.isTTY ? r.output.split('\n').map(escapeText).join('\n') : r.output);
	return 0;
}
