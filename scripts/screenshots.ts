// npm run screenshots: pictures of the real program on the simulated sensor. zeektop runs in tmux
// at a fixed size; each screen is captured with its colours (capture-pane -e), turned into HTML
// by aha and into PNG by headless Chromium (Debian packages aha, chromium, fonts-dejavu-core).
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {DEMO_LG_PROF_INTERVAL, defaultScenario, startCluster} from '../source/sim/launcher.js';
import {flattenSgr} from './sgr-flatten.js';

const root = join(import.meta.dirname, '..');
const out = join(root, 'screenshots');
const socket = `zeektop-shots-${process.pid}`;
const cols = 132;
const rows = 38;
// The page's character cell: DejaVu Sans Mono advances 0.602 em (8.43 px at 14 px); a whole-pixel
// line height keeps stacked background colours (flame graph rows) free of hairline seams.
const fontPx = 14;
const cellW = fontPx * 0.602;
// 18 px lines, and coloured spans padded to fill them: a span's background covers only the font's
// content area, and DejaVu's underscore sits below it (invisible on the flame graph's blocks).
const lineH = 18;
const margin = 8;
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
	// -N keeps trailing spaces: without it a row's background colour (selection bar, header,
	// flame graph frames) stops at its last character instead of running to the edge.
	// flattenSgr: aha draws reverse video (the selection) and dim wrongly; see sgr-flatten.ts.
	const ansi = flattenSgr(tmux('capture-pane', '-p', '-e', '-N', '-t', 'z'));
	const html = execFileSync('aha', ['--black', '--title', `zeektop: ${name}`], {input: ansi, encoding: 'utf8'})
		.replace('<head>', `<head><style>body{margin:${margin}px;font:${fontPx}px/${lineH}px "DejaVu Sans Mono",monospace;}pre{margin:0}pre span{padding:0.9px 0 1px}</style>`);
	const file = join(work, `${name}.html`);
	writeFileSync(file, html);
	execFileSync('chromium', [
		'--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
		'--disable-component-update', '--disable-sync', `--user-data-dir=${join(work, 'chrome')}`, '--hide-scrollbars',
		// Exactly the pane: all `cols` columns (cols * 8 + 40 cut the last three off) and `rows` rows.
		`--window-size=${Math.ceil(cols * cellW) + 2 * margin},${rows * lineH + 2 * margin}`, `--screenshot=${join(out, `${name}.png`)}`, `file://${file}`,
	], {stdio: 'ignore', timeout: 60_000});
	console.log(`screenshots/${name}.png`);
}

const work = mkdtempSync(join(tmpdir(), 'zeektop-shots-'));
const cluster = await startCluster(defaultScenario(), {basePort: 0, lgProfInterval: DEMO_LG_PROF_INTERVAL});
try {
	tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'z', '-x', String(cols), '-y', String(rows),
		`env NODE_ENV=production TERM=xterm-256color LANG=C.UTF-8 node ${join(root, 'dist', 'cli.js')} --spool ${cluster.spoolDir} --captures ${join(work, 'captures')} --metrics-interval 2`);
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
	tmux('send-keys', '-t', 'z', 't');
	await sleep(800);
	shoot('top-functions', work);
	tmux('send-keys', '-t', 'z', 'Escape');
	await sleep(600);
	tmux('send-keys', '-t', 'z', 'Escape');
	await waitFor(/NODE.*CPU%/);
	await sleep(600);
	// The detail pane of the hot worker lists the capture just made.
	tmux('send-keys', '-t', 'z', 'Enter');
	await waitFor(/captures \(1 opens it\)/);
	await sleep(2500); // per-thread CPU needs two samples
	shoot('detail', work);
	tmux('send-keys', '-t', 'z', 'Escape');
	await waitFor(/NODE.*CPU%/);
	await sleep(600);
	// The leaking worker: wait for two interval dumps (growth = newest against the one before).
	const leaking = cluster.nodes.find(n => n.node === 'worker-2')!;
	const dumps = () => readdirSync(leaking.cwd).filter(n => n.startsWith(`jeprof.out.${leaking.pid}.`) && n.endsWith('.heap')).length;
	for (const deadline = Date.now() + 120_000; dumps() < 2 && Date.now() < deadline;) await sleep(500);
	tmux('send-keys', '-t', 'z', '/');
	tmux('send-keys', '-t', 'z', '-l', 'worker-2');
	tmux('send-keys', '-t', 'z', 'Enter');
	await sleep(800);
	tmux('send-keys', '-t', 'z', 'm');
	await waitFor(/1 growth/, 120_000);
	await waitFor(/Manager::Insert/, 120_000);
	await sleep(2500); // the later jeprof steps (stacks for the sites and the flame graph)
	shoot('heap', work);
	tmux('send-keys', '-t', 'z', '3');
	await sleep(800);
	shoot('heap-sites', work);
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
