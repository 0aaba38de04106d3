// A deterministic, synthetic perf profile of a busy Zeek worker, as folded stacks: deep and wide,
// Zeek-like C++ frames (packet path, analyzers, event engine, script interpreter), script frames
// as zeek-perf-support names them (`_[j]`), libc/jemalloc/std:: runtime frames, kernel chains
// (`_[k]`) and a few unresolved frames. A handful of hot paths carry most samples; a long tail of
// rare stacks carries the frame count, as real captures do.
import {SIM_HOT_STACK, SIM_OTHER_FUNCTIONS} from '../source/sim/names.js';
import {buildTree, type FlameTree} from '../source/profile/tree.js';
import {mulberry32} from '../test/helpers/prng.js';

const CLASSES = [
	'zeek::analyzer::tcp::TCP_Reassembler', 'zeek::analyzer::tcp::TCP_Endpoint', 'zeek::analyzer::tcp::TCP_ApplicationAnalyzer',
	'zeek::analyzer::http::HTTP_Analyzer', 'zeek::analyzer::http::HTTP_Message', 'zeek::analyzer::http::HTTP_Entity',
	'zeek::analyzer::mime::MIME_Entity', 'zeek::analyzer::mime::MIME_Message', 'zeek::analyzer::dns::DNS_Interpreter',
	'zeek::analyzer::dns::DNS_Analyzer', 'zeek::analyzer::ssl::SSL_Analyzer', 'zeek::analyzer::conn_size::ConnSize_Analyzer',
	'zeek::analyzer::pia::PIA_TCP', 'zeek::analyzer::pia::PIA_UDP', 'zeek::analyzer::Analyzer', 'zeek::analyzer::SupportAnalyzer',
	'zeek::analyzer::Manager', 'zeek::packet_analysis::Manager', 'zeek::packet_analysis::IP::IPAnalyzer',
	'zeek::packet_analysis::IP::IPBasedAnalyzer', 'zeek::packet_analysis::TCP::TCPAnalyzer',
	'zeek::packet_analysis::TCP::TCPSessionAdapter', 'zeek::packet_analysis::UDP::UDPAnalyzer',
	'zeek::packet_analysis::Ethernet::EthernetAnalyzer', 'zeek::packet_analysis::VLAN::VLANAnalyzer', 'zeek::session::Manager',
	'zeek::Connection', 'zeek::detail::TimerMgr', 'zeek::detail::PQ_TimerMgr', 'zeek::EventMgr', 'zeek::Event', 'zeek::EventHandler',
	'zeek::detail::ScriptFunc', 'zeek::detail::BuiltinFunc', 'zeek::detail::StmtList', 'zeek::detail::ExprStmt', 'zeek::detail::IfStmt',
	'zeek::detail::ForStmt', 'zeek::detail::WhenStmt', 'zeek::detail::CallExpr', 'zeek::detail::IndexExpr', 'zeek::detail::AssignExpr',
	'zeek::detail::FieldExpr', 'zeek::detail::RecordConstructorExpr', 'zeek::detail::ZBody', 'zeek::detail::ZAMCompiler', 'zeek::TableVal',
	'zeek::RecordVal', 'zeek::StringVal', 'zeek::ListVal', 'zeek::VectorVal', 'zeek::detail::CompositeHash', 'zeek::detail::Dictionary',
	'zeek::detail::HashKey', 'zeek::file_analysis::Manager', 'zeek::file_analysis::File', 'zeek::file_analysis::detail::Hash',
	'zeek::file_analysis::detail::X509', 'zeek::logging::Manager', 'zeek::logging::WriterFrontend', 'zeek::logging::WriterBackend',
	'zeek::logging::writer::detail::Ascii', 'zeek::threading::MsgThread', 'zeek::threading::Manager', 'zeek::threading::formatter::JSON',
	'zeek::iosource::Manager', 'zeek::iosource::PktSrc', 'zeek::iosource::pcap::PcapSource', 'zeek::Broker::Manager',
	'zeek::detail::Reassembler', 'zeek::detail::DNS_Mgr', 'zeek::IPAddr', 'zeek::detail::ConnKey', 'zeek::detail::Frame',
	'zeek::detail::trigger::Trigger', 'zeek::telemetry::Manager', 'binpac::HTTP::HTTP_Conn', 'binpac::SSL::SSL_Conn',
	'binpac::DNS::DNS_Conn', 'binpac::DHCP::DHCP_Conn', 'spicy::rt::detail::Parser', 'hilti::rt::Stream', 'hilti::rt::detail::Fiber',
];

const METHODS = [
	'DeliverStream', 'DeliverPacket', 'NextStream', 'NextPacket', 'Process', 'ProcessPacket', 'AnalyzePacket', 'Dispatch', 'Call',
	'Invoke', 'Exec', 'Eval', 'Fold', 'Lookup', 'Assign', 'Insert', 'Remove', 'Find', 'Done', 'Init', 'Write', 'DoWrite', 'Flush',
	'ParseMessage', 'ParseAnswer', 'ParseQuestion', 'NewData', 'DataSent', 'DataPending', 'BlockInserted', 'Advance', 'DoAdvance',
	'Drain', 'Expire', 'Hash', 'Clone', 'Describe', 'ForwardStream', 'ForwardPacket', 'EndOfData', 'Undelivered', 'SubmitLine',
	'NewLine', 'HookCall', 'MakeHashKey', 'RecoverVals', 'GetField', 'Ref', 'Unref', 'Match', 'CheckHeaderTrace', 'UpdateState',
	'EnqueueEvent', 'QueueEvent', 'FlushPendingEvents', 'Run', 'Poll', 'ExtractNextPacket', 'GetFieldOrDefault', 'Reserve',
];

const TEMPLATES = [
	'std::_Hashtable<zeek::detail::HashKey, std::pair<zeek::detail::HashKey const, zeek::IntrusivePtr<zeek::Val> >, std::allocator<std::pair<zeek::detail::HashKey const, zeek::IntrusivePtr<zeek::Val> > >, std::__detail::_Select1st, std::equal_to<zeek::detail::HashKey>, std::hash<zeek::detail::HashKey>, std::__detail::_Mod_range_hashing, std::__detail::_Default_ranged_hash, std::__detail::_Prime_rehash_policy, std::__detail::_Hashtable_traits<true, false, true> >::_M_find_before_node',
	'std::vector<zeek::IntrusivePtr<zeek::Val>, std::allocator<zeek::IntrusivePtr<zeek::Val> > >::_M_realloc_insert<zeek::IntrusivePtr<zeek::Val> const&>',
	'std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >::_M_mutate',
	'std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >::_M_append',
	'std::_Rb_tree<zeek::IPAddr, std::pair<zeek::IPAddr const, zeek::detail::Reassembler*>, std::_Select1st<std::pair<zeek::IPAddr const, zeek::detail::Reassembler*> >, std::less<zeek::IPAddr>, std::allocator<std::pair<zeek::IPAddr const, zeek::detail::Reassembler*> > >::_M_insert_unique',
	'zeek::detail::Dictionary::Lookup<zeek::detail::HashKey>',
	'zeek::IntrusivePtr<zeek::RecordVal> zeek::make_intrusive<zeek::RecordVal, zeek::IntrusivePtr<zeek::RecordType>&>',
	'std::__detail::_Map_base<std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >, std::pair<std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > const, zeek::EventHandler*>, true>::operator[]',
];

const RUNTIME = [
	'malloc', 'free', 'calloc', 'realloc', '__memmove_avx_unaligned_erms', '__memset_avx2_unaligned_erms', '__memcmp_avx2_movbe',
	'__strlen_avx2', 'je_malloc_default', 'je_free_default', 'je_arena_malloc_hard', 'je_tcache_alloc_small_hard',
	'operator new(unsigned long)', 'operator delete(void*, unsigned long)', 'pthread_mutex_lock', 'pthread_mutex_unlock',
	'__lll_lock_wait', 'pthread_cond_wait@@GLIBC_2.3.2', '__vfprintf_internal', '_IO_fwrite', 'clock_gettime@@GLIBC_2.17',
	'__GI___poll', 'recvfrom', '__libc_write', 'pcap_next_ex', 'pcap_read_linux_mmap_v3',
];

const KERNEL_CHAINS = [
	['entry_SYSCALL_64_after_hwframe', 'do_syscall_64', '__x64_sys_recvfrom', '__sys_recvfrom', 'packet_recvmsg', 'skb_copy_datagram_iter', 'copy_user_enhanced_fast_string'],
	['entry_SYSCALL_64_after_hwframe', 'do_syscall_64', '__x64_sys_poll', 'do_sys_poll', 'do_poll', 'schedule_hrtimeout_range', 'schedule', '__schedule', 'finish_task_switch'],
	['entry_SYSCALL_64_after_hwframe', 'do_syscall_64', '__x64_sys_write', 'ksys_write', 'vfs_write', 'ext4_file_write_iter', 'ext4_buffered_write_iter', 'generic_perform_write'],
	['entry_SYSCALL_64_after_hwframe', 'do_syscall_64', '__x64_sys_futex', 'do_futex', 'futex_wait', 'futex_wait_queue', 'schedule', '__schedule'],
	['asm_exc_page_fault', 'exc_page_fault', 'do_user_addr_fault', 'handle_mm_fault', '__handle_mm_fault', 'do_anonymous_page', 'alloc_pages', 'clear_page_erms'],
	['asm_common_interrupt', 'common_interrupt', 'irq_exit_rcu', '__do_softirq', 'net_rx_action', '__napi_poll', 'e1000_clean', '__netif_receive_skb_core', 'tpacket_rcv', 'skb_copy_bits'],
	['asm_sysvec_apic_timer_interrupt', 'sysvec_apic_timer_interrupt', '__sysvec_apic_timer_interrupt', 'hrtimer_interrupt', '__hrtimer_run_queues', 'tick_sched_timer', 'update_process_times'],
];

const SCRIPTS = [
	'HTTP::set_state', 'HTTP::code_in_range', 'Conn::set_conn', 'Conn::conn_state', 'Files::set_info', 'Files::describe', 'SSL::set_session',
	'DNS::set_session', 'DNS::log_unmatched_msgs', 'Notice::policy', 'Log::write', 'Log::__write', 'Intel::seen', 'Intel::find',
	'SumStats::observe', 'Weird::weird', 'Weird::log', 'connection_state_remove', 'new_connection', 'http_request', 'http_reply',
	'http_header', 'http_message_done', 'dns_request', 'dns_A_reply', 'ssl_established', 'ssl_client_hello', 'file_new', 'file_over_new_connection',
	'x509_certificate', 'Site::is_local_addr', 'Cluster::publish_hrw', 'Software::found', 'Known::hosts_store_update',
];

const THREAD_ROOTS = [
	['__clone3', 'start_thread', 'zeek::threading::MsgThread::Run', 'zeek::threading::MsgThread::RetrieveIn'],
	['__clone3', 'start_thread', 'caf::scheduler::worker<caf::policy::work_stealing>::run', 'caf::scheduled_actor::resume'],
	['__clone3', 'start_thread', 'std::execute_native_thread_routine', 'zeek::detail::DNS_Mgr::Process'],
];

const MAIN_ROOT = ['_start', '__libc_start_main_impl', '__libc_start_call_main', 'main', 'zeek::run_state::detail::run_loop'];

/** A profile of at least `minFrames` tree nodes (root included): folded stacks and their tree. */
export function syntheticZeekProfile(options: {minFrames: number; seed?: number}): {stacks: Array<[string, number]>; tree: FlameTree} {
	const rand = mulberry32(options.seed ?? 20260101);
	const pick = <T>(items: readonly T[], skew = 1): T => items[Math.floor(items.length * Math.pow(rand(), skew))]!;
	const zeekFrame = (): string => {
		const r = rand();
		if (r < 0.04) return pick(TEMPLATES);
		if (r < 0.1) return pick(SIM_OTHER_FUNCTIONS);
		return `${pick(CLASSES, 1.6)}::${pick(METHODS, 1.3)}`;
	};

	const paths: string[][] = [];
	const counts: number[] = [];
	// The hot paths first: they get most of the samples.
	paths.push([...MAIN_ROOT, ...SIM_HOT_STACK.slice(2)]);
	paths.push([...MAIN_ROOT, 'zeek::run_state::detail::dispatch_packet', 'zeek::packet_analysis::Manager::ProcessPacket', 'zeek::packet_analysis::Ethernet::EthernetAnalyzer::AnalyzePacket', 'zeek::packet_analysis::IP::IPAnalyzer::AnalyzePacket']);
	paths.push([...MAIN_ROOT, 'zeek::EventMgr::Drain', 'zeek::Event::Dispatch', 'zeek::EventHandler::Call', 'zeek::detail::ScriptFunc::Invoke', 'zeek::detail::ZBody::Exec']);
	paths.push([...MAIN_ROOT, 'zeek::detail::TimerMgr::Advance', 'zeek::detail::PQ_TimerMgr::DoAdvance']);
	for (const t of THREAD_ROOTS) paths.push([...t]);
	for (let i = 0; i < paths.length; i++) counts.push(Math.round(40_000 / (1 + i)));

	const extend = (path: string[]): string[] => {
		const out = [...path];
		const extra = 1 + Math.floor(-Math.log(1 - rand()) * 4);
		for (let k = 0; k < extra && out.length < 96; k++) {
			const last = out.at(-1)!;
			if (last.endsWith('_[k]')) break;
			const r = rand();
			if (r < 0.05) {
				// a leaf in the kernel: a chain cut somewhere along it
				const chain = pick(KERNEL_CHAINS);
				const n = 2 + Math.floor(rand() * (chain.length - 1));
				for (const f of chain.slice(0, n)) out.push(`${f}_[k]`);
				break;
			}
			if (r < 0.17) out.push(`${pick(SCRIPTS, 1.4)}_[j]`);
			else if (r < 0.27) out.push(pick(RUNTIME, 1.5));
			else if (r < 0.28) out.push(rand() < 0.5 ? '[unknown]' : `0x7f${Math.floor(rand() * 0xffffff).toString(16).padStart(6, '0')}a0`);
			else out.push(zeekFrame());
		}
		return out;
	};

	let tree = buildTree([]);
	while (tree.size < options.minFrames) {
		for (let b = 0; b < 8000; b++) {
			const n = paths.length;
			// Branch off an earlier stack, mostly a hot (early) one, somewhere along it.
			const from = paths[Math.floor(n * Math.pow(rand(), 2.2))]!;
			const keep = Math.max(Math.min(3, from.length), Math.floor(from.length * (0.35 + 0.65 * Math.sqrt(rand()))));
			paths.push(extend(from.slice(0, Math.min(keep, from.length))));
			const i = paths.length;
			counts.push(Math.max(1, Math.round(6000 * Math.exp(-i / 60) + (-Math.log(1 - rand()) * 6))));
		}
		tree = buildTree(paths.map((p, i) => [p.join(';'), counts[i]!] as [string, number]));
	}
	const stacks = paths.map((p, i) => [p.join(';'), counts[i]!] as [string, number]);
	return {stacks, tree};
}
