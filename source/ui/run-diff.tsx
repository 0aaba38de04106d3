/**
 * `zeektop diff A B` in a terminal: DiffView with the flame view's keys (flame-keys, the diff's
 * tables from profile/diff-nav), on the alternate screen like run-flame.tsx. `e` exports the diff
 * as a two-count folded file (the caller's exportView says where).
 */
import React, {useCallback, useEffect, useMemo, useReducer, useState} from 'react';
import {Text, useApp, useInput, useStdin} from 'ink';
import type {DiffTree} from '../profile/diff.js';
import {diffTables} from '../profile/diff-nav.js';
import {initialFlameUiState, reduceFlameKey, type FlameKeyOptions, type FlameUiState} from './flame-keys.js';
import {useTerminalSize} from './hooks/use-terminal-size.js';
import {keyName} from './keymap.js';
import {mountFullScreen} from './mount.js';
import {MIN_COLUMNS, MIN_ROWS} from './run-flame.js';
import type {Theme} from './theme.js';
import {DiffView, type DiffHeader} from './views/DiffView.js';
import {flameHelpLines} from './views/FlameView.js';

export type DiffAppProps = {
	diff: DiffTree;
	header: DiffHeader;
	theme: Theme;
	/** The `e` key: write the diff somewhere and say where; absent: not offered. */
	exportView?: (state: FlameUiState) => string;
	size?: {columns: number; rows: number};
	initialState?: FlameUiState;
	onLeave?: () => void;
	onQuit?: () => void;
	active?: boolean;
};

type Model = {view: FlameUiState; help: boolean; quit: boolean; leave: boolean; exportSeq: number};
type Action = {name: string; input: string; diff: DiffTree; width: number; options: FlameKeyOptions};

function reduceModel(model: Model, action: Action): Model {
	if (model.help) {
		if (action.name === 'q' || action.name === 'C-c') return {...model, quit: true};
		return {...model, help: false};
	}
	const result = reduceFlameKey(model.view, action.name, action.input, action.diff.tree, action.width, action.options);
	if (result.effect === 'quit') return {...model, view: result.state, quit: true};
	if (result.exit) return {...model, view: result.state, leave: true};
	if (result.effect === 'help') return {...model, view: result.state, help: true};
	if (result.effect === 'export') return {...model, view: result.state, exportSeq: model.exportSeq + 1};
	return result.state === model.view ? model : {...model, view: result.state};
}

export function DiffApp(props: DiffAppProps) {
	const {exit} = useApp();
	const {isRawModeSupported} = useStdin();
	const size = useTerminalSize(props.size);
	const [model, dispatch] = useReducer(reduceModel, undefined, () => ({
		view: props.initialState ?? initialFlameUiState(),
		help: false,
		quit: false,
		leave: false,
		exportSeq: 0,
	}));
	const [message, setMessage] = useState<string | undefined>(undefined);
	const width = size.columns - 1;
	const height = Math.max(1, size.rows - 1);
	const table = useMemo(() => diffTables(props.diff), [props.diff]);

	useEffect(() => {
		if (model.quit) (props.onQuit ?? exit)();
		else if (model.leave) (props.onLeave ?? exit)();
	}, [model.quit, model.leave, exit]);
	useEffect(() => {
		if (model.exportSeq === 0 || !props.exportView) return;
		try {
			setMessage(props.exportView(model.view));
		} catch (error) {
			setMessage(`export failed: ${(error as Error).message}`);
		}
	}, [model.exportSeq]);

	const onKey = useCallback((input: string, key: Parameters<Parameters<typeof useInput>[0]>[1]) => {
		dispatch({name: keyName(input, key), input, diff: props.diff, width, options: {pageSize: Math.max(1, height - 6), table}});
	}, [props.diff, width, height, table]);
	useInput(onKey, {isActive: isRawModeSupported === true && props.active !== false});

	if (size.columns < MIN_COLUMNS || size.rows < MIN_ROWS) {
		return <Text>{`zeektop needs at least ${MIN_COLUMNS}x${MIN_ROWS}; this terminal is ${size.columns}x${size.rows}. Enlarge it or use --print.`}</Text>;
	}
	if (model.help) return <Text wrap="truncate">{flameHelpLines(width).slice(0, height).join('\n')}</Text>;
	const header = message === undefined ? props.header : {...props.header, note: message};
	return <DiffView diff={props.diff} state={model.view} width={width} height={height} theme={props.theme} header={header} />;
}

/** Mount the diff view on the alternate screen until the user leaves; 0 when done. */
export function runDiffInteractive(props: DiffAppProps): Promise<number> {
	return mountFullScreen(<DiffApp {...props} />);
}
