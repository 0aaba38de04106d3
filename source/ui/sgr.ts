/**
 * Styles as raw SGR sequences inside one string. A row built as one string is one Ink text node
 * instead of a dozen: Ink's per-frame cost (layout, tokenising, width) grows with nodes and
 * characters, so the table is drawn as a single text block.
 */
export type Style = {fg?: 'red' | 'yellow' | 'green' | 'blue' | 'cyan' | 'magenta' | 'gray'; bold?: boolean; dim?: boolean; inverse?: boolean};

const FG: Record<NonNullable<Style['fg']>, number> = {red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90};

export function sgr(text: string, style: Style, enabled: boolean): string {
	if (!enabled || text.length === 0) return text;
	const codes: number[] = [];
	if (style.bold) codes.push(1);
	if (style.dim) codes.push(2);
	if (style.inverse) codes.push(7);
	if (style.fg) codes.push(FG[style.fg]);
	if (codes.length === 0) return text;
	return `\u001b[${codes.join(';')}m${text}\u001b[0m`;
}
