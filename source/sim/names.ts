/**
 * Names the simulated Zeek node (sim/zeek.cc) is built around, for tests and the demo to assert
 * on. Pure constants: no node:* imports.
 */

/** Where the overloaded worker spends most of its CPU (self time, as perf reports it). */
export const SIM_HOT_FUNCTION = 'zeek::analyzer::tcp::TCP_Reassembler::DeliverBlock';

/** Where the leaking worker allocates the memory it never frees (jemalloc profiles show it). */
export const SIM_LEAK_FUNCTION = 'zeek::session::Manager::Insert';

/** Where the crashing node dereferences a null pointer (SIGSEGV). */
export const SIM_CRASH_FUNCTION = 'zeek::analyzer::http::HTTP_Message::Done';

/** The shifting worker's hot function before its shift, and after it (differential flame graphs). */
export const SIM_SHIFT_BEFORE_FUNCTION = 'zeek::detail::CompositeHash::MakeHashKey';
export const SIM_SHIFT_AFTER_FUNCTION = 'zeek::detail::RuleMatcher::Match';

/** The overloaded worker's hot stack, outermost frame first (perf shows it leaf first). */
export const SIM_HOT_STACK = [
	'main',
	'zeek::run_state::detail::run_loop',
	'zeek::iosource::PktSrc::Process',
	'zeek::run_state::detail::dispatch_packet',
	'zeek::packet_analysis::Manager::ProcessPacket',
	'zeek::packet_analysis::IP::IPAnalyzer::AnalyzePacket',
	'zeek::packet_analysis::IP::IPBasedAnalyzer::AnalyzePacket',
	'zeek::packet_analysis::TCP::TCPAnalyzer::DeliverPacket',
	'zeek::packet_analysis::TCP::TCPSessionAdapter::Process',
	'zeek::analyzer::tcp::TCP_Endpoint::DataSent',
	'zeek::analyzer::tcp::TCP_Reassembler::DataSent',
	'zeek::analyzer::tcp::TCP_Reassembler::BlockInserted',
	SIM_HOT_FUNCTION,
] as const;

/** Other named functions that show in a steady worker's profile. */
export const SIM_OTHER_FUNCTIONS = [
	'zeek::detail::TimerMgr::Advance',
	'zeek::detail::PQ_TimerMgr::DoAdvance',
	'zeek::EventMgr::Drain',
	'zeek::Event::Dispatch',
	'zeek::EventHandler::Call',
	'zeek::detail::ScriptFunc::Invoke',
	'zeek::detail::StmtList::Exec',
	'zeek::detail::ExprStmt::Exec',
	'zeek::analyzer::dns::DNS_Interpreter::ParseMessage',
	'zeek::analyzer::http::HTTP_Analyzer::DeliverStream',
	'zeek::logging::Manager::Write',
	'zeek::detail::Reassembler::NewBlock',
] as const;

/** In the zeek6 layout each node rewrites this file in its spool dir for the manager to serve. */
export const SIM_STATS_FILE = '.zeektop-sim-metrics';
