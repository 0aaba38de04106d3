import React from 'react';
import {Box, Text} from 'ink';
import {KEYMAP, prettyKey} from '../keymap.js';
import {padEnd, truncate} from '../../lib/format.js';

/** Generated from the keymap: every binding, grouped by where it applies. */
export function helpLines(width: number): string[] {
	const lines = ['zeektop keys (Esc or ? closes)', ''];
	let scope = '';
	for (const b of KEYMAP) {
		if (b.scope !== scope) {
			scope = b.scope;
			lines.push(`[${scope}]`);
		}
		lines.push(truncate(`  ${padEnd(b.keys.map(prettyKey).join(' '), 22)} ${b.help}`, width));
	}
	return lines;
}

/** The keys of some scopes only (a panel's help: capture, heap), generated from the keymap. */
export function scopeHelpLines(title: string, scopes: readonly string[], width: number): string[] {
	const lines = [`${title} (any key closes)`, ''];
	for (const scope of scopes) {
		lines.push(`[${scope}]`);
		for (const b of KEYMAP) {
			if (b.scope === scope) lines.push(truncate(`  ${padEnd(b.keys.map(prettyKey).join(' '), 22)} ${b.help}`, width));
		}
	}
	return lines;
}

export function HelpView(props: {width: number; height: number}) {
	const lines = helpLines(props.width).slice(0, props.height);
	return (
		<Box flexDirection="column" height={props.height}>
			{lines.map((l, i) => <Text key={i} wrap="truncate">{l || ' '}</Text>)}
		</Box>
	);
}
