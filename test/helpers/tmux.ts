import {execFileSync} from 'node:child_process';

/** A private tmux server (its own socket) running one command at a fixed size. */
export class Tmux {
	readonly socket = `zeektop-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

	constructor(readonly columns = 120, readonly rows = 40) {}

	tmux(...args: string[]): string {
		return execFileSync('tmux', ['-L', this.socket, ...args], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
	}

	start(command: string, env: Record<string, string> = {}): void {
		const exports = Object.entries(env).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
		this.tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'main', '-x', String(this.columns), '-y', String(this.rows),
			`env ${exports} ${command}; echo "exit=$?"; sleep 30`);
		this.tmux('set-option', '-t', 'main', 'remain-on-exit', 'on');
	}

	/** The visible screen as text (-e keeps colours when asked). */
	capture(colors = false): string {
		return this.tmux('capture-pane', '-p', '-t', 'main', ...(colors ? ['-e'] : []));
	}

	keys(...keys: string[]): void {
		this.tmux('send-keys', '-t', 'main', ...keys);
	}

	async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
		const deadline = Date.now() + timeoutMs;
		let screen = '';
		while (Date.now() < deadline) {
			screen = this.capture();
			if (pattern.test(screen)) return screen;
			await new Promise(r => setTimeout(r, 100));
		}
		throw new Error(`timed out waiting for ${pattern} on screen:\n${screen}`);
	}

	kill(): void {
		try {
			this.tmux('kill-server');
		} catch {
			// server already gone
		}
	}
}
