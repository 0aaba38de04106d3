/**
 * What kind of code a frame name is, for colouring the flame graph the way operators read it:
 * kernel time (capture, syscalls, softirq) vs Zeek's own C++ vs libc/allocator/runtime vs Zeek
 * script functions vs frames perf could not resolve.
 *
 * Rules are applied in this order:
 *   1. annotations from the folder: `_[k]` kernel, `_[j]` JIT = script (zeek-perf-support writes
 *      Zeek script function names to /tmp/perf-PID.map, which stackcollapse --jit marks `_[j]`);
 *      `_[i]` (inlined) is stripped and the rest classified;
 *   2. unresolved: `[unknown]`, `[unknown 0x..]`, hex addresses, empty names → unknown, except
 *      `[kernel.kallsyms]`/`[vmlinux]` (kernel) and a module fallback of a runtime library such
 *      as `[libc.so.6]` (runtime: the module is known even if the symbol is not); other
 *      `[module]` fallbacks → unknown;
 *   3. runtime: glibc/ld.so/libstdc++/libgcc/jemalloc/pthread names and `@GLIBC` versioned symbols;
 *      `std::` and other C++ runtime namespaces count as runtime, not as Zeek;
 *   4. kernel by name (perf without --kernel gives bare names): entry/syscall/irq/softirq/network
 *      receive path/scheduler/page-fault/idle names;
 *   5. everything else that resolved (zeek::, other qualified C++ names, plain C symbols of the
 *      process and its libraries such as libpcap) → zeek, i.e. "native code of the process".
 *
 * Plain names from a perf map without `_[j]` (e.g. `Conn::set_conn`) cannot be told apart from
 * C++ symbols and are classified as zeek.
 */
import type {FlameTree} from './tree.js';

export type FrameKind = 'kernel' | 'zeek' | 'runtime' | 'script' | 'unknown';

export const FRAME_KINDS: readonly FrameKind[] = ['kernel', 'zeek', 'runtime', 'script', 'unknown'];

const RUNTIME_MODULE = /^\[(?:.*\/)?(?:libc|ld-linux|ld|libstdc\+\+|libgcc_s|libm|libpthread|librt|libdl|libjemalloc|libtcmalloc|libresolv)[-.]/;
const KERNEL_MODULE = /^\[(?:kernel\.kallsyms|vmlinux|kernel)\]$|\.ko\]$/;
const HEX_ADDRESS = /^(?:0x[0-9a-fA-F]+|[0-9a-f]{12,16})$/;

const RUNTIME_NAMESPACE = /^(?:std::|__gnu_cxx::|__cxxabiv1::|__cxx11::|__gnu_debug::|operator (?:new|delete))/;

const RUNTIME_NAME = new RegExp(
	'^(?:' +
		[
			// glibc / ld.so internals and entry points
			'_start$',
			'_dl_',
			'__libc',
			'__GI_',
			'_IO_',
			'__nptl',
			'__lll_',
			'__futex',
			'__clone',
			'clone3?$',
			'start_thread$',
			'__tls_get_addr',
			'__vdso_',
			'\\[vdso\\]',
			'__sigsetjmp',
			'__longjmp',
			'_Unwind_',
			'__cxa_',
			'__gxx_',
			'__dynamic_cast',
			'__(?:mem|str|wmem|wcs|stp)\\w*',
			'__(?:read|write|recv|send|poll|select|epoll_wait|ioctl|close|open|lseek|pread|pwrite)\\w*',
			// string / memory functions (with and without the ifunc suffixes)
			'(?:mem(?:cpy|move|set|cmp|chr|rchr|mem)|str(?:len|nlen|cmp|ncmp|casecmp|ncasecmp|chr|rchr|cpy|ncpy|cat|dup|ndup|str|tok|spn|cspn|tol|toul|toll|toull|tod|pbrk)|bcmp|bzero|wmem\\w+)(?:_\\w+)?$',
			// allocators: glibc malloc, jemalloc, tcmalloc
			'(?:malloc|calloc|realloc|reallocarray|free|cfree|valloc|pvalloc|memalign|posix_memalign|aligned_alloc|malloc_usable_size|sbrk|brk|mmap|munmap|mremap|madvise)$',
			'_int_(?:malloc|free|realloc|memalign)',
			'malloc_consolidate',
			'sysmalloc',
			'tcache_',
			'je_',
			'jemalloc',
			'imalloc',
			'ifree',
			'isfree',
			'arena_',
			'extent_',
			'tcmalloc',
			// threads and syscall wrappers
			'pthread_',
			'__pthread',
			'(?:read|write|readv|writev|recv|recvfrom|recvmsg|recvmmsg|send|sendto|sendmsg|poll|ppoll|select|pselect|epoll_wait|epoll_pwait|ioctl|nanosleep|clock_nanosleep|clock_gettime|gettimeofday|sched_yield|syscall|futex)$',
			// stdio / formatting / misc libc
			'(?:v?s?n?printf|v?fprintf|__vfprintf_internal|fwrite|fread|fflush|fputs|puts|fgets|getline|qsort|bsearch|getaddrinfo|inet_ntop|inet_pton|localtime_r|gmtime_r|strftime|__strftime_l|exit|abort|raise)$',
			'_nl_',
			'__nss_',
			'__v?f?s?n?printf',
			'_itoa',
			'__execve',
			'dl_main$',
		].join('|') +
		')',
);

const KERNEL_NAME = new RegExp(
	'^(?:' +
		[
			'entry_SYSCALL',
			'entry_INT80',
			'do_syscall_',
			'syscall_(?:enter|exit)',
			'(?:__)?(?:x64|ia32|arm64|se|do)_sys_',
			'__x64_sys',
			'ksys_',
			'sys_[a-z]',
			'exit_to_user_mode',
			'__sys_',
			'asm_(?:exc|sysvec|common_interrupt)',
			'(?:exc|do|handle)_page_fault',
			'page_fault',
			'do_user_addr_fault',
			'(?:__)?handle_mm_fault',
			'(?:__)?do_softirq',
			'__softirqentry',
			'irq_',
			'__irq_',
			'do_IRQ',
			'common_interrupt',
			'(?:__)?sysvec_',
			'net_rx_action',
			'__napi_poll',
			'napi_',
			'(?:__)?netif_receive',
			'tpacket_rcv',
			'packet_rcv',
			'af_packet',
			'ip_(?:rcv|local_deliver|finish_output|output)',
			'tcp_v[46]_',
			'udp_(?:rcv|queue_rcv)',
			'skb_',
			'__skb_',
			'(?:__)?schedule(?:_timeout|_hrtimeout_range)?$',
			'finish_task_switch',
			'ret_from_fork',
			'kthread$',
			'worker_thread$',
			'process_one_work',
			'native_',
			'_raw_spin',
			'raw_spin',
			'copy_user_',
			'_copy_(?:to|from)_user',
			'__wake_up',
			'try_to_wake_up',
			'el0_',
			'el1_',
			'vfs_',
			'__vfs_',
			'ext4_',
			'xfs_',
			'secondary_startup_64',
			'start_kernel',
			'cpu_startup_entry',
			'do_idle',
			'default_idle',
			'cpuidle_',
			'intel_idle',
			'acpi_idle',
			'hrtimer_',
			'__hrtimer',
			'tick_',
			'rcu_',
			'ep_poll',
			'do_epoll_wait',
			'do_sys_poll',
			'__audit',
			'security_',
			'apparmor_',
			'selinux_',
			// older and other common kernel entry/exit, softirq, scheduler, memory, socket names
			'system_call',
			'int_ret_from_sys_call',
			'SYSC_',
			'SyS_',
			'(?:__)?local_bh_',
			'call_softirq',
			'handle_softirqs',
			'irqentry_',
			'task_work_',
			'sched_',
			'_cond_resched',
			'preempt_',
			'xen_',
			'pvclock_',
			'ktime_get',
			'(?:__)?fdget',
			'(?:__)?fget',
			'fsnotify',
			'(?:__)?kmem_cache_',
			'(?:__)?kmalloc',
			'(?:__)?kfree',
			'(?:__)?alloc_pages',
			'get_page_from_freelist',
			'(?:__)?do_futex',
			'futex_wake',
			'do_sync_(?:read|write)',
			'(?:__)?perf_event_',
			'smp_call_function',
			'filemap_',
			'do_numa_page',
			'(?:__)?srcu_',
			'(?:lock|release)_sock',
			'(?:__)?sock_',
			'(?:__)?sk_',
			'(?:__)?inet_',
			'(?:__)?tcp_',
			'(?:__)?dev_queue_xmit',
			'(?:__)?netif_',
			'rw_verify_area',
			'copy_(?:from|to)_iter',
			'arch_cpu_idle',
			'x86_64_start',
			'rest_init',
			'tlb_',
			'flush_tlb',
		].join('|') +
		')',
);

const K_SUFFIX = '_[k]';
const J_SUFFIX = '_[j]';
const I_SUFFIX = '_[i]';
const W_SUFFIX = '_[w]';

export function frameKind(name: string): FrameKind {
	if (name.endsWith(K_SUFFIX)) return 'kernel';
	if (name.endsWith(J_SUFFIX)) return 'script';
	let base = name;
	if (base.endsWith(I_SUFFIX) || base.endsWith(W_SUFFIX)) base = base.slice(0, -I_SUFFIX.length);
	if (base.length === 0) return 'unknown';
	if (base.charCodeAt(0) === 0x5b /* [ */) {
		if (KERNEL_MODULE.test(base)) return 'kernel';
		if (base.startsWith('[vdso]')) return 'runtime';
		if (RUNTIME_MODULE.test(base)) return 'runtime';
		return 'unknown';
	}
	if (HEX_ADDRESS.test(base)) return 'unknown';
	if (base.includes('@GLIBC') || base.endsWith('@plt')) return 'runtime';
	if (RUNTIME_NAMESPACE.test(base)) return 'runtime';
	if (base.includes('::')) return 'zeek';
	if (RUNTIME_NAME.test(base)) return 'runtime';
	if (KERNEL_NAME.test(base)) return 'kernel';
	return 'zeek';
}

/** The name without the folder's `_[k]`/`_[j]`/`_[i]`/`_[w]` annotation. */
export function stripAnnotation(name: string): string {
	return /_\[[kjiw]\]$/.test(name) ? name.slice(0, -4) : name;
}

/** 32-bit FNV-1a of the name's UTF-16 code units; stable across runs and platforms. */
export function nameHash(name: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < name.length; i++) {
		h ^= name.charCodeAt(i);
		h = Math.imul(h, 0x01000193);
	}
	return h >>> 0;
}

/**
 * A stable shade in [0, shades) for a frame, so the UI can vary the colour of its kind slightly by
 * name (the same function always gets the same shade, in every capture). The annotation suffix is
 * ignored, so `read` and `read_[k]`-style duplicates vary only by kind.
 */
export function kindColorIndex(name: string, shades = 8): number {
	const n = Math.max(1, Math.floor(shades));
	return nameHash(stripAnnotation(name)) % n;
}

const kindCache = new WeakMap<FlameTree, readonly FrameKind[]>();

/** Kind of every name of a tree, indexed by nameId (computed once per tree). */
export function frameKindTable(tree: FlameTree): readonly FrameKind[] {
	let table = kindCache.get(tree);
	if (table === undefined) {
		table = tree.names.map((name, i) => (i === 0 ? 'unknown' : frameKind(name)));
		kindCache.set(tree, table);
	}
	return table;
}

export function frameKindOf(tree: FlameTree, id: number): FrameKind {
	return frameKindTable(tree)[tree.nameId[id]!] ?? 'unknown';
}
