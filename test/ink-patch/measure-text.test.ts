// The fast width of measure-text.ts against widest-line (what Ink 6.8 uses) on zeektop-like text
// and on random strings mixing one-column, wide, combining and escape characters.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import widestLine from 'widest-line';
import measureText, {fastWidestLine, simpleLineWidth} from '../../source/ink-patch/measure-text.js';

test('zeektop table lines: counted, equal to widest-line', () => {
	const lines = [
		'NODE^               PID   CPU% CPU         MAIN%     RSS MEM',
		'worker-1           8626   99.9  █████████   99.9   6.20M ▁▂▃▄▅▆▇█    +588K',
		'\u001b[7mworker-2\u001b[27m  \u001b[33m+100M\u001b[39m  7@4s  ▲ ▼ · …',
		' 0[|||||||||||100%]  1[|||         26%]',
		'┌──┐│└┘',
		'',
	];
	for (const line of lines) {
		assert.notEqual(simpleLineWidth(line), undefined, line);
		assert.equal(simpleLineWidth(line), widestLine(line), line);
	}
	assert.deepEqual(measureText(lines.join('\n')), {width: Math.max(...lines.map(l => widestLine(l))), height: lines.length});
});

test('anything else goes to widest-line: wide, combining, emoji, tabs, other escapes', () => {
	for (const line of ['日本語のノード', 'e\u0301', '🙂 ok', 'a\tb', '\u001b]8;;http://x\u0007link\u001b]8;;\u0007', '\u00ad', '◽']) {
		assert.equal(simpleLineWidth(line), undefined, JSON.stringify(line));
		assert.equal(fastWidestLine(line), widestLine(line), JSON.stringify(line));
	}
});

test('random strings: the fast width always equals widest-line', () => {
	const pool = [' ', 'a', 'Z', '~', '█', '▁', '─', '…', '·', '▲', '\u001b[1;36m', '\u001b[0m', '日', '🙂', 'e\u0301', '\u200b', '\t', 'é', '\u00a0'];
	let seed = 7;
	const rand = (n: number) => {
		seed = (seed * 1103515245 + 12345) % 2 ** 31;
		return seed % n;
	};
	for (let i = 0; i < 3000; i++) {
		const lines = Array.from({length: 1 + rand(4)}, () => Array.from({length: rand(30)}, () => pool[rand(pool.length)]).join(''));
		const text = lines.join('\n');
		assert.equal(fastWidestLine(text), widestLine(text), JSON.stringify(text));
	}
});
