/**
 * The keymap's vocabulary, below the tables that use it (keymap.ts, keymap-flame.ts, keymap-heap.ts)
 * so that those import it and not each other. Every command of every view is a member of a union
 * here: a binding naming a command that no reducer handles does not compile, and a test checks
 * that each command has a key with help text.
 */
export type Scope =
	| 'global' | 'table' | 'detail' | 'help' | 'filter'
	| 'flame' | 'flameSearch' | 'capture' | 'heap' | 'confirm';

export type Command =
	| 'quit' | 'help' | 'back'
	| 'up' | 'down' | 'pageUp' | 'pageDown' | 'home' | 'end'
	| 'filter' | 'sortCpu' | 'sortMem' | 'sortNode' | 'sortPrev' | 'sortNext' | 'sortInvert'
	| 'openDetail' | 'perf' | 'heap' | 'openCapture'
	| 'filterAccept' | 'filterCancel' | 'filterDelete';

export type Binding = {
	/** A command of the binding's view, handled by that view's reducer; the compiler refuses others. */
	command: AnyCommand;
	/** Normalised key names (see keyName): 'up', 'pageup', 'return', 'escape', 'C-c', 'q', 'P', '<'. */
	keys: string[];
	scope: Scope;
	help: string;
	/** Short label for the footer; absent = not in the footer. */
	footer?: string;
};

/** The flame graph view's commands (ui/flame-keys.ts). */
export type FlameCommand =
	| 'up' | 'down' | 'left' | 'right' | 'pageUp' | 'pageDown' | 'home' | 'end'
	| 'activate' | 'zoomOut' | 'zoomReset' | 'back' | 'search' | 'nextMatch' | 'prevMatch' | 'flip'
	| 'cycleMode' | 'cycleModeBack' | 'modeFlame' | 'modeTop' | 'modeCallers' | 'cycleSort' | 'export';

/** The search prompt's commands. */
export type FlameSearchCommand = 'searchApply' | 'searchCancel' | 'searchDelete' | 'searchClear' | 'quit';

/** The perf capture screen's commands. */
export type CaptureCommand = 'cancelCapture' | 'showPartial' | 'toggleMainThread';

/** The heap panel's commands (ui/heap-keys.ts). */
export type HeapCommand =
	| 'nextTab' | 'prevTab' | 'tabGrowth' | 'tabLive' | 'tabSites' | 'tabFlame' | 'explore'
	| 'up' | 'down' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'patterns' | 'basis' | 'dump' | 'wait'
	| 'capture' | 'refresh' | 'back';

/** The dump/capture confirmation's commands. */
export type ConfirmCommand = 'confirm' | 'cancel';

export type AnyCommand = Command | FlameCommand | FlameSearchCommand | CaptureCommand | HeapCommand | ConfirmCommand;

/** Each scope's commands: a test checks every one is bound, with help text. */
export const COMMANDS_BY_SCOPE = {
	global: ['quit', 'help'],
	table: ['up', 'down', 'pageUp', 'pageDown', 'home', 'end', 'filter', 'sortCpu', 'sortMem', 'sortNode', 'sortPrev', 'sortNext', 'sortInvert', 'openDetail', 'perf', 'heap'],
	detail: ['back', 'perf', 'heap', 'openCapture', 'up', 'down'],
	help: ['back'],
	filter: ['filterAccept', 'filterCancel', 'filterDelete'],
	flame: ['up', 'down', 'left', 'right', 'pageUp', 'pageDown', 'home', 'end', 'activate', 'zoomOut', 'zoomReset', 'back', 'search', 'nextMatch', 'prevMatch', 'flip', 'cycleMode', 'cycleModeBack', 'modeFlame', 'modeTop', 'modeCallers', 'cycleSort', 'export'],
	flameSearch: ['searchApply', 'searchCancel', 'searchDelete', 'searchClear', 'quit'],
	capture: ['cancelCapture', 'showPartial', 'toggleMainThread'],
	heap: ['nextTab', 'prevTab', 'tabGrowth', 'tabLive', 'tabSites', 'tabFlame', 'explore', 'up', 'down', 'pageUp', 'pageDown', 'home', 'end', 'patterns', 'basis', 'dump', 'wait', 'capture', 'refresh', 'back'],
	confirm: ['confirm', 'cancel'],
} satisfies {
	global: Command[]; table: Command[]; detail: Command[]; help: Command[]; filter: Command[];
	flame: FlameCommand[]; flameSearch: FlameSearchCommand[]; capture: CaptureCommand[]; heap: HeapCommand[]; confirm: ConfirmCommand[];
};
