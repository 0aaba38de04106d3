import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {repoRoot} from '../helpers/env.js';

// The files in source/ink-patch replace Ink 6.8.0's own modules (measure-text, wrap-text, output,
// widest-line in render-node-to-output) and were proven equivalent on that version only. Another
// Ink must fail here, loudly, before a patched module silently disagrees with its new neighbours.
test('the installed Ink is the version the patches were proven on', () => {
	const ink = JSON.parse(readFileSync(join(repoRoot, 'node_modules', 'ink', 'package.json'), 'utf8')) as {version: string};
	assert.equal(ink.version, '6.8.0', `Ink ${ink.version} is installed, but source/ink-patch was proven on Ink 6.8.0: re-prove the patches (test/ink-patch) before changing the pin in package.json`);
	const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {devDependencies: Record<string, string>};
	assert.equal(pkg.devDependencies.ink, '6.8.0', 'package.json pins Ink exactly');
	for (const file of ['build/measure-text.js', 'build/wrap-text.js', 'build/output.js', 'build/render-node-to-output.js']) {
		assert.ok(readFileSync(join(repoRoot, 'node_modules', 'ink', file), 'utf8').length > 0, `Ink has no ${file} to patch`);
	}
});
