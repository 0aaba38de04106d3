/**
 * Full-screen panels opened from the node table: the perf capture (p) that turns into its flame
 * graph, the heap profile (m), and a saved capture reopened from the detail pane. Each panel owns
 * its session and its keys while it is open (the table's keys are off), and closes back to the
 * table with onClose. Leaving a panel disposes its session: perf is stopped, gdb detached, a
 * capture that was not kept is removed.
 */
import React, {useCallback, useEffect, useRef, useState} from 'react';
import {Text, type useInput} from 'ink';
import type {PerfSessionData, PerfTarget} from '../../session/perf-session.js';
import type {SessionFactory} from '../../session/factory.js';
import type {HeapData, HeapTarget} from '../../session/heap-session.js';
import {readSavedProfile, savedProfileFile, writeFlameExport} from '../../capture/store.js';
import type {FlameTree} from '../../profile/tree.js';
import type {SavedCaptureRef} from '../table-keys.js';
import {escapeText} from '../../lib/escape.js';
import {FlameApp, type KeySink} from '../run-flame.js';
import {reduceCaptureKey, type CapturePhase} from '../flame-keys.js';
import {reduceHeapKey, initialHeapUi, type HeapUiState} from '../heap-keys.js';
import {keyName} from '../keymap.js';
import {CaptureView} from './CaptureView.js';
import {HeapView, sitesBasis, syncHeapUi} from './HeapView.js';
import {scopeHelpLines} from './HelpView.js';
import type {FlameHeader} from './FlameView.js';
import type {Theme} from '../theme.js';

export type PanelProps = {
	/** The frame the panel may draw (already rows - 1 and columns - 1). */
	width: number;
	height: number;
	theme: Theme;
	/** Back to where the panel was opened from. */
	onClose: () => void;
	/** Leave zeektop. */
	onQuit: () => void;
	/** The App reads the keyboard and calls the handler the panel puts here while rendering. */
	keys: KeySink;
};

type InkKey = Parameters<Parameters<typeof useInput>[0]>[1];

/** The flame view inside a panel: its own keys, Esc at the top level calls onLeave. */
function PanelFlame(props: {tree: FlameTree; header: FlameHeader; exportDir?: string; exportTitle: string; panel: PanelProps; onLeave: () => void}) {
	const {exportDir, exportTitle} = props;
	return (
		<FlameApp
			tree={props.tree}
			header={props.header}
			theme={props.panel.theme}
			size={{columns: props.panel.width + 1, rows: props.panel.height + 1}}
			onLeave={props.onLeave}
			onQuit={props.panel.onQuit}
			keySink={props.panel.keys}
			exportView={exportDir === undefined ? undefined : (state, width) => {
				const file = writeFlameExport(props.tree, state, width, exportDir, exportTitle);
				return `wrote ${file}`;
			}}
		/>
	);
}

type Session<D> = {data: D; subscribe(listener: (data: D) => void): () => void; start(): Promise<void>; dispose(): Promise<void>};

/**
 * A panel's session: started when the panel opens, disposed when it closes; its data as state
 * (drawing) and as a ref (key handlers, which may run before the next render).
 */
function useSessionData<D>(session: Session<D>): [D, {current: D}] {
	const [data, setData] = useState<D>(session.data);
	const ref = useRef(data);
	useEffect(() => {
		const off = session.subscribe(d => {
			ref.current = d;
			setData(d);
		});
		void session.start();
		return () => {
			off();
			void session.dispose();
		};
	}, [session]);
	return [data, ref];
}

function HelpText(props: {lines: string[]; height: number}) {
	return <Text wrap="truncate">{props.lines.slice(0, props.height).join('\n')}</Text>;
}

// ---------------------------------------------------------------------------------------------
// perf

export function capturePhaseOf(data: PerfSessionData): CapturePhase {
	switch (data.phase.kind) {
		case 'preflight': return 'preflight';
		case 'capturing': return data.phase.progress?.phase ?? 'starting';
		case 'partial': return 'partial';
		case 'failed': return 'failed';
		default: return 'reading';
	}
}

export type PerfPanelProps = PanelProps & {
	target: PerfTarget;
	/** Builds the panel's session (the composition root's factory). */
	sessions: Pick<SessionFactory, 'perf'>;
};

export function PerfPanel(props: PerfPanelProps) {
	const [session] = useState(() => props.sessions.perf(props.target));
	const [data, dataRef] = useSessionData<PerfSessionData>(session);
	const [help, setHelp] = useState(false);
	const helpRef = useRef(false);
	useEffect(() => {
		if (data.phase.kind === 'closed') props.onClose();
	}, [data.phase.kind]);

	const onKey = useCallback((input: string, key: InkKey) => {
		if (helpRef.current) {
			helpRef.current = false;
			setHelp(false);
			return;
		}
		const r = reduceCaptureKey(capturePhaseOf(dataRef.current), keyName(input, key));
		if (r.effect === 'quit') return props.onQuit();
		if (r.effect === 'help') {
			helpRef.current = true;
			setHelp(true);
			return;
		}
		switch (r.intent) {
			case 'cancel': return session.cancel();
			case 'keep': return session.keep();
			case 'discard': return session.discard();
			case 'restart': return void session.restart();
			case 'back': return props.onClose();
		}
	}, [session, props.onQuit, props.onClose]);
	const done = data.phase.kind === 'done';
	if (!done) props.keys.current = onKey;

	if (data.phase.kind === 'done') {
		const c = data.phase.capture;
		const note = c.partial ? `partial: ${c.notes[0] ?? 'stopped early'}` : data.notes[0];
		return (
			<PanelFlame
				tree={data.phase.tree}
				header={{
					title: `perf${data.mainThreadOnly ? ' (main thread)' : ''}`,
					node: data.target.node,
					pid: data.target.pid,
					seconds: c.durationMs / 1000,
					samples: c.samples,
					lostSamples: c.lostSamples ?? 0,
					note: note ?? `saved in ${data.dir ?? c.files.folded}; e writes this view next to it`,
				}}
				exportDir={data.dir}
				exportTitle={`perf ${escapeText(data.target.node)}  pid ${data.target.pid}  ${c.samples} samples  folded stacks: ${c.files.folded}`}
				panel={props}
				onLeave={props.onClose}
			/>
		);
	}
	if (help) return <HelpText lines={scopeHelpLines('perf capture keys', ['capture', 'global'], props.width)} height={props.height} />;
	const progress = data.phase.kind === 'capturing' ? data.phase.progress : undefined;
	const partial = data.phase.kind === 'partial' ? {seconds: data.phase.capture.durationMs / 1000, samples: data.phase.capture.samples} : undefined;
	return (
		<CaptureView
			node={data.target.node}
			pid={data.target.pid}
			phase={capturePhaseOf(data)}
			elapsedMs={progress?.elapsedMs ?? 0}
			totalMs={data.seconds * 1000}
			estimatedSamples={progress?.estimatedSamples}
			foldedSamples={progress?.foldedSamples}
			mainThreadOnly={data.mainThreadOnly}
			frequency={data.frequency}
			notes={data.notes}
			partial={partial}
			error={data.phase.kind === 'failed' ? data.phase.error : undefined}
			fix={data.phase.kind === 'failed' ? data.phase.fix : undefined}
			width={props.width}
			height={props.height}
			theme={props.theme}
		/>
	);
}

// ---------------------------------------------------------------------------------------------
// heap

export type HeapPanelProps = PanelProps & {
	target: HeapTarget;
	sessions: Pick<SessionFactory, 'heap'>;
};

export function HeapPanel(props: HeapPanelProps) {
	const [session] = useState(() => props.sessions.heap(props.target));
	const [data, dataRef] = useSessionData<HeapData>(session);
	const [ui, setUiState] = useState<HeapUiState>(initialHeapUi);
	const [help, setHelp] = useState(false);
	const [explore, setExplore] = useState<{tree: FlameTree; basis: 'growth' | 'live'} | null>(null);
	const refs = useRef({ui, help, explore: false});

	const {width, height} = props;
	const onKey = useCallback((input: string, key: InkKey) => {
		const r = refs.current;
		if (r.help) {
			r.help = false;
			setHelp(false);
			return;
		}
		const result = reduceHeapKey(syncHeapUi(r.ui, dataRef.current, width, height), keyName(input, key), input);
		r.ui = result.state;
		setUiState(result.state);
		if (result.global === 'quit') return props.onQuit();
		if (result.global === 'help') {
			r.help = true;
			setHelp(true);
			return;
		}
		if (result.intent) void session.handle(result.intent);
		if (result.exit) return props.onClose();
		if (result.explore) {
			const d = dataRef.current;
			const basis = sitesBasis(d, result.state);
			const tree = basis === 'growth' ? d.growthTree : d.liveTree;
			if (tree && tree.totalSamples > 0) {
				r.explore = true;
				setExplore({tree, basis});
			}
		}
	}, [session, width, height, props.onQuit, props.onClose]);
	if (explore === null) props.keys.current = onKey;

	if (explore) {
		const t = data.target;
		return (
			<PanelFlame
				tree={explore.tree}
				header={{
					title: `heap ${explore.basis === 'growth' ? 'growth since the base' : 'live'}`,
					node: t.node,
					pid: t.pid,
					samples: explore.tree.totalSamples,
					unit: 'bytes',
					note: data.dump ? `dump ${data.dump.name}${data.base ? ` against ${data.base.name}` : ''}; Esc returns to the heap tables` : undefined,
				}}
				exportDir={data.captureDir}
				exportTitle={`heap ${escapeText(t.node)}  pid ${t.pid}  ${explore.basis}`}
				panel={props}
				onLeave={() => {
					refs.current.explore = false;
					setExplore(null);
				}}
			/>
		);
	}
	if (help) return <HelpText lines={scopeHelpLines('heap profile keys', ['heap', 'confirm', 'global'], width)} height={height} />;
	return <HeapView data={data} state={syncHeapUi(ui, data, width, height)} width={width} height={height} theme={props.theme} />;
}

// ---------------------------------------------------------------------------------------------
// a saved capture

export type SavedCapture = SavedCaptureRef;

export function SavedCapturePanel(props: PanelProps & {capture: SavedCapture}) {
	const [loaded] = useState(() => readSavedProfile(props.capture));
	if (!loaded.ok) props.keys.current = () => props.onClose();
	if (!loaded.ok) {
		return <Text wrap="truncate">{`Cannot open the capture: ${escapeText(loaded.error)}\n\nAny key goes back.`}</Text>;
	}
	const c = props.capture;
	const p = loaded.profile;
	return (
		<PanelFlame
			tree={p.tree}
			header={{
				title: `${c.kind} (saved ${c.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')})`,
				node: c.node,
				pid: c.pid,
				seconds: c.seconds,
				samples: p.tree.totalSamples,
				unit: p.unit,
				note: p.notes[0] ?? `from ${savedProfileFile(c)}`,
			}}
			exportDir={c.dir}
			exportTitle={`${c.kind} ${escapeText(c.node)}  pid ${c.pid}  saved ${c.startedAt}`}
			panel={props}
			onLeave={props.onClose}
		/>
	);
}

export type {HeapData};
