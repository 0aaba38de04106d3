// The interactive diff view through Ink (ink-testing-library): keys move, Tab shows the change
// table, e exports the folded diff, q quits.
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import React from 'react';
import {render} from 'ink-testing-library';
import {writeDiffExport} from '../../source/commands/diff.js';
import {buildDiffTree, parseFoldedForDiff} from '../../source/profile/diff.js';
import {DiffApp} from '../../source/ui/run-diff.js';

const temp = mkdtempSync(join(tmpdir(), 'zeektop-diff-app-'));
after(() => rmSync(temp, {recursive: true, force: true}));
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

test('DiffApp: navigate, change table, export, quit', async () => {
	const map = (t: string) => parseFoldedForDiff(t).stacks;
	const diff = buildDiffTree(map('zeek;main;old_hot 60\nzeek;main;steady 30\n'), map('zeek;main;old_hot 20\nzeek;main;steady 30\nzeek;main;new_hot 40\n'), {normalize: true});
	let quit = 0;
	const app = render(
		<DiffApp
			diff={diff}
			header={{before: 'worker-1 06:00', after: 'worker-1 07:00'}}
			theme={{color: false, unicode: false}}
			size={{columns: 100, rows: 30}}
			exportView={() => `wrote ${writeDiffExport(diff, temp)}`}
			onQuit={() => quit++}
		/>,
	);
	try {
		await sleep(50);
		assert.match(app.lastFrame()!, /^A worker-1 06:00 -> B worker-1 07:00 +\[diff flame\]/);
		assert.match(app.lastFrame()!, /^\[\+f\] grew in B/m);
		assert.doesNotMatch(app.lastFrame()!, /normalized|raw counts/, 'equal totals (90 and 90): nothing to say');
		for (const k of ['j', 'j', 'j']) {
			app.stdin.write(k);
			await sleep(30);
		}
		assert.match(app.lastFrame()!, /^new_hot  total A 0 B 40 \+40/m);
		app.stdin.write('\t');
		await sleep(50);
		assert.match(app.lastFrame()!, /\[diff changes\]/);
		assert.match(app.lastFrame()!, /SELF A +SELF B +CHANGE/);
		app.stdin.write('e');
		for (let i = 0; i < 100 && readdirSync(temp).filter(f => f.endsWith('.folded')).length === 0; i++) await sleep(20);
		await sleep(50);
		const files = readdirSync(temp).filter(f => f.endsWith('.folded'));
		assert.equal(files.length, 1);
		assert.match(app.lastFrame()!, /wrote .*zeektop-diff-\d{8}T\d{6}Z\.folded/);
		assert.match(readFileSync(join(temp, files[0]!), 'utf8'), /^zeek;main;new_hot 0 40$/m);
		app.stdin.write('q');
		for (let i = 0; i < 100 && quit === 0; i++) await sleep(20);
		assert.equal(quit, 1);
	} finally {
		app.unmount();
	}
});
