// For npm run screenshots: rewrites tmux's `capture-pane -e` output so that aha (0.5.1, Debian 12)
// draws what a terminal draws. aha loses reverse video: SGR 7 followed by 39/49 (tmux's form of a
// selected row) comes out as plain text, and 7 with a 256-colour or RGB colour comes out as
// `color:#`. It also ignores dim (2), paints black text (30) dim gray with --black and gray (90)
// nearly white. Here every SGR sequence becomes one `ESC[0;...m` with the colours already swapped
// for reverse video, dim and 90 as gray, black as RGB black, and no 7, 2, 39 or 49 left for aha.

type Colour = {index: number} | {rgb: [number, number, number]};

const defaultFg: Colour = {rgb: [255, 255, 255]}; // aha --black: white on black
const defaultBg: Colour = {rgb: [0, 0, 0]};
const dimFg: Colour = {rgb: [128, 128, 128]};

function code(colour: Colour, background: boolean): string {
	if ('rgb' in colour) return `${background ? 48 : 38};2;${colour.rgb.join(';')}`;
	const n = colour.index;
	if (!background && n === 0) return '38;2;0;0;0';
	if (n === 8) return `${background ? 48 : 38};2;127;127;127`; // aha brightens its 90 to near white
	if (n < 8) return String((background ? 40 : 30) + n);
	if (n < 16) return String((background ? 100 : 90) + n - 8);
	return `${background ? 48 : 38};5;${n}`;
}

export function flattenSgr(ansi: string): string {
	let bold = false;
	let dim = false;
	let italic = false;
	let underline = false;
	let reverse = false;
	let fg: Colour | undefined;
	let bg: Colour | undefined;
	return ansi.replace(/\u001b\[([0-9;:]*)m/g, (_match, params: string) => {
		const p = params === '' ? [0] : params.split(/[;:]/).map(s => (s === '' ? 0 : Number(s)));
		for (let i = 0; i < p.length; i++) {
			const c = p[i]!;
			if (c === 0) {
				bold = dim = italic = underline = reverse = false;
				fg = bg = undefined;
			} else if (c === 1) bold = true;
			else if (c === 2) dim = true;
			else if (c === 3) italic = true;
			else if (c === 4) underline = true;
			else if (c === 7) reverse = true;
			else if (c === 22) bold = dim = false;
			else if (c === 23) italic = false;
			else if (c === 24) underline = false;
			else if (c === 27) reverse = false;
			else if (c >= 30 && c <= 37) fg = {index: c - 30};
			else if (c >= 90 && c <= 97) fg = {index: c - 90 + 8};
			else if (c === 39) fg = undefined;
			else if (c >= 40 && c <= 47) bg = {index: c - 40};
			else if (c >= 100 && c <= 107) bg = {index: c - 100 + 8};
			else if (c === 49) bg = undefined;
			else if (c === 38 || c === 48) {
				let colour: Colour | undefined;
				if (p[i + 1] === 5) {
					colour = {index: p[i + 2] ?? 0};
					i += 2;
				} else if (p[i + 1] === 2) {
					colour = {rgb: [p[i + 2] ?? 0, p[i + 3] ?? 0, p[i + 4] ?? 0]};
					i += 4;
				}
				if (colour && c === 38) fg = colour;
				else if (colour) bg = colour;
			}
			// anything else (blink, strike-through, overline...) is not drawn
		}
		let shownFg = fg ?? (dim ? dimFg : undefined);
		let shownBg = bg;
		if (reverse) {
			shownFg = bg ?? defaultBg;
			shownBg = fg ?? defaultFg;
		}
		const codes = ['0'];
		if (bold) codes.push('1');
		if (italic) codes.push('3');
		if (underline) codes.push('4');
		if (shownFg) codes.push(code(shownFg, false));
		if (shownBg) codes.push(code(shownBg, true));
		return `\u001b[${codes.join(';')}m`;
	});
}
