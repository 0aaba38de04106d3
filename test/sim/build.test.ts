import {test} from 'node:test';
import assert from 'node:assert/strict';
import {statSync} from 'node:fs';
import {basename, dirname, join} from 'node:path';
import {homedir} from 'node:os';
import {run} from '../../source/capture/runner.js';
import {ensureSimBinary, ensureSimTools, simCacheRoot} from '../../source/sim/build.js';
import {lintPrometheusText} from '../../source/sim/verify.js';
import {needTool} from '../helpers/env.js';

test('simCacheRoot follows XDG_CACHE_HOME, else ~/.cache', () => {
	assert.equal(simCacheRoot({XDG_CACHE_HOME: '/x/cache'}), '/x/cache/zeektop/sim');
	assert.equal(simCacheRoot({}), join(homedir(), '.cache', 'zeektop', 'sim'));
	assert.equal(simCacheRoot({XDG_CACHE_HOME: 'relative'}), join(homedir(), '.cache', 'zeektop', 'sim'), 'a relative XDG path is ignored, as the spec says');
});

test('ensureSimBinary builds a binary named zeek once, concurrently safe', async t => {
	if (!needTool(t, 'g++')) return;
	const [a, b, c] = await Promise.all([ensureSimBinary(), ensureSimBinary(), ensureSimTools()]);
	assert.equal(a, b);
	assert.equal(a, c.zeek);
	assert.equal(basename(a), 'zeek');
	assert.equal(dirname(dirname(a)), simCacheRoot());
	assert.match(basename(dirname(a)), /^[0-9a-f]{16}$/);
	assert.ok(statSync(a).mode & 0o100);
	assert.ok(statSync(c.runZeek).mode & 0o100);
	const version = await run(a, ['--version']);
	assert.equal(version.stdout, 'zeek version 8.0.10\n');
	// The named hot functions survive as symbols (perf and jeprof resolve them).
	if (needTool(t, 'nm')) {
		const nm = await run('nm', ['--demangle', a], {maxStdoutBytes: 16 << 20});
		for (const name of ['zeek::analyzer::tcp::TCP_Reassembler::DeliverBlock', 'zeek::session::Manager::Insert', 'zeek::run_state::detail::dispatch_packet', 'zeek::EventMgr::Drain']) {
			assert.ok(nm.stdout.includes(name), name);
		}
	}
});

test('lintPrometheusText flags malformed lines', () => {
	assert.deepEqual(lintPrometheusText('# HELP a b\n# TYPE a counter\na{x="1",y="a\\"b"} 1\nb 1.5e3 1700000000000\nc NaN\n'), []);
	assert.equal(lintPrometheusText('a{x=1} 1\n').length, 1);
	assert.equal(lintPrometheusText('a 1').length, 1);
	assert.equal(lintPrometheusText('a\n').length, 1);
	assert.equal(lintPrometheusText('# TYPE a bogus\n').length, 1);
});
