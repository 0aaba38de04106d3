import {test} from 'node:test';
import assert from 'node:assert/strict';
import {parseDurationMs, parseMomentMs} from '../../source/lib/when.js';

test('durations: units, compounds, bare seconds; anything else says how to write one', () => {
	assert.equal(parseDurationMs('90s'), 90_000);
	assert.equal(parseDurationMs('2h30m'), 9000_000);
	assert.equal(parseDurationMs('1d'), 86400_000);
	assert.equal(parseDurationMs('45'), 45_000);
	assert.match(String(parseDurationMs('1 hour')), /not a duration: use e\.g\. 90s/);
	assert.match(String(parseDurationMs('')), /not a duration/);
});

test('moments: ISO 8601, epoch seconds, relative to the reference', () => {
	const ref = Date.UTC(2026, 11, 4, 12, 0, 0);
	assert.equal(parseMomentMs('-5m', ref), ref - 300_000);
	assert.equal(parseMomentMs('+30s', ref), ref + 30_000);
	assert.equal(parseMomentMs('now', ref), ref);
	assert.equal(parseMomentMs('2026-12-04T11:00:00Z', ref), ref - 3600_000);
	assert.equal(parseMomentMs('1795666871.5', ref), 1795666871_500);
	assert.match(String(parseMomentMs('-5 minutes', ref)), /not a time: use ISO 8601/);
	assert.match(String(parseMomentMs('2026-13-45', ref)), /not a time/);
});
