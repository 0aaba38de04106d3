// Rewrites the keys table in README.md from the keymap (between the keys:start/end markers).
import {readFileSync, writeFileSync} from 'node:fs';
import {keysMarkdown} from '../source/ui/keymap.js';

const path = new URL('../README.md', import.meta.url);
const readme = readFileSync(path, 'utf8');
const start = '<!-- keys:start -->';
const end = '<!-- keys:end -->';
const a = readme.indexOf(start);
const b = readme.indexOf(end);
if (a < 0 || b < a) {
	process.stderr.write('README.md has no keys markers\n');
	process.exit(1);
}
writeFileSync(path, readme.slice(0, a + start.length) + '\n' + keysMarkdown() + '\n' + readme.slice(b));
