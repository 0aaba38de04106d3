import React from 'react';
import {render} from 'ink';
import {enterAltScreen, restoreTerminal} from './terminal.js';
import {onCleanup} from '../lib/cleanup.js';

/**
 * Mount a full-screen Ink element on the alternate screen; restore the terminal on every exit path.
 * Its own module (not run.tsx, which imports App): App → Panels → run-flame → here must not loop
 * back to App, or the one-file bundle's lazy module setup (async because of yoga-layout's
 * top-level await) deadlocks and the TUI exits 13 before drawing.
 */
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
