// Key press -> frame in the flame view on a >= 50,000-frame profile, end to end through Ink: the
// FlameApp of `zeektop flame` mounted with the options mountFullScreen uses (maxFps 20, no
// incremental rendering) on a fake 200x50 TTY; the time from writing a key's bytes to stdin to the
// frame being written to stdout. Anchor, same run, same harness: a trivial Ink app drawing the very
// same frames, precomputed, on the same key path (what Ink + React cost without zeektop's code).
// Breakdown: reduceFlameKey + flameFrameLines timed on the same key sequence, and Ink's own
// output step (its onRender renderTime).
import {EventEmitter} from 'node:events';
import React, {useState} from 'react';
import {Text, render, useInput} from 'ink';
import {FlameApp} from '../source/ui/run-flame.js';
import {initialFlameUiState, reduceFlameKey, type FlameUiState} from '../source/ui/flame-keys.js';
import {flameFrameLines, type FlameHeader} from '../source/ui/views/FlameView.js';
import type {Theme} from '../source/ui/theme.js';
import {syntheticZeekProfile} from './zeek-profile.js';

const COLUMNS = 200;
const ROWS = 50;
/** FlameApp's own rule: never the last column, never the last row. */
const WIDTH = COLUMNS - 1;
const HEIGHT = ROWS - 1;
const GOAL_MS = 30;
/** Idle time between keys: longer than Ink's 50 ms render throttle (maxFps 20), as a person types. */
const GAP_MS = 60;
const NO_FRAME_MS = 1000;
const ROUNDS = 5; // the first is a warm-up (JIT), reported apart

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

class TtyOut extends EventEmitter {
	readonly isTTY = true;
	readonly columns = COLUMNS;
	readonly rows = ROWS;
	writes = 0;
	lastWriteAt = 0;
	private waiter: (() => void) | undefined;
	write = (_chunk: string): boolean => {
		this.writes++;
		this.lastWriteAt = performance.now();
		if (this.waiter) {
			const w = this.waiter;
			this.waiter = undefined;
			setImmediate(w); // writes of one frame come in one synchronous burst
		}
		return true;
	};
	/** Resolves with the time of the last write of the next frame, or undefined if none comes. */
	nextFrame(timeoutMs: number): Promise<number | undefined> {
		return new Promise(resolve => {
			const timer = setTimeout(() => {
				this.waiter = undefined;
				resolve(undefined);
			}, timeoutMs);
			this.waiter = () => {
				clearTimeout(timer);
				resolve(this.lastWriteAt);
			};
		});
	}
}

/** Like ink-testing-library's stdin: raw mode 'works', data is handed out on 'readable'. */
class TtyIn extends EventEmitter {
	readonly isTTY = true;
	private data: string | null = null;
	write(data: string): void {
		this.data = data;
		this.emit('readable');
		this.emit('data', data);
	}
	read = (): string | null => {
		const d = this.data;
		this.data = null;
		return d;
	};
	setEncoding() {}
	setRawMode() {}
	resume() {}
	pause() {}
	ref() {}
	unref() {}
}

type Mounted = {stdin: TtyIn; stdout: TtyOut; renderMs: number[]; unmount: () => void};

function mount(element: React.ReactElement): Mounted {
	const stdout = new TtyOut();
	const stdin = new TtyIn();
	const renderMs: number[] = [];
	const instance = render(element, {
		stdout: stdout as unknown as NodeJS.WriteStream,
		stderr: new TtyOut() as unknown as NodeJS.WriteStream,
		stdin: stdin as unknown as NodeJS.ReadStream,
		exitOnCtrlC: false,
		patchConsole: false,
		incrementalRendering: false,
		maxFps: 20,
		onRender: ({renderTime}) => renderMs.push(renderTime),
	});
	return {
		stdin,
		stdout,
		renderMs,
		unmount: () => {
			instance.unmount();
			instance.cleanup();
		},
	};
}

/** Write one key, wait for its frame: ms from the key to the frame's last write (undefined: no frame). */
async function press(m: Mounted, bytes: string): Promise<number | undefined> {
	await sleep(GAP_MS);
	const frame = m.stdout.nextFrame(NO_FRAME_MS);
	const t0 = performance.now();
	m.stdin.write(bytes);
	const at = await frame;
	return at === undefined ? undefined : at - t0;
}

type Key = {kind: string; bytes: string; name: string; input: string};
const key = (kind: string, bytes: string, name: string, input = ''): Key => ({kind, bytes, name, input});
const DOWN = key('down', '\u001b[B', 'down');
const UP = key('up', '\u001b[A', 'up');
const LEFT = key('left', '\u001b[D', 'left');
const RIGHT = key('right', '\u001b[C', 'right');
const ZOOM = key('return (zoom)', '\r', 'return');
// ^H: Ink 6.8 names it backspace. ^? (what xterm/tmux send for Backspace) Ink names 'delete',
// which the flame scope does not bind: checked separately below.
const ZOOM_OUT = key('backspace (zoom out)', '\u007f', 'delete');
const TABLE_DOWN = key('down (table)', '\u001b[B', 'down');

/**
 * One round of typical use; every key changes the frame. It ends where it began, at the root with
 * nothing zoomed (zooms undone, flips paired, tabs cycled, Home), but the search stays applied.
 */
function round(): Key[] {
	const keys: Key[] = [];
	for (let i = 0; i < 8; i++) keys.push(DOWN);
	keys.push(RIGHT, RIGHT, LEFT, LEFT, ZOOM, DOWN, DOWN, DOWN, ZOOM, UP, UP, ZOOM_OUT, ZOOM_OUT);
	keys.push(key('/ (open search)', '/', '/', '/'));
	for (const ch of 'Reassembler') keys.push(key('search typing', ch, ch, ch));
	keys.push(key('return (apply search)', '\r', 'return'), key('n', 'n', 'n', 'n'), key('n', 'n', 'n', 'n'), key('n', 'n', 'n', 'n'));
	keys.push(key('tab (to top table)', '\t', 'tab'), TABLE_DOWN, TABLE_DOWN, TABLE_DOWN);
	keys.push(key('tab (to callers)', '\t', 'tab'), TABLE_DOWN, TABLE_DOWN);
	keys.push(key('tab (to flame)', '\t', 'tab'), key('f (flip)', 'f', 'f', 'f'), key('f (flip)', 'f', 'f', 'f'));
	// Back to the root for the next round.
	keys.push(key('home (to the root)', '\u001b[H', 'home'));
	return keys;
}

function quantile(sorted: readonly number[], q: number): number {
	if (sorted.length === 0) return NaN;
	const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
	return sorted[i]!;
}

function stats(xs: readonly number[]): {n: number; p50: number; p95: number; max: number} {
	const s = [...xs].sort((a, b) => a - b);
	return {n: s.length, p50: quantile(s, 0.5), p95: quantile(s, 0.95), max: s.at(-1) ?? NaN};
}

const f1 = (x: number) => x.toFixed(1);
const fmt = (s: ReturnType<typeof stats>) => `p50 ${f1(s.p50)} p95 ${f1(s.p95)} max ${f1(s.max)} ms`;

/** The anchor app: one <Text> holding a precomputed frame; the next frame on every key. */
function Replay(props: {frames: readonly string[]}) {
	const [i, setI] = useState(0);
	useInput(() => setI(n => n + 1));
	return <Text wrap="truncate">{props.frames[i % props.frames.length]}</Text>;
}

export async function benchFlameKeys(): Promise<string[]> {
	const out: string[] = [];
	const theme: Theme = {color: true, unicode: true};
	let t0 = performance.now();
	const {tree, stacks} = syntheticZeekProfile({minFrames: 50_000});
	const tBuild = performance.now() - t0;
	const header: FlameHeader = {title: 'perf worker-1 (synthetic)', node: 'worker-1', pid: 4242, seconds: 30, samples: tree.totalSamples};
	out.push(`flamekeys profile: ${tree.size} frames (tree nodes), ${stacks.length} stacks, depth ${tree.maxDepth}, ${tree.names.length} distinct names, ${tree.totalSamples} samples (generated + buildTree ${tBuild.toFixed(0)} ms); view ${WIDTH}x${HEIGHT} in a ${COLUMNS}x${ROWS} terminal, colour on, NODE_ENV=${process.env.NODE_ENV ?? '(unset)'}`);

	const keys: Key[] = [];
	for (let r = 0; r < ROUNDS; r++) keys.push(...round());
	const perRound = keys.length / ROUNDS;
	const roundOf = (i: number) => Math.floor(i / perRound);

	// 1. The pure part on the key sequence: reduceFlameKey, then flameFrameLines (what FlameView
	// draws). Its frames are what the anchor replays.
	let state: FlameUiState = initialFlameUiState();
	const reduceMs: number[] = [];
	const linesMs: number[] = [];
	const frames: string[] = [flameFrameLines({tree, state, width: WIDTH, height: HEIGHT, theme, header}).join('\n')];
	for (let i = 0; i < keys.length; i++) {
		const k = keys[i]!;
		t0 = performance.now();
		const next = reduceFlameKey(state, k.name, k.input, tree, WIDTH, {pageSize: Math.max(1, HEIGHT - 6)});
		const t1 = performance.now();
		const lines = flameFrameLines({tree, state: next.state, width: WIDTH, height: HEIGHT, theme, header});
		const t2 = performance.now();
		state = next.state;
		frames.push(lines.join('\n'));
		if (roundOf(i) === 0) continue;
		reduceMs.push(t1 - t0);
		linesMs.push(t2 - t1);
	}

	// 2. End to end, key by key, paired with the anchor: the flame view gets a key, then the anchor
	// app (the same frame, precomputed: Ink + React + the write, no zeektop code) gets one. Both
	// mounted side by side, so that what else the box does hits both alike.
	const flame = mount(<FlameApp tree={tree} header={header} theme={theme} size={{columns: COLUMNS, rows: ROWS}} />);
	const anchorApp = mount(<Replay frames={frames} />);
	const e2e: Array<{key: Key; ms: number | undefined; anchorMs: number | undefined; round: number}> = [];
	let bsDel: number | undefined;
	let inkFlame: number[] = [];
	let inkAnchor: number[] = [];
	try {
		await sleep(200);
		for (let i = 0; i < keys.length; i++) {
			if (i === perRound) {
				flame.renderMs.length = 0; // Ink's output times of the measured rounds only
				anchorApp.renderMs.length = 0;
			}
			const ms = await press(flame, keys[i]!.bytes);
			e2e.push({key: keys[i]!, ms, anchorMs: await press(anchorApp, 'j'), round: roundOf(i)});
		}
		inkFlame = [...flame.renderMs];
		inkAnchor = [...anchorApp.renderMs];
		// Backspace as most terminals send it (^?, DEL), with a zoom to undo: does a frame come?
		await press(flame, '0'); // zoom reset, back to the flame graph, then into a child
		await press(flame, 'g');
		await press(flame, DOWN.bytes);
		await press(flame, DOWN.bytes);
		await press(flame, ZOOM.bytes);
		bsDel = await press(flame, '\u007f');
	} finally {
		flame.unmount();
		anchorApp.unmount();
	}

	// 3. Reference: a full 199x49 frame of plain text (every cell written), on a key.
	const plain = (c: string) => Array.from({length: HEIGHT}, (_, r) => `${String(r).padStart(3, '0')} ${c.repeat(WIDTH - 4)}`).join('\n');
	const full: number[] = [];
	const fullApp = mount(<Replay frames={[plain('.'), plain(':')]} />);
	try {
		await sleep(100);
		for (let i = 0; i < 40; i++) {
			const t = await press(fullApp, 'j');
			if (t !== undefined && i >= 10) full.push(t);
		}
	} finally {
		fullApp.unmount();
	}

	// Report.
	const measured = e2e.filter(e => e.round > 0);
	const missing = measured.filter(e => e.ms === undefined);
	const all = stats(measured.filter(e => e.ms !== undefined).map(e => e.ms!));
	const a = stats(measured.filter(e => e.anchorMs !== undefined).map(e => e.anchorMs!));
	const paired = stats(measured.filter(e => e.ms !== undefined && e.anchorMs !== undefined).map(e => e.ms! / e.anchorMs!));
	const verdict = (x: number) => (x <= GOAL_MS ? 'within' : 'OVER');
	out.push(`flamekeys anchor: a trivial Ink app drawing the same frames precomputed (same key path, no zeektop code), one key after each flame key: ${fmt(a)} (${a.n} keys)`);
	out.push(`flamekeys overall: key -> frame ${fmt(all)} over ${all.n} keys (${ROUNDS - 1} rounds of ${perRound}, ${GAP_MS} ms apart); goal <= ${GOAL_MS} ms: p50 ${verdict(all.p50)}, p95 ${verdict(all.p95)}, max ${verdict(all.max)}; ratio flame/anchor p50 ${(all.p50 / a.p50).toFixed(2)}, p95 ${(all.p95 / a.p95).toFixed(2)}, per key pair median ${paired.p50.toFixed(2)}`);
	for (const kind of [...new Set(measured.map(e => e.key.kind))]) {
		const of = measured.filter(e => e.key.kind === kind);
		const s = stats(of.filter(e => e.ms !== undefined).map(e => e.ms!));
		const sa = stats(of.filter(e => e.anchorMs !== undefined).map(e => e.anchorMs!));
		const none = of.filter(e => e.ms === undefined).length;
		out.push(`flamekeys   ${kind.padEnd(22)} ${fmt(s)} (n ${s.n}${none ? `, ${none} without a frame` : ''}); anchor p50 ${f1(sa.p50)} ms, ratio ${(s.p50 / sa.p50).toFixed(2)}`);
	}
	const w = stats(e2e.filter(e => e.round === 0 && e.ms !== undefined).map(e => e.ms!));
	out.push(`flamekeys first round (cold JIT, not counted above): ${fmt(w)}; the very first key ${f1(e2e[0]?.ms ?? NaN)} ms`);
	const r = stats(reduceMs);
	const l = stats(linesMs);
	const ir = stats(inkFlame);
	const ar = stats(inkAnchor);
	out.push(`flamekeys where the time goes (p50 / p95 / max ms per key): zeektop's reduceFlameKey ${f1(r.p50)} / ${f1(r.p95)} / ${f1(r.max)} + flameFrameLines ${f1(l.p50)} / ${f1(l.p95)} / ${f1(l.max)}; Ink's output step (renderNodeToOutput + Output.get: its onRender renderTime) ${f1(ir.p50)} / ${f1(ir.p95)} / ${f1(ir.max)} in the flame view, ${f1(ar.p50)} / ${f1(ar.p95)} / ${f1(ar.max)} in the anchor; React, Yoga, input parsing and the write are the rest; a frame is ${frames[1]!.split('\n').length} lines, ${frames[1]!.length} chars with SGR`);
	const fl = stats(full);
	out.push(`flamekeys reference: the anchor app drawing a full ${WIDTH}x${HEIGHT} plain-text frame (every cell written): ${fmt(fl)} (${fl.n} keys)`);
	if (missing.length > 0) out.push(`flamekeys keys without a frame: ${missing.length} (${[...new Set(missing.map(e => e.key.kind))].join(', ')})`);
	out.push(`flamekeys Backspace as ^? (DEL, what xterm/tmux send): ${bsDel === undefined ? `no frame in ${NO_FRAME_MS} ms (Ink 6.8 names ^? 'delete'; zoomOut should list it)` : `frame in ${f1(bsDel)} ms`}`);
	return out;
}
