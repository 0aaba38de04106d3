/**
 * jemalloc's option string (MALLOC_CONF, the /etc/malloc.conf symlink target, the binary's
 * `malloc_conf` symbol): `key:value` pairs separated by commas. Values cannot contain commas;
 * jemalloc warns about and ignores malformed pairs, so do we (reported in `errors`).
 * Defaults follow jemalloc 5.3's `man jemalloc` (opt.* entries).
 */

export type MallocConfSettings = {
	/** opt.prof: profiling compiled in AND enabled at start. Default false. */
	prof: boolean;
	/** opt.prof_active: sampling on at start (can be toggled via mallctl "prof.active"). Default true. */
	profActive: boolean;
	/** opt.prof_thread_active_init. Default true. */
	profThreadActiveInit: boolean;
	/** opt.prof_prefix: dump file prefix, relative to the process's working directory. Default "jeprof". */
	profPrefix: string;
	/** opt.lg_prof_sample: mean bytes between samples = 2^N. Default 19 (512 KiB). */
	lgProfSample: number;
	/** opt.lg_prof_interval: dump every 2^N bytes allocated; -1 (default) = never. */
	lgProfInterval: number;
	/** opt.prof_accum: keep cumulative (freed) stats for --alloc_space. Default false. */
	profAccum: boolean;
	/** opt.prof_gdump: dump on a new high-water mark of mapped memory (`.u<n>.heap`). Default false. */
	profGdump: boolean;
	/** opt.prof_final: dump at exit (`.f.heap`). Default false. */
	profFinal: boolean;
	/** opt.prof_leak: report leaks at exit. Default false. */
	profLeak: boolean;
	/** opt.stats_print: print statistics at exit (the "config.prof" check). Default false. */
	statsPrint: boolean;
};

export type MallocConf = {
	settings: MallocConfSettings;
	/** Convenience: profiling is on (prof and prof_active). */
	profiling: boolean;
	/** 2^lg_prof_sample. */
	sampleBytes: number;
	/** 2^lg_prof_interval, or undefined when interval dumps are off. */
	intervalBytes: number | undefined;
	/** Every pair in order (later ones win, as in jemalloc). */
	entries: Array<{key: string; value: string}>;
	/** Keys this parser does not model (narenas, dirty_decay_ms, ...), last value wins. */
	other: Map<string, string>;
	/** Malformed pairs or values, in words. */
	errors: string[];
};

export const MALLOC_CONF_DEFAULTS: Readonly<MallocConfSettings> = Object.freeze({
	prof: false,
	profActive: true,
	profThreadActiveInit: true,
	profPrefix: 'jeprof',
	lgProfSample: 19,
	lgProfInterval: -1,
	profAccum: false,
	profGdump: false,
	profFinal: false,
	profLeak: false,
	statsPrint: false,
});

type Field = {key: keyof MallocConfSettings; type: 'bool' | 'int' | 'string'; min?: number; max?: number};

const fields: Record<string, Field> = {
	prof: {key: 'prof', type: 'bool'},
	prof_active: {key: 'profActive', type: 'bool'},
	prof_thread_active_init: {key: 'profThreadActiveInit', type: 'bool'},
	prof_prefix: {key: 'profPrefix', type: 'string'},
	// jemalloc clips lg_prof_sample to [0, 63] and lg_prof_interval to [-1, 63].
	lg_prof_sample: {key: 'lgProfSample', type: 'int', min: 0, max: 63},
	lg_prof_interval: {key: 'lgProfInterval', type: 'int', min: -1, max: 63},
	prof_accum: {key: 'profAccum', type: 'bool'},
	prof_gdump: {key: 'profGdump', type: 'bool'},
	prof_final: {key: 'profFinal', type: 'bool'},
	prof_leak: {key: 'profLeak', type: 'bool'},
	stats_print: {key: 'statsPrint', type: 'bool'},
};

/**
 * Split one option string into pairs, as jemalloc's conf parser does: keys are
 * `[A-Za-z0-9_]+`, then `:`, then a value up to the next comma.
 */
export function splitMallocConf(text: string): {entries: Array<{key: string; value: string}>; errors: string[]} {
	const entries: Array<{key: string; value: string}> = [];
	const errors: string[] = [];
	const trimmed = text.trim();
	if (trimmed === '') return {entries, errors};
	for (const part of trimmed.split(',')) {
		if (part === '') {
			errors.push('empty option (two commas in a row)');
			continue;
		}
		const colon = part.indexOf(':');
		const key = colon < 0 ? part : part.slice(0, colon);
		if (colon < 0 || !/^[A-Za-z0-9_]+$/.test(key)) {
			errors.push(`malformed option '${part}' (expected key:value)`);
			continue;
		}
		entries.push({key, value: part.slice(colon + 1)});
	}
	return {entries, errors};
}

/**
 * Parse one or more option strings. Several strings are layered in jemalloc's order: the
 * binary's built-in `malloc_conf`, then the /etc/malloc.conf link name, then MALLOC_CONF; pass
 * them in that order and later values win.
 */
export function parseMallocConf(sources: string | readonly (string | undefined)[]): MallocConf {
	const list = typeof sources === 'string' ? [sources] : sources;
	const settings: MallocConfSettings = {...MALLOC_CONF_DEFAULTS};
	const entries: Array<{key: string; value: string}> = [];
	const other = new Map<string, string>();
	const errors: string[] = [];
	for (const source of list) {
		if (source === undefined) continue;
		const split = splitMallocConf(source);
		errors.push(...split.errors);
		for (const entry of split.entries) {
			entries.push(entry);
			const field = fields[entry.key];
			if (!field) {
				other.set(entry.key, entry.value);
				continue;
			}
			const target = settings as Record<keyof MallocConfSettings, boolean | number | string>;
			if (field.type === 'bool') {
				if (entry.value === 'true') target[field.key] = true;
				else if (entry.value === 'false') target[field.key] = false;
				else errors.push(`${entry.key}: '${entry.value}' is not true or false`);
			} else if (field.type === 'int') {
				if (!/^[+-]?\d+$/.test(entry.value)) {
					errors.push(`${entry.key}: '${entry.value}' is not an integer`);
					continue;
				}
				let n = Number(entry.value);
				if (field.min !== undefined && n < field.min) n = field.min;
				if (field.max !== undefined && n > field.max) n = field.max;
				target[field.key] = n;
			} else {
				target[field.key] = entry.value;
			}
		}
	}
	return {
		settings,
		profiling: settings.prof && settings.profActive,
		sampleBytes: 2 ** settings.lgProfSample,
		intervalBytes: settings.lgProfInterval < 0 ? undefined : 2 ** settings.lgProfInterval,
		entries,
		other,
		errors,
	};
}

/** Render settings back to an option string (only the non-default profiling keys). */
export function formatMallocConf(settings: Partial<MallocConfSettings>): string {
	const names: Record<keyof MallocConfSettings, string> = {
		prof: 'prof',
		profActive: 'prof_active',
		profThreadActiveInit: 'prof_thread_active_init',
		profPrefix: 'prof_prefix',
		lgProfSample: 'lg_prof_sample',
		lgProfInterval: 'lg_prof_interval',
		profAccum: 'prof_accum',
		profGdump: 'prof_gdump',
		profFinal: 'prof_final',
		profLeak: 'prof_leak',
		statsPrint: 'stats_print',
	};
	const parts: string[] = [];
	for (const key of Object.keys(names) as Array<keyof MallocConfSettings>) {
		const value = settings[key];
		if (value === undefined || value === MALLOC_CONF_DEFAULTS[key]) continue;
		parts.push(`${names[key]}:${String(value)}`);
	}
	return parts.join(',');
}
