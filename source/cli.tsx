#!/usr/bin/env node
import meow from 'meow';
import {runMain} from './main.js';

const cli = meow(
	`
  Usage
    $ zeektop                      live table of every Zeek process on this host
    $ zeektop --once [--json]      one snapshot (two samples --interval apart), then exit
    $ zeektop demo [--once --json] the same on a simulated Zeek cluster (no Zeek needed)

  Options
    --interval MS       refresh interval (default 1000)
    --once              print one snapshot and exit
    --json              with --once: JSON instead of a table
    --no-metrics        do not scrape Zeek's metrics endpoints
    --proc-root DIR     read another /proc tree (fixtures)
    --version, --help

  Keys (interactive): ? shows them all.
`,
	{
		importMeta: import.meta,
		allowUnknownFlags: true,
		flags: {
			interval: {type: 'number', default: 1000},
			once: {type: 'boolean', default: false},
			json: {type: 'boolean', default: false},
			metrics: {type: 'boolean', default: true},
			procRoot: {type: 'string', default: '/proc'},
			workers: {type: 'number', default: 4},
			layout: {type: 'string', default: 'zeek8'},
		},
	},
);

const known = new Set(['interval', 'once', 'json', 'metrics', 'procRoot', 'workers', 'layout', 'help', 'version']);
const unknown = Object.keys(cli.flags).filter(k => !known.has(k));
if (unknown.length > 0) {
	const dashed = unknown.map(k => '--' + k.replace(/[A-Z]/g, c => '-' + c.toLowerCase()));
	process.stderr.write(`zeektop: unknown option ${dashed.join(', ')}: see zeektop --help for the options\n`);
	process.exitCode = 2;
} else {
	process.exitCode = await runMain(cli.input, cli.flags);
}
