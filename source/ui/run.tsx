import React from 'react';
import {render} from 'ink';
import {App, type AppProps} from './App.js';
import {enterAltScreen, restoreTerminal} from '../main.js';
import {onCleanup} from '../lib/cleanup.js';

/** Mount a full-screen Ink element on the alternate screen; restore the terminal on every exit path. */
export async function mountFullScreen(element: React.ReactElement): Promise<number> {
	enterAltScreen();
	const off = onCleanup(() => restoreTerminal());
	process.on('exit', restoreTerminal);
	const instance = render(element, {
		exitOnCtrlC: false,
		patchConsole: false,
		// Not incrementalRendering: in Ink 6.8 it moves the cursor up one line too few when the frame
		// ends in a newline (every frame shorter than the terminal), so each frame lands one row lower.
		incrementalRendering: false,
		maxFps: 20,
	});
	try {
		await instance.waitUntilExit();
	} finally {
		instance.cleanup();
		restoreTerminal();
		off();
		process.off('exit', restoreTerminal);
	}
	return 0;
}

export function runInteractive(props: AppProps): Promise<number> {
	return mountFullScreen(<App {...props} />);
}
