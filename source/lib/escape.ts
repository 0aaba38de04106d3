/**
 * Untrusted text (comm, cmdline, environment, metric labels, symbols) must never reach the
 * terminal raw. Control characters (C0, DEL, C1) become visible escapes: ESC → "\e", others "\xNN".
 * Also lone surrogates / bidi overrides that could reorder the line are escaped.
 */
export function escapeText(input: string): string {
	let out = '';
	for (const ch of input) {
		const code = ch.codePointAt(0)!;
		if (code === 0x1b) out += '\\e';
		else if (code === 0x0a) out += '\\n';
		else if (code === 0x09) out += '\\t';
		else if (code === 0x0d) out += '\\r';
		else if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0)) {
			out += '\\x' + code.toString(16).padStart(2, '0');
		} else if ((code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069)) {
			out += '\\u' + code.toString(16).padStart(4, '0');
		} else out += ch;
	}
	return out;
}
