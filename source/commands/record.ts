import {statSync} from 'node:fs';
import type {Monitor} from '../state/monitor.js';
import {RecordingEncoder} from '../state/recording.js';
import {openRecordingForAppend, type RecordingFile} from '../collect/recording.js';
import {RecordingError} from '../profile/recording-format.js';
import {onCleanup} from '../lib/cleanup.js';
import {escapeText} from '../lib/escape.js';
import {formatBytes} from '../lib/format.js';

/**
 * `zeektop record FILE [--seconds N] [--interval MS]`: headless recording (cron, tickets). Drives
 * the same Monitor as the table, one frame per tick; stops after --seconds, on SIGINT/SIGTERM, or
 * when `signal` aborts. Appending to an existing recording starts a new session in it.
 */

export type Writer = {write(text: string): unknown};

export type RecordOptions = {
	file: string;
	/** Stop after this many seconds; undefined: until interrupted. */
	seconds?: number;
	intervalMs: number;
	monitor: Monitor;
	zeektopVersion: string;
	signal?: AbortSignal;
	/** fsync at most this often (default 5 s): a crash loses at most that much. */
	syncEveryMs?: number;
};

export async function runRecord(options: RecordOptions, io: {stdout: Writer; stderr: Writer}): Promise<number> {
	if (options.seconds !== undefined && (!Number.isFinite(options.seconds) || options.seconds <= 0)) {
		io.stderr.write(`zeektop: --seconds must be a positive number (got ${options.seconds})\n`);
		return 2;
	}
	let file: RecordingFile;
	try {
		file = openRecordingForAppend(options.file, options.syncEveryMs);
	} catch (error) {
		if (error instanceof RecordingError) {
			io.stderr.write(`zeektop: ${escapeText(error.message)}\n`);
			return 2;
		}
		throw error;
	}
	if (file.repairedBytes > 0) io.stderr.write(`zeektop: ${escapeText(options.file)}: cut off a torn last record (${file.repairedBytes} bytes) before appending\n`);
	let closed = false;
	const close = () => {
		if (closed) return;
		closed = true;
		file.close();
	};
	const unregister = onCleanup(close);
	const monitor = options.monitor;
	let frames = 0;
	const nodes = new Set<string>();
	let encoder: RecordingEncoder | undefined;
	const started = Date.now();
	const deadline = options.seconds === undefined ? Infinity : started + options.seconds * 1000;
	try {
		// The first tick has no rates yet: it is the baseline, not recorded.
		monitor.tick();
		await monitor.metrics?.scrapeAll();
		for (let k = 1; ; k++) {
			const due = started + k * options.intervalMs;
			if (due > deadline + 1 || options.signal?.aborted) break;
			await sleepUntil(due, options.signal);
			if (options.signal?.aborted) break;
			const snapshot = monitor.tick();
			encoder ??= new RecordingEncoder({startedAt: new Date(snapshot.wallMs).toISOString(), intervalMs: options.intervalMs, hostname: snapshot.host.hostname, zeektop: options.zeektopVersion});
			const records = frames === 0 ? [encoder.start(), ...encoder.encode(snapshot)] : encoder.encode(snapshot);
			file.append(records);
			frames++;
			for (const r of snapshot.rows) nodes.add(r.key);
		}
	} catch (error) {
		const e = error as NodeJS.ErrnoException;
		if (e.code) {
			io.stderr.write(`zeektop: writing ${escapeText(options.file)} failed (${e.code}): the recording keeps what was written before\n`);
			return 1;
		}
		throw error;
	} finally {
		close();
		unregister();
	}
	io.stderr.write(`zeektop: recorded ${frames} frame${frames === 1 ? '' : 's'} of ${nodes.size} node${nodes.size === 1 ? '' : 's'} to ${escapeText(options.file)} (${formatBytes(fileSize(options.file))})\n`);
	return 0;
}

function fileSize(path: string): number {
	try {
		return statSync(path).size;
	} catch {
		return 0;
	}
}

function sleepUntil(atMs: number, signal?: AbortSignal): Promise<void> {
	const ms = Math.max(0, atMs - Date.now());
	return new Promise(resolve => {
		const timer = setTimeout(done, ms);
		function done() {
			clearTimeout(timer);
			signal?.removeEventListener('abort', done);
			resolve();
		}
		signal?.addEventListener('abort', done, {once: true});
	});
}
