/**
 * The jemalloc heap profile of one node: growth since the base dump, everything live, allocation
 * sites, heap flame graph; and the screens before that (progress while jeprof runs, the fix when
 * profiling is off, the question before gdb pauses the node, a countdown to the next dump).
 *
 * Pure: data (HeapSession) and ui state (heap-keys) in, lines out. Drawn as one Ink <Text> with
 * SGR codes, like the node table (Ink's per-frame cost grows with text nodes).
 */
import React from 'react';
import {Box, Text} from 'ink';
import {escapeText} from '../../lib/escape.js';
import {formatBytes, formatCount, padEnd, padStart, truncate} from '../../lib/format.js';
import {DEFAULT_ALLOCATOR_PATTERNS, type AllocationSite} from '../../profile/alloc-sites.js';
import type {JeprofRow, JeprofTextReport} from '../../profile/jeprof.js';
import {renderFlameText} from '../../profile/flame-text.js';
import {confirmationLines, type HeapData, type HeapPhase, type HeapStep} from '../../session/heap-session.js';
import {HEAP_TABS, type HeapScreen, type HeapTab, type HeapUiState} from '../heap-keys.js';
import {sgr, type Style} from '../sgr.js';
import type {Theme} from '../theme.js';

export type HeapViewProps = {data: HeapData; state: HeapUiState; width: number; height: number; theme: Theme};

/** Lines above the tab body (title, base/totals, tabs) and below it (status). */
const HEADER_ROWS = 3;
const STATUS_ROWS = 1;

export function screenOf(phase: HeapPhase): HeapScreen {
	switch (phase.kind) {
		case 'detecting':
		case 'analysing':
			return 'progress';
		case 'cannot':
			return 'guidance';
		case 'ready':
			return 'report';
		default:
			return phase.kind;
	}
}

// ---------------------------------------------------------------------------------------------
// Formatting

function seconds(ms: number): string {
	return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}

function age(ms: number): string {
	const s = Math.max(0, Math.round(ms / 1000));
	if (s < 90) return `${s} s`;
	const m = Math.round(s / 60);
	if (m < 90) return `${m} min`;
	return `${Math.round(m / 60)} h`;
}

function amount(value: number, report: Pick<JeprofTextReport, 'quantity'>, signed: boolean): string {
	if (value === 0) return '0';
	const text = report.quantity === 'bytes' ? formatBytes(value) : formatCount(value);
	return signed && value > 0 ? `+${text}` : text;
}

function percent(p: number): string {
	return Number.isFinite(p) ? `${p.toFixed(1)}%` : '-';
}

/**
 * Word-wrap one line of text to `width`, keeping its leading indentation and indenting the
 * continuation by two more (commands in guidance stay readable, never cut).
 */
export function wrapText(text: string, width: number): string[] {
	const indent = /^ */.exec(text)![0];
	// Words and the runs of spaces between them: "d  dump now" keeps its two spaces.
	const tokens = text.slice(indent.length).trimEnd().split(/( +)/);
	if (tokens.length === 1 && tokens[0] === '') return [''];
	const cont = indent + '  ';
	const lines: string[] = [];
	let line = indent;
	let fresh = true;
	for (let i = 0; i < tokens.length; i += 2) {
		let word = tokens[i]!;
		const gap = fresh ? '' : (tokens[i - 1] ?? ' ');
		if (line.length + gap.length + word.length <= width) {
			line += gap + word;
			fresh = false;
			continue;
		}
		if (!fresh) {
			lines.push(line);
			line = cont;
		}
		// A word longer than a whole line (a path, a MALLOC_CONF value) is split hard.
		while (word.length > width - line.length && width - line.length > 0) {
			lines.push(line + word.slice(0, width - line.length));
			word = word.slice(width - line.length);
			line = cont;
		}
		line += word;
		fresh = word === '';
	}
	if (!fresh || lines.length === 0) lines.push(line);
	return lines;
}

function wrapAll(texts: readonly string[], width: number): string[] {
	return texts.flatMap(t => wrapText(escapeText(t), width));
}

// ---------------------------------------------------------------------------------------------
// Building blocks

type Painter = (text: string, style: Style) => string;

function titleLines(data: HeapData, width: number, tabLine: string | null, paint: Painter): string[] {
	const now = data.wallNowMs;
	const t = data.target;
	let title = `${escapeText(t.node)}  pid ${t.pid}`;
	if (data.dump) title += `  dump ${escapeText(data.dump.name)}, ${age(now - data.dump.mtimeMs)} ago`;
	if (data.windowSeconds) title += `  (sampled for ${data.windowSeconds} s)`;
	const lines = [paint(truncate(title, width), {bold: true})];
	if (!data.dump) return lines;
	let second = data.base ? `base ${escapeText(data.base.name)}, ${age(now - data.base.mtimeMs)} ago` : 'no base dump yet';
	if (data.growth?.totalBytes !== undefined) second += `   growth ${amount(data.growth.totalBytes, data.growth, true)}`;
	if (data.live?.totalBytes !== undefined) second += `   live ${amount(data.live.totalBytes, data.live, false)}`;
	else if (data.dumpLiveBytes !== undefined) second += `   live ~${formatBytes(data.dumpLiveBytes)}`;
	lines.push(truncate(second, width));
	if (tabLine !== null) lines.push(tabLine);
	return lines;
}

const TAB_LABEL: Record<HeapTab, string> = {growth: 'growth', live: 'live', sites: 'sites', flame: 'flame'};

function tabLine(state: HeapUiState, width: number, paint: Painter, color: boolean): string {
	const parts = HEAP_TABS.map((tab, i) => {
		const label = `${i + 1} ${TAB_LABEL[tab]}`;
		if (!state.tabs.includes(tab)) return ` ${'-'.repeat(label.length)} `;
		if (tab !== state.tab) return ` ${label} `;
		return color ? paint(` ${label} `, {inverse: true}) : `[${label}]`;
	});
	// Each part is label + 2 columns; the plain form decides the width.
	const plainWidth = HEAP_TABS.reduce((n, tab, i) => n + `${i + 1} ${TAB_LABEL[tab]}`.length + 2, 0) + HEAP_TABS.length - 1;
	if (plainWidth > width) return truncate(`tab ${state.tab}`, width);
	return parts.join(' ') + truncate('   Tab switches', width - plainWidth);
}

function headerRow(text: string, width: number, color: boolean): string {
	const plain = truncate(text, width);
	return color ? `\u001b[1;7m${padEnd(plain, width)}\u001b[0m` : plain;
}

function selectable(text: string, selected: boolean, width: number, color: boolean): string {
	const plain = truncate(`${selected ? '>' : ' '}${text}`, width);
	return selected && color ? `\u001b[7m${padEnd(plain, width)}\u001b[0m` : plain;
}

/** The rows window that keeps `cursor` visible: whole pages, so the view is stateless. */
function windowOf(count: number, cursor: number, rows: number): {top: number; cursor: number} {
	const c = Math.max(0, Math.min(cursor, count - 1));
	// Whole pages, but the last page is full: the end of the table is not a nearly empty screen.
	const top = rows > 0 ? Math.max(0, Math.min(Math.floor(c / rows) * rows, count - rows)) : 0;
	return {top, cursor: c};
}

function stepStatus(step: HeapStep, nowMs: number): string {
	const time = step.status === 'running' && step.startedMs !== undefined ? seconds(nowMs - step.startedMs) : step.durationMs !== undefined ? seconds(step.durationMs) : '';
	return `${padEnd(step.status, 9)}${padStart(time, 7)}`;
}

/** Why a tab has no rows yet: its step's state. */
function pendingBody(steps: HeapStep[], ids: HeapStep['id'][], nowMs: number, width: number): string[] {
	const relevant = steps.filter(s => ids.includes(s.id));
	if (relevant.length === 0) return ['(no data)'];
	const lines: string[] = [];
	for (const s of relevant) {
		if (s.status === 'failed' || s.status === 'cancelled') lines.push(...wrapText(escapeText(`${s.label}: ${s.status}${s.reason ? `: ${s.reason}` : ''}`), width));
		else lines.push(truncate(`${s.label}: ${s.status}${s.status === 'running' && s.startedMs !== undefined ? ` ${seconds(nowMs - s.startedMs)}` : ''}   ${s.command}`, width));
	}
	return lines;
}

// ---------------------------------------------------------------------------------------------
// Tab bodies

const TEXT_HEADER = ` ${padStart('flat', 8)} ${padStart('flat%', 6)} ${padStart('sum%', 6)} ${padStart('cum', 8)} ${padStart('cum%', 6)}  function`;

function textRow(row: JeprofRow, report: JeprofTextReport, signed: boolean): string {
	return `${padStart(amount(row.flatBytes, report, signed), 8)} ${padStart(percent(row.flatPercent), 6)} ${padStart(percent(row.sumPercent), 6)} ${padStart(amount(row.cumBytes, report, signed), 8)} ${padStart(percent(row.cumPercent), 6)}  ${escapeText(row.function)}`;
}

type Body = {lines: string[]; status?: string};

function textBody(data: HeapData, state: HeapUiState, tab: 'growth' | 'live', width: number, rows: number, color: boolean): Body {
	const report = tab === 'growth' ? data.growth : data.live;
	if (!report) return {lines: pendingBody(data.steps, [tab], data.nowMs, width)};
	const lines = [headerRow(TEXT_HEADER, width, color)];
	if (report.rows.length === 0) return {lines: [...lines, tab === 'growth' ? '(no growth: the two dumps hold the same samples)' : '(empty profile)']};
	const {top, cursor} = windowOf(report.rows.length, state.cursor[tab], rows - 1);
	for (let i = top; i < Math.min(report.rows.length, top + rows - 1); i++) {
		lines.push(selectable(textRow(report.rows[i]!, report, tab === 'growth'), i === cursor, width, color));
	}
	const selected = report.rows[cursor];
	return {lines, status: selected ? `${cursor + 1}/${report.rows.length} ${escapeText(selected.function)}` : undefined};
}

/**
 * Growth when there is a base and its stacks are (or are being) read; otherwise the live heap
 * (the caption says which).
 */
export function sitesBasis(data: HeapData, state: Pick<HeapUiState, 'basis'>): 'growth' | 'live' {
	if (!data.base || state.basis !== 'growth') return 'live';
	if (data.growthSites) return 'growth';
	return data.steps.some(s => s.id === 'baseStacks' && (s.status === 'pending' || s.status === 'running')) ? 'growth' : 'live';
}

/** The allocator patterns as shown: what each is for, then the expression. */
function patternLines(data: Pick<HeapData, 'allocatorPatterns'>): string[] {
	return (data.allocatorPatterns ?? DEFAULT_ALLOCATOR_PATTERNS).flatMap(p => [`  ${escapeText(p.note)}`, `      ${escapeText(p.pattern)}`]);
}

function sitesBody(data: HeapData, state: HeapUiState, width: number, rows: number, color: boolean): Body {
	if (state.showPatterns) {
		const all = patternLines(data);
		const top = Math.max(0, Math.min(state.scroll, all.length - (rows - 1)));
		return {
			lines: [headerRow(' frames skipped (leaf upwards) to find the allocation site; a hides', width, color), ...all.slice(top, top + rows - 1).map(l => truncate(l, width))],
			status: `${all.length / 2} patterns, matched against jeprof's short names; --alloc-skip REGEX adds one`,
		};
	}
	const basis = sitesBasis(data, state);
	const sites: AllocationSite[] | undefined = basis === 'growth' ? data.growthSites : data.liveSites;
	if (!sites) return {lines: pendingBody(data.steps, basis === 'growth' ? ['stacks', 'baseStacks'] : ['stacks'], data.nowMs, width)};
	const what = basis === 'growth' ? 'growth since the base; b: live' : data.base ? 'everything live; b: growth' : 'everything live';
	const lines = [headerRow(` ${padStart('bytes', 8)} ${padStart('%', 6)} ${padStart('stacks', 6)}  allocation site (${what}; a: skipped frames)`, width, color)];
	const {top, cursor} = windowOf(sites.length, state.cursor.sites, rows - 1);
	const signed = basis === 'growth';
	for (let i = top; i < Math.min(sites.length, top + rows - 1); i++) {
		const s = sites[i]!;
		const text = `${padStart(signed && s.bytes > 0 ? `+${formatBytes(s.bytes)}` : formatBytes(s.bytes), 8)} ${padStart(percent(s.percent), 6)} ${padStart(String(s.stacks), 6)}  ${escapeText(s.function)}`;
		lines.push(selectable(text, i === cursor, width, color));
	}
	if (sites.length === 0) lines.push('(no stacks)');
	const selected = sites[cursor];
	return {lines, status: selected ? `${cursor + 1}/${sites.length} ${escapeText(selected.exampleFrame)}` : undefined};
}

function flameBody(data: HeapData, state: HeapUiState, width: number, rows: number): Body {
	const basis = sitesBasis(data, state);
	const tree = basis === 'growth' ? data.growthTree : data.liveTree;
	if (!tree) return {lines: pendingBody(data.steps, basis === 'growth' ? ['stacks', 'baseStacks'] : ['stacks'], data.nowMs, width)};
	const what = basis === 'growth' ? 'growth since the base (b: live)' : data.base ? 'everything live (b: growth)' : 'everything live';
	const caption = truncate(`heap flame graph: ${what}, width = bytes; Enter explores`, width);
	if (tree.totalSamples <= 0) return {lines: [caption, basis === 'growth' ? '(nothing grew: no stack holds more than in the base)' : '(empty profile)']};
	return {lines: [caption, ...renderFlameText(tree, {width, height: Math.max(1, rows - 1)}).split('\n')]};
}

// ---------------------------------------------------------------------------------------------
// Screens

function progressLines(data: HeapData, width: number): string[] {
	const t = data.target;
	const lines: string[] = [''];
	if (data.phase.kind === 'detecting') {
		lines.push(truncate(`Looking at the jemalloc state of ${escapeText(t.node)} (pid ${t.pid})...`, width));
		return lines;
	}
	lines.push(...wrapText('Reading the heap profile: jeprof symbolises the binary and every library it maps (nm, addr2line), a few seconds each run.', width));
	lines.push('');
	for (const s of data.steps) {
		lines.push(truncate(`  ${stepStatus(s, data.nowMs)}  ${s.label}`, width));
		lines.push(truncate(`${' '.repeat(20)}${escapeText(s.command)}`, width));
	}
	lines.push('');
	const started = data.phase.kind === 'analysing' ? data.phase.startedMs : undefined;
	lines.push(truncate(`${started === undefined ? '' : `elapsed ${seconds(data.nowMs - started)}   `}Esc cancels and goes back`, width));
	return lines;
}

function guidanceLines(data: HeapData, width: number, paint: Painter): string[] {
	const phase = data.phase;
	if (phase.kind !== 'cannot') return [];
	const g = phase.guidance;
	const lines = ['', ...wrapText(escapeText(g.headline), width).map(l => paint(l, {fg: 'yellow', bold: true})), ''];
	lines.push(...wrapAll(g.steps, width));
	if (g.check.length > 0) lines.push('', 'Check:', ...wrapAll(g.check.map(c => `  ${c}`), width));
	if (data.state?.summary) lines.push('', ...wrapText(`Now: ${escapeText(data.state.summary)}`, width));
	for (const note of data.notes) lines.push(...wrapText(`note: ${escapeText(note)}`, width));
	if (data.actions.includes('dump')) lines.push('', 'd  try a dump now through gdb anyway (asks first)');
	return lines;
}

function offerLines(data: HeapData, width: number): string[] {
	if (data.phase.kind !== 'offer') return [];
	const lines = ['', ...wrapAll(data.phase.lines, width)];
	for (const note of data.notes) lines.push(...wrapText(`note: ${escapeText(note)}`, width));
	lines.push('', 'Esc  back to the table');
	return lines;
}

function failedLines(data: HeapData, width: number, paint: Painter): string[] {
	if (data.phase.kind === 'cancelled') return ['', 'Cancelled.', '', 'r  start again   Esc  back'];
	if (data.phase.kind !== 'failed') return [];
	const lines = ['', ...wrapText(escapeText(data.phase.reason), width).map(l => paint(l, {fg: 'red', bold: true}))];
	const g = data.phase.guidance;
	if (g) lines.push('', ...wrapAll([g.headline, ...g.steps], width));
	for (const s of data.steps) if (s.status === 'failed') lines.push(...wrapText(escapeText(`${s.label}: ${s.reason ?? 'failed'}`), width));
	lines.push('', 'r  try again   Esc  back');
	return lines;
}

function dumpingLines(data: HeapData, width: number): string[] {
	const t = data.target;
	const phase = data.phase;
	const lines = [''];
	if (phase.kind === 'dumping') {
		lines.push(truncate(`Dumping the heap of ${escapeText(t.node)} (pid ${t.pid}) through gdb... ${seconds(data.nowMs - phase.startedMs)}`, width));
		lines.push(...wrapText('The worker is paused while gdb is attached (about 0.6 s on Zeek) and is always resumed.', width));
	} else if (phase.kind === 'waiting') {
		lines.push(truncate(`Waiting for the next interval dump of ${escapeText(t.node)} (pid ${t.pid})`, width));
		const waited = seconds(data.nowMs - phase.startedMs);
		if (phase.nextDumpAtMs === undefined) lines.push(truncate(`no estimate yet; waited ${waited}`, width));
		else {
			const left = phase.nextDumpAtMs - data.wallNowMs;
			lines.push(truncate(left > 0 ? `next dump expected in ~${age(left)}; waited ${waited}` : `next dump expected any moment (${age(-left)} later than the spacing so far); waited ${waited}`, width));
		}
		lines.push(...wrapText(`(${escapeText(phase.basis)})`, width), '', ...(data.actions.includes('dump') ? ['d    dump now instead (gdb; asks first)'] : []), 'Esc  stop waiting and go back');
	} else if (phase.kind === 'capturing') {
		lines.push(truncate(`Sampling the allocations of ${escapeText(t.node)} (pid ${t.pid}) for ${phase.seconds} s`, width));
		const what: Record<typeof phase.stage, string> = {
			activating: 'switching prof.active on (gdb)...',
			sampling: `sampling: ${age(phase.endsAtMs - data.nowMs)} left`,
			dumping: 'dumping the heap (gdb)...',
			restoring: 'switching prof.active off again (gdb)...',
		};
		lines.push(truncate(what[phase.stage], width), '', ...wrapText('Esc stops early; sampling is switched off again either way.', width));
	}
	if (data.lastDump && phase.kind !== 'dumping') lines.push('', truncate(`last gdb call paused the node ${Math.round(data.lastDump.pauseMs)} ms`, width));
	return lines;
}

function confirmLines(data: HeapData, state: HeapUiState, width: number, paint: Painter): string[] {
	const action = state.confirm!;
	const [question = '', ...rest] = confirmationLines(action, data, data.captureSeconds);
	return [
		'',
		...wrapText(escapeText(question), width).map(l => paint(l, {bold: true})),
		'',
		...rest.flatMap(l => wrapText(escapeText(l), width)),
		'',
		truncate(`y / Enter  ${action === 'dump' ? 'dump now' : 'start sampling'}     n / Esc  cancel`, width),
	];
}

/** The text of a scrollable screen (guidance, offer, failure), for the ui state's scroll bounds. */
export function heapTextLines(data: HeapData, width: number, theme: Theme = {color: false, unicode: false}): string[] {
	const paint: Painter = (text, style) => sgr(text, style, theme.color);
	switch (screenOf(data.phase)) {
		case 'guidance':
			return guidanceLines(data, width, paint);
		case 'offer':
			return offerLines(data, width);
		case 'failed':
		case 'cancelled':
			return failedLines(data, width, paint);
		case 'dumping':
		case 'waiting':
		case 'capturing':
			return dumpingLines(data, width);
		case 'progress':
			return progressLines(data, width);
		case 'report':
			return [];
	}
}

/** Rows of the tab body (between the header lines and the status line). */
export function heapBodyRows(height: number): number {
	return Math.max(1, height - HEADER_ROWS - STATUS_ROWS);
}

/**
 * Refresh what the key reducer must know of the data: screen, tabs, rows per tab, actions, the
 * length of the text screens. Call before reducing a key and before drawing.
 */
export function syncHeapUi(state: HeapUiState, data: HeapData, width: number, height: number): HeapUiState {
	const screen = screenOf(data.phase);
	const tabs: HeapTab[] = data.base ? ['growth', 'live', 'sites', 'flame'] : ['live', 'sites', 'flame'];
	const tab = tabs.includes(state.tab) ? state.tab : tabs[0]!;
	// A new report starts on its first tab.
	const startTab = state.screen !== 'report' && screen === 'report' ? tabs[0]! : tab;
	const basis = sitesBasis(data, state);
	const sites = (basis === 'growth' ? data.growthSites : data.liveSites)?.length ?? 0;
	const counts = {growth: data.growth?.rows.length ?? 0, live: data.live?.rows.length ?? 0, sites, flame: 0};
	const bodyRows = heapBodyRows(height);
	const textLines = screen === 'report' ? (state.showPatterns ? patternLines(data).length : 0) : heapTextLines(data, width).length;
	return {
		...state,
		screen,
		tabs,
		tab: startTab,
		counts,
		textLines,
		pageSize: Math.max(1, screen === 'report' ? bodyRows - 1 : height - 2),
		actions: data.actions,
		confirm: state.confirm && data.actions.includes(state.confirm) ? state.confirm : null,
	};
}

/**
 * Every line of the view, at most `height`, each at most `width` columns (plus SGR codes when
 * the theme has colour). Pure: frame tests compare these.
 */
export function heapViewLines(data: HeapData, state: HeapUiState, width: number, height: number, theme: Theme): string[] {
	const color = theme.color;
	const paint: Painter = (text, style) => sgr(text, style, color);
	const screen = screenOf(data.phase);
	let body: string[];
	let status: string | undefined;
	let head: string[];
	if (state.confirm) {
		head = titleLines(data, width, null, paint);
		body = confirmLines(data, state, width, paint);
		const rows = Math.max(1, height - head.length - STATUS_ROWS);
		body = body.slice(0, rows);
		while (body.length < rows) body.push('');
	} else if (screen === 'report') {
		head = titleLines(data, width, tabLine(state, width, paint, color), paint);
		const rows = Math.max(1, height - head.length - STATUS_ROWS);
		const tab = state.tabs.includes(state.tab) ? state.tab : state.tabs[0]!;
		const b = tab === 'flame' ? flameBody(data, state, width, rows) : tab === 'sites' ? sitesBody(data, state, width, rows, color) : textBody(data, state, tab, width, rows, color);
		body = b.lines.slice(0, rows);
		const running = data.steps.find(s => s.status === 'running');
		status = b.status;
		if (running && running.startedMs !== undefined) status = `working: ${running.label} (jeprof ${seconds(data.nowMs - running.startedMs)})${status ? `   ${status}` : ''}`;
		while (body.length < rows) body.push('');
	} else {
		head = titleLines(data, width, null, paint);
		const text = heapTextLines(data, width, theme);
		const rows = Math.max(1, height - head.length - STATUS_ROWS);
		const top = Math.max(0, Math.min(state.scroll, text.length - rows));
		body = text.slice(top, top + rows);
		if (text.length > rows) status = `lines ${top + 1}-${Math.min(text.length, top + rows)} of ${text.length}: j/k scroll`;
		while (body.length < rows) body.push('');
	}
	if (state.message) status = paint(truncate(escapeText(state.message), width), {fg: 'yellow'});
	else if (status !== undefined) status = paint(truncate(status, width), {dim: true});
	const lines = [...head, ...body.map(l => (l.includes('\u001b') ? l : truncate(l, width))), status ?? ''];
	return lines.slice(0, Math.max(0, height));
}

export const HeapView = React.memo(function HeapView(props: HeapViewProps) {
	const lines = heapViewLines(props.data, props.state, props.width, props.height, props.theme);
	return (
		<Box flexDirection="column" height={props.height}>
			<Text wrap="truncate">{lines.join('\n')}</Text>
		</Box>
	);
});
