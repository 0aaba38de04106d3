// Rewrites the generated tables in README.md: the keys table from the keymap and the options table
// from the flag table (between their start/end markers). Tests fail when the README drifts.
import {readFileSync, writeFileSync} from 'node:fs';
import {keysMarkdown} from '../source/ui/keymap.js';
import {optionsMarkdown} from '../source/commands/options.js';

const path = new URL('../README.md', import.meta.url);
let readme = readFileSync(path, 'utf8');
for (const [name, table] of [['keys', keysMarkdown()], ['options', optionsMarkdown()]] as const) {
	const start = `<!-- ${name}:start -->`;
	const end = `<!-- ${name}:end -->`;
	const a = readme.indexOf(start);
	const b = readme.indexOf(end);
	if (a < 0 || b < a) {
		process.stderr.write(`README.md has no ${name} markers\n`);
		process.exit(1);
	}
	readme = readme.slice(0, a + start.length) + '\n' + table + '\n' + readme.slice(b);
}
writeFileSync(path, readme);
