import {closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, statSync, truncateSync, unlinkSync, writeFileSync, writeSync} from 'node:fs';
import {basename, dirname, join} from 'node:path';
import * as zlib from 'node:zlib';
import {crc32, RECORDING_HEADER, RecordingError, scanRecording} from '../profile/recording-format.js';

/**
 * Recording files (format: profile/recording-format.ts). A new file appears whole, header and all
 * (written beside it, then renamed); records are appended, each in one write, so a crash leaves at
 * most a torn last record, which readers skip and the next writer cuts off.
 */

/** node:zlib's CRC-32 (Node ≥ 20.15) is native; the pure one otherwise. Same values. */
export const fastCrc32: (bytes: Uint8Array) => number =
	typeof (zlib as {crc32?: unknown}).crc32 === 'function' ? (b => (zlib as unknown as {crc32(b: Uint8Array): number}).crc32(b)) : (b => crc32(b));

export type RecordingFile = {
	path: string;
	/** Bytes cut off a torn tail when the file was opened for appending. */
	repairedBytes: number;
	append(records: Uint8Array[]): void;
	close(): void;
};

function ioMessage(path: string, error: unknown, doing: string): string {
	const e = error as NodeJS.ErrnoException;
	if (e.code === 'ENOENT') return `${path}: no such file${doing === 'read' ? '' : ' or directory'}`;
	if (e.code === 'EACCES' || e.code === 'EPERM') return `${path}: permission denied (${doing})`;
	if (e.code === 'EISDIR') return `${path} is a directory: give a file name`;
	return `${path}: cannot ${doing} (${e.code ?? e.message})`;
}

/** Opens (or creates) a recording for appending. Throws RecordingError with a one-line message. */
export function openRecordingForAppend(path: string, syncEveryMs = 5000): RecordingFile {
	let repairedBytes = 0;
	try {
		if (!existsSync(path)) {
			const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
			try {
				writeFileSync(tmp, RECORDING_HEADER, {flag: 'wx'});
				renameSync(tmp, path);
			} finally {
				if (existsSync(tmp)) unlinkSync(tmp);
			}
		} else {
			if (statSync(path).isDirectory()) throw new RecordingError(`${path} is a directory: give a file name`);
			const scan = scanRecording(readFileSync(path), path, fastCrc32);
			if (scan.tornBytes > 0) {
				truncateSync(path, scan.goodEnd);
				repairedBytes = scan.tornBytes;
			}
		}
	} catch (error) {
		if (error instanceof RecordingError) throw error;
		throw new RecordingError(ioMessage(path, error, 'write'));
	}
	let fd: number;
	try {
		fd = openSync(path, 'a');
	} catch (error) {
		throw new RecordingError(ioMessage(path, error, 'write'));
	}
	let lastSync = Date.now();
	return {
		path,
		repairedBytes,
		append(records: Uint8Array[]): void {
			if (records.length === 0) return;
			const total = records.reduce((n, r) => n + r.length, 0);
			const buf = Buffer.allocUnsafe(total);
			let o = 0;
			for (const r of records) {
				buf.set(r, o);
				o += r.length;
			}
			// One write: a crash tears at most this batch, the reader skips the torn part.
			let written = 0;
			while (written < total) written += writeSync(fd, buf, written, total - written);
			if (Date.now() - lastSync >= syncEveryMs) {
				fsyncSync(fd);
				lastSync = Date.now();
			}
		},
		close(): void {
			try {
				fsyncSync(fd);
			} finally {
				closeSync(fd);
			}
		},
	};
}

/** A recording's bytes, or a RecordingError with a one-line message. */
export function readRecordingFile(path: string): Uint8Array {
	try {
		if (statSync(path).isDirectory()) throw new RecordingError(`${path} is a directory, not a recording`);
		return readFileSync(path);
	} catch (error) {
		if (error instanceof RecordingError) throw error;
		throw new RecordingError(ioMessage(path, error, 'read'));
	}
}
