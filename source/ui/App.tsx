import React, {useCallback, useEffect, useMemo, useReducer, useRef, useState} from 'react';
import {Box, Text, useApp, useInput, useStdin} from 'ink';
import {useTerminalSize} from './hooks/use-terminal-size.js';
import type {Monitor, Snapshot} from '../state/monitor.js';
import {closePanel, initialUi, reduceUi, typeInFilter, visibleRows, withScroll, type SavedCaptureRef, type UiState} from './table-keys.js';
import {listCaptures} from '../capture/store.js';
import {createSessionFactory, type SessionFactory} from '../session/factory.js';
import type {AllocatorPattern} from '../profile/alloc-sites.js';
import {HeapPanel, PerfPanel, SavedCapturePanel} from './views/Panels.js';
import type {KeyHandler} from './run-flame.js';
import type {Command} from './keymap.js';
import {SCOPES_BY_VIEW, commandFor, footerItems, keyName} from './keymap.js';
import {EMPTY_STATE, fitColumns, nodeNameWidth} from './columns.js';
import {Header} from './components/Header.js';
import {NodeTable} from './components/NodeTable.js';
import {DetailView} from './views/DetailView.js';
import {HelpView} from './views/HelpView.js';
import {escapeText} from '../lib/escape.js';
import {truncate} from '../lib/format.js';
import {pick, type Theme} from './theme.js';

export const MIN_COLUMNS = 80;
export const MIN_ROWS = 24;

export type AppProps = {
	monitor: Pick<Monitor, 'tick'>;
	intervalMs: number;
	theme: Theme;
	/** Selected node's pid is read with threads while the detail view is open. */
	detailPid?: {current: number | null};
	/** Fixed size (tests); otherwise the terminal's. */
	size?: {columns: number; rows: number};
	initialSnapshot?: Snapshot;
	/** Where captures are kept (p, m, the detail pane's list); created on first use. */
	capturesRoot: string;
	/** perf capture length and frequency (--perf-seconds, --perf-frequency). */
	perfSeconds: number;
	perfFrequency: number;
	/** --call-graph (default fp). */
	perfCallGraph?: 'fp' | 'dwarf';
	/** Frames skipped to find allocation sites (defaults plus --alloc-skip). */
	allocatorPatterns?: readonly AllocatorPattern[];
	/** Builds the panels' capture sessions; default: a factory from the props above. */
	sessions?: SessionFactory;
};

/** Keys are resolved against the latest state inside the reducer: several keys can arrive before a re-render. */
type Action =
	| {type: 'key'; name: string; input: string; plain: boolean; pageSize: number; rows: Snapshot['rows']; captures?: readonly SavedCaptureRef[]}
	| {type: 'closePanel'}
	| {type: 'quit'};

export function reduceKey(state: UiState, action: Action): UiState {
	if (action.type === 'closePanel') return closePanel(state);
	if (action.type === 'quit') return {...state, quit: true};
	// An open panel reads its own keys.
	if (state.panel) return state;
	// A paste or a fast sender can deliver "text\r" in one event: replay it key by key.
	if (action.input.length > 1 && action.name === action.input && !action.input.startsWith('\u001b')) {
		let next = state;
		for (const ch of action.input) {
			const name = ch === '\r' || ch === '\n' ? 'return' : ch === '\x7f' ? 'backspace' : ch;
			next = reduceKey(next, {...action, name, input: ch === '\r' || ch === '\n' || ch === '\x7f' ? '' : ch});
		}
		return next;
	}
	const mode = state.filterDraft !== null ? 'filter' : state.view;
	const command = commandFor(action.name, SCOPES_BY_VIEW[mode]) as Command | undefined;
	if (command) return reduceUi(state, command, {rows: action.rows, pageSize: action.pageSize, key: action.name, captures: action.captures});
	if (mode === 'filter' && action.plain && action.input) return typeInFilter(state, action.input);
	return state.message === null ? state : {...state, message: null};
}

/** The saved captures of one node, newest first (the detail pane's list; 1-9 open them). */
export function nodeCaptures(root: string, row: {node: string | null; pid: number} | undefined, limit = 9): SavedCaptureRef[] {
	if (!row) return [];
	let entries;
	try {
		entries = listCaptures(root);
	} catch {
		return [];
	}
	const out: SavedCaptureRef[] = [];
	for (const e of entries) {
		const m = e.meta;
		if (!m || (m.kind !== 'perf' && m.kind !== 'heap')) continue;
		if (row.node !== null ? m.node !== row.node : m.pid !== row.pid) continue;
		if (m.status === 'recording' || m.status === 'failed') continue;
		const files = m.files ?? {};
		const what = m.kind === 'perf'
			? `${((m.durationMs ?? (m.seconds ?? 0) * 1000) / 1000).toFixed(1)} s  ${m.samples ?? '?'} samples${m.mainThreadOnly ? '  main thread' : ''}`
			: `${files.base ? 'growth' : 'live'}  dump ${files.dump ?? '?'}`;
		out.push({
			dir: e.dir, kind: m.kind, node: m.node, pid: m.pid, startedAt: m.startedAt, label: `${m.kind}  pid ${m.pid}  ${what}  ${m.status}`,
			samples: m.samples, seconds: m.durationMs === undefined ? undefined : m.durationMs / 1000,
		});
		if (out.length >= limit) break;
	}
	return out;
}

function footerText(view: UiState['view'], width: number): string {
	const items = footerItems(SCOPES_BY_VIEW[view === 'help' ? 'table' : view]);
	return truncate(items.map(i => `${i.keys} ${i.label}`).join('  '), width);
}

type PanelHostProps = Omit<React.ComponentProps<typeof SavedCapturePanel>, 'capture'>
	& {sessions: SessionFactory}
	& {panel: NonNullable<UiState['panel']>};

/**
 * The open panel. Memoised on stable props: the table keeps ticking underneath (its histories go
 * on), and a tick must not redraw a flame graph that did not change.
 */
const PanelHost = React.memo(function PanelHost(props: PanelHostProps) {
	const {panel, sessions} = props;
	const common = {width: props.width, height: props.height, theme: props.theme, onClose: props.onClose, onQuit: props.onQuit, keys: props.keys};
	if (panel.kind === 'perf') {
		return <PerfPanel key={`perf:${panel.pid}`} {...common} target={{pid: panel.pid, node: panel.node}} sessions={sessions} />;
	}
	if (panel.kind === 'heap') {
		// Remote rows never open a panel (whyNotProfile).
		const launch = panel.launch === 'remote' ? 'standalone' : panel.launch;
		return <HeapPanel key={`heap:${panel.pid}`} {...common} target={{pid: panel.pid, node: panel.node, launch}}
			sessions={sessions} />;
	}
	if (panel.kind !== 'saved') return null;
	return <SavedCapturePanel key={panel.capture.dir} {...common} capture={panel.capture} />;
});

export function App(props: AppProps) {
	const {exit} = useApp();
	const {isRawModeSupported} = useStdin();
	const size = useTerminalSize(props.size);
	const [snapshot, setSnapshot] = useState<Snapshot | undefined>(props.initialSnapshot);
	// One factory for the App's life (its heap memo outlives each panel).
	const [sessions] = useState<SessionFactory>(() => props.sessions ?? createSessionFactory({
		capturesRoot: props.capturesRoot, perfSeconds: props.perfSeconds, perfFrequency: props.perfFrequency,
		perfCallGraph: props.perfCallGraph, allocatorPatterns: props.allocatorPatterns,
	}));
	const [ui, dispatch] = useReducer(reduceKey, initialUi);

	useEffect(() => {
		const tick = () => setSnapshot(props.monitor.tick());
		tick();
		const timer = setInterval(tick, props.intervalMs);
		return () => clearInterval(timer);
	}, [props.monitor, props.intervalMs]);

	useEffect(() => {
		if (ui.quit) exit();
	}, [ui.quit, exit]);

	const tooSmall = size.columns < MIN_COLUMNS || size.rows < MIN_ROWS;
	// Never draw a frame as tall as the terminal (Ink would clear the screen every frame).
	const frameRows = Math.max(1, size.rows - 1);
	// Never write the last column: a full-width line leaves the terminal in its pending-wrap state,
	// which throws off the cursor arithmetic of incremental rendering.
	const width = size.columns - 1;
	const headerMax = Math.max(1, Math.min(6, Math.floor(frameRows / 4)));
	const host = snapshot?.host;
	const headerLineCount = host ? Math.min(headerMax, 1 + Math.ceil(host.corePercents.length / Math.max(1, Math.floor((width + 1) / (host.cpuCount > 16 ? 17 : 21))))) : 1;
	const footerRows = 2;
	const bodyRows = Math.max(2, frameRows - headerLineCount - footerRows);
	const pageSize = Math.max(1, bodyRows - 1);

	const rows = snapshot?.rows ?? [];
	const shown = useMemo(() => visibleRows(rows, ui), [rows, ui.sort, ui.filter, ui.filterDraft]);
	// Selection follows the node: default to the first row, keep scroll valid.
	const selectedKey = ui.selectedKey && shown.some(r => r.key === ui.selectedKey) ? ui.selectedKey : shown[0]?.key ?? null;
	const scrolled = withScroll({...ui, selectedKey}, shown, pageSize);
	const selected = shown.find(r => r.key === selectedKey);
	if (props.detailPid) props.detailPid.current = ui.view === 'detail' && selected && !ui.panel ? selected.pid : null;

	// The detail pane lists the node's saved captures: read when it opens, changes node, or a
	// panel closes (a new capture), not every tick.
	const [captures, setCaptures] = useState<SavedCaptureRef[]>([]);
	const selectedIdentity = selected ? `${selected.node ?? ''}/${selected.pid}` : '';
	useEffect(() => {
		if (ui.view !== 'detail' || ui.panel) return;
		setCaptures(nodeCaptures(props.capturesRoot, selected));
	}, [ui.view, ui.panel, selectedIdentity, props.capturesRoot]);

	// Read through a ref: a key can arrive after the list is drawn but before Ink re-subscribes
	// the handler (its useInput attaches in a passive effect).
	const capturesRef = useRef(captures);
	capturesRef.current = captures;
	// One reader of the keyboard: the table's reducer, or the open panel's handler (which the
	// panel sets while rendering, so no key is lost between its first frame and its effects).
	const panelKeys = useRef<KeyHandler | null>(null);
	const panelOpen = useRef(false);
	panelOpen.current = ui.panel !== null;
	if (!panelOpen.current) panelKeys.current = null;
	const onKey = useCallback((input: string, key: Parameters<Parameters<typeof useInput>[0]>[1]) => {
		if (panelOpen.current) {
			panelKeys.current?.(input, key);
			return;
		}
		dispatch({type: 'key', name: keyName(input, key), input, plain: !key.ctrl && !key.meta, pageSize, rows, captures: capturesRef.current});
	}, [pageSize, rows]);
	// useInput crashes when stdin is not a TTY: only subscribe when raw mode works.
	useInput(onKey, {isActive: isRawModeSupported === true});
	const closeThePanel = useCallback(() => dispatch({type: 'closePanel'}), []);
	const quit = useCallback(() => dispatch({type: 'quit'}), []);

	// A panel stays mounted when the terminal shrinks (its capture goes on); it fits itself.
	if (ui.panel) {
		return <PanelHost panel={ui.panel} width={width} height={frameRows} theme={props.theme} onClose={closeThePanel} onQuit={quit} keys={panelKeys}
			sessions={sessions} />;
	}
	if (tooSmall) {
		return <Text>{`zeektop needs at least ${MIN_COLUMNS}x${MIN_ROWS}; this terminal is ${size.columns}x${size.rows}. Enlarge it or use zeektop --once.`}</Text>;
	}
	const ctx = {nowMs: snapshot?.wallMs ?? Date.now(), unicode: props.theme.unicode};
	const columns = fitColumns(width, rows.some(r => r.metrics !== null), undefined, nodeNameWidth(rows));
	const problem = snapshot?.problems[0];
	const status = ui.message !== null
		? escapeText(ui.message)
		: ui.filterDraft !== null
		? `/${escapeText(ui.filterDraft)}_   (Enter apply, Esc clear)`
		: problem
			? `! ${escapeText(problem.scope)}: ${escapeText(problem.message)}${snapshot!.problems.length > 1 ? ` (+${snapshot!.problems.length - 1} more)` : ''}`
			: ui.filter ? `filter: ${escapeText(ui.filter)}  (${shown.length}/${rows.length} nodes)` : `${rows.length} zeek processes  refresh ${props.intervalMs} ms`;

	let body: React.ReactNode;
	if (!snapshot) body = <Text>Reading /proc...</Text>;
	else if (ui.view === 'help') body = <HelpView width={width} height={bodyRows} />;
	else if (ui.view === 'detail') body = <DetailView row={selected} width={width} height={bodyRows} nowMs={ctx.nowMs} theme={props.theme} captures={captures} capturesRoot={props.capturesRoot} />;
	else if (rows.length === 0) body = <Box height={bodyRows}><Text wrap="wrap">{EMPTY_STATE}</Text></Box>;
	else {
		body = (
			<NodeTable rows={shown} columns={columns} selectedKey={selectedKey} scrollTop={scrolled.scrollTop} height={bodyRows} width={width}
				ctx={ctx} theme={props.theme} sortColumn={ui.sort.column} descending={ui.sort.descending} />
		);
	}
	return (
		<Box flexDirection="column" width={width} height={frameRows}>
			{host ? <Header host={host} width={width} maxLines={headerLineCount} zeekVersion={snapshot?.zeekVersion ?? null} theme={props.theme} /> : <Text>zeektop</Text>}
			{body}
			<Text wrap="truncate" color={pick(props.theme, problem || ui.message !== null ? 'yellow' : undefined)}>{status}</Text>
			<Text wrap="truncate" dimColor>{footerText(ui.view, width)}</Text>
		</Box>
	);
}
