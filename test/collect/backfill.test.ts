import {test, describe, after} from 'node:test';
import assert from 'node:assert/strict';
import {copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {gzipSync} from 'node:zlib';
import {corpusDir} from '../helpers/env.js';
import {zeekctlCronText} from '../helpers/stats-files.js';
import {findBackfillFiles, readBackfill, readStatsText} from '../../source/collect/backfill.js';
import {HistoryStore, applyBackfill} from '../../source/state/history.js';

const root = mkdtempSync(join(tmpdir(), 'zeektop-backfill-'));
after(() => rmSync(root, {recursive: true, force: true}));
const realStats = corpusDir('zeek-real', 'standalone', 'logs', 'stats.log');
const REAL_FIRST_MS = 1795666871.633678 * 1000;

describe('backfill from a zeekctl spool', () => {
	const spool = join(root, 'spool');
	for (const n of ['manager', 'logger-1', 'worker-1']) mkdirSync(join(spool, n), {recursive: true});
	// The logger writes the cluster's stats.log; an older rotated archive sits beside it.
	const text = readFileSync(realStats, 'utf8').replaceAll('\tzeek\t', '\tworker-1\t');
	writeFileSync(join(spool, 'logger-1', 'stats.log'), text);
	const older = text.replace(/^(\d+)\./gm, (_, s: string) => `${Number(s) - 600}.`);
	writeFileSync(join(spool, 'logger-1', 'stats.2026-11-26-04-00-00.log.gz'), gzipSync(older));
	writeFileSync(join(spool, 'logger-1', 'stats.2020-01-01-00-00-00.log'), older);
	utimesSync(join(spool, 'logger-1', 'stats.2020-01-01-00-00-00.log'), new Date('2020-01-01'), new Date('2020-01-01'));
	writeFileSync(join(spool, 'stats.log'), zeekctlCronText([REAL_FIRST_MS / 1000, REAL_FIRST_MS / 1000 + 30]) + '1795666999.00 worker-1 parent cpu');

	test('finds the logger stats.log, the fresh rotated archive, zeekctl cron stats; skips stale archives', () => {
		const files = findBackfillFiles([{role: 'worker', launch: 'zeekctl', cwd: join(spool, 'worker-1')}], Date.now() - 3600_000);
		assert.deepEqual(files.map(f => f.path.slice(spool.length + 1)).sort(), ['logger-1/stats.2026-11-26-04-00-00.log.gz', 'logger-1/stats.log', 'stats.log']);
	});

	test('reads, classifies by content, counts the cut-off cron line, and fills the store oldest first', () => {
		const files = findBackfillFiles([{role: 'worker', launch: 'zeekctl', cwd: join(spool, 'worker-1')}], Date.now() - 3600_000);
		const r = readBackfill(files, REAL_FIRST_MS - 700_000);
		const byPath = Object.fromEntries(r.files.map(f => [f.path.slice(spool.length + 1), [f.kind, f.points, f.badLines]]));
		assert.deepEqual(byPath, {
			'logger-1/stats.2026-11-26-04-00-00.log.gz': ['stats.log', 7, 0],
			'logger-1/stats.log': ['stats.log', 7, 0],
			'stats.log': ['zeekctl', 8, 1],
		});
		assert.equal(r.problems.length, 1);
		assert.match(r.problems[0]!.message, /spool\/stats\.log: 1 bad line skipped \(line \d+: cut off/);
		const store = new HistoryStore();
		applyBackfill(store, r.points);
		const w = store.get('worker-1')!;
		assert.equal(w.length, 7 + 7 + 2);
		assert.equal(w.oldestMs, Math.round(REAL_FIRST_MS - 600_000), "ms resolution");
		assert.equal(w.sourceAt(0), 'stats.log');
		// The cron stats and Zeek's stats.log interleave: both columns are known just after the first.
		const t = REAL_FIRST_MS + 31_000;
		assert.equal(w.valueAt('cpuPercent', t), 11);
		assert.equal(w.valueAt('activeSessions', t), 234 + 438, 'the stats.log line 30 s in');
		assert.deepEqual(store.keys().sort(), ['manager', 'proxy-1', 'worker-1', 'worker-2']);
	});

	test('an unreadable file is a problem, not a crash', () => {
		const r = readBackfill([{path: join(spool, 'nope', 'stats.log'), rotated: false}], 0);
		assert.equal(r.points.length, 0);
		assert.match(r.problems[0]!.message, /cannot read .*ENOENT/);
	});
});

describe('standalone', () => {
	test("a standalone node's own cwd", () => {
		const cwd = join(root, 'standalone');
		mkdirSync(cwd);
		copyFileSync(realStats, join(cwd, 'stats.log'));
		const files = findBackfillFiles([{role: 'standalone', launch: 'standalone', cwd}], 0);
		assert.deepEqual(files.map(f => f.path), [join(cwd, 'stats.log')]);
		const r = readBackfill(files, 0);
		assert.deepEqual([...new Set(r.points.map(p => p.node))], ['zeek']);
	});

	test('a big file is read from its end, header kept', () => {
		const path = join(root, 'big-stats.log');
		const text = readFileSync(realStats, 'utf8');
		const header = text.split('\n').filter(l => l.startsWith('#')).join('\n');
		const line = text.split('\n').find(l => /^\d/.test(l))!;
		const lines = Math.ceil((33 * 1024 * 1024) / line.length);
		writeFileSync(path, `${header}\n${`${line}\n`.repeat(lines)}`);
		const read = readStatsText(path);
		assert.ok(read.length < 33 * 1024 * 1024);
		assert.ok(read.startsWith('#separator'));
		rmSync(path);
	});
});
