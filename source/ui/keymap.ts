/**
 * Keybindings are data: one table of commands with keys, scope and help text. The help overlay,
 * the footer and the README keys table are generated from it, so they never drift.
 */

import {FLAME_BINDINGS} from './keymap-flame.js';
import {HEAP_BINDINGS} from './keymap-heap.js';
import type {Binding, Scope} from './keymap-types.js';

export type {Binding, Command, Scope} from './keymap-types.js';

export const TABLE_BINDINGS: Binding[] = [
	{command: 'quit', keys: ['q', 'C-c'], scope: 'global', help: 'quit (restores the terminal)', footer: 'quit'},
	{command: 'help', keys: ['?', 'h', 'f1'], scope: 'global', help: 'show or hide this help', footer: 'help'},
	{command: 'up', keys: ['up', 'k'], scope: 'table', help: 'move the selection up'},
	{command: 'down', keys: ['down', 'j'], scope: 'table', help: 'move the selection down'},
	{command: 'pageUp', keys: ['pageup', 'C-b'], scope: 'table', help: 'one page up'},
	{command: 'pageDown', keys: ['pagedown', 'C-f', 'space'], scope: 'table', help: 'one page down'},
	{command: 'home', keys: ['home', 'g'], scope: 'table', help: 'first row'},
	{command: 'end', keys: ['end', 'G'], scope: 'table', help: 'last row'},
	{command: 'filter', keys: ['/'], scope: 'table', help: 'incremental filter on node, role, pid (Enter applies, Esc clears)', footer: 'filter'},
	{command: 'sortCpu', keys: ['P'], scope: 'table', help: 'sort by CPU%', footer: 'cpu'},
	{command: 'sortMem', keys: ['M'], scope: 'table', help: 'sort by RSS', footer: 'mem'},
	{command: 'sortNode', keys: ['N'], scope: 'table', help: 'sort by node name'},
	{command: 'sortPrev', keys: ['<', ','], scope: 'table', help: 'sort by the previous column'},
	{command: 'sortNext', keys: ['>', '.'], scope: 'table', help: 'sort by the next column'},
	{command: 'sortInvert', keys: ['I'], scope: 'table', help: 'invert the sort order'},
	{command: 'openDetail', keys: ['return'], scope: 'table', help: 'details of the selected node (charts, threads)', footer: 'detail'},
	{command: 'perf', keys: ['p'], scope: 'table', help: 'perf capture of the selected node (10 s, 99 Hz; --perf-seconds, --perf-frequency), then its flame graph', footer: 'perf'},
	{command: 'heap', keys: ['m'], scope: 'table', help: 'jemalloc heap profile of the selected node: growth since the last dump, live, allocation sites', footer: 'heap'},
	{command: 'back', keys: ['escape', 'backspace', 'delete', 'left'], scope: 'detail', help: 'back to the table', footer: 'back'},
	{command: 'perf', keys: ['p'], scope: 'detail', help: 'perf capture of this node', footer: 'perf'},
	{command: 'heap', keys: ['m'], scope: 'detail', help: 'heap profile of this node', footer: 'heap'},
	{command: 'openCapture', keys: ['1', '2', '3', '4', '5', '6', '7', '8', '9'], scope: 'detail', help: 'open saved capture N of the list (its flame graph)', footer: 'open capture'},
	{command: 'up', keys: ['up', 'k'], scope: 'detail', help: 'previous node'},
	{command: 'down', keys: ['down', 'j'], scope: 'detail', help: 'next node'},
	{command: 'back', keys: ['escape', '?', 'q', 'return'], scope: 'help', help: 'close the help'},
	{command: 'filterAccept', keys: ['return'], scope: 'filter', help: 'apply the filter and select the first match'},
	{command: 'filterCancel', keys: ['escape'], scope: 'filter', help: 'clear the filter'},
	{command: 'filterDelete', keys: ['backspace', 'delete'], scope: 'filter', help: 'delete a character'},
];

export const KEYMAP: Binding[] = [...TABLE_BINDINGS, ...FLAME_BINDINGS, ...HEAP_BINDINGS];

/** Scopes active in each view, most specific first. */
export const SCOPES_BY_VIEW = {
	table: ['table', 'global'],
	detail: ['detail', 'global'],
	help: ['help'],
	filter: ['filter'],
	flame: ['flame', 'global'],
	flameSearch: ['flameSearch'],
	capture: ['capture', 'global'],
	heap: ['heap', 'global'],
	confirm: ['confirm'],
} satisfies Record<string, Scope[]>;

export type InkKey = {
	upArrow: boolean; downArrow: boolean; leftArrow: boolean; rightArrow: boolean;
	pageDown: boolean; pageUp: boolean; home: boolean; end: boolean;
	return: boolean; escape: boolean; ctrl: boolean; shift: boolean; tab: boolean;
	backspace: boolean; delete: boolean; meta: boolean;
};

/**
 * Ink's (input, key) → one normalised key name. The Backspace key of most terminals (xterm, tmux)
 * sends DEL (^?), which Ink 6.8 names 'delete' (^H is 'backspace'): bindings that go back with
 * Backspace list both.
 */
export function keyName(input: string, key: Partial<InkKey>): string {
	if (key.upArrow) return 'up';
	if (key.downArrow) return 'down';
	if (key.leftArrow) return 'left';
	if (key.rightArrow) return 'right';
	if (key.pageUp) return 'pageup';
	if (key.pageDown) return 'pagedown';
	if (key.home) return 'home';
	if (key.end) return 'end';
	if (key.return) return 'return';
	if (key.escape) return 'escape';
	if (key.tab) return key.shift ? 'S-tab' : 'tab';
	if (key.backspace) return 'backspace';
	if (key.delete) return 'delete';
	if (key.ctrl && input) return `C-${input.toLowerCase()}`;
	if (input === ' ') return 'space';
	if (input === '\u001bOP' || input === '[11~') return 'f1';
	return input;
}

export function commandFor(name: string, scopes: readonly Scope[]): string | undefined {
	for (const scope of scopes) {
		const b = KEYMAP.find(k => k.scope === scope && k.keys.includes(name));
		if (b) return b.command;
	}
	return undefined;
}

const pretty: Record<string, string> = {
	up: 'Up', down: 'Down', left: 'Left', right: 'Right', pageup: 'PgUp', pagedown: 'PgDn', home: 'Home', end: 'End',
	return: 'Enter', escape: 'Esc', backspace: 'Backspace', delete: 'Del', space: 'Space', tab: 'Tab', 'S-tab': 'Shift-Tab', f1: 'F1',
};

export function prettyKey(k: string): string {
	if (pretty[k]) return pretty[k];
	if (k.startsWith('C-')) return `Ctrl-${k.slice(2)}`;
	return k;
}

export function footerItems(scopes: readonly Scope[]): Array<{keys: string; label: string}> {
	const out: Array<{keys: string; label: string}> = [];
	for (const scope of scopes) {
		for (const b of KEYMAP) {
			if (b.scope === scope && b.footer) out.push({keys: prettyKey(b.keys[0]!), label: b.footer});
		}
	}
	return out;
}

/** Markdown table of every binding, for the README (a test keeps them equal). */
export function keysMarkdown(): string {
	const lines = ['| Keys | Where | What it does |', '| --- | --- | --- |'];
	for (const b of KEYMAP) {
		lines.push(`| ${b.keys.map(k => '`' + prettyKey(k) + '`').join(' ')} | ${b.scope} | ${b.help} |`);
	}
	return lines.join('\n');
}
