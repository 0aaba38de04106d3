/**
 * `zeektop flame FILE` in a terminal: a small Ink root around FlameView, on the alternate screen,
 * with the terminal restored on every exit path (like run.tsx).
 */
import {useTerminalSize} from './hooks/use-terminal-size.js';
import {mountFullScreen} from './mount.js';
import React, {useCallback, useEffect, useReducer, useState} from 'react';
import {Text, useApp, useInput, useStdin} from 'ink';
import type {FlameTree} from '../profile/tree.js';
import {initialFlameUiState, reduceFlameKey, type FlameKeyEffect, type FlameUiState} from './flame-keys.js';
import {keyName} from './keymap.js';
import {FlameView, flameHelpLines, type FlameHeader} from './views/FlameView.js';
import type {Theme} from './theme.js';

export type KeyHandler = (input: string, key: Parameters<Parameters<typeof useInput>[0]>[1]) => void;
/** Where a panel puts its key handler for the App to call. */
export type KeySink = {current: KeyHandler | null};

export const MIN_COLUMNS = 80;
export const MIN_ROWS = 24;

export type FlameAppProps = {
	tree: FlameTree;
	header: FlameHeader;
	theme: Theme;
	/** Writes the current view somewhere and says where (the `e` key); absent: not offered. */
	exportView?: (state: FlameUiState, width: number) => string;
	/** Fixed size (tests); otherwise the terminal's. */
	size?: {columns: number; rows: number};
	initialState?: FlameUiState;
	/** Esc with nothing left to undo (default: leave zeektop, as `zeektop flame FILE` does). */
	onLeave?: () => void;
	/** q, Ctrl-C (default: leave zeektop). */
	onQuit?: () => void;
	/** Whether keys are read (false while something else has the keyboard). Default true. */
	active?: boolean;
	/**
	 * Inside the table's panels: the App reads the keyboard and hands keys to whatever handler is
	 * in here. Set while rendering, so a key typed right after the frame appears is not lost
	 * (useInput would attach only in a later effect).
	 */
	keySink?: KeySink;
};

type Model = {flame: FlameUiState; help: boolean; quit: boolean; leave: boolean; effect?: FlameKeyEffect; effectSeq: number};
type Action = {name: string; input: string; tree: FlameTree; width: number; pageSize: number};

function reduceModel(model: Model, action: Action): Model {
	if (model.help) {
		// Any key closes the help; q still quits.
		if (action.name === 'q' || action.name === 'C-c') return {...model, quit: true};
		return {...model, help: false};
	}
	const result = reduceFlameKey(model.flame, action.name, action.input, action.tree, action.width, {pageSize: action.pageSize});
	if (result.effect === 'quit') return {...model, flame: result.state, quit: true};
	if (result.exit) return {...model, flame: result.state, leave: true};
	if (result.effect === 'help') return {...model, flame: result.state, help: true};
	if (result.effect === 'export') return {...model, flame: result.state, effect: 'export', effectSeq: model.effectSeq + 1};
	return result.state === model.flame ? model : {...model, flame: result.state};
}

export function FlameApp(props: FlameAppProps) {
	const {exit} = useApp();
	const {isRawModeSupported} = useStdin();
	const size = useTerminalSize(props.size);
	const [model, dispatch] = useReducer(reduceModel, undefined, () => ({
		flame: props.initialState ?? initialFlameUiState(),
		help: false,
		quit: false,
		leave: false,
		effectSeq: 0,
	}));
	const [message, setMessage] = useState<string | undefined>(undefined);
	// Same rules as App: never as tall as the terminal, never the last column.
	const width = size.columns - 1;
	const height = Math.max(1, size.rows - 1);

	useEffect(() => {
		if (model.quit) (props.onQuit ?? exit)();
		else if (model.leave) (props.onLeave ?? exit)();
	}, [model.quit, model.leave, exit]);
	useEffect(() => {
		if (model.effectSeq === 0 || !props.exportView) return;
		try {
			setMessage(props.exportView(model.flame, width));
		} catch (error) {
			setMessage(`export failed: ${(error as Error).message}`);
		}
	}, [model.effectSeq]);

	const onKey = useCallback((input: string, key: Parameters<Parameters<typeof useInput>[0]>[1]) => {
		dispatch({name: keyName(input, key), input, tree: props.tree, width, pageSize: Math.max(1, height - 6)});
	}, [props.tree, width, height]);
	if (props.keySink && props.active !== false) props.keySink.current = onKey;
	// useInput crashes when stdin is not a TTY: only subscribe when raw mode works.
	useInput(onKey, {isActive: isRawModeSupported === true && props.active !== false && !props.keySink});

	if (size.columns < MIN_COLUMNS || size.rows < MIN_ROWS) {
		return <Text>{`zeektop needs at least ${MIN_COLUMNS}x${MIN_ROWS}; this terminal is ${size.columns}x${size.rows}. Enlarge it or use --print.`}</Text>;
	}
	if (model.help) {
		const lines = flameHelpLines(width);
		return <Text wrap="truncate">{lines.slice(0, height).join('\n')}</Text>;
	}
	const header = message === undefined ? props.header : {...props.header, note: message};
	return <FlameView tree={props.tree} state={model.flame} width={width} height={height} theme={props.theme} header={header} />;
}

/** Mount the flame view on the alternate screen until the user leaves; 0 when done. */
export function runFlameInteractive(props: FlameAppProps): Promise<number> {
	return mountFullScreen(<FlameApp {...props} />);
}
