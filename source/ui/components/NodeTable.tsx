import React from 'react';
import {Text} from 'ink';
import type {NodeRow} from '../../state/tracker.js';
import {cell, headerLine, type CellContext, type Column} from '../columns.js';
import {sgr} from '../sgr.js';
import type {Theme} from '../theme.js';

/** One table row as one string (styled with SGR when colour is on). Pure. */
export function rowText(row: NodeRow, columns: Column[], selected: boolean, ctx: CellContext, theme: Theme, width: number): string {
	const dim = row.vanishedTicks > 0;
	if (selected || dim || !theme.color) {
		let text = columns.map(c => cell(c, c.text(row, ctx))).join(' ');
		if (selected && text.length < width) text += ' '.repeat(width - text.length);
		// Selection stays visible without colour (inverse is an attribute, not a colour).
		return selected ? `\u001b[7m${text}\u001b[0m` : dim && theme.color ? sgr(text, {dim: true}, true) : text;
	}
	return columns
		.map(c => {
			const e = c.emphasis?.(row);
			const fg = e === 'hot' ? 'red' : e === 'warn' ? 'yellow' : c.id === 'cpuSpark' ? 'green' : c.id === 'rssSpark' ? 'blue' : undefined;
			return sgr(cell(c, c.text(row, ctx)), {fg, bold: e === 'hot'}, true);
		})
		.join(' ');
}

export const NodeTable = React.memo(function NodeTable(props: {
	rows: NodeRow[];
	columns: Column[];
	selectedKey: string | null;
	scrollTop: number;
	height: number;
	width: number;
	ctx: CellContext;
	theme: Theme;
	sortColumn: string;
	descending: boolean;
}) {
	const {rows, columns, height} = props;
	const visible = rows.slice(props.scrollTop, props.scrollTop + Math.max(0, height - 1));
	const header = headerLine(columns.map(c => (c.id === props.sortColumn ? {...c, title: c.title + (props.descending ? 'v' : '^')} : c)));
	const lines = [`\u001b[1;7m${header.padEnd(props.width)}\u001b[0m`];
	for (const r of visible) lines.push(rowText(r, columns, r.key === props.selectedKey, props.ctx, props.theme, props.width));
	while (lines.length < height) lines.push('');
	return <Text wrap="truncate">{lines.join('\n')}</Text>;
});
