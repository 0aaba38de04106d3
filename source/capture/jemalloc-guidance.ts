/**
 * The fix text when a node cannot be heap-profiled: per launch mode, what to set and how to check.
 */
import {existsSync} from 'node:fs';
import {type JemallocState} from './jemalloc-detect.js';

// ---------------------------------------------------------------------------------------------
// Guidance

export type LaunchMode = 'zeekctl' | 'supervisor' | 'systemd' | 'standalone';

export type Guidance = {
	/** One line: what is wrong / what to do next. */
	headline: string;
	/** Exact steps for this launch mode. */
	steps: string[];
	/** How to confirm (the config.prof check from Zeek's docs). */
	check: string[];
};

const LIB_CANDIDATES = [
	'/usr/lib/x86_64-linux-gnu/libjemalloc.so.2',
	'/usr/lib/aarch64-linux-gnu/libjemalloc.so.2',
	'/usr/lib64/libjemalloc.so.2',
	'/usr/lib/libjemalloc.so.2',
	'/usr/local/lib/libjemalloc.so.2',
];

/** The first libjemalloc.so.2 found in the usual places (for LD_PRELOAD advice and tests). */
export function findJemallocLibrary(candidates: readonly string[] = LIB_CANDIDATES): string | undefined {
	return candidates.find(p => existsSync(p));
}

/** Options zeektop recommends: interval dumps every 1 GiB allocated, Zeek's prefix. */
export const RECOMMENDED_MALLOC_CONF = 'prof:true,prof_prefix:jeprof.out,lg_prof_interval:30';

/**
 * The fix, in exact words for how the node was launched. `libraryPath` is used in LD_PRELOAD
 * lines when Zeek was not built with jemalloc.
 */
export function guidanceFor(state: JemallocState, launchMode: LaunchMode, libraryPath = findJemallocLibrary() ?? '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2'): Guidance {
	const preload = state.kind === 'no-jemalloc' || (state.kind === 'unknown' && state.link.kind !== 'shared' && state.link.kind !== 'static');
	const envLine = preload ? `LD_PRELOAD=${libraryPath} MALLOC_CONF=${RECOMMENDED_MALLOC_CONF}` : `MALLOC_CONF=${RECOMMENDED_MALLOC_CONF}`;
	const check = [
		`${preload ? `LD_PRELOAD=${libraryPath} ` : ''}MALLOC_CONF=stats_print:true zeek -e 'event zeek_init() {}' 2>&1 | grep 'config.prof'`,
		"expect 'config.prof: true' (jemalloc built with --enable-prof); no output means Zeek is not using jemalloc",
	];

	if (state.kind === 'profiling') {
		const steps: string[] = [];
		if (state.dumps.length === 0) {
			if (state.conf.intervalBytes === undefined) {
				steps.push('No interval dumps (lg_prof_interval is -1). zeektop can dump now through gdb (the node pauses ~0.6 s), or add lg_prof_interval:30 to get one dump per GiB allocated.');
			} else {
				steps.push(`Interval dumps every ${state.conf.intervalBytes} bytes allocated; none yet in ${state.dumpDir ?? 'the node directory'}.`);
			}
		}
		if (state.conf.settings.prof && !state.conf.settings.profActive) {
			steps.push('prof_active:false: sampling starts when zeektop switches prof.active on through gdb (one node at a time).');
		}
		steps.push('Growth between two dumps shows what is leaking; dumps zeektop reads are copied to its capture directory.');
		return {headline: state.summary, steps, check};
	}

	const headline =
		state.kind === 'no-jemalloc'
			? 'Zeek is not using jemalloc: heap profiles need jemalloc with profiling'
			: state.kind === 'unknown'
				? `Cannot tell whether this node uses jemalloc (${state.link.kind === 'unknown' ? state.link.reason : 'unreadable'})`
				: state.profilingKnown
					? 'jemalloc is loaded but profiling is off: prof:true must be set when the node starts'
					: 'jemalloc is loaded; MALLOC_CONF is unreadable (run zeektop as root to see it)';
	const steps: string[] = [];
	if (state.kind === 'no-jemalloc') {
		steps.push(
			`Either rebuild Zeek with ./configure --enable-jemalloc (optionally --with-jemalloc=PREFIX), or preload it: install libjemalloc2 and use LD_PRELOAD=${libraryPath} as below (Debian's libjemalloc2 has profiling compiled in).`,
		);
	}
	switch (launchMode) {
		case 'zeekctl':
			steps.push(
				`In node.cfg, in this node's section (or env_vars in zeekctl.cfg for all nodes): env_vars=${preload ? `LD_PRELOAD=${libraryPath},` : ''}MALLOC_CONF=prof:true`,
				"zeekctl splits env_vars on commas, so MALLOC_CONF can carry only 'prof:true'. Put the other options in the name of jemalloc's /etc/malloc.conf symlink:",
				"  ln -sfn 'prof_prefix:jeprof.out,lg_prof_interval:30' /etc/malloc.conf",
				'  (every jemalloc program on the host reads that name; without prof:true these options do nothing, so keep prof:true out of it)',
				'Then: zeekctl deploy   (prof:true only takes effect at process start)',
				'Dumps land in the node directory <spool>/<node>/ as jeprof.out.<pid>.<seq>.i<n>.heap; zeekctl may clean it on restart, zeektop copies the dumps it reads.',
			);
			break;
		case 'supervisor':
			steps.push(
				'Supervised nodes are forked without exec: NodeConfig$env cannot set MALLOC_CONF or LD_PRELOAD. Set them on the supervisor itself; every node inherits them:',
				`  ${preload ? `LD_PRELOAD=${libraryPath} ` : ''}MALLOC_CONF=prof:true,prof_active:false,prof_prefix:jeprof.out,lg_prof_interval:30 zeek -j <your-script>.zeek`,
				'prof_active:false keeps sampling off in all nodes until zeektop switches it on (mallctl prof.active through gdb) for the node you are watching.',
				'Restart the supervisor. Dumps land in <supervisor dir>/<node>/. Node PIDs change when the supervisor revives a node.',
			);
			break;
		case 'systemd':
			steps.push(
				'In zeek.conf, the zeek-systemd-generator config (in its [zeek] section when you use sections), add a multi-line env option; it reaches every node including workers:',
				'  env =',
				...(preload ? [`    LD_PRELOAD=${libraryPath}`] : []),
				`    MALLOC_CONF=${RECOMMENDED_MALLOC_CONF}`,
				'(manager_env, logger_env and proxy_env set variables for those node types only.)',
				'Then: systemctl daemon-reload && systemctl restart zeek.target',
				"Dumps land in each unit's WorkingDirectory, <spool>/worker-<if>-<n>/.",
			);
			break;
		case 'standalone':
			steps.push(`Start Zeek with the variables set, e.g.: ${envLine} zeek -i <interface> local`, 'Dumps land in the directory Zeek was started from.');
			break;
	}
	if (state.kind === 'jemalloc-no-profiling') {
		steps.push("Already running without prof:true? It cannot be switched on later (prof.active only works when prof:true was set at start).");
	}
	return {headline, steps, check};
}
