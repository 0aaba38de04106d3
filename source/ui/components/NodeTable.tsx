import React from 'react';
import {Box, Text} from 'ink';
import type {NodeRow} from '../../state/tracker.js';
import {cell, headerLine, type CellContext, type Column} from '../columns.js';
import {pick, type Theme} from '../theme.js';

type RowProps = {row: NodeRow; columns: Column[]; selected: boolean; ctx: CellContext; theme: Theme; width: number};

const Row = React.memo(function Row({row, columns, selected, ctx, theme, width}: RowProps) {
	const dim = row.vanishedTicks > 0;
	if (!theme.color || selected || dim) {
		const text = columns.map(c => cell(c, c.text(row, ctx))).join(' ');
		return (
			<Text inverse={selected} dimColor={dim} wrap="truncate">
				{text.length < width && selected ? text + ' '.repeat(width - text.length) : text}
			</Text>
		);
	}
	return (
		<Text wrap="truncate">
			{columns.map((c, i) => {
				const e = c.emphasis?.(row);
				const color = e === 'hot' ? 'red' : e === 'warn' ? 'yellow' : c.id === 'cpuSpark' ? 'green' : c.id === 'rssSpark' ? 'blue' : undefined;
				return (
					<Text key={c.id} color={pick(theme, color)} bold={e === 'hot'}>
						{(i > 0 ? ' ' : '') + cell(c, c.text(row, ctx))}
					</Text>
				);
			})}
		</Text>
	);
});

export function NodeTable(props: {
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
	const bodyHeight = Math.max(0, height - 1);
	const visible = rows.slice(props.scrollTop, props.scrollTop + bodyHeight);
	const header = headerLine(columns.map(c => (c.id === props.sortColumn ? {...c, title: c.title + (props.descending ? 'v' : '^')} : c)));
	return (
		<Box flexDirection="column" height={height}>
			<Text inverse bold wrap="truncate">{header.padEnd(props.width)}</Text>
			{visible.map(r => (
				<Row key={r.key} row={r} columns={columns} selected={r.key === props.selectedKey} ctx={props.ctx} theme={props.theme} width={props.width} />
			))}
		</Box>
	);
}
