/**
 * Keys of the heap view: a key name (keymap.ts keyName) becomes a command through the keymap
 * (scopes 'heap' + 'global', or 'confirm' while a question is open), and the command becomes
 * state, plus an intent for the session (dump, wait, capture, cancel, refresh) or an exit. Pure.
 *
 * The state carries what the reducer must know of the data (screen, tabs, rows per tab, actions
 * available); HeapView's syncHeapUi refreshes it from the session's data before each key.
 */
import {SCOPES_BY_VIEW, commandFor, type Scope} from './keymap.js';
import type {HeapAction, HeapIntent} from '../session/heap-session.js';

export type HeapTab = 'growth' | 'live' | 'sites' | 'flame';
export const HEAP_TABS: readonly HeapTab[] = ['growth', 'live', 'sites', 'flame'];

export type HeapScreen = 'progress' | 'guidance' | 'offer' | 'dumping' | 'waiting' | 'capturing' | 'report' | 'failed' | 'cancelled';

export type HeapUiState = {
	screen: HeapScreen;
	/** Tabs with data to show: growth only when there is a base. */
	tabs: HeapTab[];
	tab: HeapTab;
	/** Selected row per tab. */
	cursor: Record<HeapTab, number>;
	/** Rows per tab (sites: the pattern list while it is shown). */
	counts: Record<HeapTab, number>;
	/** First line shown of a text screen (guidance, offer, failure) or of the pattern list. */
	scroll: number;
	/** Lines of that text, and how many fit. */
	textLines: number;
	pageSize: number;
	showPatterns: boolean;
	/** Sites and flame graph: growth since the base, or everything live. */
	basis: 'growth' | 'live';
	/** An open question: the node will be paused by gdb. */
	confirm: 'dump' | 'capture' | null;
	actions: HeapAction[];
	/** One-line answer to the last key (why d does nothing here, ...). */
	message: string | null;
};

const zero = (): Record<HeapTab, number> => ({growth: 0, live: 0, sites: 0, flame: 0});

export const initialHeapUi: HeapUiState = {
	screen: 'progress',
	tabs: ['live', 'sites', 'flame'],
	tab: 'live',
	cursor: zero(),
	counts: zero(),
	scroll: 0,
	textLines: 0,
	pageSize: 10,
	showPatterns: false,
	basis: 'growth',
	confirm: null,
	actions: [],
	message: null,
};

export type HeapKeyResult = {
	state: HeapUiState;
	/** Leave the heap view (back to the table). */
	exit?: boolean;
	/** For the session: HeapSession.handle(intent). */
	intent?: HeapIntent;
	/** A global key the caller handles (quit, help). */
	global?: 'quit' | 'help';
	/** Open the heap flame graph in the interactive flame view (Enter on the flame tab). */
	explore?: boolean;
};

/** Scopes for the current state: the confirmation takes only its own keys. */
export function heapScopes(state: HeapUiState): readonly Scope[] {
	return state.confirm ? SCOPES_BY_VIEW.confirm : SCOPES_BY_VIEW.heap;
}

const BUSY: ReadonlySet<HeapScreen> = new Set(['progress', 'dumping', 'waiting', 'capturing']);

const WHY_NOT: Record<HeapAction, string> = {
	dump: 'a dump now needs gdb and jemalloc profiling (prof:true) in this process',
	wait: 'no interval dumps on this node (lg_prof_interval is -1): d dumps now instead',
	capture: 'c is for nodes started with prof_active:false; this one samples already (d dumps now)',
};

function clamp(n: number, lo: number, hi: number): number {
	return Math.max(lo, Math.min(hi, n));
}

/** Is the row list of the current tab what moves (rather than a text)? */
function movesRows(state: HeapUiState): boolean {
	return state.screen === 'report' && state.tab !== 'flame' && !(state.tab === 'sites' && state.showPatterns);
}

function move(state: HeapUiState, to: (current: number, last: number, page: number) => number): HeapUiState {
	const page = Math.max(1, state.pageSize);
	if (movesRows(state)) {
		const last = Math.max(0, state.counts[state.tab] - 1);
		return {...state, cursor: {...state.cursor, [state.tab]: clamp(to(state.cursor[state.tab], last, page), 0, last)}};
	}
	if (state.screen === 'report' && state.tab === 'flame') return state;
	const last = Math.max(0, state.textLines - page);
	return {...state, scroll: clamp(to(state.scroll, last, page), 0, last)};
}

function selectTab(state: HeapUiState, tab: HeapTab): HeapKeyResult {
	if (state.screen !== 'report') return {state: {...state, message: 'the tables appear when jeprof has finished'}};
	if (!state.tabs.includes(tab)) {
		return {state: {...state, message: tab === 'growth' ? 'no growth: there is no base dump yet (w waits for the next, d dumps now)' : `no ${tab} tab`}};
	}
	return {state: {...state, tab, scroll: tab === state.tab ? state.scroll : 0}};
}

function cycleTab(state: HeapUiState, step: 1 | -1): HeapKeyResult {
	if (state.screen !== 'report' || state.tabs.length === 0) return {state};
	const i = state.tabs.indexOf(state.tab);
	const next = state.tabs[(i + step + state.tabs.length) % state.tabs.length]!;
	return {state: {...state, tab: next, scroll: 0}};
}

function offer(state: HeapUiState, action: HeapAction): HeapKeyResult {
	if (!state.actions.includes(action)) return {state: {...state, message: WHY_NOT[action]}};
	if (action === 'wait') return {state, intent: 'wait'};
	return {state: {...state, confirm: action}};
}

/** One key in the heap view. `keyName` as keymap.ts normalises it; `input` is unused for now. */
export function reduceHeapKey(state: HeapUiState, keyName: string, _input = ''): HeapKeyResult {
	const command = commandFor(keyName, heapScopes(state));
	const s: HeapUiState = state.message === null ? state : {...state, message: null};
	if (state.confirm) {
		if (command === 'confirm') return {state: {...s, confirm: null}, intent: state.confirm};
		if (command === 'cancel') return {state: {...s, confirm: null}};
		return {state: s};
	}
	switch (command) {
		case 'quit':
			return {state: s, global: 'quit'};
		case 'help':
			return {state: s, global: 'help'};
		case 'back':
			if (s.showPatterns && s.screen === 'report') return {state: {...s, showPatterns: false, scroll: 0}};
			return BUSY.has(s.screen) ? {state: s, exit: true, intent: 'cancel'} : {state: s, exit: true};
		case 'nextTab':
			return cycleTab(s, 1);
		case 'prevTab':
			return cycleTab(s, -1);
		case 'tabGrowth':
			return selectTab(s, 'growth');
		case 'tabLive':
			return selectTab(s, 'live');
		case 'tabSites':
			return selectTab(s, 'sites');
		case 'tabFlame':
			return selectTab(s, 'flame');
		case 'up':
			return {state: move(s, c => c - 1)};
		case 'down':
			return {state: move(s, c => c + 1)};
		case 'pageUp':
			return {state: move(s, (c, _l, p) => c - p)};
		case 'pageDown':
			return {state: move(s, (c, _l, p) => c + p)};
		case 'home':
			return {state: move(s, () => 0)};
		case 'end':
			return {state: move(s, (_c, l) => l)};
		case 'patterns': {
			if (s.screen !== 'report') return {state: {...s, message: 'the allocator patterns belong to the allocation sites (tab 3)'}};
			const showPatterns = !s.showPatterns;
			return {state: {...s, showPatterns, tab: 'sites', scroll: 0}};
		}
		case 'basis':
			if (!s.tabs.includes('growth')) return {state: {...s, message: 'no base dump: only the live heap can be shown'}};
			return {state: {...s, basis: s.basis === 'growth' ? 'live' : 'growth', cursor: {...s.cursor, sites: 0}}};
		case 'dump':
			return offer(s, 'dump');
		case 'wait':
			return offer(s, 'wait');
		case 'capture':
			return offer(s, 'capture');
		case 'refresh':
			return {state: {...s, scroll: 0, showPatterns: false}, intent: 'refresh'};
		case 'explore':
			if (s.screen === 'report' && s.tab === 'flame') return {state: s, explore: true};
			return {state: s.screen === 'report' ? {...s, message: 'Enter explores the heap flame graph: tab 4 first'} : s};
		default:
			return {state: s};
	}
}
