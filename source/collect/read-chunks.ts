/**
 * A file or stdin read in pieces, synchronously, into one reused buffer.
 *
 * Why not fs.createReadStream: folding 70 MiB of `perf script` read that way (as latin1 text)
 * spent more CPU on a fresh Buffer per read, decoding, the stream machinery and collecting the
 * garbage than on folding. The folder takes the bytes (PerfFolder.pushLatin1) and decodes only
 * what it has not seen before.
 */
import {closeSync, openSync, readSync} from 'node:fs';

export const READ_CHUNK_BYTES = 1024 * 1024;

function isRetry(error: unknown): boolean {
	const code = (error as NodeJS.ErrnoException).code;
	return code === 'EAGAIN' || code === 'EWOULDBLOCK';
}

/**
 * fd's bytes until end of file. Each piece is a view of one buffer that the next piece
 * overwrites: use it before asking for the next. A non-blocking descriptor (stdin left in that
 * mode by whoever started us) with nothing to read yet is polled, not taken for the end.
 */
export async function* chunksOfFd(fd: number): AsyncGenerator<Buffer> {
	const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
	for (;;) {
		let n: number;
		try {
			n = readSync(fd, buffer, 0, buffer.length, null);
		} catch (error) {
			if (!isRetry(error)) throw error;
			await new Promise(resolve => setTimeout(resolve, 5));
			continue;
		}
		if (n === 0) return;
		yield buffer.subarray(0, n);
	}
}

/** A file's pieces (see chunksOfFd); the file is closed when the reading ends, however it ends. */
export async function* chunksOfFile(path: string): AsyncGenerator<Buffer> {
	const fd = openSync(path, 'r');
	try {
		yield* chunksOfFd(fd);
	} finally {
		closeSync(fd);
	}
}
