import type {NodeRow} from '../state/tracker.js';
import {COLUMNS, SORTABLE, type ColumnId} from './columns.js';
import type {Command} from './keymap.js';

/** UI state and its reducer: commands (from the keymap) in, state out. Pure. */

export type View = 'table' | 'detail' | 'help';

/** A saved capture as the detail pane lists it (newest first). */
export type SavedCaptureRef = {dir: string; kind: 'perf' | 'heap'; node: string; pid: number; startedAt: string; label: string; samples?: number; seconds?: number};

/** A full-screen panel over the table: a perf capture, a heap profile, a saved capture. */
export type Panel =
	| {kind: 'perf' | 'heap'; pid: number; node: string; launch: NodeRow['launch']; returnTo: View}
	| {kind: 'saved'; capture: SavedCaptureRef; returnTo: View};

export type UiState = {
	view: View;
	/** Where help returns to. */
	underHelp: View;
	selectedKey: string | null;
	sort: {column: ColumnId; descending: boolean};
	filter: string;
	/** Non-null while the filter prompt is open. */
	filterDraft: string | null;
	scrollTop: number;
	quit: boolean;
	/** Open panel (its own keys while open). */
	panel: Panel | null;
	/** One-line answer to the last key (why p does nothing here); cleared by the next key. */
	message: string | null;
};

export const initialUi: UiState = {
	view: 'table', underHelp: 'table', selectedKey: null, sort: {column: 'node', descending: false},
	filter: '', filterDraft: null, scrollTop: 0, quit: false, panel: null, message: null,
};

export function matchesFilter(row: NodeRow, filter: string): boolean {
	if (!filter) return true;
	const f = filter.toLowerCase();
	return (row.node ?? '').toLowerCase().includes(f) || row.role.includes(f) || String(row.pid).includes(f)
		|| (row.iface ?? '').toLowerCase().includes(f);
}

const ROLE_ORDER: Record<string, number> = {manager: 0, logger: 1, proxy: 2, worker: 3, standalone: 4, other: 5};

/**
 * Natural order: worker-2 before worker-10. One collator for all comparisons: localeCompare with
 * options builds one per call, and the rows are sorted on every frame.
 */
const collator = new Intl.Collator('en', {numeric: true});
const compareNames = collator.compare;

export function visibleRows(rows: NodeRow[], ui: Pick<UiState, 'sort' | 'filter' | 'filterDraft'>): NodeRow[] {
	const filter = ui.filterDraft ?? ui.filter;
	const out = rows.filter(r => matchesFilter(r, filter));
	const col = COLUMNS.find(c => c.id === ui.sort.column);
	const dir = ui.sort.descending ? -1 : 1;
	out.sort((a, b) => {
		let c = 0;
		if (ui.sort.column === 'node') {
			c = (ROLE_ORDER[a.role]! - ROLE_ORDER[b.role]!) || compareNames(a.node ?? '', b.node ?? '');
		} else if (col?.sortValue) {
			const va = col.sortValue(a), vb = col.sortValue(b);
			c = typeof va === 'number' && typeof vb === 'number' ? va - vb : compareNames(String(va), String(vb));
		}
		return c * dir || compareNames(a.key, b.key);
	});
	return out;
}

export type UiContext = {
	rows: NodeRow[];
	pageSize: number;
	/** The key that was pressed ('1'..'9' pick a saved capture). */
	key?: string;
	/** Saved captures of the selected node, as the detail pane lists them. */
	captures?: readonly SavedCaptureRef[];
};

/** Why a row cannot be profiled from here, or null. */
export function whyNotProfile(row: NodeRow | undefined, what: 'perf' | 'heap'): string | null {
	if (!row) return 'no node selected';
	const name = row.node ?? `pid ${row.pid}`;
	if (row.launch === 'remote') return `${name} runs on another host (seen through /services.json): run zeektop ${what === 'perf' ? 'perf' : 'heap'} there`;
	if (row.vanishedTicks > 0) return `${name} (pid ${row.pid}) is gone`;
	return null;
}

function openPanel(state: UiState, rows: NodeRow[], kind: 'perf' | 'heap'): UiState {
	const row = rows.find(r => r.key === state.selectedKey) ?? rows[0];
	const why = whyNotProfile(row, kind);
	if (why || !row) return {...state, message: why};
	return {...state, panel: {kind, pid: row.pid, node: row.node ?? `pid ${row.pid}`, launch: row.launch, returnTo: state.view}, selectedKey: row.key};
}

function move(state: UiState, rows: NodeRow[], delta: number | 'home' | 'end', pageSize: number): UiState {
	if (rows.length === 0) return state;
	let i = rows.findIndex(r => r.key === state.selectedKey);
	if (i < 0) i = 0;
	const target = delta === 'home' ? 0 : delta === 'end' ? rows.length - 1 : Math.min(rows.length - 1, Math.max(0, i + delta));
	return withScroll({...state, selectedKey: rows[target]!.key}, rows, pageSize);
}

/** Keep the selected row inside the window [scrollTop, scrollTop + pageSize). */
export function withScroll(state: UiState, rows: NodeRow[], pageSize: number): UiState {
	const i = Math.max(0, rows.findIndex(r => r.key === state.selectedKey));
	let top = state.scrollTop;
	if (i < top) top = i;
	if (i >= top + pageSize) top = i - pageSize + 1;
	top = Math.max(0, Math.min(top, Math.max(0, rows.length - pageSize)));
	return top === state.scrollTop ? state : {...state, scrollTop: top};
}

function sortBy(state: UiState, column: ColumnId, descending?: boolean): UiState {
	const sameCol = state.sort.column === column;
	const desc = descending ?? (sameCol ? !state.sort.descending : column !== 'node');
	return {...state, sort: {column, descending: desc}};
}

export function reduceUi(current: UiState, command: Command, ctx: UiContext): UiState {
	const state = current.message === null ? current : {...current, message: null};
	const rows = visibleRows(ctx.rows, state);
	const page = Math.max(1, ctx.pageSize);
	switch (command) {
		case 'perf': return openPanel(state, rows, 'perf');
		case 'heap': return openPanel(state, rows, 'heap');
		case 'openCapture': {
			const n = Number(ctx.key) - 1;
			const capture = ctx.captures?.[n];
			if (!capture) return {...state, message: ctx.captures?.length ? `there are ${ctx.captures.length} saved captures of this node` : 'no saved captures of this node yet: p records one, m takes a heap profile'};
			return {...state, panel: {kind: 'saved', capture, returnTo: state.view}};
		}
		case 'quit': return {...state, quit: true};
		case 'help':
			return state.view === 'help' ? {...state, view: state.underHelp} : {...state, view: 'help', underHelp: state.view};
		case 'back':
			if (state.view === 'help') return {...state, view: state.underHelp};
			return {...state, view: 'table'};
		case 'up': return move(state, rows, -1, page);
		case 'down': return move(state, rows, 1, page);
		case 'pageUp': return move(state, rows, -page, page);
		case 'pageDown': return move(state, rows, page, page);
		case 'home': return move(state, rows, 'home', page);
		case 'end': return move(state, rows, 'end', page);
		case 'openDetail': return rows.length > 0 ? {...state, view: 'detail', selectedKey: state.selectedKey ?? rows[0]!.key} : state;
		case 'filter': return {...state, filterDraft: state.filter};
		case 'filterAccept': {
			const filter = state.filterDraft ?? state.filter;
			const next = {...state, filter, filterDraft: null, scrollTop: 0};
			const first = visibleRows(ctx.rows, next)[0];
			return first ? {...next, selectedKey: first.key} : next;
		}
		case 'filterCancel': return {...state, filter: '', filterDraft: null};
		case 'filterDelete': return state.filterDraft === null ? state : {...state, filterDraft: state.filterDraft.slice(0, -1)};
		case 'sortCpu': return sortBy(state, 'cpu', true);
		case 'sortMem': return sortBy(state, 'rss', true);
		case 'sortNode': return sortBy(state, 'node', false);
		case 'sortInvert': return {...state, sort: {...state.sort, descending: !state.sort.descending}};
		case 'sortPrev':
		case 'sortNext': {
			const i = SORTABLE.indexOf(state.sort.column);
			const j = (i + (command === 'sortNext' ? 1 : -1) + SORTABLE.length) % SORTABLE.length;
			const column = SORTABLE[j]!;
			return {...state, sort: {column, descending: column !== 'node'}};
		}
	}
}

/** Typing in the filter prompt (printable characters only). */
/** The panel was closed: back where it was opened from. */
export function closePanel(state: UiState): UiState {
	return state.panel ? {...state, panel: null, view: state.panel.returnTo} : state;
}

export function typeInFilter(state: UiState, text: string): UiState {
	if (state.filterDraft === null) return state;
	const clean = text.replace(/[\u0000-\u001f\u007f]/g, '');
	return clean ? {...state, filterDraft: state.filterDraft + clean} : state;
}
