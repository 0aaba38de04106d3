/**
 * HeapView frames: exact lines at 80x24 and 120x40 for a real Zeek profile (corpora/zeek-real,
 * standalone jemalloc: jeprof --text of dump i24, --text --base i2 → i24, --collapsed i24),
 * colour off and on, and the screens before the tables (guidance, offer, question, progress,
 * countdown, capture, failure). Pure: heapViewLines, plus one render through Ink.
 */
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import React from 'react';
import {render} from 'ink-testing-library';
import {corpusDir} from '../helpers/env.js';
import {parseJeprofCollapsed, parseJeprofText} from '../../source/profile/jeprof.js';
import {allocationSites, DEFAULT_ALLOCATOR_PATTERNS} from '../../source/profile/alloc-sites.js';
import {parseMallocConf} from '../../source/profile/malloc-conf.js';
import {guidanceFor, type JemallocState} from '../../source/capture/jemalloc.js';
import {heapFlameTree, planHeap, type HeapData} from '../../source/session/heap-session.js';
import {HeapView, heapViewLines, syncHeapUi, wrapText} from '../../source/ui/views/HeapView.js';
import {initialHeapUi, reduceHeapKey, type HeapUiState} from '../../source/ui/heap-keys.js';

const plain = {color: false, unicode: false};
const colour = {color: true, unicode: true};
const read = (name: string) => readFileSync(corpusDir('zeek-real', 'standalone', 'jemalloc', name), 'utf8');
const stripSgr = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');
const NOW = 1_700_000_100_000;

function corpusData(): HeapData {
	const stacks = parseJeprofCollapsed(read('jeprof-collapsed.i24.txt'));
	const dir = corpusDir('zeek-real', 'standalone', 'jemalloc');
	return {
		target: {pid: 11501, node: 'zeek', launch: 'standalone'},
		phase: {kind: 'ready'},
		actions: ['dump'],
		captureSeconds: 30, allocatorPatterns: DEFAULT_ALLOCATOR_PATTERNS,
		dump: {path: `${dir}/jeprof.out.11501.24.i24.heap`, name: 'jeprof.out.11501.24.i24.heap', sizeBytes: 1, mtimeMs: NOW - 12_000, kind: 'interval'},
		base: {path: `${dir}/jeprof.out.11501.2.i2.heap`, name: 'jeprof.out.11501.2.i2.heap', sizeBytes: 1, mtimeMs: NOW - 300_000, kind: 'interval'},
		steps: [],
		growth: parseJeprofText(read('jeprof-text-base.i2-to-i24.txt')),
		live: parseJeprofText(read('jeprof-text.i24.txt')),
		liveSites: allocationSites(stacks),
		liveTree: heapFlameTree(stacks),
		notes: [],
		nowMs: 5000,
		wallNowMs: NOW,
	};
}

/** The ui state after `keys`, synced with the data before each key as the app does. */
function uiAfter(data: HeapData, width: number, height: number, keys: string[] = [], start: Partial<HeapUiState> = {}): HeapUiState {
	let state = syncHeapUi({...initialHeapUi, ...start}, data, width, height);
	for (const key of keys) state = syncHeapUi(reduceHeapKey(state, key).state, data, width, height);
	return state;
}

function frame(data: HeapData, width: number, height: number, keys: string[] = [], theme = plain, start: Partial<HeapUiState> = {}): string[] {
	return heapViewLines(data, uiAfter(data, width, height, keys, start), width, height, theme);
}

function assertFits(lines: string[], width: number, height: number, what: string): void {
	assert.ok(lines.length <= height, `${what}: ${lines.length} lines > ${height}`);
	for (const l of lines) assert.ok(stripSgr(l).length <= width, `${what}: line wider than ${width}: ${JSON.stringify(l)}`);
}

const GROWTH_80x24 = [
	"zeek  pid 11501  dump jeprof.out.11501.24.i24.heap, 12 s ago",
	"base jeprof.out.11501.2.i2.heap, 5 min ago   growth +40.0M   live 63.0M",
	"[1 growth]  2 live   3 sites   4 flame    Tab switches",
	"     flat  flat%   sum%      cum   cum%  function",
	"   +33.8M  84.6%  84.6%   +33.8M  84.6%  malloc_usable_size",
	"   +5.70M  14.2%  98.7%   +5.70M  14.2%  zeek::util::safe_realloc (inline)",
	">   +512K   1.3% 100.0%    +512K   1.3%  CRYPTO_zalloc@@OPENSSL_3.0.0",
	"        0   0.0% 100.0%    +512K   1.3%  EVP_CIPHER_do_all_provided@@OPENSSL_3.~",
	"        0   0.0% 100.0%    +512K   1.3%  EVP_CIPHER_fetch@@OPENSSL_3.0.0",
	"        0   0.0% 100.0%    +512K   1.3%  OSSL_LIB_CTX_new_child@@OPENSSL_3.0.0",
	"        0   0.0% 100.0%    +512K   1.3%  OSSL_PROVIDER_set_default_search_path@~",
	"        0   0.0% 100.0%    +512K   1.3%  OSSL_SELF_TEST_oncorrupt_byte@@OPENSSL~",
	"        0   0.0% 100.0%    +512K   1.3%  PKCS7_decrypt@@OPENSSL_3.0.0",
	"        0   0.0% 100.0%   +9.00M  22.5%  RE_parse",
	"        0   0.0% 100.0%    +512K   1.3%  SSL_CTX_new_ex@@OPENSSL_3.0.0",
	"        0   0.0% 100.0%    +512K   1.3%  SSL_add_store_cert_subjects_to_stack@@~",
	"        0   0.0% 100.0%    +512K   1.3%  SSL_set_allow_early_data_cb@@OPENSSL_3~",
	"        0   0.0% 100.0%   +39.5M  98.7%  __libc_start_call_main",
	"        0   0.0% 100.0%   +39.5M  98.7%  __libc_start_main_impl",
	"        0   0.0% 100.0%   +39.5M  98.7%  _start",
	"        0   0.0% 100.0%    +512K   1.3%  broker::internal::connector::run",
	"        0   0.0% 100.0%    +512K   1.3%  broker::internal::connector::run_impl",
	"        0   0.0% 100.0%    +512K   1.3%  broker::internal::ssl_context_from_cfg",
	"3/234 CRYPTO_zalloc@@OPENSSL_3.0.0",
];

const LIVE_120x40 = [
	"zeek  pid 11501  dump jeprof.out.11501.24.i24.heap, 12 s ago",
	"base jeprof.out.11501.2.i2.heap, 5 min ago   growth +40.0M   live 63.0M",
	" 1 growth  [2 live]  3 sites   4 flame    Tab switches",
	"     flat  flat%   sum%      cum   cum%  function",
	">   56.3M  89.4%  89.4%    56.3M  89.4%  malloc_usable_size",
	"    5.70M   9.0%  98.4%    5.70M   9.0%  zeek::util::safe_realloc (inline)",
	"     512K   0.8%  99.2%     512K   0.8%  CRYPTO_zalloc@@OPENSSL_3.0.0",
	"     512K   0.8% 100.0%     512K   0.8%  set_binding_values",
	"        0   0.0% 100.0%     512K   0.8%  EVP_CIPHER_do_all_provided@@OPENSSL_3.0.0",
	"        0   0.0% 100.0%     512K   0.8%  EVP_CIPHER_fetch@@OPENSSL_3.0.0",
	"        0   0.0% 100.0%     512K   0.8%  OSSL_LIB_CTX_new_child@@OPENSSL_3.0.0",
	"        0   0.0% 100.0%     512K   0.8%  OSSL_PROVIDER_set_default_search_path@@OPENSSL_3.0.0",
	"        0   0.0% 100.0%     512K   0.8%  OSSL_SELF_TEST_oncorrupt_byte@@OPENSSL_3.0.0",
	"        0   0.0% 100.0%     512K   0.8%  PKCS7_decrypt@@OPENSSL_3.0.0",
	"        0   0.0% 100.0%    10.0M  15.9%  RE_parse",
	"        0   0.0% 100.0%     512K   0.8%  SSL_CTX_new_ex@@OPENSSL_3.0.0",
	"        0   0.0% 100.0%     512K   0.8%  SSL_add_store_cert_subjects_to_stack@@OPENSSL_3.0.0",
	"        0   0.0% 100.0%     512K   0.8%  SSL_set_allow_early_data_cb@@OPENSSL_3.0.0",
	"        0   0.0% 100.0%     512K   0.8%  _FUN",
	"        0   0.0% 100.0%     512K   0.8%  _GLOBAL__sub_I__ZN6binpac7SIP_TCP14ContextSIP_TCPC2EPNS0_8SIP_ConnEPNS0_8SIP_F~",
	"        0   0.0% 100.0%     512K   0.8%  _GLOBAL__sub_I__ZN6binpac7SIP_TCP14ContextSIP_TCPC2EPNS0_8SIP_ConnEPNS0_8SIP_F~",
	"        0   0.0% 100.0%    61.5M  97.6%  __libc_start_call_main",
	"        0   0.0% 100.0%    61.5M  97.6%  __libc_start_main_impl",
	"        0   0.0% 100.0%     512K   0.8%  _dl_init",
	"        0   0.0% 100.0%     512K   0.8%  _dl_start_user",
	"        0   0.0% 100.0%    62.0M  98.4%  _start",
	"        0   0.0% 100.0%     512K   0.8%  binpac::RegExMatcher::RegExMatcher",
	"        0   0.0% 100.0%     512K   0.8%  broker::internal::connector::run",
	"        0   0.0% 100.0%     512K   0.8%  broker::internal::connector::run_impl",
	"        0   0.0% 100.0%     512K   0.8%  broker::internal::ssl_context_from_cfg",
	"        0   0.0% 100.0%    8.60M  13.6%  build_global",
	"        0   0.0% 100.0%     512K   0.8%  build_local",
	"        0   0.0% 100.0%     512K   0.8%  caf::net::openssl::make_ctx (inline)",
	"        0   0.0% 100.0%    1.00M   1.6%  call_init",
	"        0   0.0% 100.0%     512K   0.8%  clone3",
	"        0   0.0% 100.0%    1.00M   1.6%  do_atif",
	"        0   0.0% 100.0%     512K   0.8%  gpg_err_init@@GPG_ERROR_1.0",
	"        0   0.0% 100.0%     512K   0.8%  init_secondary_bifs",
	"        0   0.0% 100.0%     512K   0.8%  load_files",
	"1/282 malloc_usable_size",
];

test('80x24, growth tab, third row selected: exact frame', () => {
	assert.deepEqual(frame(corpusData(), 80, 24, ['j', 'j']), GROWTH_80x24);
});

test('120x40, live tab: exact frame', () => {
	assert.deepEqual(frame(corpusData(), 120, 40, ['tab']), LIVE_120x40);
});

test('the end of a table shows a full last page with the last row selected', () => {
	const lines = frame(corpusData(), 120, 40, ['2', 'G']);
	assert.equal(lines.length, 40);
	assert.match(lines[38]!, /^> +0 +0\.0% 100\.0% +2\.50M +4\.0% {2}zeeklex$/);
	assert.equal(lines[39], '282/282 zeeklex');
	assert.ok(lines.slice(4, 38).every(l => l !== ''), 'no empty rows on the last page');
});

test('allocation sites: the first frame above the allocator; the pattern list on a', () => {
	const data = corpusData();
	// With a base the sites follow the growth, which needs the base's stacks: while they are read, said so.
	const reading = {...data, steps: [{id: 'baseStacks' as const, label: 'stacks of the base (growth sites)', command: 'jeprof --collapsed <exe> x.heap', status: 'running' as const, startedMs: 3000}]};
	const pending = frame(reading, 120, 40, ['3']);
	assert.equal(pending[3], 'stacks of the base (growth sites): running 2.0 s   jeprof --collapsed <exe> x.heap');
	assert.match(pending[39]!, /^working: stacks of the base \(growth sites\) \(jeprof 2\.0 s\)/);
	// Without them (corpus: no base stacks) the live sites, and the caption says so.
	const live = frame(data, 120, 40, ['3']);
	assert.match(live[3]!, /bytes +% stacks {2}allocation site \(everything live; b: growth; a: skipped frames\)/);
	assert.match(live[4]!, /^> +11\.0M +17\.5% +1 {2}zeek::ValManager::ValManager$/);
	assert.doesNotMatch(live.join('\n'), /malloc_usable_size/, 'allocator frames are never a site');
	assert.equal(live[39], '1/52 zeek::ValManager::ValManager()');
	const patterns = frame(data, 120, 40, ['a']);
	assert.match(patterns[2]!, /\[3 sites\]/);
	assert.match(patterns[3]!, /frames skipped \(leaf upwards\) to find the allocation site; a hides/);
	assert.equal(patterns[4], '  C allocation API');
	assert.match(patterns[5]!, /^ {6}\^\(malloc\|calloc\|realloc/);
	assert.ok(patterns.some(l => l.includes("jemalloc internals resolve to this with Debian's stripped")));
	assert.match(patterns[39]!, new RegExp(`^${DEFAULT_ALLOCATOR_PATTERNS.length} patterns`));
	const closed = frame(data, 120, 40, ['a', 'escape']);
	assert.doesNotMatch(closed.join('\n'), /frames skipped/);
});

test('heap flame graph tab: renderFlameText lines inside the view', () => {
	const lines = frame(corpusData(), 80, 24, ['4']);
	assertFits(lines, 80, 24, 'flame');
	assert.equal(lines[3], 'heap flame graph: everything live (b: growth), width = bytes; Enter explores');
	assert.match(lines[22]!, /^\[all-+\]$/);
	assert.match(lines[21]!, /\[_start-+\]/);
	assert.equal(lines[23], '');
});

test('NO_COLOR: no escape codes on any screen; colour: same text, within the width', () => {
	const data = corpusData();
	const screens: Array<{data: HeapData; keys: string[]}> = [
		...[[], ['2'], ['3'], ['3', 'b'], ['a'], ['4'], ['d']].map(keys => ({data, keys})),
		...otherScreens().map(d => ({data: d, keys: []})),
	];
	for (const [w, h] of [[80, 24], [120, 40]] as const) {
		for (const {data: d, keys} of screens) {
			const off = frame(d, w, h, keys, plain);
			assert.ok(off.every(l => !l.includes('\u001b')), `colour code with colour off: ${d.phase.kind} ${keys.join(',')}`);
			assertFits(off, w, h, `${d.phase.kind} ${keys.join(',')} ${w}x${h}`);
			const on = frame(d, w, h, keys, colour);
			assertFits(on, w, h, `colour ${d.phase.kind} ${keys.join(',')}`);
			// Only styling differs; the selected tab is [bracketed] without colour, inverse with it.
			const text = (ls: string[]) => ls.map(l => stripSgr(l).trimEnd().replace(/\[(\d \w+)\] /, ' $1  '));
			assert.deepEqual(text(on), text(off), `${d.phase.kind} ${keys.join(',')}: colour changes only styling`);
		}
	}
	const on = frame(data, 80, 24, [], colour);
	assert.ok(on[0]!.startsWith('\u001b[1m'), 'title bold');
	assert.ok(on[3]!.startsWith('\u001b[1;7m'), 'column header inverse');
	assert.ok(on[4]!.startsWith('\u001b[7m>'), 'selected row inverse');
});

test('untrusted symbols and paths are escaped', () => {
	const data = corpusData();
	data.live!.rows[0]!.function = 'evil\u001b[2J\u0007name';
	data.dump!.name = 'jeprof.out.1.2.i2.heap\u001b]0;x\u0007';
	const lines = frame(data, 120, 40, ['2']);
	const text = lines.join('\n');
	assert.ok(!text.includes('\u001b') && !text.includes('\u0007'));
	assert.match(lines[4]!, /evil\\e\[2J\\x07name/);
	assert.match(lines[0]!, /jeprof\.out\.1\.2\.i2\.heap\\e\]0;x\\x07/);
});

test('through Ink: one text block, the same lines', () => {
	const data = corpusData();
	const state = uiAfter(data, 80, 24, ['j', 'j']);
	const app = render(<HeapView data={data} state={state} width={80} height={24} theme={plain} />);
	const lines = (app.lastFrame() ?? '').split('\n').map(l => l.trimEnd());
	assert.deepEqual(lines, GROWTH_80x24.map(l => l.trimEnd()));
	app.unmount();
});

// ---------------------------------------------------------------------------------------------
// Screens before the tables

function noJemalloc(): JemallocState {
	return {
		pid: 4242, kind: 'no-jemalloc', link: {kind: 'none'}, profilingKnown: true, mallocConfEnv: undefined, environ: 'ok',
		etcMallocConf: undefined, conf: parseMallocConf([]), cwd: '/spool/worker-1', dumpDir: '/spool/worker-1', dumpPrefix: 'jeprof',
		dumps: [], newestDumpAgeMs: undefined, summary: 'no jemalloc', notes: [],
	};
}

function profilingNoDumps(): JemallocState {
	return {...noJemalloc(), kind: 'profiling', link: {kind: 'shared', library: '/usr/lib/libjemalloc.so.2'}, conf: parseMallocConf('prof:true,prof_prefix:jeprof.out'), dumpPrefix: 'jeprof.out', summary: 'profiling on, no dumps yet, interval dumps off'};
}

function base(): HeapData {
	return {target: {pid: 4242, node: 'worker-1', launch: 'zeekctl'}, phase: {kind: 'detecting'}, actions: [], captureSeconds: 30, allocatorPatterns: DEFAULT_ALLOCATOR_PATTERNS, steps: [], notes: [], nowMs: 5000, wallNowMs: NOW};
}

const LIB = '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2';

function guidanceData(): HeapData {
	const state = noJemalloc();
	return {...base(), state, phase: {kind: 'cannot', guidance: guidanceFor(state, 'zeekctl', LIB)}};
}

function offerData(): HeapData {
	const state = profilingNoDumps();
	const plan = planHeap(state, 'zeekctl', {jeprof: true, gdb: true});
	assert.equal(plan.kind, 'offer');
	return {...base(), state, actions: plan.actions, phase: {kind: 'offer', lines: plan.kind === 'offer' ? plan.lines : []}};
}

function progressData(): HeapData {
	const dump = {path: '/spool/worker-1/jeprof.out.4242.3.i3.heap', name: 'jeprof.out.4242.3.i3.heap', sizeBytes: 1, mtimeMs: NOW - 2000};
	return {
		...base(),
		dump,
		base: {...dump, name: 'jeprof.out.4242.2.i2.heap', mtimeMs: NOW - 30_000},
		dumpLiveBytes: 30 * 1024 * 1024,
		phase: {kind: 'analysing', startedMs: 1000},
		steps: [
			{id: 'growth', label: 'growth since the base', command: 'jeprof --text --base=jeprof.out.4242.2.i2.heap <exe> jeprof.out.4242.3.i3.heap', status: 'done', startedMs: 1000, durationMs: 2100},
			{id: 'stacks', label: 'allocation stacks (sites, flame graph)', command: 'jeprof --collapsed <exe> jeprof.out.4242.3.i3.heap', status: 'running', startedMs: 3100},
			{id: 'baseStacks', label: 'stacks of the base (growth sites)', command: 'jeprof --collapsed <exe> jeprof.out.4242.2.i2.heap', status: 'pending'},
			{id: 'live', label: 'everything live', command: 'jeprof --text <exe> jeprof.out.4242.3.i3.heap', status: 'pending'},
		],
	};
}

function otherScreens(): HeapData[] {
	return [
		guidanceData(),
		offerData(),
		progressData(),
		{...base(), phase: {kind: 'detecting'}},
		{...base(), phase: {kind: 'dumping', startedMs: 4600}},
		{...base(), actions: ['dump', 'wait'], phase: {kind: 'waiting', startedMs: 2000, knownDumps: 3, nextDumpAtMs: NOW + 23_000, basis: 'estimated from the spacing of the last 2 interval dumps'}},
		{...base(), actions: ['capture'], phase: {kind: 'capturing', startedMs: 2000, seconds: 30, endsAtMs: 20_000, stage: 'sampling'}},
		{...base(), phase: {kind: 'failed', reason: 'jeprof failed (exit 1): Use of uninitialized value'}},
		{...base(), phase: {kind: 'cancelled'}},
	];
}

test('guidance: the exact fix for the launch mode, scrollable when longer than the screen', () => {
	const data = guidanceData();
	const g = data.phase.kind === 'cannot' ? data.phase.guidance : undefined;
	assert.ok(g);
	const lines = frame(data, 80, 24);
	assert.equal(lines[0], 'worker-1  pid 4242');
	assert.equal(lines[2], 'Zeek is not using jemalloc: heap profiles need jemalloc with profiling');
	assert.equal(lines[8], "In node.cfg, in this node's section (or env_vars in zeekctl.cfg for all nodes):");
	assert.equal(lines[9], `  env_vars=LD_PRELOAD=${LIB},MALLOC_CONF=pro`);
	assert.equal(lines[10], '  f:true');
	assert.equal(lines[13], "  ln -sfn 'prof_prefix:jeprof.out,lg_prof_interval:30' /etc/malloc.conf");
	assert.equal(lines[16], 'Then: zeekctl deploy   (prof:true only takes effect at process start)');
	assert.match(lines[23]!, /^lines 1-22 of \d+: j\/k scroll$/);
	const end = frame(data, 80, 24, ['G']);
	assert.ok(end.includes('Check:'));
	assert.ok(end.some(l => l.includes("expect 'config.prof: true'")));
	// Every step of guidanceFor is on some page, word for word (re-joined from the wrapping).
	const all = frame(data, 80, 200).join('').replace(/\s+/g, '');
	for (const step of g.steps) assert.ok(all.includes(step.replace(/\s+/g, '')), step);
	// Another launch mode, another fix.
	const systemd = {...data, phase: {kind: 'cannot' as const, guidance: guidanceFor(noJemalloc(), 'systemd', LIB)}};
	assert.ok(frame(systemd, 120, 40).some(l => l.includes('systemctl daemon-reload && systemctl restart zeek.target')));
});

test('offer, question, progress, countdown, capture and failure screens', () => {
	const offer = frame(offerData(), 80, 24);
	assert.deepEqual(offer.slice(0, 9), [
		'worker-1  pid 4242',
		'',
		'Profiling is on, but interval dumps are off (lg_prof_interval is -1): no dumps',
		'  in /spool/worker-1.',
		'd  dump now through gdb (the node pauses for a moment)',
		'To get dumps by themselves, add lg_prof_interval:30 to MALLOC_CONF (one dump per',
		'  GiB allocated).',
		'',
		'Esc  back to the table',
	]);
	const asked = frame(offerData(), 80, 24, ['d']);
	assert.deepEqual(asked.slice(0, 12), [
		'worker-1  pid 4242',
		'',
		'Dump the heap of worker-1 (pid 4242) now?',
		'',
		'gdb attaches to the process and calls mallctl("prof.dump"): the worker pauses',
		'  for a moment (about 0.6 s on Zeek; packets may be dropped meanwhile). It is',
		'  always resumed afterwards.',
		"The dump is written to /spool/worker-1 and copied to zeektop's capture",
		'  directory.',
		'',
		'y / Enter  dump now     n / Esc  cancel',
		'',
	]);
	assert.equal(asked.length, 24);
	const progress = frame(progressData(), 80, 24);
	assert.deepEqual(progress.slice(0, 17), [
		'worker-1  pid 4242  dump jeprof.out.4242.3.i3.heap, 2 s ago',
		'base jeprof.out.4242.2.i2.heap, 30 s ago   live ~30.0M',
		'',
		'Reading the heap profile: jeprof symbolises the binary and every library it maps',
		'  (nm, addr2line), a few seconds each run.',
		'',
		'  done       2.1 s  growth since the base',
		'                    jeprof --text --base=jeprof.out.4242.2.i2.heap <exe> jeprof~',
		'  running    1.9 s  allocation stacks (sites, flame graph)',
		'                    jeprof --collapsed <exe> jeprof.out.4242.3.i3.heap',
		'  pending           stacks of the base (growth sites)',
		'                    jeprof --collapsed <exe> jeprof.out.4242.2.i2.heap',
		'  pending           everything live',
		'                    jeprof --text <exe> jeprof.out.4242.3.i3.heap',
		'',
		'elapsed 4.0 s   Esc cancels and goes back',
		'',
	]);
	const [, , , , , waiting] = otherScreens();
	assert.deepEqual(frame(waiting!, 80, 24).slice(2, 8), [
		'Waiting for the next interval dump of worker-1 (pid 4242)',
		'next dump expected in ~23 s; waited 3.0 s',
		'(estimated from the spacing of the last 2 interval dumps)',
		'',
		'd    dump now instead (gdb; asks first)',
		'Esc  stop waiting and go back',
	]);
	const capture = frame(otherScreens()[6]!, 80, 24);
	assert.equal(capture[2], 'Sampling the allocations of worker-1 (pid 4242) for 30 s');
	assert.equal(capture[3], 'sampling: 15 s left');
	const failed = frame(otherScreens()[7]!, 80, 24);
	assert.equal(failed[2], 'jeprof failed (exit 1): Use of uninitialized value');
	assert.equal(failed[4], 'r  try again   Esc  back');
});

test('wrapText keeps indentation and spacing, splits words longer than a line', () => {
	assert.deepEqual(wrapText('d  dump now through gdb', 12), ['d  dump now', '  through', '  gdb']);
	assert.deepEqual(wrapText('  ln -sfn x y', 80), ['  ln -sfn x y']);
	assert.deepEqual(wrapText('a ' + 'x'.repeat(10), 6), ['a', '  xxxx', '  xxxx', '  xx']);
	assert.deepEqual(wrapText('', 10), ['']);
});
