import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {MALLOC_CONF_DEFAULTS, formatMallocConf, parseMallocConf, splitMallocConf} from '../../source/profile/malloc-conf.js';

describe('parseMallocConf', () => {
	test("zeektop's example string", () => {
		const conf = parseMallocConf('prof:true,prof_active:false,prof_prefix:jeprof.out,lg_prof_interval:24,lg_prof_sample:19');
		assert.deepEqual(conf.settings, {
			...MALLOC_CONF_DEFAULTS,
			prof: true,
			profActive: false,
			profPrefix: 'jeprof.out',
			lgProfInterval: 24,
			lgProfSample: 19,
		});
		assert.equal(conf.profiling, false);
		assert.equal(conf.intervalBytes, 16 * 1024 * 1024);
		assert.equal(conf.sampleBytes, 512 * 1024);
		assert.deepEqual(conf.errors, []);
	});

	test('jemalloc defaults: prefix jeprof, sample 2^19, interval off, prof_active on', () => {
		const conf = parseMallocConf('');
		assert.equal(conf.settings.prof, false);
		assert.equal(conf.settings.profPrefix, 'jeprof');
		assert.equal(conf.settings.lgProfSample, 19);
		assert.equal(conf.settings.lgProfInterval, -1);
		assert.equal(conf.intervalBytes, undefined);
		assert.equal(conf.profiling, false);
		const on = parseMallocConf('prof:true');
		assert.equal(on.settings.profActive, true);
		assert.equal(on.profiling, true);
	});

	test('the real standalone run and the generated corpus runs', () => {
		const real = parseMallocConf('prof:true,prof_prefix:jeprof.out,lg_prof_interval:24,prof_final:true');
		assert.ok(real.profiling && real.settings.profFinal);
		const exact = parseMallocConf('prof:true,prof_active:true,lg_prof_sample:0,prof_accum:true,prof_final:true,prof_prefix:/tmp/jemgen/jeprof.exact');
		assert.equal(exact.sampleBytes, 1);
		assert.equal(exact.settings.profAccum, true);
		assert.equal(exact.settings.profPrefix, '/tmp/jemgen/jeprof.exact');
	});

	test('layers: /etc/malloc.conf name first, MALLOC_CONF wins', () => {
		const conf = parseMallocConf(['prof_prefix:jeprof.out,lg_prof_interval:30', undefined, 'prof:true,lg_prof_interval:26']);
		assert.equal(conf.settings.prof, true);
		assert.equal(conf.settings.profPrefix, 'jeprof.out');
		assert.equal(conf.settings.lgProfInterval, 26);
		assert.equal(conf.entries.length, 4);
	});

	test('unknown keys kept, malformed pairs and values reported, ints clipped', () => {
		const conf = parseMallocConf('narenas:4,prof:yes,lg_prof_interval:x,,bogus,lg_prof_sample:99,lg_prof_interval:-7,dirty_decay_ms:0');
		assert.deepEqual([...conf.other], [['narenas', '4'], ['dirty_decay_ms', '0']]);
		assert.equal(conf.settings.prof, false);
		assert.equal(conf.settings.lgProfSample, 63);
		assert.equal(conf.settings.lgProfInterval, -1);
		assert.equal(conf.errors.length, 4);
		assert.match(conf.errors.join('\n'), /prof: 'yes' is not true or false/);
		assert.match(conf.errors.join('\n'), /malformed option 'bogus'/);
	});

	test('values may contain colons and slashes (a prefix path)', () => {
		assert.deepEqual(splitMallocConf('prof_prefix:/var/tmp/a:b/jeprof').entries, [{key: 'prof_prefix', value: '/var/tmp/a:b/jeprof'}]);
	});

	test('formatMallocConf renders non-defaults back', () => {
		assert.equal(formatMallocConf({prof: true, profActive: false, profPrefix: 'jeprof.out', lgProfInterval: 30, lgProfSample: 19}), 'prof:true,prof_active:false,prof_prefix:jeprof.out,lg_prof_interval:30');
		const round = parseMallocConf(formatMallocConf({prof: true, lgProfInterval: 30}));
		assert.equal(round.settings.lgProfInterval, 30);
	});
});
