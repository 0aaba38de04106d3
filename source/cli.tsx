#!/usr/bin/env node
import {register} from 'node:module';
import meow from 'meow';
import {runMain, type Flags} from './main.js';

const cli = meow(
	`
  Usage
    $ zeektop                      live table of every Zeek process on this host
    $ zeektop --once [--json]      one snapshot (two samples --interval apart), then exit
    $ zeektop demo [--once --json] the same on a simulated Zeek cluster (no Zeek needed)
    $ zeektop perf <node|pid> [--seconds N] [--frequency HZ] [--main-thread] [--json]
                                   perf capture: top functions and an ASCII flame graph
    $ zeektop heap <node|pid> [--dump] [--base FILE] [--json]
                                   jemalloc heap profile: top table, growth, allocation sites
    $ zeektop fold [FILE|-] [--pid|--tid|--kernel|--jit|--all|--addrs]
                                   perf script text to folded stacks (stackcollapse-perf.pl)
    $ zeektop flame FILE [--print] [--width N] [--height N]
                                   a folded file, perf script text or jeprof --collapsed output
    $ zeektop doctor [node|pid]    can this host be profiled? each finding with its fix

  Options
    --interval MS       refresh interval (default 1000)
    --once              print one snapshot and exit
    --json              with --once: JSON instead of a table
    --metrics URL       scrape this endpoint (repeatable) instead of discovering them
    --no-metrics        do not scrape Zeek's metrics endpoints
    --metrics-interval S  seconds between scrapes of one endpoint (default 10; each scrape
                        runs on the node's packet thread)
    --metrics-timeout MS  per-scrape timeout (default 2000)
    --spool DIR         only nodes running below DIR (one zeekctl spool, when several run)
    --perf-seconds N    length of a perf capture from the table (default 10)
    --perf-frequency HZ perf sampling frequency (default 99)
    --call-graph MODE   fp (frame pointers, default) or dwarf (for builds without frame
                        pointers: bigger perf.data, slower perf script)
    --captures DIR      where captures are kept (default $XDG_STATE_HOME/zeektop/captures)
    --alloc-skip REGEX  heap: also skip frames matching REGEX to find allocation sites
                        (repeatable; a custom pool allocator, say)
    --proc-root DIR     read another /proc tree (fixtures)
    --version, --help

  Keys (interactive): ? shows them all.
`,
	{
		importMeta: import.meta,
		// The one-file bundle has no package.json beside it: the version is baked in.
		...(process.env.ZEEKTOP_VERSION ? {version: process.env.ZEEKTOP_VERSION} : {}),
		allowUnknownFlags: true,
		flags: {
			interval: {type: 'number', default: 1000},
			once: {type: 'boolean', default: false},
			json: {type: 'boolean', default: false},
			metrics: {type: 'string', isMultiple: true},
			metricsInterval: {type: 'number', default: 10},
			metricsTimeout: {type: 'number', default: 2000},
			procRoot: {type: 'string', default: '/proc'},
			spool: {type: 'string'},
			seconds: {type: 'number'},
			frequency: {type: 'number'},
			perfSeconds: {type: 'number', default: 10},
			perfFrequency: {type: 'number', default: 99},
			mainThread: {type: 'boolean', default: false},
			captures: {type: 'string'},
			print: {type: 'boolean', default: false},
			width: {type: 'number'},
			height: {type: 'number'},
			pid: {type: 'boolean', default: false},
			tid: {type: 'boolean', default: false},
			kernel: {type: 'boolean', default: false},
			jit: {type: 'boolean', default: false},
			all: {type: 'boolean', default: false},
			addrs: {type: 'boolean', default: false},
			dump: {type: 'boolean', default: false},
			base: {type: 'string'},
			allocSkip: {type: 'string', isMultiple: true},
			callGraph: {type: 'string'},
			workers: {type: 'number', default: 4},
			layout: {type: 'string', default: 'zeek8'},
		},
	},
);

const known = new Set([
	'interval', 'once', 'json', 'metrics', 'metricsInterval', 'metricsTimeout', 'procRoot', 'spool', 'workers', 'layout', 'help', 'version', 'seconds', 'frequency',
	'perfSeconds', 'perfFrequency', 'mainThread', 'captures', 'print', 'width', 'height', 'pid', 'tid', 'kernel', 'jit', 'all',
	'addrs', 'dump', 'base', 'allocSkip', 'callGraph',
]);
const unknown = Object.keys(cli.flags).filter(k => !known.has(k));
if (unknown.length > 0) {
	const dashed = unknown.map(k => '--' + k.replace(/[A-Z]/g, c => '-' + c.toLowerCase()));
	process.stderr.write(`zeektop: unknown option ${dashed.join(', ')}: see zeektop --help for the options\n`);
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
	process.exitCode = await runMain(cli.input, cli.flags as Flags);
}
