import {test, describe} from 'node:test';
import assert from 'node:assert/strict';
import {
	crc32, decodeFrame, encodeFrame, encodeJsonRecord, FRAME_FIELDS, RecordingError, RecordType, RECORDING_HEADER, scanRecording, checkHeader,
} from '../../source/profile/recording-format.js';

const enc = new TextEncoder();
const concat = (...parts: Uint8Array[]) => {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let o = 0;
	for (const p of parts) {
		out.set(p, o);
		o += p.length;
	}
	return out;
};

function frame(wallMs: number) {
	const fields = new Float32Array(FRAME_FIELDS.length).fill(Number.NaN);
	fields[0] = 12.5;
	return {wallMs, tick: 7, host: [50, 1, 2, 3, 8e9, 4e9, 0.5, 5e7], cpuCount: 2, corePercents: [40, 60], rows: [{id: 3, state: 'S', flags: 1, rssBytes: 123_456_789, fields}, {id: 4, state: 'gone', flags: 0, rssBytes: null, fields}]};
}

describe('recording format v1', () => {
	test('CRC-32 is the IEEE one (the check value of "123456789")', () => {
		assert.equal(crc32(enc.encode('123456789')), 0xcbf43926);
	});

	test('frames round-trip, with exact RSS and unknowns as NaN', () => {
		const bytes = concat(enc.encode(RECORDING_HEADER), encodeJsonRecord(RecordType.Meta, {version: 1}), encodeFrame(frame(1_700_000_000_123.5)));
		const scan = scanRecording(bytes);
		assert.equal(scan.tornBytes, 0);
		assert.deepEqual(scan.records.map(r => r.type), [RecordType.Meta, RecordType.Frame]);
		const f = decodeFrame(scan.records[1]!.payload);
		assert.equal(f.wallMs, 1_700_000_000_123.5);
		assert.deepEqual(f.corePercents, [40, 60]);
		assert.deepEqual(f.rows.map(r => [r.id, r.state, r.rssBytes, r.fields[0], Number.isNaN(r.fields[1]!)]), [[3, 'S', 123_456_789, 12.5, true], [4, 'gone', null, 12.5, true]]);
	});

	test('a torn tail is skipped at every possible cut, and a flipped byte fails the checksum', () => {
		const whole = concat(enc.encode(RECORDING_HEADER), encodeJsonRecord(RecordType.Meta, {version: 1}), encodeFrame(frame(1)), encodeFrame(frame(2)));
		const good = scanRecording(whole);
		const lastStart = good.records[2]!.offset;
		for (let cut = lastStart + 1; cut < whole.length; cut++) {
			const s = scanRecording(whole.subarray(0, cut));
			assert.equal(s.records.length, 2, `cut at ${cut}`);
			assert.equal(s.goodEnd, lastStart);
			assert.equal(s.tornBytes, cut - lastStart);
		}
		const flipped = whole.slice();
		flipped[lastStart + 20]! ^= 0x40;
		const s = scanRecording(flipped);
		assert.equal(s.records.length, 2);
		assert.equal(s.tornReason, 'a record failing its checksum');
	});

	test('a file that is not a recording, or from a newer zeektop, gets a one-line error', () => {
		assert.throws(() => checkHeader(enc.encode('#separator \\x09\n'), 'stats.log'), (e: unknown) => e instanceof RecordingError && /^stats\.log is not a zeektop recording .*zeektop record FILE/.test(e.message) && !e.message.includes('\n'));
		assert.throws(() => checkHeader(new Uint8Array(0), 'empty'), /empty is not a zeektop recording/);
		assert.throws(() => checkHeader(enc.encode('ZEEKTOP-RECORDING 9\n'), 'x'), /version 9 recording; this zeektop reads version 1: upgrade/);
		assert.throws(() => checkHeader(enc.encode('ZEEKTOP-RECORDING x\n'), 'x'), /damaged recording header/);
	});
});
