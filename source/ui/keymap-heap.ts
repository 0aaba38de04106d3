import type {Binding} from './keymap-types.js';

/**
 * Keys of the heap profile views (scopes 'heap', 'confirm'). Commands are handled by
 * reduceHeapKey (ui/heap-keys.ts). 'global' (q, Ctrl-c, ?, h, F1) stays active in 'heap'; the
 * confirmation ('confirm') takes only its own keys, so a stray q cannot quit mid-question.
 */
export const HEAP_BINDINGS: Binding[] = [
	{command: 'nextTab', keys: ['tab'], scope: 'heap', help: 'next tab: growth, live, allocation sites, flame graph', footer: 'tabs'},
	{command: 'prevTab', keys: ['S-tab'], scope: 'heap', help: 'previous tab'},
	{command: 'tabGrowth', keys: ['1'], scope: 'heap', help: 'growth since the base dump (jeprof --text --base)'},
	{command: 'tabLive', keys: ['2'], scope: 'heap', help: 'everything live in the dump (jeprof --text)'},
	{command: 'tabSites', keys: ['3'], scope: 'heap', help: 'allocation sites: the first frame above the allocator'},
	{command: 'tabFlame', keys: ['4'], scope: 'heap', help: 'heap flame graph'},
	{command: 'explore', keys: ['return'], scope: 'heap', help: 'flame tab: explore the heap flame graph (zoom, search, top functions, callers)'},
	{command: 'up', keys: ['up', 'k'], scope: 'heap', help: 'previous row (or scroll the text up)'},
	{command: 'down', keys: ['down', 'j'], scope: 'heap', help: 'next row (or scroll the text down)'},
	{command: 'pageUp', keys: ['pageup', 'C-b'], scope: 'heap', help: 'one page up'},
	{command: 'pageDown', keys: ['pagedown', 'C-f', 'space'], scope: 'heap', help: 'one page down'},
	{command: 'home', keys: ['home', 'g'], scope: 'heap', help: 'first row of the table (or top of the text)'},
	{command: 'end', keys: ['end', 'G'], scope: 'heap', help: 'last row of the table (or end of the text)'},
	{command: 'patterns', keys: ['a'], scope: 'heap', help: 'show or hide the allocator frames skipped to find allocation sites'},
	{command: 'basis', keys: ['b'], scope: 'heap', help: 'sites and flame graph: growth since the base, or everything live'},
	{command: 'dump', keys: ['d'], scope: 'heap', help: 'dump the heap now through gdb (asks first: the worker pauses for a moment)', footer: 'dump now'},
	{command: 'wait', keys: ['w'], scope: 'heap', help: 'wait for the next interval dump (with a countdown), then show the growth'},
	{command: 'capture', keys: ['c'], scope: 'heap', help: 'prof_active:false nodes: sample allocations for a while, then dump (asks first)'},
	{command: 'refresh', keys: ['r'], scope: 'heap', help: 'look again: the newest dump against the one before'},
	{command: 'back', keys: ['escape', 'backspace', 'delete', 'left'], scope: 'heap', help: 'back to the table (cancels a running jeprof, wait or capture)', footer: 'back'},
	{command: 'confirm', keys: ['y', 'return'], scope: 'confirm', help: 'yes: go ahead (dump or capture)', footer: 'yes'},
	{command: 'cancel', keys: ['n', 'escape', 'backspace', 'delete'], scope: 'confirm', help: 'no: do not touch the node', footer: 'no'},
];
