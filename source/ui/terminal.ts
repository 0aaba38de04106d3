/**
 * The alternate screen and raw mode: entered once by the full-screen mount, restored on every exit
 * path (q, Ctrl-C, SIGTERM, SIGHUP, a crash) by whoever is leaving. Module state on purpose: there
 * is one terminal.
 */
const ALT_ON = '\u001b[?1049h\u001b[H';
const ALT_OFF = '\u001b[?25h\u001b[?1049l';
let altActive = false;

export function enterAltScreen(): void {
	if (!process.stdout.isTTY) return;
	process.stdout.write(ALT_ON);
	altActive = true;
}

export function restoreTerminal(): void {
	if (!altActive) return;
	altActive = false;
	try {
		if (process.stdin.isTTY) process.stdin.setRawMode(false);
	} catch {
		// stdin already closed: nothing to restore
	}
	try {
		process.stdout.write(ALT_OFF);
	} catch {
		// the terminal is gone (SIGHUP, EIO): nothing left to restore
	}
}
