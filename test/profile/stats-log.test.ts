import {test, describe} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {corpusDir} from '../helpers/env.js';
import {parseZeekStatsLog, parseZeekctlStats, unescapeZeek} from '../../source/profile/stats-log.js';
import {escapeText} from '../../source/lib/escape.js';
import {zeekctlCronText} from '../helpers/stats-files.js';

const MIB = 1024 * 1024;
const realStats = () => readFileSync(corpusDir('zeek-real', 'standalone', 'logs', 'stats.log'), 'utf8');

describe('Zeek stats.log (TSV)', () => {
	test('the real Zeek 8.0.10 standalone stats.log', () => {
		const r = parseZeekStatsLog(realStats());
		assert.equal(r.badLines, 0);
		assert.equal(r.points.length, 7);
		const [first, second] = r.points;
		assert.equal(first!.node, 'zeek');
		assert.equal(first!.atMs, 1795666871.633678 * 1000);
		assert.equal(first!.values.rssBytes, 231 * MIB);
		assert.equal(first!.values.receivedPacketsPerSecond, null, 'the first line of a peer has no interval');
		// 9940 packets over the 10.000419 s since the line before.
		assert.ok(Math.abs(second!.values.receivedPacketsPerSecond! - 9940 / (1795666881.634097 - 1795666871.633678)) < 1e-6);
		assert.equal(second!.values.dropPercent, 0);
		assert.equal(second!.values.packetLagSeconds, 0.004046);
		assert.equal(second!.values.activeSessions, 234 + 439 + 0);
		assert.ok(Math.abs(second!.values.eventsPerSecond! - 17338 / 10.000419) < 1e-3);
	});

	test("Zeek's btest baseline (one field, no ts): every data line is counted bad, none fatal", () => {
		const r = parseZeekStatsLog(readFileSync(corpusDir('zeek', 'btest-baselines', 'scripts.policy.misc.stats', 'stats.log'), 'utf8'));
		assert.equal(r.points.length, 0);
		assert.equal(r.badLines, 2);
		assert.match(r.samples[0]!, /ts is not a time/);
	});

	test('several header blocks (concatenated files), drops, unset fields and a line cut off at the end', () => {
		const header = (fields: string[]) => ['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tstats', `#fields\t${fields.join('\t')}`].join('\n');
		const text = [
			header(['ts', 'peer', 'mem', 'pkts_proc', 'pkts_dropped', 'pkt_lag']),
			'100.0\tworker-1\t10\t0\t0\t-',
			'110.0\tworker-1\t11\t900\t100\t0.5',
			'#close\t2026-01-01-00-00-00',
			header(['peer', 'ts', 'mem']),
			'worker-2\t120.0\t12',
			'worker-2\t130.0',
			'worker-2\t140.0\tlots',
			'worker-2\t150.0\t1',
		].join('\n');
		const r = parseZeekStatsLog(text);
		assert.deepEqual(r.points.map(p => [p.node, p.atMs, p.values.rssBytes]), [['worker-1', 100_000, 10 * MIB], ['worker-1', 110_000, 11 * MIB], ['worker-2', 120_000, 12 * MIB]]);
		assert.equal(r.points[0]!.values.packetLagSeconds, null);
		assert.equal(r.points[1]!.values.dropPercent, 10);
		assert.equal(r.points[1]!.values.receivedPacketsPerSecond, 90);
		assert.equal(r.badLines, 3);
		assert.match(r.samples.join(' '), /2 fields.*mem is not a number.*cut off/);
	});

	test('hostile fields: escape sequences are unescaped into the name, and stay escaped on the way to a terminal', () => {
		const text = '#separator \\x09\n#fields\tts\tpeer\tmem\n1.0\t\\x1b[2J\\x1b]0;pwned\\x07wor\\x09ker\\\\1\t5\n';
		const r = parseZeekStatsLog(text);
		assert.equal(r.points.length, 1);
		const name = r.points[0]!.node;
		assert.equal(name, '\u001b[2J\u001b]0;pwned\u0007wor\tker\\1');
		assert.ok(!/[\u0000-\u001f]/.test(escapeText(name)));
		assert.equal(unescapeZeek('a\\x2cb'), 'a,b');
	});
});

describe('Zeek stats.log (JSON lines)', () => {
	test("the docs' JSON record, and ISO 8601 timestamps", () => {
		const doc = readFileSync(corpusDir('zeek', 'docs-examples', 'stats-log-json-example.console.txt'), 'utf8');
		const obj = JSON.parse(doc.slice(doc.indexOf('{'), doc.lastIndexOf('}') + 1)) as Record<string, unknown>;
		const later = {...obj, ts: new Date(1684828710_616).toISOString(), pkts_proc: 3000, pkts_dropped: 1000};
		const r = parseZeekStatsLog(`${JSON.stringify(obj)}\n${JSON.stringify(later)}\n{"ts": "yesterday"}\nnot json\n`);
		assert.equal(r.points.length, 2);
		assert.equal(r.badLines, 2);
		const [a, b] = r.points;
		assert.equal(a!.node, 'zeek');
		assert.equal(a!.atMs, 1684828680.616951 * 1000);
		assert.equal(a!.values.rssBytes, 344 * MIB);
		assert.equal(a!.values.activeSessions, 2279 + 2809 + 96);
		assert.equal(a!.values.packetLagSeconds, 0.003422975540161133);
		assert.equal(b!.values.dropPercent, 25);
		assert.ok(Math.abs(b!.values.receivedPacketsPerSecond! - 3000 / (1684828710.616 - 1684828680.616951)) < 1e-6);
	});
});

describe("zeekctl's cron stats (<spool>/stats.log)", () => {
	test('the record format of the cron-stats baseline: one point per node and run, interfaces folded in, $total skipped', () => {
		const r = parseZeekctlStats(zeekctlCronText([1700000000, 1700000300]));
		assert.equal(r.badLines, 0);
		const nodes = [...new Set(r.points.map(p => p.node))];
		assert.deepEqual(nodes, ['manager', 'proxy-1', 'worker-1', 'worker-2']);
		assert.equal(r.points.length, 8);
		const w1 = r.points.find(p => p.node === 'worker-1' && p.atMs === 1700000300_000)!;
		assert.deepEqual(w1.values, {cpuPercent: 11, rssBytes: 101 * MIB, receivedPacketsPerSecond: 1500, dropPercent: 1});
		const m = r.points.find(p => p.node === 'manager')!;
		assert.equal(m.values.receivedPacketsPerSecond, null);
	});

	test('a new pid between runs marks a restart; errors and bad lines are reported, not fatal', () => {
		const text = zeekctlCronText([1700000000, 1700000300], (node, i) => (node === 'worker-2' && i === 1 ? 5000 : 4242))
			+ '1700000600.00 worker-1 error error cannot connect\n'
			+ 'garbage\n'
			+ 'soon worker-1 parent cpu 3\n'
			+ '1700000600.00 worker-1 parent cpu lots\n'
			+ '1700000600.00 worker-1 parent rss 12';
		const r = parseZeekctlStats(text);
		assert.deepEqual(r.points.filter(p => p.restart).map(p => [p.node, p.atMs]), [['worker-2', 1700000300_000]]);
		assert.deepEqual(r.errors, ['worker-1: cannot connect']);
		assert.equal(r.badLines, 4);
	});
});
