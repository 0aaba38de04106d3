// The folder's per-sample fast path (a repeated sample body read once, looked up by fingerprint)
// against the real stackcollapse-perf.pl on inputs built to hit its edges: bodies repeated under
// filtered event types and java/non-java roots, samples without a closing blank line, comments,
// event and unrecognized lines inside bodies, input without call chains, fingerprint collisions
// beyond a bucket, and more distinct bodies than the cache holds. Chunks of one character never
// hold a whole body, so folding them takes the line-by-line path: the counts must agree too;
// pushLatin1 (bytes, one reused buffer) must give what push gives.
import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {corpusDir, needTool} from '../helpers/env.js';
import {mulberry32} from '../helpers/prng.js';
import {PerfFolder, formatFolded, type FoldOptions, type FoldResult} from '../../source/profile/fold.js';

function perl(text: string, flags: string[] = []): string {
	const dir = mkdtempSync(join(tmpdir(), 'zeektop-fold-fast-'));
	try {
		const file = join(dir, 'in.txt');
		writeFileSync(file, text, 'latin1');
		const script = corpusDir('perf-folding', 'flamegraph-pl', 'tools', 'stackcollapse-perf.pl');
		return execFileSync('perl', [script, ...flags, file], {encoding: 'latin1', maxBuffer: 1 << 28});
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}

function fold(text: string, options: FoldOptions, chunk: number): FoldResult {
	const folder = new PerfFolder(options);
	for (let i = 0; i < text.length; i += chunk) folder.push(text.slice(i, i + chunk));
	return folder.finish();
}

/** pushLatin1 with one reused buffer, as zeektop fold reads: the folder must copy what it keeps. */
function foldBytes(text: string, options: FoldOptions, chunk: number): FoldResult {
	const bytes = Buffer.from(text, 'latin1');
	const scratch = Buffer.alloc(chunk);
	const folder = new PerfFolder(options);
	for (let i = 0; i < bytes.length; i += chunk) {
		const n = bytes.copy(scratch, 0, i, Math.min(bytes.length, i + chunk));
		folder.pushLatin1(scratch.subarray(0, n));
		scratch.fill(0x41); // what a next read would do to a view kept by mistake
	}
	return folder.finish();
}

function same(a: FoldResult, b: FoldResult, what: string): void {
	assert.deepEqual([...a.stacks], [...b.stacks], `${what}: stacks, first-seen order, weights`);
	assert.equal(a.samples, b.samples, what);
	assert.equal(a.weight, b.weight, what);
	assert.equal(a.otherEventSamples, b.otherEventSamples, what);
	assert.equal(a.unrecognizedLines, b.unrecognizedLines, what);
	assert.equal(a.firstUnrecognized, b.firstUnrecognized, what);
}

function check(text: string, options: FoldOptions = {}, flags: string[] = []): FoldResult {
	const want = perl(text, flags);
	const whole = fold(text, options, text.length);
	assert.equal(formatFolded(whole.stacks), want, 'one piece');
	for (const size of [4093, 65_536]) assert.equal(formatFolded(fold(text, options, size).stacks), want, `chunks of ${size}`);
	for (const size of [1, 7, 4093, 1 << 20]) same(foldBytes(text, options, size), whole, `bytes in chunks of ${size}`);
	// Line by line only: same stacks, in the same first-seen order, and the same counts.
	same(whole, fold(text, options, 1), 'vs the line path');
	return whole;
}

const body = ['\t    5e02 leaf+0x72 (/usr/bin/zeek)', '\t    5f4f mid(int)+0xe1 (/usr/bin/zeek)', '\t    ab99 main+0x1179 (/usr/bin/zeek)', ''].join('\n');

describe('fold fast path vs stackcollapse-perf.pl', () => {
	test('repeated bodies under two event types, java and non-java roots, pid/tid roots', t => {
		if (!needTool(t, 'perl')) return;
		let text = '';
		for (let i = 0; i < 40; i++) {
			const comm = i % 3 === 0 ? 'java' : 'zeek';
			const event = i % 4 === 1 ? 'instructions' : 'cycles';
			text += `${comm} ${100 + (i % 2)}/${200 + (i % 5)} ${i}.000: ${1000 + i} ${event}: \n${body}\n`;
		}
		const r = check(text);
		assert.equal(r.otherEventSamples, 10);
		check(text, {tid: true}, ['--tid']);
		check(text, {pid: true, all: true}, ['--pid', '--all']);
	});

	test('a sample without a closing blank line, comments, event and bad lines inside bodies', t => {
		if (!needTool(t, 'perl')) return;
		const parts = [
			`zeek 1 1.0: 1 cycles: \n${body}zeek 1 1.1: 2 cycles: \n${body}\n`, // no blank line between
			`zeek 1 1.2: 3 cycles: \n${body}# a comment\n${body}\n`,
			`zeek 1 1.3: 4 cycles: \n\tnot a stack line\n${body}\n`,
			`zeek 1 1.4: 5 cycles: \n \n${body}\n`, // a blank-only line does not end a sample
			`zeek 1 1.5: 6 cycles: \n\n`, // empty body
			`zeek 1 1.6: 7 cycles: \n\t1 (deleted) (m)\n\n`, // a line that adds no frame
		];
		const text = parts.join('') + parts.join('') + parts.join('');
		const r = check(text);
		assert.ok(r.unrecognizedLines >= 3);
	});

	test('no call chains: no blank lines at all', t => {
		if (!needTool(t, 'perl')) return;
		let text = '';
		for (let i = 0; i < 3000; i++) text += `zeek ${i % 7} ${i}.5: 1 cycles: ffff${(i % 13).toString(16)} f${i % 11} (/usr/bin/zeek)\n`;
		check(text + `zeek 1 9.0: 1 cycles: \n${body}\n`);
	});

	test('bodies that share a fingerprint (differ only past the first line, between sampled chars)', t => {
		if (!needTool(t, 'perl')) return;
		// 33+ lines below the leaf, one hex digit changed per body: more variants than a bucket holds.
		const deep = Array.from({length: 40}, (_, k) => `\t    ${(0x1000 + k).toString(16)} f${k}+0x10 (/usr/bin/zeek)`);
		let text = '';
		for (let rep = 0; rep < 3; rep++) {
			for (let v = 0; v < 16; v++) {
				const lines = [...deep];
				lines[20] = `\t    1014 f20+0x1${v.toString(16)} (/usr/bin/zeek)`;
				lines[21] = `\t    1015 g${v.toString(16)}+0x10 (/usr/bin/zeek)`;
				text += `zeek 1 ${rep}.${v}: 1 cycles: \n${lines.join('\n')}\n\n`;
			}
		}
		check(text);
	});

	test('more distinct bodies than the cache holds', t => {
		if (!needTool(t, 'perl')) return;
		const rand = mulberry32(15);
		let text = '';
		for (let i = 0; i < 26_000; i++) {
			const leaf = `f${Math.floor(rand() * 30_000)}`;
			text += `zeek 1 ${i}.0: ${1 + (i % 3)} cycles: \n\t 10 ${leaf}+0x1 (/usr/bin/zeek)\n\t 20 main+0x2 (/usr/bin/zeek)\n\n`;
		}
		check(text);
	});

	test('a real capture (FlameGraph corpus), every option set', t => {
		if (!needTool(t, 'perl')) return;
		const text = readFileSync(corpusDir('perf-folding', 'flamegraph-pl', 'test', 'perf-java-stacks-01.txt'), 'latin1');
		check(text);
		check(text, {all: true, tid: true}, ['--all', '--tid']);
		check(text, {addrs: true}, ['--addrs']);
	});
});

