/**
 * Allocation sites: which code asked for the memory. A heap stack ends (leaf) in allocator frames
 * (malloc, operator new, jemalloc internals, std::allocator, container internals); the site is the
 * first frame above them. With Debian's stripped libjemalloc every stack's leaf is the misnamed
 * `malloc_usable_size`, so a flat jeprof table says nothing; the site table does.
 *
 * Pure: folded stacks in, rows out.
 */
import {shortFunctionName} from './jeprof.js';

export type AllocatorPattern = {
	/** A regular expression source, matched against the frame's short name (see `frameKey`). */
	pattern: string;
	/** Why frames matching it are not allocation sites (shown in the UI's pattern list). */
	note: string;
};

/**
 * The frames skipped when looking for the allocation site, leaf upwards. Visible in the UI and
 * replaceable (pass your own list to `allocationSites`). Matched against `frameKey(frame)`:
 * jeprof's short name (no arguments, no template arguments, no return type) without a
 * `@@VERSION` suffix, e.g. `std::allocator::allocate`, `operator new[]`, `CRYPTO_zalloc`.
 */
export const DEFAULT_ALLOCATOR_PATTERNS: readonly AllocatorPattern[] = Object.freeze([
	{pattern: '^(malloc|calloc|realloc|reallocarray|free|cfree|memalign|posix_memalign|aligned_alloc|valloc|pvalloc)$', note: 'C allocation API'},
	{pattern: '^(__libc_(malloc|calloc|realloc|memalign)|__GI___libc_\\w+|_int_(malloc|realloc|memalign)|tcache_init|sysmalloc)$', note: 'glibc malloc internals'},
	{pattern: '^(__)?(strdup|strndup|__strdup|__strndup|wcsdup)$', note: 'string duplication through malloc'},
	{pattern: '^operator new(\\[\\])?$', note: 'C++ operator new / new[]'},
	{pattern: '^(__builtin_new|__builtin_vec_new)$', note: 'old g++ operator new'},
	{pattern: '^malloc_usable_size$', note: "jemalloc internals resolve to this with Debian's stripped libjemalloc"},
	{pattern: '^(mallocx|rallocx|xallocx|sallocx|nallocx|dallocx|sdallocx\\w*|malloc_default|newImpl|void\\* newImpl)$', note: 'jemalloc API and entry points'},
	{pattern: '^(je_|_rjem_|tikv_jemalloc)', note: 'jemalloc (prefixed builds)'},
	{pattern: '^(imalloc|ialloc|iralloc|ipalloc|irealloc|arena_|tcache_|large_|extent_|emap_|hpa_|pa_|pac_|sec_|base_alloc)\\w*$', note: 'jemalloc internals'},
	{pattern: '^prof_\\w+$', note: 'jemalloc profiling (backtrace capture)'},
	{pattern: '^(tc_\\w+|tcmalloc::.*|do_malloc\\w*)$', note: 'tcmalloc'},
	{pattern: '^(__gnu_cxx|std)::(__new_allocator|new_allocator|allocator|allocator_traits|__allocated_ptr|__allocate_guarded)(::|$)', note: 'std::allocator machinery'},
	{pattern: '^(std|__gnu_cxx)::.*::_M_\\w+$', note: 'libstdc++ container/string internals (_M_create, _M_allocate, _M_get_node, ...)'},
	{pattern: '^std::(__cxx11::)?basic_string::(basic_string|append|assign|reserve|resize|push_back|replace|insert|operator\\+=|operator=)$', note: 'std::string growth'},
	{pattern: '^std::(vector|deque|list|__cxx11::list|map|multimap|set|multiset|unordered_map|unordered_set|_Rb_tree|_Hashtable|__detail::_Map_base)::(vector|deque|list|operator\\[\\]|resize|reserve|push_back|emplace_back|emplace|insert|try_emplace|_Auto_node|_Scoped_node)$', note: 'std container growth'},
	{pattern: '^std::_Rb_tree::_Auto_node::_Auto_node$', note: 'std::map node construction'},
	{pattern: '^std::(make_shared|allocate_shared|__make_shared|__allocate_shared|construct_at|_Construct|__shared_count::__shared_count|__shared_ptr::__shared_ptr|shared_ptr::shared_ptr|make_unique)$', note: 'std smart-pointer / construction helpers'},
	{pattern: '^std::(__do_uninit_\\w+|uninitialized_\\w+|__uninitialized_\\w+|_Rb_tree::_Alloc_node::operator\\(\\)|_Rb_tree::_Reuse_or_alloc_node::operator\\(\\))$', note: 'std construction of container elements'},
	{pattern: '^CRYPTO_(malloc|zalloc|realloc|clear_realloc|strdup|strndup|memdup|secure_malloc|secure_zalloc)$', note: 'OpenSSL allocation wrappers'},
	{pattern: '^zeek::util::safe_(malloc|realloc|calloc|strdup)$', note: "Zeek's checked malloc/realloc wrappers"},
	{pattern: '^zeek::List::(resize|push_back|push_front|insert|append|List)$', note: "Zeek's List growth; its caller is the site"},
	{pattern: '^zeek::make_intrusive$', note: "Zeek's new-and-wrap helper; its caller is the site"},
]);

/** The name allocator patterns are matched against: short name without `@@VERSION` / `@plt`. */
export function frameKey(frame: string): string {
	return shortFunctionName(frame).replace(/@@?[\w.]+$/, '').replace(/@plt$/, '');
}

export type AllocationSite = {
	/** Short function name of the first non-allocator frame (leaf upwards). */
	function: string;
	/** Signed: growth reports (jeprof --base) can be negative. */
	bytes: number;
	/** Of the signed total of all stacks (like jeprof's percentages); 0 when the total is 0. */
	percent: number;
	/** Number of distinct stacks attributed here. */
	stacks: number;
	/** One full frame as jeprof printed it (with argument list), for a detail line. */
	exampleFrame: string;
};

/** The label for a stack made only of allocator frames. */
export const UNATTRIBUTED = '(allocator only)';

export function compileAllocatorPatterns(patterns: readonly (AllocatorPattern | string | RegExp)[]): RegExp[] {
	return patterns.map(p => (p instanceof RegExp ? p : new RegExp(typeof p === 'string' ? p : p.pattern)));
}

/**
 * The allocation site of one folded stack (root → leaf, `;`-separated): the first frame from the
 * leaf that matches no allocator pattern.
 */
export function allocationSiteOf(
	stack: string,
	patterns: readonly RegExp[],
): {function: string; frame: string} {
	const frames = stack.split(';');
	for (let i = frames.length - 1; i >= 0; i--) {
		const frame = frames[i]!;
		const key = frameKey(frame);
		if (key === '') continue;
		if (patterns.some(p => p.test(key))) continue;
		return {function: shortFunctionName(frame), frame};
	}
	return {function: UNATTRIBUTED, frame: frames.at(-1) ?? ''};
}

/**
 * Attribute each stack's bytes to its allocation site and sum per site; sorted by bytes
 * descending (ties by name). `stacks` comes from `parseJeprofCollapsed` (or any folded map).
 */
export function allocationSites(
	stacks: ReadonlyMap<string, number> | Iterable<readonly [string, number]>,
	patterns: readonly (AllocatorPattern | string | RegExp)[] = DEFAULT_ALLOCATOR_PATTERNS,
): AllocationSite[] {
	const compiled = compileAllocatorPatterns(patterns);
	const bySite = new Map<string, AllocationSite>();
	let total = 0;
	for (const [stack, bytes] of stacks) {
		total += bytes;
		const site = allocationSiteOf(stack, compiled);
		const row = bySite.get(site.function);
		if (row) {
			row.bytes += bytes;
			row.stacks++;
		} else bySite.set(site.function, {function: site.function, bytes, percent: 0, stacks: 1, exampleFrame: site.frame});
	}
	const rows = [...bySite.values()];
	for (const row of rows) row.percent = total === 0 ? 0 : (row.bytes * 100) / total;
	rows.sort((a, b) => b.bytes - a.bytes || (a.function < b.function ? -1 : a.function > b.function ? 1 : 0));
	return rows;
}
