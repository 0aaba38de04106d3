import React from 'react';
import {Box, Text} from 'ink';
import type {HostView} from '../../state/host.js';
import {escapeText} from '../../lib/escape.js';
import {formatBytes, formatPercent, padStart} from '../../lib/format.js';
import {bar} from '../glyphs.js';
import {pick, type Theme} from '../theme.js';

/** Host line + per-core bars, packed into at most `maxLines` lines of `width`. */
export function headerLines(host: HostView, width: number, maxLines: number, zeekVersion: string | null): string[] {
	const first = [
		escapeText(host.hostname),
		zeekVersion ? `zeek ${escapeText(zeekVersion)}` : null,
		`load ${host.load.map(l => l.toFixed(2)).join(' ')}`,
		`mem ${formatBytes(host.memUsedBytes)}/${formatBytes(host.memTotalBytes)}`,
		`zeektop ${formatPercent(host.selfCpuPercent)}% ${formatBytes(host.selfRssBytes)}`,
	].filter(Boolean).join('  ');
	const lines = [first];
	// Each core: "NN[|||||     42%]"; as many per line as fit.
	const cellWidth = host.cpuCount > 16 ? 16 : 20;
	const perLine = Math.max(1, Math.floor((width + 1) / (cellWidth + 1)));
	const barWidth = cellWidth - 9;
	let line = '';
	let n = 0;
	host.corePercents.forEach((p, i) => {
		const cell = `${padStart(String(i), 2)}[${bar(p, barWidth)}${padStart(p.toFixed(0), 3)}%]`;
		line += (n > 0 ? ' ' : '') + cell;
		n++;
		if (n === perLine) {
			lines.push(line);
			line = '';
			n = 0;
		}
	});
	if (line) lines.push(line);
	if (lines.length > maxLines) {
		const kept = lines.slice(0, Math.max(1, maxLines));
		if (maxLines >= 2) kept[maxLines - 1] = `${host.cpuCount} cpus  busy ${formatPercent(host.cpuPercent)}%`;
		return kept;
	}
	return lines;
}

export const Header = React.memo(function Header(props: {host: HostView; width: number; maxLines: number; zeekVersion: string | null; theme: Theme}) {
	const lines = headerLines(props.host, props.width, props.maxLines, props.zeekVersion);
	return (
		<Box flexDirection="column">
			{lines.map((l, i) => (
				<Text key={i} color={i === 0 ? pick(props.theme, 'cyan') : undefined} wrap="truncate">{l}</Text>
			))}
		</Box>
	);
});
