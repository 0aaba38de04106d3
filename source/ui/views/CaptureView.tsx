/**
 * The screen while a perf capture runs: what is recorded, a progress bar with a countdown, the
 * samples so far and the keys. Pure lines (captureLines) drawn as one Ink <Text>.
 */
import React from 'react';
import {Text} from 'ink';
import {escapeText} from '../../lib/escape.js';
import {truncate} from '../../lib/format.js';
import type {CapturePhase} from '../flame-keys.js';
import type {Theme} from '../theme.js';

export type CaptureViewProps = {
	node: string;
	pid: number;
	phase: CapturePhase;
	/** Recording time so far. */
	elapsedMs: number;
	/** Length of the capture. */
	totalMs: number;
	/** capturePerf's estimate from the target's CPU time (cpu-clock samples only while it runs). */
	estimatedSamples?: number;
	/** While reading: samples folded so far. */
	foldedSamples?: number;
	mainThreadOnly: boolean;
	frequency?: number;
	/** Notes: preflight warnings, what perf said. Escaped here. */
	notes?: string[];
	/** 'partial': what was recorded before the stop. */
	partial?: {seconds: number; samples: number};
	/** 'failed': why, and what fixes it. Escaped here. */
	error?: string;
	fix?: string;
	/** Default 80 x 24, no colour. */
	width?: number;
	height?: number;
	theme?: Theme;
};

const PHASE_TEXT: Record<CapturePhase, string> = {
	preflight: 'Checking perf, permissions and the target...',
	starting: 'Starting perf: attaching to the process...',
	recording: 'Recording...',
	stopping: 'Stopping: perf is writing perf.data...',
	reading: 'Reading: folding the perf script output...',
	partial: 'Stopped early.',
	failed: 'The capture failed.',
};

function seconds(ms: number): string {
	return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}

/** `[#####.....]` of `cells` cells; ASCII so that one character is one column everywhere. */
export function progressBar(fraction: number, cells: number): string {
	const n = Math.max(1, Math.floor(cells));
	const f = Number.isFinite(fraction) ? Math.max(0, Math.min(1, fraction)) : 0;
	const done = Math.round(f * n);
	return `[${'#'.repeat(done)}${'.'.repeat(n - done)}]`;
}

export function captureLines(props: CaptureViewProps): string[] {
	const width = Math.max(20, Math.floor(props.width ?? 80));
	const height = Math.max(1, Math.floor(props.height ?? 24));
	const color = props.theme?.color ?? false;
	const style = (text: string, codes: string) => (color && text.length > 0 ? `\u001b[${codes}m${text}\u001b[0m` : text);
	const totalMs = Math.max(0, props.totalMs);
	const elapsedMs = Math.max(0, Math.min(props.elapsedMs, totalMs));
	const threads = props.mainThreadOnly ? 'main thread only' : 'all threads';
	const lines: string[] = [];
	const head = [`perf capture`, escapeText(props.node), `pid ${props.pid}`, threads];
	if (props.frequency !== undefined) head.push(`${props.frequency} Hz`);
	head.push(`${seconds(totalMs)}`);
	lines.push(style(truncate(head.join('  '), width), '1;36'));
	lines.push('');
	const notes = (props.notes ?? []).map(n => style(truncate(`note: ${escapeText(n)}`, width), '33'));
	if (props.phase === 'failed') {
		lines.push(style(truncate(`The capture failed: ${escapeText(props.error ?? 'unknown error')}`, width), '1;31'));
		if (props.fix) lines.push(truncate(`fix: ${escapeText(props.fix)}`, width));
		lines.push('', ...notes, ...(notes.length > 0 ? [''] : []), truncate('Esc goes back to the table; zeektop doctor checks everything perf needs.', width));
		return lines.slice(0, height);
	}
	if (props.phase === 'partial') {
		const p = props.partial ?? {seconds: 0, samples: 0};
		lines.push(truncate(`Stopped after ${p.seconds.toFixed(1)} s of ${seconds(totalMs)}: ${p.samples} samples recorded.`, width));
		lines.push('');
		lines.push(style(truncate('Enter shows them (the capture is kept)   Esc discards them (nothing is kept)', width), '1'));
		lines.push('', ...notes);
		return lines.slice(0, height);
	}
	lines.push(truncate(PHASE_TEXT[props.phase], width));
	const fraction = props.phase === 'stopping' || props.phase === 'reading' ? 1 : totalMs > 0 ? elapsedMs / totalMs : 0;
	const clock = `  ${seconds(elapsedMs)} / ${seconds(totalMs)}  ${seconds(totalMs - elapsedMs)} left`;
	const cells = Math.max(10, Math.min(60, width - clock.length - 2));
	lines.push(style(progressBar(fraction, cells), '32') + truncate(clock, width - cells - 2));
	if (props.phase === 'reading' && props.foldedSamples !== undefined) {
		lines.push(`samples folded: ${props.foldedSamples}`);
	} else if (props.estimatedSamples !== undefined) {
		lines.push(`samples so far: ~${Math.max(0, Math.round(props.estimatedSamples))} (estimated from the CPU time used)`);
	} else {
		lines.push('samples so far: -');
	}
	lines.push('');
	const toggle = `t restarts: ${props.mainThreadOnly ? 'all threads' : 'main thread only (-t)'}`;
	lines.push(truncate(`Esc stops (what was recorded is offered)   ${toggle}`, width));
	if (notes.length > 0) lines.push('', ...notes);
	return lines.slice(0, height);
}

export const CaptureView = React.memo(function CaptureView(props: CaptureViewProps) {
	return <Text wrap="truncate">{captureLines(props).join('\n')}</Text>;
});
