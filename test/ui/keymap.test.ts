import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {KEYMAP, SCOPES_BY_VIEW, commandFor, keyName, keysMarkdown, type Command} from '../../source/ui/keymap.js';
import {initialUi, reduceUi} from '../../source/ui/table-keys.js';
import {repoRoot} from '../helpers/env.js';
import {defaultScene} from '../helpers/scene.js';

const ALL_COMMANDS: Command[] = [
	'quit', 'help', 'back', 'up', 'down', 'pageUp', 'pageDown', 'home', 'end', 'filter', 'sortCpu', 'sortMem', 'sortNode',
	'sortPrev', 'sortNext', 'sortInvert', 'openDetail', 'filterAccept', 'filterCancel', 'filterDelete',
];

test('every command has at least one key and a help text', () => {
	for (const c of ALL_COMMANDS) {
		const bindings = KEYMAP.filter(b => b.command === c);
		assert.ok(bindings.length > 0, `${c} has no binding`);
		for (const b of bindings) {
			assert.ok(b.keys.length > 0, `${c} has no key`);
			assert.ok(b.help.length > 5, `${c} has no help`);
		}
	}
});

test('no key is bound twice in one scope, nor shadowed between the scopes of one view', () => {
	for (const [view, scopes] of Object.entries(SCOPES_BY_VIEW)) {
		const seen = new Map<string, string>();
		for (const scope of scopes) {
			for (const b of KEYMAP.filter(k => k.scope === scope)) {
				for (const key of b.keys) {
					assert.ok(!seen.has(key), `${view}: key ${key} bound to ${seen.get(key)} and ${b.command}`);
					seen.set(key, b.command);
				}
			}
		}
	}
});

test('every key of every binding resolves to its command in its scope', () => {
	for (const b of KEYMAP) {
		for (const key of b.keys) assert.equal(commandFor(key, [b.scope]), b.command, `${key} in ${b.scope}`);
	}
});

test('F-keys have a letter alias (tmux and PuTTY eat F-keys)', () => {
	for (const b of KEYMAP) {
		if (b.keys.some(k => /^f\d+$/.test(k))) assert.ok(b.keys.some(k => /^[a-zA-Z?]$/.test(k)), `${b.command} has only F-keys`);
	}
});

test('Ink key events normalise to the keymap names', () => {
	assert.equal(keyName('', {upArrow: true}), 'up');
	assert.equal(keyName('', {pageDown: true}), 'pagedown');
	assert.equal(keyName('', {return: true}), 'return');
	assert.equal(keyName('c', {ctrl: true}), 'C-c');
	assert.equal(keyName('P', {shift: true}), 'P');
	assert.equal(keyName(' ', {}), 'space');
});

test('README keys table is generated from the keymap', () => {
	const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
	assert.ok(readme.includes(keysMarkdown()), 'README.md keys table differs from keysMarkdown(): run `npm run readme-tables`');
});

test('reducer: selection by identity across sorts; paging clamps; filter accept selects the first match', () => {
	const rows = defaultScene().at(-1)!.rows;
	const ctx = {rows, pageSize: 3};
	let s = reduceUi(initialUi, 'end', ctx);
	assert.equal(s.selectedKey, 'worker-3');
	assert.equal(s.scrollTop, 3);
	s = reduceUi(s, 'sortCpu', ctx);
	assert.equal(s.selectedKey, 'worker-3', 'sorting keeps the node selected');
	s = reduceUi(s, 'home', ctx);
	assert.equal(s.selectedKey, 'worker-1', 'hottest first');
	s = reduceUi(s, 'pageDown', ctx);
	s = reduceUi(s, 'pageDown', ctx);
	s = reduceUi(s, 'pageDown', ctx);
	assert.equal(s.selectedKey, 'proxy-1', 'clamped at the last row (lowest CPU)');
	s = reduceUi(s, 'sortInvert', ctx);
	assert.equal(s.sort.descending, false);
	s = reduceUi(s, 'filter', ctx);
	s = {...s, filterDraft: 'work'};
	s = reduceUi(s, 'filterAccept', ctx);
	assert.equal(s.filter, 'work');
	assert.equal(s.selectedKey, 'worker-3', 'first match in the current (ascending CPU) order');
	s = reduceUi(s, 'filter', ctx);
	s = reduceUi(s, 'filterCancel', ctx);
	assert.equal(s.filter, '');
	s = reduceUi(s, 'sortNext', ctx);
	assert.notEqual(s.sort.column, 'cpu');
	s = reduceUi(s, 'quit', ctx);
	assert.equal(s.quit, true);
});

test('every command of every scope is bound, with help, and no binding names another scope\'s command', async () => {
	const {COMMANDS_BY_SCOPE} = await import('../../source/ui/keymap-types.js');
	const {KEYMAP} = await import('../../source/ui/keymap.js');
	const problems: string[] = [];
	for (const [scope, commands] of Object.entries(COMMANDS_BY_SCOPE) as Array<[string, string[]]>) {
		for (const c of commands) {
			const b = KEYMAP.find(k => k.scope === scope && k.command === c);
			if (!b) problems.push(`${scope}: ${c} has no key`);
			else if (b.help.trim().length < 5) problems.push(`${scope}: ${c} has no help text`);
		}
	}
	for (const b of KEYMAP) {
		const list = (COMMANDS_BY_SCOPE as Record<string, string[]>)[b.scope];
		if (!list?.includes(b.command)) problems.push(`${b.scope}: binding for ${b.command} is not a command of that scope`);
	}
	assert.deepEqual(problems, []);
});
