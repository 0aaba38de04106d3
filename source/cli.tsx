#!/usr/bin/env node
import {register} from 'node:module';
import meow from 'meow';
import {runMain} from './commands/main.js';
import {helpText, meowFlags, unknownFlags} from './commands/options.js';

const cli = meow(helpText(), {
	importMeta: import.meta,
	// The one-file bundle has no package.json beside it: the version is baked in.
	...(process.env.ZEEKTOP_VERSION ? {version: process.env.ZEEKTOP_VERSION} : {}),
	allowUnknownFlags: true,
	flags: meowFlags() as never,
});

const unknown = unknownFlags(cli.flags);
if (unknown.length > 0) {
	process.stderr.write(`zeektop: unknown option ${unknown.join(', ')}: see zeektop --help for the options\n`);
	process.exitCode = 2;
} else {
	// Before Ink is loaded (it is imported lazily): bound its text caches (ink#986).
	// The one-file bundle has the bounded caches built in (scripts/bundle.mjs).
	if (process.env.ZEEKTOP_BUNDLED !== '1') register('./ink-patch/hooks.js', import.meta.url);
	// Ink renders nothing interactive when it thinks it runs in CI (is-in-ci reads CI, CI_*,
	// CONTINUOUS_INTEGRATION at import). zeektop's TUI only starts on a real terminal, so those
	// variables must not blank it (a CI job's tmux demo, a shell with CI exported).
	for (const key of Object.keys(process.env)) {
		if (key === 'CI' || key === 'CONTINUOUS_INTEGRATION' || key.startsWith('CI_')) delete process.env[key];
	}
	process.exitCode = await runMain(cli.input, cli.flags);
}
