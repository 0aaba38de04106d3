/**
 * Key → command → state for the flame view and the capture screen. Pure: no Ink, no IO. A key
 * name (keymap.ts keyName) is looked up in the keymap (FLAME_BINDINGS plus 'global'), and the
 * command is turned into the next state with profile/flame-nav's reduceFlame. Effects that need
 * the outside world (quit, help, export) are returned for the caller to perform.
 */
import {
	FLAME_MODES,
	currentZoom,
	flameTable,
	initialFlameState,
	reduceFlame,
	type FlameCommand,
	type FlameMode,
	type FlameViewContext,
	type FlameViewState,
} from '../profile/flame-nav.js';
import type {TopSort} from '../profile/top.js';
import type {FlameTree} from '../profile/tree.js';
import {SCOPES_BY_VIEW, commandFor} from './keymap.js';

/** The flame view's state plus the search prompt being typed (null: no prompt open). */
export type FlameUiState = FlameViewState & {readonly searchDraft: string | null};

/** Root on top (icicle) by default: the hot path then reads top-down like the top table. */
export function initialFlameUiState(overrides: Partial<FlameUiState> = {}): FlameUiState {
	return {...initialFlameState({rootAtTop: true}), searchDraft: null, ...overrides};
}

/** Done by the caller: quit zeektop, toggle the help overlay, write the view to a file. */
export type FlameKeyEffect = 'quit' | 'help' | 'export';

export type FlameKeyResult = {
	state: FlameUiState;
	/** Leave the flame view (Esc with nothing left to undo). */
	exit?: boolean;
	effect?: FlameKeyEffect;
};

export type FlameKeyOptions = {
	/** Rows moved by PgUp/PgDn in the tables (default 10). */
	pageSize?: number;
	/** The tables' rows when they are not flameTable's (the diff view: profile/diff-nav). */
	table?: FlameViewContext['table'];
};

export const TOP_SORTS: readonly TopSort[] = ['self', 'total', 'name'];

/** Which scope's keys apply: the search prompt takes every key while it is open. */
export function flameKeyScope(state: FlameUiState): 'flame' | 'flameSearch' {
	return state.searchDraft === null ? 'flame' : 'flameSearch';
}

/** The command a key name means in the flame view right now (undefined: none). */
export function flameCommandFor(state: FlameUiState, name: string): string | undefined {
	return commandFor(name, SCOPES_BY_VIEW[flameKeyScope(state)]);
}

/**
 * One key. `name` is keymap.ts keyName(input, key); `input` the raw text (typed into the search
 * prompt). `width` is the flame view's width, so moves skip frames too narrow to draw.
 */
export function reduceFlameKey(
	state: FlameUiState,
	name: string,
	input: string,
	tree: FlameTree,
	width: number,
	options: FlameKeyOptions = {},
): FlameKeyResult {
	// A paste or a fast sender can deliver several keys in one event ("abc\r"): replay them one
	// by one. Escape sequences are single keys and never split.
	if (input.length > 1 && name === input && !input.startsWith('\u001b')) {
		let result: FlameKeyResult = {state};
		for (const ch of input) {
			const key = ch === '\r' || ch === '\n' ? 'return' : ch === '\x7f' || ch === '\b' ? 'backspace' : ch === ' ' ? 'space' : ch;
			const text = key === ch || key === 'space' ? ch : '';
			const next = reduceFlameKey(result.state, key, text, tree, width, options);
			result = {...next, effect: next.effect ?? result.effect};
			if (next.exit || next.effect === 'quit') return result;
		}
		return result;
	}
	const command = flameCommandFor(state, name);
	if (state.searchDraft !== null) return reduceSearchPrompt(state, command, name, input, tree, width);
	if (command === undefined) return {state};
	return reduceFlameCommand(state, command, tree, width, options);
}

function reduceSearchPrompt(
	state: FlameUiState,
	command: string | undefined,
	name: string,
	input: string,
	tree: FlameTree,
	width: number,
): FlameKeyResult {
	const draft = state.searchDraft ?? '';
	switch (command) {
		case 'searchApply': {
			const next = reduceFlame(state, {type: 'search', pattern: draft}, tree, {width});
			return {state: {...next, searchDraft: null}};
		}
		case 'searchCancel':
			return {state: {...state, searchDraft: null}};
		case 'searchDelete':
			return draft === '' ? {state} : {state: {...state, searchDraft: Array.from(draft).slice(0, -1).join('')}};
		case 'searchClear':
			return draft === '' ? {state} : {state: {...state, searchDraft: ''}};
		case 'quit':
			return {state, effect: 'quit'};
		default:
			break;
	}
	// Printable text only: named keys (arrows, Ctrl-x, Tab) are not typed into the prompt.
	const typed = name === 'space' ? ' ' : name === input ? input : '';
	if (typed === '' || /[\u0000-\u001f\u007f-\u009f]/.test(typed)) return {state};
	return {state: {...state, searchDraft: draft + typed}};
}

function withView(state: FlameUiState, next: FlameViewState): FlameUiState {
	return next === state ? state : {...next, searchDraft: state.searchDraft};
}

function reduceFlameCommand(
	state: FlameUiState,
	command: string,
	tree: FlameTree,
	width: number,
	options: FlameKeyOptions,
): FlameKeyResult {
	const apply = (c: FlameCommand): FlameKeyResult => ({state: withView(state, reduceFlame(state, c, tree, {width, table: options.table}))});
	const inTable = state.mode !== 'flame';
	const tableRows = (): number => {
		const table = (options.table ?? flameTable)(tree, state);
		return table.kind === 'top' ? table.rows.length : table.kind === 'callers' ? table.callers.length + table.callees.length : 0;
	};
	const toRow = (row: number): FlameKeyResult => {
		const last = Math.max(0, tableRows() - 1);
		const clamped = Math.max(0, Math.min(last, row));
		return clamped === state.tableRow ? {state} : {state: {...state, tableRow: clamped}};
	};
	const page = Math.max(1, Math.floor(options.pageSize ?? 10));
	const setMode = (mode: FlameMode) => apply({type: 'setMode', mode});

	switch (command) {
		case 'quit':
			return {state, effect: 'quit'};
		case 'help':
			return {state, effect: 'help'};
		case 'export':
			return {state, effect: 'export'};
		case 'up':
		case 'down':
		case 'left':
		case 'right':
		case 'activate':
		case 'zoomOut':
		case 'zoomReset':
		case 'flip':
		case 'nextMatch':
		case 'prevMatch':
		case 'cycleMode':
			return apply({type: command});
		case 'pageUp':
			return inTable ? toRow(state.tableRow - page) : {state};
		case 'pageDown':
			return inTable ? toRow(state.tableRow + page) : {state};
		case 'home':
			return inTable ? toRow(0) : apply({type: 'select', id: currentZoom(state)});
		case 'end':
			return inTable ? toRow(tableRows() - 1) : {state};
		case 'back':
			if (inTable) return setMode('flame');
			if (state.zoomStack.length > 0) return apply({type: 'zoomOut'});
			if (state.search !== null) return apply({type: 'clearSearch'});
			return {state, exit: true};
		case 'search':
			return {state: {...state, searchDraft: ''}};
		case 'cycleModeBack':
			return setMode(FLAME_MODES[(FLAME_MODES.indexOf(state.mode) + FLAME_MODES.length - 1) % FLAME_MODES.length]!);
		case 'modeFlame':
			return setMode('flame');
		case 'modeTop':
			return setMode('top');
		case 'modeCallers':
			return setMode('callers');
		case 'cycleSort':
			return apply({type: 'sortBy', sort: TOP_SORTS[(TOP_SORTS.indexOf(state.sort) + 1) % TOP_SORTS.length]!});
		default:
			return {state};
	}
}

// --- the capture screen ---

/**
 * `p` starts recording at once (it asks for nothing). Esc stops perf and offers what was recorded
 * ('partial': Enter shows it, Esc discards it); `t` records again on the main thread only (or all
 * threads again). 'failed' explains and waits for Esc.
 */
export type CapturePhase = 'preflight' | 'starting' | 'recording' | 'stopping' | 'reading' | 'partial' | 'failed';

export type CaptureIntent = 'cancel' | 'keep' | 'discard' | 'restart' | 'back';

export type CaptureKeyResult = {
	intent?: CaptureIntent;
	effect?: 'quit' | 'help';
};

export function captureCommandFor(name: string): string | undefined {
	return commandFor(name, SCOPES_BY_VIEW.capture);
}

const RUNNING: ReadonlySet<CapturePhase> = new Set(['preflight', 'starting', 'recording', 'stopping', 'reading']);

export function reduceCaptureKey(phase: CapturePhase, name: string): CaptureKeyResult {
	switch (captureCommandFor(name)) {
		case 'showPartial':
			return phase === 'partial' ? {intent: 'keep'} : {};
		case 'cancelCapture':
			return phase === 'partial' ? {intent: 'discard'} : phase === 'failed' ? {intent: 'back'} : {intent: 'cancel'};
		case 'toggleMainThread':
			return phase === 'preflight' || phase === 'starting' || phase === 'recording' ? {intent: 'restart'} : {};
		case 'quit':
			return {effect: 'quit'};
		case 'help':
			return RUNNING.has(phase) || phase === 'partial' || phase === 'failed' ? {effect: 'help'} : {};
		default:
			return {};
	}
}
