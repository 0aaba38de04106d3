import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {corpusDir} from '../helpers/env.js';
import {parseJeprofCollapsed} from '../../source/profile/jeprof.js';
import {
	DEFAULT_ALLOCATOR_PATTERNS,
	UNATTRIBUTED,
	allocationSiteOf,
	allocationSites,
	compileAllocatorPatterns,
	frameKey,
} from '../../source/profile/alloc-sites.js';

const read = (...parts: string[]) => readFileSync(corpusDir(...parts), 'utf8');
const defaults = compileAllocatorPatterns(DEFAULT_ALLOCATOR_PATTERNS);
const isAllocator = (frame: string) => defaults.some(p => p.test(frameKey(frame)));

describe('allocationSites on real Zeek heap profiles', () => {
	const standalone = parseJeprofCollapsed(read('zeek-real', 'standalone', 'jemalloc', 'jeprof-collapsed.i24.txt'));

	test('first row is a Zeek function, not an allocator frame', () => {
		const sites = allocationSites(standalone);
		const first = sites[0]!;
		assert.equal(first.function, 'zeek::ValManager::ValManager');
		assert.equal(first.bytes, 11534864);
		assert.ok(!isAllocator(first.function));
		// jeprof --text's flat top for the same dump is the misnamed allocator internal.
		assert.ok(isAllocator('malloc_usable_size'));
		for (const site of sites) {
			assert.ok(!isAllocator(site.exampleFrame), `${site.function} is an allocator frame`);
			assert.notEqual(site.function, UNATTRIBUTED);
		}
	});

	test('bytes are conserved and percentages add up; sorted descending', () => {
		const sites = allocationSites(standalone);
		const total = [...standalone.values()].reduce((a, b) => a + b, 0);
		assert.equal(sites.reduce((s, r) => s + r.bytes, 0), total);
		assert.ok(Math.abs(sites.reduce((s, r) => s + r.percent, 0) - 100) < 1e-9);
		for (let i = 1; i < sites.length; i++) assert.ok(sites[i - 1]!.bytes >= sites[i]!.bytes);
		assert.equal(sites.reduce((s, r) => s + r.stacks, 0), standalone.size);
	});

	test('container and wrapper frames are skipped to their caller', () => {
		const sites = allocationSites(standalone);
		const names = new Set(sites.map(s => s.function));
		for (const wrapper of ['zeek::util::safe_realloc', 'zeek::make_intrusive', 'zeek::List::resize', 'std::vector::_M_realloc_insert', 'operator new']) {
			assert.ok(!names.has(wrapper), `${wrapper} should not be a site`);
		}
		// zeek::List::resize (through safe_realloc) is attributed to the NFA code that grows the list.
		assert.ok(names.has('zeek::detail::NFA_State::AddXtion'));
	});

	test('supervisor worker on-demand dump', () => {
		const stacks = parseJeprofCollapsed(read('zeek-real', 'supervisor-cluster', 'jemalloc', 'jeprof-collapsed.ondemand-worker-1-042639.heap.txt'));
		const sites = allocationSites(stacks);
		assert.equal(sites[0]!.function, 'zeek::RecordVal::RecordVal');
		assert.ok(sites.every(s => s.function.startsWith('zeek::')));
	});

	test('generated workload: sites are the named allocating functions (manifest ground truth)', () => {
		const stacks = parseJeprofCollapsed(read('jemalloc', 'generated-jemalloc-5.3.0-debian', 'jeprof-output', 'jeprof.exact.collapsed.txt'));
		const sites = allocationSites(stacks);
		assert.deepEqual(
			sites.map(s => [s.function, s.bytes]),
			[
				['reassembly_buffer_alloc', 8388608],
				['conn_state_alloc', 128000],
				['log_writer_alloc', 102400],
				['std::__throw_ios_failure@@GLIBCXX_3.4.26', 81920],
				['script_eval', 15360],
				['__GI__dl_allocate_tls', 640],
				['transient_alloc', 0],
			],
		);
		assert.equal(sites.find(s => s.function === 'script_eval')!.stacks, 3);
	});
});

describe('allocation site rules', () => {
	test('leaf upwards past every allocator layer', () => {
		const stack = [
			'main',
			'zeek::detail::Leaky::Grow(unsigned long)',
			'std::vector<char*, std::allocator<char*> >::push_back(char* const&) (inline)',
			'std::vector<char*, std::allocator<char*> >::_M_realloc_insert<char* const&>(__gnu_cxx::__normal_iterator<char**, std::vector<char*> >, char* const&)',
			'std::_Vector_base<char*, std::allocator<char*> >::_M_allocate(unsigned long) (inline)',
			'std::allocator_traits<std::allocator<char*> >::allocate(std::allocator<char*>&, unsigned long) (inline)',
			'__gnu_cxx::new_allocator<char*>::allocate(unsigned long, void const*) (inline)',
			'operator new(unsigned long)',
			'malloc',
			'je_prof_backtrace',
			'prof_alloc_prep',
			'imalloc_body',
			'malloc_usable_size',
		].join(';');
		assert.deepEqual(allocationSiteOf(stack, defaults), {function: 'zeek::detail::Leaky::Grow', frame: 'zeek::detail::Leaky::Grow(unsigned long)'});
	});

	test('string internals, OpenSSL wrappers, versioned symbols', () => {
		const s = 'zeek::Foo::Bar();std::__cxx11::basic_string<char>::_M_construct<char const*>(char const*, char const*);operator new(unsigned long)';
		assert.equal(allocationSiteOf(s, defaults).function, 'zeek::Foo::Bar');
		const ssl = 'SSL_CTX_new_ex@@OPENSSL_3.0.0;CRYPTO_zalloc@@OPENSSL_3.0.0';
		assert.equal(allocationSiteOf(ssl, defaults).function, 'SSL_CTX_new_ex@@OPENSSL_3.0.0');
		assert.equal(frameKey('CRYPTO_zalloc@@OPENSSL_3.0.0'), 'CRYPTO_zalloc');
	});

	test('only allocator frames: unattributed; an empty pattern list attributes to the leaf', () => {
		assert.equal(allocationSiteOf('malloc;malloc_usable_size', defaults).function, UNATTRIBUTED);
		const sites = allocationSites(new Map([['a;b;malloc_usable_size', 10]]), []);
		assert.equal(sites[0]!.function, 'malloc_usable_size');
	});

	test('patterns are configurable: strings, RegExps or {pattern, note}', () => {
		const stacks = new Map([
			['main;zeek::Dictionary::SizeUp();malloc', 10],
			['main;zeek::TableVal::Assign();zeek::Dictionary::SizeUp();malloc', 30],
		]);
		assert.equal(allocationSites(stacks)[0]!.function, 'zeek::Dictionary::SizeUp');
		const custom = [...DEFAULT_ALLOCATOR_PATTERNS, '^zeek::Dictionary::'];
		assert.deepEqual(allocationSites(stacks, custom).map(s => [s.function, s.bytes, s.percent]), [
			['zeek::TableVal::Assign', 30, 75],
			['main', 10, 25],
		]);
		assert.equal(allocationSites(stacks, [/^malloc$/, /SizeUp/])[0]!.function, 'zeek::TableVal::Assign');
	});

	test('growth (negative values): signed sums, sorted by bytes', () => {
		const stacks = new Map([
			['main;a;malloc', 100],
			['main;b;malloc', -40],
			['main;a;x;operator new', 20],
		]);
		assert.deepEqual(allocationSites(stacks).map(s => [s.function, s.bytes, s.percent]), [
			['x', 20, 25],
			['a', 100, 125],
			['b', -40, -50],
		].sort((p, q) => (q[1] as number) - (p[1] as number)));
	});

	test('every default pattern compiles and carries a note', () => {
		for (const p of DEFAULT_ALLOCATOR_PATTERNS) {
			assert.ok(p.note.length > 0);
			assert.doesNotThrow(() => new RegExp(p.pattern));
		}
		assert.ok(Object.isFrozen(DEFAULT_ALLOCATOR_PATTERNS));
	});
});
