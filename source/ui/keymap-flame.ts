import type {Binding} from './keymap-types.js';

/**
 * Keys of the flame graph, capture and search views (scopes 'flame', 'flameSearch', 'capture').
 * The commands are handled by flame-keys.ts (reduceFlameKey, captureCommandFor).
 *
 * 'global' (q, Ctrl-c quit; ?, h, F1 help) is active in the flame and capture views, so the flame
 * view goes back with Esc/Backspace and uses no vim-style `h`. F-keys each have a letter alias
 * (tmux and PuTTY eat F-keys).
 */
export const FLAME_BINDINGS: Binding[] = [
	{command: 'up', keys: ['up', 'k'], scope: 'flame', help: 'flame: frame above (toward the root when it is on top); tables: previous row'},
	{command: 'down', keys: ['down', 'j'], scope: 'flame', help: 'flame: frame below; tables: next row'},
	{command: 'left', keys: ['left'], scope: 'flame', help: 'previous frame on the same row (sibling, else cousin)'},
	{command: 'right', keys: ['right'], scope: 'flame', help: 'next frame on the same row (sibling, else cousin)'},
	{command: 'pageUp', keys: ['pageup', 'C-b'], scope: 'flame', help: 'tables: one page up'},
	{command: 'pageDown', keys: ['pagedown', 'C-f', 'space'], scope: 'flame', help: 'tables: one page down'},
	{command: 'home', keys: ['home'], scope: 'flame', help: 'flame: select the zoomed frame; tables: first row'},
	{command: 'end', keys: ['end', 'G'], scope: 'flame', help: 'tables: last row'},
	{command: 'activate', keys: ['return'], scope: 'flame', help: 'flame: zoom into the selected frame; top/callers: show that function', footer: 'zoom'},
	{command: 'zoomOut', keys: ['backspace', 'delete', '-'], scope: 'flame', help: 'zoom out one level'},
	{command: 'zoomReset', keys: ['0'], scope: 'flame', help: 'zoom out all the way'},
	{command: 'back', keys: ['escape'], scope: 'flame', help: 'back: table to flame, else zoom out, else clear the search, else leave', footer: 'back'},
	{command: 'search', keys: ['/'], scope: 'flame', help: 'search frames by regex (smart case; Enter applies, Esc cancels)', footer: 'search'},
	{command: 'nextMatch', keys: ['n'], scope: 'flame', help: 'next search match'},
	{command: 'prevMatch', keys: ['N'], scope: 'flame', help: 'previous search match'},
	{command: 'flip', keys: ['f'], scope: 'flame', help: 'flip the graph: root on top (icicle) or at the bottom', footer: 'flip'},
	{command: 'cycleMode', keys: ['tab'], scope: 'flame', help: 'next view: flame graph, top functions, callers/callees', footer: 'view'},
	{command: 'cycleModeBack', keys: ['S-tab'], scope: 'flame', help: 'previous view'},
	{command: 'modeFlame', keys: ['f2', 'g'], scope: 'flame', help: 'flame graph'},
	{command: 'modeTop', keys: ['f3', 't'], scope: 'flame', help: 'top functions table (self %, total %)'},
	{command: 'modeCallers', keys: ['f4', 'c'], scope: 'flame', help: 'callers and callees of the selected function'},
	{command: 'cycleSort', keys: ['s'], scope: 'flame', help: 'top table: sort by self, total, then name', footer: 'sort'},
	{command: 'export', keys: ['e'], scope: 'flame', help: 'write the current view (flame graph and top table) to a text file'},
	{command: 'searchApply', keys: ['return'], scope: 'flameSearch', help: 'apply the search and select the first match', footer: 'search'},
	{command: 'searchCancel', keys: ['escape'], scope: 'flameSearch', help: 'cancel the search prompt (the previous search stays)', footer: 'cancel'},
	{command: 'searchDelete', keys: ['backspace', 'delete'], scope: 'flameSearch', help: 'delete a character'},
	{command: 'searchClear', keys: ['C-u'], scope: 'flameSearch', help: 'clear the prompt'},
	{command: 'quit', keys: ['C-c'], scope: 'flameSearch', help: 'quit (restores the terminal)'},
	{command: 'cancelCapture', keys: ['escape'], scope: 'capture', help: 'stop the capture (perf stops; what was recorded is offered); on the offer: discard it', footer: 'stop'},
	{command: 'showPartial', keys: ['return'], scope: 'capture', help: 'after a stop: show what was recorded (the capture is kept)', footer: 'show partial'},
	{command: 'toggleMainThread', keys: ['t'], scope: 'capture', help: 'record again, main thread only (perf -t PID) or all threads', footer: 'main thread'},
];
