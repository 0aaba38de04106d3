/** The plain-text profile report: header lines, the top functions table and the ASCII flame graph. */
import {renderFlameText, renderTopTable} from './flame-text.js';
import {topFunctions} from './top.js';
import type {FlameTree} from './tree.js';

export type ReportOptions = {
	width: number;
	/** Lines for the flame graph. */
	height: number;
	/** Lines before the tables (title, notes); escaped by the caller. */
	lines?: string[];
	/** Rows of the top table (default 20). */
	topLimit?: number;
	rootAtTop?: boolean;
	zoomId?: number;
	matched?: Uint8Array;
};

/** Header lines, the top functions table and the ASCII flame graph, as plain text. */
export function renderProfileReport(tree: FlameTree, options: ReportOptions): string {
	const width = Math.max(20, Math.floor(options.width));
	const out: string[] = [...(options.lines ?? [])];
	if (out.length > 0) out.push('');
	const rows = topFunctions(tree, {zoomId: options.zoomId});
	out.push(renderTopTable(rows, {width, limit: options.topLimit ?? 20}));
	out.push('');
	out.push(renderFlameText(tree, {
		width,
		height: Math.max(1, Math.floor(options.height)),
		rootAtTop: options.rootAtTop ?? true,
		zoomId: options.zoomId,
		matched: options.matched,
	}));
	return out.join('\n') + '\n';
}

