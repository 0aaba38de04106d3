import {test} from 'node:test';
import assert from 'node:assert/strict';
import {escapeText} from '../../source/lib/escape.js';
import {Ring, slope} from '../../source/lib/ring.js';
import {formatBytes, formatCount, formatDuration, formatPercent, padEnd, padStart, truncate} from '../../source/lib/format.js';
import {osReason, UsageError} from '../../source/lib/errors.js';

test('escapeText: control bytes, SGR-shaped payloads, C1, bidi overrides become visible; text stays', () => {
	assert.equal(escapeText('worker-1'), 'worker-1');
	assert.equal(escapeText('\u001b[31mred\u001b[0m'), '\\e[31mred\\e[0m');
	assert.equal(escapeText('\u001b]0;title\u0007'), '\\e]0;title\\x07');
	assert.equal(escapeText('a\nb\tc\rd'), 'a\\nb\\tc\\rd');
	assert.equal(escapeText('\u009b2J'), '\\x9b2J', 'C1 CSI is as dangerous as ESC [');
	assert.equal(escapeText('\u007f'), '\\x7f');
	assert.equal(escapeText('abc\u202edef'), 'abc\\u202edef');
	assert.equal(escapeText('zeek::Conn → ü 日本'), 'zeek::Conn → ü 日本');
	// No raw control character survives anything.
	let all = '';
	for (let c = 0; c < 0x200; c++) all += String.fromCodePoint(c);
	assert.doesNotMatch(escapeText(all), /[\u0000-\u001f\u007f-\u009f]/);
});

test('Ring: keeps the newest values in order past its capacity; slope', () => {
	const r = new Ring(3);
	assert.deepEqual(r.last(5), []);
	for (const v of [1, 2, 3, 4, 5]) r.push(v);
	assert.equal(r.length, 3);
	assert.deepEqual(r.last(5), [3, 4, 5]);
	assert.deepEqual(r.last(2), [4, 5]);
	assert.deepEqual([r.at(0), r.at(2), r.at(3), r.at(-1)], [3, 5, undefined, undefined]);
	const c = r.clone();
	r.push(6);
	assert.deepEqual(c.last(3), [3, 4, 5], 'a clone is independent');
	assert.equal(slope([0, 1, 2], [1, 3, 5]), 2);
	assert.equal(slope([1], [1]), null);
	assert.equal(slope([2, 2], [1, 5]), null, 'no spread in x: no slope');
});

test('format: bytes, counts, percents, durations, padding, truncation; no -0', () => {
	assert.deepEqual([formatBytes(0), formatBytes(1023), formatBytes(1024), formatBytes(1536 * 1024), formatBytes(-2048)], ['0B', '1023B', '1.00K', '1.50M', '-2.00K']);
	assert.equal(formatBytes(-0.4), '0B');
	assert.equal(formatBytes(-0), '0B');
	assert.deepEqual([formatBytes(null), formatBytes(Number.NaN)], ['-', '-']);
	assert.deepEqual([formatCount(999), formatCount(1234), formatCount(25_000), formatCount(2_500_000), formatCount(3e9), formatCount(2.5)], ['999', '1.2k', '25k', '2.5M', '3.0G', '2.5']);
	assert.deepEqual([formatPercent(12.345), formatPercent(undefined)], ['12.3', '-']);
	assert.deepEqual([formatDuration(42), formatDuration(725), formatDuration(5 * 3600 + 720), formatDuration(3 * 86400 + 4 * 3600), formatDuration(-1)], ['42s', '12m05s', '5h12m', '3d04h', '-']);
	assert.deepEqual([padEnd('ab', 4), padStart('ab', 4), padEnd('abcdef', 3)], ['ab  ', '  ab', 'abc']);
	assert.deepEqual([truncate('abcdef', 4), truncate('abc', 4), truncate('abcdef', 2), truncate('x', 0)], ['abc~', 'abc', 'ab', '']);
});

test('errors: OS reasons in a few words', () => {
	const e = Object.assign(new Error('write failed'), {code: 'ENOSPC'});
	assert.equal(osReason(e), 'ENOSPC (no space left on device)');
	assert.equal(osReason(Object.assign(new Error('x'), {code: 'EWEIRD'})), 'EWEIRD');
	assert.equal(osReason(new Error('plain')), 'plain');
	assert.ok(new UsageError('m') instanceof Error);
});
