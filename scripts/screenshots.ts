// npm run screenshots: pictures of the real program on the simulated sensor. zeektop runs in tmux
// at a fixed size; each screen is captured with its colours (capture-pane -e), turned into HTML
// by aha and into PNG by headless Chromium (Debian packages aha and chromium).
import {execFileSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {defaultScenario, startCluster} from '../source/sim/launcher.js';

const root = join(import.meta.dirname, '..');
const out = join(root, 'screenshots');
const socket = `zeektop-shots-${process.pid}`;
const cols = 132;
const rows = 38;
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], {encoding: 'utf8'});

for (const tool of ['tmux', 'aha', 'chromium']) {
	try {
		execFileSync('sh', ['-c', `command -v ${tool}`], {stdio: 'ignore'});
	} catch {
		console.error(`zeektop screenshots: ${tool} is missing: apt-get install ${tool === 'chromium' ? 'chromium fonts-dejavu-core' : tool}`);
		process.exit(2);
	}
}

async function waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (pattern.test(tmux('capture-pane', '-p', '-t', 'z'))) return;
		await sleep(250);
	}
	throw new Error(`screenshots: timed out waiting for ${pattern}`);
}

function shoot(name: string, work: string): void {
	const ansi = tmux('capture-pane', '-p', '-e', '-t', 'z');
	const html = execFileSync('aha', ['--black', '--title', `zeektop: ${name}`], {input: ansi, encoding: 'utf8'})
		.replace('<head>', '<head><style>body{margin:8px;font:14px/1.15 "DejaVu Sans Mono",monospace;}pre{margin:0}</style>');
	const file = join(work, `${name}.html`);
	writeFileSync(file, html);
	execFileSync('chromium', [
		'--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
		'--disable-component-update', '--disable-sync', `--user-data-dir=${join(work, 'chrome')}`, '--hide-scrollbars',
		`--window-size=${cols * 8 + 40},${rows * 17 + 30}`, `--screenshot=${join(out, `${name}.png`)}`, `file://${file}`,
	], {stdio: 'ignore', timeout: 60_000});
	console.log(`screenshots/${name}.png`);
}

const work = mkdtempSync(join(tmpdir(), 'zeektop-shots-'));
const cluster = await startCluster(defaultScenario(), {basePort: 0});
try {
	tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'z', '-x', String(cols), '-y', String(rows),
		`env NODE_ENV=production TERM=xterm-256color LANG=C.UTF-8 node ${join(root, 'dist', 'cli.js')} --spool ${cluster.spoolDir} --metrics-interval 2`);
	await waitFor(/worker-4/);
	await sleep(14_000); // sparklines, RSS slope and two metric scrapes
	tmux('send-keys', '-t', 'z', 'P');
	await sleep(1200);
	shoot('table', work);
	// The overloaded worker is first when sorted by CPU: capture it.
	tmux('send-keys', '-t', 'z', 'Home');
	tmux('send-keys', '-t', 'z', 'p');
	await waitFor(/remaining|recording|capturing/i);
	await sleep(3000);
	shoot('capture', work);
	await waitFor(/TCP_Reassembler/, 90_000);
	await sleep(800);
	shoot('flame', work);
	tmux('send-keys', '-t', 'z', 'Tab');
	await sleep(800);
	shoot('top-functions', work);
	tmux('send-keys', '-t', 'z', 'Escape');
	tmux('send-keys', '-t', 'z', 'Escape');
	await sleep(800);
	tmux('send-keys', '-t', 'z', '/');
	tmux('send-keys', '-t', 'z', '-l', 'worker-2');
	tmux('send-keys', '-t', 'z', 'Enter');
	await sleep(800);
	tmux('send-keys', '-t', 'z', 'm');
	await waitFor(/Manager::Insert/, 120_000);
	await sleep(800);
	shoot('heap', work);
	tmux('send-keys', '-t', 'z', 'q');
} finally {
	try {
		tmux('kill-server');
	} catch {
		// already gone
	}
	await cluster.stop();
	rmSync(work, {recursive: true, force: true});
}
