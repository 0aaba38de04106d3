import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {
	frameKind,
	frameKindOf,
	frameKindTable,
	kindColorIndex,
	nameHash,
	stripAnnotation,
	type FrameKind,
} from '../../source/profile/frame-kind.js';
import {buildTree, findByPath, parseFoldedLines} from '../../source/profile/tree.js';
import {corpusDir} from '../helpers/env.js';

const CASES: Record<FrameKind, string[]> = {
	kernel: [
		'entry_SYSCALL_64_after_hwframe_[k]',
		'tpacket_rcv_[k]',
		'handle_softirqs_[k]',
		'anything_at_all_[k]',
		'[kernel.kallsyms]',
		'[vmlinux]',
		'[nf_conntrack.ko]',
		'entry_SYSCALL_64',
		'do_syscall_64',
		'__x64_sys_recvfrom',
		'__sys_recvfrom',
		'asm_sysvec_apic_timer_interrupt',
		'__do_softirq',
		'net_rx_action',
		'__napi_poll',
		'__netif_receive_skb_core',
		'packet_rcv',
		'tcp_v4_rcv',
		'exc_page_fault',
		'schedule',
		'__schedule',
		'finish_task_switch',
		'ret_from_fork',
		'native_write_msr',
		'_raw_spin_lock',
		'copy_user_enhanced_fast_string',
		'ep_poll',
		'cpuidle_enter_state',
		'do_idle',
	],
	zeek: [
		'zeek::run_state::detail::run_loop',
		'zeek::analyzer::tcp::TCP_Analyzer::DeliverPacket',
		'zeek::detail::ScriptFunc::Invoke(zeek::Args*, zeek::detail::Frame*) const',
		'broker::detail::core_actor',
		'caf::scheduler::worker<caf::policy::work_stealing>::run',
		'Conn::set_conn',
		'main',
		'pcap_next_ex',
		'zeek',
		'zeek.worker-1',
		'_ZN4zeek6detail9Discarder9NextPacketEPKNS_6PacketE',
		'zeek::detail::Foo_[i]',
	],
	runtime: [
		'__libc_start_main',
		'__libc_start_call_main',
		'_start',
		'clone3',
		'__clone',
		'start_thread',
		'malloc',
		'free',
		'_int_malloc',
		'je_malloc',
		'je_arena_ralloc_no_move',
		'memcpy',
		'__memmove_avx_unaligned_erms',
		'__strchrnul_evex',
		'memcpy@GLIBC_2.2.5',
		'pthread_cond_signal@@GLIBC_2.3.2',
		'pthread_mutex_lock',
		'__GI___ioctl',
		'_IO_file_xsgetn',
		'_dl_start',
		'std::_Hashtable<int, int>::find',
		'operator new(unsigned long)',
		'__cxa_throw',
		'read',
		'__vfprintf_internal',
		'foo@plt',
		'[libc.so.6]',
		'[libc-2.31.so]',
		'[libjemalloc.so.2]',
		'[vdso]',
	],
	script: ['zeek_init_[j]', 'Conn::set_conn_[j]', 'HTTP::get_file_handle_[j]'],
	unknown: ['[unknown]', '[unknown 0x7f3a2b1c4d5e]', '[libfoo.so]', '[perf-10939.map]', '0x7f3a2b1c4d5e', '7f3a2b1c4d5e', ''],
};

test('frame kinds', () => {
	for (const [kind, names] of Object.entries(CASES)) {
		for (const name of names) assert.equal(frameKind(name), kind, JSON.stringify(name));
	}
});

test('kernel names are recognised even without the _[k] annotation (corpus, diagnostic)', t => {
	// Frames that stackcollapse --kernel marked as kernel in the corpus; how many a bare name finds.
	const text = readFileSync(
		corpusDir('perf-folding', 'flamegraph-pl', 'test', 'results', 'perf-java-stacks-01-collapsed-kernel.txt'),
		'utf8',
	);
	const names = new Set<string>();
	for (const [stack] of parseFoldedLines(text).stacks) {
		for (const frame of stack.split(';')) if (frame.endsWith('_[k]')) names.add(stripAnnotation(frame));
	}
	let found = 0;
	for (const name of names) if (frameKind(name) === 'kernel') found++;
	t.diagnostic(`bare kernel names recognised: ${found}/${names.size}`);
	assert.ok(names.size > 0);
	for (const name of names) assert.equal(frameKind(`${name}_[k]`), 'kernel');
});

test('stable colour index: same name same shade, annotation ignored, in range', () => {
	assert.equal(nameHash(''), 0x811c9dc5);
	assert.equal(nameHash('a'), 0xe40c292c); // FNV-1a reference value
	assert.equal(kindColorIndex('tcp_v4_rcv_[k]', 8), kindColorIndex('tcp_v4_rcv', 8));
	const shades = new Set<number>();
	for (let i = 0; i < 200; i++) {
		const shade = kindColorIndex(`zeek::f${i}`, 6);
		assert.ok(shade >= 0 && shade < 6 && Number.isInteger(shade));
		shades.add(shade);
	}
	assert.equal(shades.size, 6, 'names spread over all shades');
	assert.equal(kindColorIndex('x', 0), 0);
});

test('per-tree kind table', () => {
	const tree = buildTree(
		parseFoldedLines('zeek;__libc_start_main;main;zeek::run_loop;read;entry_SYSCALL_64_[k] 3\nzeek;[unknown] 1\n').stacks,
	);
	const table = frameKindTable(tree);
	assert.equal(table, frameKindTable(tree), 'cached');
	assert.equal(frameKindOf(tree, findByPath(tree, ['zeek', '[unknown]'])!), 'unknown');
	assert.equal(frameKindOf(tree, findByPath(tree, ['zeek', '__libc_start_main'])!), 'runtime');
	assert.equal(
		frameKindOf(tree, findByPath(tree, ['zeek', '__libc_start_main', 'main', 'zeek::run_loop', 'read', 'entry_SYSCALL_64_[k]'])!),
		'kernel',
	);
});
