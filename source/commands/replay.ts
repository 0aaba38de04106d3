import {Replay} from '../state/recording.js';
import {fastCrc32, readRecordingFile} from '../collect/recording.js';
import {RecordingError} from '../profile/recording-format.js';
import {DEFAULT_HISTORY_MS} from '../state/history.js';
import {escapeText} from '../lib/escape.js';
import {parseMomentMs} from '../lib/when.js';
import {snapshotJson} from './snapshot-json.js';
import {renderOnceText} from './once.js';
import {addHistory} from './history-json.js';
import type {Writer} from './record.js';

/**
 * `zeektop replay FILE --once [--json] [--at TIME]`: the snapshot of one moment of a recording in
 * the `--once` shapes (text table, or the JSON document plus each node's `history` over the hour
 * before that moment). TIME is ISO 8601, epoch seconds, or relative to the recording's end (-5m);
 * default its end. A torn tail is skipped and listed in problems.
 */

export type ReplayOptions = {
	file: string;
	once: boolean;
	json: boolean;
	at?: string;
	/** How much history `--json` includes before the moment (default one hour). */
	historyMs?: number;
	width?: number;
	unicode?: boolean;
};

/** Opens a recording for replay (also for the table); RecordingError carries a one-line message. */
export function openReplay(path: string): Replay {
	return new Replay(readRecordingFile(path), {name: path, crc: fastCrc32});
}

export function runReplay(options: ReplayOptions, io: {stdout: Writer; stderr: Writer}): number {
	const fail = (message: string) => {
		io.stderr.write(`zeektop: ${escapeText(message)}\n`);
		return 2;
	};
	if (!options.once) return fail('replay in the table is not available yet: use zeektop replay FILE --once [--json] [--at TIME]');
	let replay: Replay;
	try {
		replay = openReplay(options.file);
	} catch (error) {
		if (error instanceof RecordingError) return fail(error.message);
		if (error instanceof SyntaxError) return fail(`${options.file} is a damaged recording (a record that should be JSON is not)`);
		throw error;
	}
	const span = replay.span;
	if (!span) return fail(`${options.file} is a recording without any frame yet (was it started a moment ago?)`);
	let atMs = span.toMs;
	if (options.at !== undefined) {
		const t = parseMomentMs(options.at, span.toMs);
		if (typeof t === 'string') return fail(`--at ${t}`);
		atMs = t;
	}
	const snapshot = replay.snapshotAt(atMs);
	if (!snapshot) {
		return fail(`--at ${new Date(atMs).toISOString()} is before the recording starts (${new Date(span.fromMs).toISOString()} – ${new Date(span.toMs).toISOString()})`);
	}
	if (replay.tornBytes > 0) {
		snapshot.problems = [...snapshot.problems, {scope: 'recording', message: `${replay.tornBytes} bytes at the end skipped (${replay.tornReason}): the recording was cut off while being written`}];
	}
	if (options.json) {
		const doc = addHistory(snapshotJson(snapshot), replay.store, snapshot.wallMs, snapshot.wallMs - (options.historyMs ?? DEFAULT_HISTORY_MS));
		io.stdout.write(JSON.stringify(doc, null, 2) + '\n');
	} else {
		io.stdout.write(renderOnceText(snapshot, options.width ?? 120, options.unicode ?? true));
	}
	return 0;
}
