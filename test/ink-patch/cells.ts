// A tiny terminal for the Output equivalence tests: SGR-styled text into rows of (character, style)
// cells, as a terminal would show them on a cleared screen.
import stringWidth from 'string-width';

export type Cell = {ch: string; style: string};

type State = {fg: string; bg: string; attrs: Set<number>};

const fresh = (): State => ({fg: '', bg: '', attrs: new Set()});
const key = (s: State) => `${s.fg}|${s.bg}|${[...s.attrs].sort((a, b) => a - b).join(',')}`;
export const DEFAULT_STYLE = key(fresh());

const ON: Record<number, number> = {1: 1, 2: 2, 3: 3, 4: 4, 7: 7, 8: 8, 9: 9, 53: 53};
const OFF: Record<number, number[]> = {22: [1, 2], 23: [3], 24: [4], 27: [7], 28: [8], 29: [9], 55: [53]};

function apply(state: State, params: string): void {
	const p = params === '' ? [0] : params.split(';').map(Number);
	for (let i = 0; i < p.length; i++) {
		const v = p[i]!;
		if (Number.isNaN(v)) throw new Error(`SGR ${JSON.stringify(params)}`);
		if (v === 0) Object.assign(state, fresh());
		else if (ON[v] !== undefined) state.attrs.add(ON[v]);
		else if (OFF[v] !== undefined) for (const a of OFF[v]) state.attrs.delete(a);
		else if ((v >= 30 && v <= 37) || (v >= 90 && v <= 97)) state.fg = String(v);
		else if (v === 39) state.fg = '';
		else if ((v >= 40 && v <= 47) || (v >= 100 && v <= 107)) state.bg = String(v);
		else if (v === 49) state.bg = '';
		else if ((v === 38 || v === 48) && p[i + 1] === 5) {
			const c = `5;${p[i + 2]}`;
			if (v === 38) state.fg = c;
			else state.bg = c;
			i += 2;
		} else if ((v === 38 || v === 48) && p[i + 1] === 2) {
			const c = `2;${p[i + 2]};${p[i + 3]};${p[i + 4]}`;
			if (v === 38) state.fg = c;
			else state.bg = c;
			i += 4;
		} else throw new Error(`SGR code ${v} in ${JSON.stringify(params)} not modelled`);
	}
}

const segmenter = new Intl.Segmenter(undefined, {granularity: 'grapheme'});
const TOKEN = /\u001b\[([0-9;]*)m/g;

/**
 * Rows of cells. `carry`: the style state runs on from one line to the next (a terminal given the
 * whole frame), otherwise every line starts unstyled. Trailing blank cells with no style are
 * dropped (what a cleared line shows anyway). Throws on any escape other than SGR.
 */
export function cells(text: string, carry = false): Cell[][] {
	const rows: Cell[][] = [];
	let state = fresh();
	for (const line of text.split('\n')) {
		if (!carry) state = fresh();
		const row: Cell[] = [];
		let at = 0;
		const put = (chunk: string) => {
			for (const {segment} of segmenter.segment(chunk)) {
				if (/[\u0000-\u001f\u007f]/.test(segment)) throw new Error(`control character in ${JSON.stringify(line)}`);
				const style = key(state);
				row.push({ch: segment, style});
				for (let w = 1; w < stringWidth(segment); w++) row.push({ch: '', style});
			}
		};
		for (const m of line.matchAll(TOKEN)) {
			put(line.slice(at, m.index));
			apply(state, m[1]!);
			at = m.index! + m[0].length;
		}
		put(line.slice(at));
		while (row.length > 0 && row.at(-1)!.style === DEFAULT_STYLE && /^\s$/u.test(row.at(-1)!.ch)) row.pop();
		rows.push(row);
	}
	return rows;
}

/** The cells, one line per row, styles as `{style}` runs: readable assertion diffs. */
export function show(rows: Cell[][]): string[] {
	return rows.map(row => {
		let out = '';
		let style = DEFAULT_STYLE;
		for (const c of row) {
			if (c.style !== style) {
				out += `{${c.style}}`;
				style = c.style;
			}
			out += c.ch;
		}
		return out;
	});
}
