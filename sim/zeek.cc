// Stand-in for one Zeek node, used by zeektop's tests, demo and benchmark (no Zeek package exists
// for our machines). It is started the way zeekctl starts Zeek (argv, CLUSTER_NODE, cwd = the
// node's spool dir, `-U .status`), does real CPU work in functions named like Zeek's so perf shows
// Zeek-shaped stacks, allocates through malloc so a preloaded jemalloc writes real heap profiles,
// and serves its own Prometheus endpoint like Zeek >= 7 (or, in the Zeek 6 layout, the manager
// serves every node's series).
//
// Built by source/sim/build.ts: g++ -std=c++17 -O1 -g -fno-omit-frame-pointer -pthread.
// Named hot functions are NOINLINE and their work is inlined into them (HOT_INLINE), so perf
// attributes self time to the Zeek-like name, not to a helper.
//
// Environment (all optional):
//   CLUSTER_NODE                node name (else the last `-p <name>` that is not a zeekctl prefix)
//   ZEEKTOP_SIM_ROLE            manager | logger | proxy | worker | standalone (else from the name)
//   ZEEKTOP_SIM_BEHAVIOUR       steady | overloaded | leaking | crashing | shifting | idle
//                               (default: steady for workers, idle for the others)
//   ZEEKTOP_SIM_CRASH_AFTER     seconds until a `crashing` node dies of SIGSEGV (default 10)
//   ZEEKTOP_SIM_DUTY            percent of a core for the packet loop of steady/leaking/crashing
//                               workers (default 8; overloaded ignores it and runs flat out)
//   ZEEKTOP_SIM_LEAK_RATE_KB    KiB/s kept forever by a `leaking` node (default 1536)
//   ZEEKTOP_SIM_LEAK_CAP_MB     the leak stops growing here (default 512)
//   ZEEKTOP_SIM_LAYOUT          zeek8 (default) | zeek7 | zeek6: metric labels and who serves them
//   ZEEKTOP_SIM_METRICS_PORT    port of this node's own /metrics (unset or 0: no endpoint)
//   ZEEKTOP_SIM_METRICS_ADDRESS bind address (default 127.0.0.1)
//   ZEEKTOP_SIM_TARGETS         comma list host:port served by the manager's /services.json
//   ZEEKTOP_SIM_NODES           comma list of every node in the cluster (Broker peers; in the
//                               zeek6 layout the manager aggregates these nodes' stats files)
//   ZEEKTOP_SIM_PARENT_PID      exit when this pid is gone (the launcher; covers a run-zeek
//                               wrapper between us and it). PR_SET_PDEATHSIG covers the parent.
//
// Files in the cwd: `.status` (via -U, as Zeek writes it), and in the zeek6 layout
// `.zeektop-sim-metrics` (this node's series, rewritten every 0.5 s for the manager to serve).

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#define NOINLINE __attribute__((noinline))
#define HOT_INLINE __attribute__((always_inline)) inline

namespace sim {

enum class Role { Manager, Logger, Proxy, Worker, Standalone };
enum class Behaviour { Idle, Steady, Overloaded, Leaking, Crashing, Shifting };
enum class Layout { Zeek6, Zeek7, Zeek8 };

struct Config {
	std::string node = "zeek";
	Role role = Role::Standalone;
	Behaviour behaviour = Behaviour::Steady;
	Layout layout = Layout::Zeek8;
	std::string iface;
	std::string status_file;
	int metrics_port = 0;
	std::string metrics_addr = "127.0.0.1";
	std::vector<std::string> targets;
	std::vector<std::string> nodes;
	double crash_after = 10;
	double duty = 0.08;
	double leak_rate = 1536.0 * 1024;
	double leak_cap = 512.0 * 1024 * 1024;
	double shift_after = 30; // shifting: seconds of uptime before the hot path changes
	pid_t watch_pid = 0;
};

Config cfg;
std::atomic<bool> stopping{false};
double start_mono = 0;
double start_wall = 0;
// Defeats dead-code elimination of the work loops.
volatile uint64_t sink = 0;

double mono() {
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

double wall() {
	timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

void sleep_for(double seconds) {
	if (seconds <= 0) return;
	timespec ts;
	ts.tv_sec = time_t(seconds);
	ts.tv_nsec = long((seconds - double(ts.tv_sec)) * 1e9);
	nanosleep(&ts, nullptr);
}

// FNV-1a over bytes: cheap, unvectorisable real work, ~1 ns per byte.
HOT_INLINE uint64_t churn(const uint8_t* p, size_t n, uint64_t h) {
	for (size_t i = 0; i < n; ++i) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
HOT_INLINE uint64_t rnd() {
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

constexpr size_t PAYLOAD_SIZE = 1 << 16;
uint8_t payload[PAYLOAD_SIZE + 2048];

// ---- counters read by the metrics thread -------------------------------------------------------

enum Proto { ICMP = 0, UDP = 1, TCP = 2 };
const char* proto_names[] = {"icmp", "udp", "tcp"};

enum Ev {
	EV_zeek_init,
	EV_zeek_script_loaded,
	EV_new_connection,
	EV_connection_established,
	EV_connection_state_remove,
	EV_http_request,
	EV_http_reply,
	EV_http_header,
	EV_http_message_done,
	EV_dns_request,
	EV_dns_A_reply,
	EV_dns_message,
	EV_dns_end,
	EV_icmp_echo_request,
	EV_conn_weird,
	EV_content_gap,
	EV_Broker_peer_added,
	EV_Cluster_hello,
	EV_Cluster_node_up,
	EV_Broker_log_flush,
	EV_Telemetry_log,
	EV_check_stats,
	EV_net_stats_update,
	EV_COUNT
};
const char* event_names[EV_COUNT] = {
	"zeek_init", "zeek_script_loaded", "new_connection", "connection_established",
	"connection_state_remove", "http_request", "http_reply", "http_header", "http_message_done",
	"dns_request", "dns_A_reply", "dns_message", "dns_end", "icmp_echo_request", "conn_weird",
	"content_gap", "Broker::peer_added", "Cluster::hello", "Cluster::node_up", "Broker::log_flush",
	"Telemetry::log", "check_stats", "net_stats_update",
};

enum Stream { LS_Conn, LS_HTTP, LS_DNS, LS_Weird, LS_Stats, LS_Telemetry, LS_Cluster, LS_Broker, LS_LoadedScripts, LS_PacketFilter, LS_COUNT };
struct StreamInfo {
	const char* module;
	const char* stream;
	const char* path;
};
const StreamInfo streams[LS_COUNT] = {
	{"Conn", "Conn::LOG", "conn"},
	{"HTTP", "HTTP::LOG", "http"},
	{"DNS", "DNS::LOG", "dns"},
	{"Weird", "Weird::LOG", "weird"},
	{"Stats", "Stats::LOG", "stats"},
	{"Telemetry", "Telemetry::LOG", "telemetry"},
	{"Cluster", "Cluster::LOG", "cluster"},
	{"Broker", "Broker::LOG", "broker"},
	{"LoadedScripts", "LoadedScripts::LOG", "loaded_scripts"},
	{"PacketFilter", "PacketFilter::LOG", "packet_filter"},
};

struct Counters {
	std::atomic<uint64_t> pkts_recv{0}, bytes_recv{0}, pkts_dropped{0};
	std::atomic<uint64_t> sessions_total[3]{}, sessions_active[3]{};
	std::atomic<uint64_t> events[EV_COUNT]{};
	std::atomic<uint64_t> log_writes[LS_COUNT]{};
	std::atomic<uint64_t> timers_total{0};
	std::atomic<uint64_t> broker_out_events{0}, broker_in_events{0}, broker_out_logs{0}, broker_in_logs{0};
	std::atomic<double> packet_lag{0.0};
	std::atomic<uint64_t> leaked_bytes{0};
	std::atomic<uint64_t> scrapes{0}, transferred{0};
};
Counters ctr;

HOT_INLINE void bump(std::atomic<uint64_t>& c, uint64_t n = 1) {
	c.fetch_add(n, std::memory_order_relaxed);
}

// ---- .status (what `-U .status` makes Zeek write) -----------------------------------------------

void set_status(const char* state, const char* reason) {
	if (cfg.status_file.empty()) return;
	char buf[128];
	int len = snprintf(buf, sizeof buf, "%s [%s]\n", state, reason);
	int fd = open(cfg.status_file.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) return;
	ssize_t ignored = write(fd, buf, size_t(len));
	(void)ignored;
	close(fd);
}

void fatal_error(const char* msg) {
	fprintf(stderr, "fatal error: %s\n", msg);
	set_status("TERMINATED", "fatal_error");
	fflush(stderr);
	_exit(1);
}

} // namespace sim

using sim::bump;
using sim::churn;
using sim::ctr;
using sim::rnd;

// ---- the packet path, named like Zeek's ---------------------------------------------------------

namespace zeek {

struct Packet {
	const uint8_t* data;
	uint32_t len;
	uint8_t proto;
	bool new_conn;
	double ts;
};

namespace detail {

struct Conn {
	uint32_t id;
	uint8_t proto;
	double start;
	uint8_t* state;      // per-connection analyzer state (freed on Remove)
	uint32_t state_len;
};

// Event queue between the analyzers and EventMgr::Drain, single-threaded (main thread).
constexpr size_t EVQ = 8192;
uint16_t evq[EVQ];
size_t evq_head = 0, evq_tail = 0;

HOT_INLINE void enqueue(int ev) {
	size_t next = (evq_tail + 1) % EVQ;
	if (next == evq_head) return; // queue full: the event is lost, as under heavy overload
	evq[evq_tail] = uint16_t(ev);
	evq_tail = next;
}

// Leak bookkeeping: bytes the leaking node still owes (refilled by housekeeping).
double leak_owed = 0;
std::vector<void*>* leaked = nullptr;

} // namespace detail

namespace session {

constexpr size_t MAX_ACTIVE = 3000;
std::deque<detail::Conn*> active;
uint32_t next_conn_id = 1;

class Manager {
public:
	NOINLINE static detail::Conn* FindConnection(const Packet* pkt);
	NOINLINE static detail::Conn* Insert(const Packet* pkt);
	NOINLINE static void Remove(detail::Conn* conn);
};

} // namespace session

namespace iosource {
class PktSrc {
public:
	NOINLINE static int Process(int budget);
};
} // namespace iosource

namespace run_state::detail {
NOINLINE void dispatch_packet(Packet* pkt);
NOINLINE void run_loop();
} // namespace run_state::detail

namespace packet_analysis {
class Manager {
public:
	NOINLINE static void ProcessPacket(Packet* pkt);
};
namespace IP {
class IPAnalyzer {
public:
	NOINLINE static bool AnalyzePacket(Packet* pkt);
};
class IPBasedAnalyzer {
public:
	NOINLINE static bool AnalyzePacket(Packet* pkt);
};
} // namespace IP
namespace TCP {
class TCPAnalyzer {
public:
	NOINLINE static void DeliverPacket(detail::Conn* c, Packet* pkt);
};
class TCPSessionAdapter {
public:
	NOINLINE static void Process(detail::Conn* c, Packet* pkt);
};
} // namespace TCP
namespace UDP {
class UDPAnalyzer {
public:
	NOINLINE static void DeliverPacket(detail::Conn* c, Packet* pkt);
};
} // namespace UDP
namespace ICMP {
class ICMPAnalyzer {
public:
	NOINLINE static void DeliverPacket(detail::Conn* c, Packet* pkt);
};
} // namespace ICMP
} // namespace packet_analysis

namespace analyzer {
class Analyzer {
public:
	NOINLINE static void ForwardStream(detail::Conn* c, const uint8_t* data, uint32_t len);
};
namespace tcp {
class TCP_Endpoint {
public:
	NOINLINE static void DataSent(detail::Conn* c, const uint8_t* data, uint32_t len);
};
class TCP_Reassembler {
public:
	NOINLINE static void DataSent(detail::Conn* c, const uint8_t* data, uint32_t len);
	NOINLINE static void BlockInserted(detail::Conn* c, const uint8_t* data, uint32_t len);
	NOINLINE static void DeliverBlock(detail::Conn* c, const uint8_t* data, uint32_t len);
};
class ContentLine_Analyzer {
public:
	NOINLINE static void DeliverStream(detail::Conn* c, const uint8_t* data, uint32_t len);
};
} // namespace tcp
namespace http {
class HTTP_Analyzer {
public:
	NOINLINE static void DeliverStream(detail::Conn* c, const uint8_t* data, uint32_t len);
};
struct MIME_Entity {
	uint32_t content_length;
};
class HTTP_Message {
public:
	NOINLINE static void Done(MIME_Entity* entity);
};
} // namespace http
namespace dns {
class DNS_Analyzer {
public:
	NOINLINE static void DeliverPacket(detail::Conn* c, const uint8_t* data, uint32_t len);
};
class DNS_Interpreter {
public:
	NOINLINE static void ParseMessage(const uint8_t* data, uint32_t len);
};
} // namespace dns
} // namespace analyzer

namespace detail {
class Reassembler {
public:
	NOINLINE static void NewBlock(const uint8_t* data, uint32_t len);
};
class TimerMgr {
public:
	NOINLINE static int Advance(double now);
};
class PQ_TimerMgr {
public:
	NOINLINE static int DoAdvance(double now);
};
class ScriptFunc {
public:
	NOINLINE static void Invoke(int ev);
};
class StmtList {
public:
	NOINLINE static void Exec(int ev);
};
class ExprStmt {
public:
	NOINLINE static void Exec(int ev);
};
} // namespace detail

class EventHandler {
public:
	NOINLINE static void Call(int ev);
};
class Event {
public:
	NOINLINE static void Dispatch(int ev);
};
class EventMgr {
public:
	NOINLINE static int Drain();
};

namespace logging {
class Manager {
public:
	NOINLINE static void Write(int stream);
};
namespace writer::detail {
class Ascii {
public:
	NOINLINE static void DoWrite(int stream, int records);
};
} // namespace writer::detail
} // namespace logging

} // namespace zeek

namespace broker::internal {
class core_actor_state {
public:
	NOINLINE static void dispatch();
};
} // namespace broker::internal

// ---- implementations ----------------------------------------------------------------------------

namespace {
bool overloaded() { return sim::cfg.behaviour == sim::Behaviour::Overloaded; }
bool leaking() { return sim::cfg.behaviour == sim::Behaviour::Leaking; }
std::atomic<bool> crash_armed{false};
} // namespace

namespace zeek {

int iosource::PktSrc::Process(int budget) {
	// One "read" of the packet source: a batch of packets handed to dispatch_packet.
	int n = 0;
	for (; n < budget; ++n) {
		uint64_t r = rnd();
		Packet pkt;
		unsigned kind = unsigned(r % 100);
		pkt.proto = kind < 70 ? sim::TCP : (kind < 96 ? sim::UDP : sim::ICMP);
		pkt.len = pkt.proto == sim::TCP ? uint32_t(60 + (r >> 8) % 1400) : uint32_t(60 + (r >> 8) % 400);
		pkt.data = sim::payload + ((r >> 24) % sim::PAYLOAD_SIZE);
		unsigned fresh = unsigned((r >> 40) % 100);
		pkt.new_conn = pkt.proto == sim::TCP ? fresh < 4 : (pkt.proto == sim::UDP ? fresh < 45 : fresh < 60);
		pkt.ts = sim::wall();
		run_state::detail::dispatch_packet(&pkt);
	}
	return n;
}

void run_state::detail::dispatch_packet(Packet* pkt) {
	bump(ctr.pkts_recv);
	bump(ctr.bytes_recv, pkt->len);
	packet_analysis::Manager::ProcessPacket(pkt);
	static unsigned tick = 0;
	if ((++tick & 63) == 0) zeek::detail::TimerMgr::Advance(pkt->ts);
}

void packet_analysis::Manager::ProcessPacket(Packet* pkt) {
	sim::sink = churn(pkt->data, 14, sim::sink); // link layer
	IP::IPAnalyzer::AnalyzePacket(pkt);
}

bool packet_analysis::IP::IPAnalyzer::AnalyzePacket(Packet* pkt) {
	// Header checksum and option parsing.
	uint64_t h = churn(pkt->data, 20, 0xcbf29ce484222325ULL);
	h = churn(pkt->data + 20, 100, h);
	sim::sink = h;
	return IPBasedAnalyzer::AnalyzePacket(pkt);
}

bool packet_analysis::IP::IPBasedAnalyzer::AnalyzePacket(Packet* pkt) {
	detail::Conn* c = session::Manager::FindConnection(pkt);
	if (!c) {
		c = session::Manager::Insert(pkt);
		detail::enqueue(sim::EV_new_connection);
	}
	sim::sink = churn(pkt->data, 40, sim::sink);
	switch (pkt->proto) {
	case sim::TCP: TCP::TCPAnalyzer::DeliverPacket(c, pkt); break;
	case sim::UDP: UDP::UDPAnalyzer::DeliverPacket(c, pkt); break;
	default: ICMP::ICMPAnalyzer::DeliverPacket(c, pkt); break;
	}
	return true;
}

detail::Conn* session::Manager::FindConnection(const Packet* pkt) {
	sim::sink = churn(pkt->data, 48, sim::sink); // hash of the 5-tuple
	if (pkt->new_conn || active.empty()) return nullptr;
	// A packet of an existing connection of the same protocol (most recent ones are busiest).
	size_t n = active.size();
	for (int tries = 0; tries < 4; ++tries) {
		detail::Conn* c = active[n - 1 - (rnd() % std::min<size_t>(n, 256))];
		if (c->proto == pkt->proto) return c;
	}
	return nullptr;
}

detail::Conn* session::Manager::Insert(const Packet* pkt) {
	auto* c = new detail::Conn;
	c->id = next_conn_id++;
	c->proto = pkt->proto;
	c->start = pkt->ts;
	c->state_len = 256 + uint32_t(rnd() % 512);
	c->state = static_cast<uint8_t*>(malloc(c->state_len));
	memcpy(c->state, pkt->data, std::min<uint32_t>(c->state_len, pkt->len));
	active.push_back(c);
	bump(ctr.sessions_total[pkt->proto]);
	bump(ctr.sessions_active[pkt->proto]);
	if (active.size() > MAX_ACTIVE) Remove(active.front());

	// The leak: per-connection state that is never released (think of a table with no
	// expiration). Several records per call when behind, so the rate holds at low packet rates.
	if (leaking() && detail::leak_owed > 0) {
		if (!detail::leaked) detail::leaked = new std::vector<void*>();
		for (int i = 0; i < 8 && detail::leak_owed > 0; ++i) {
			size_t size = 1024 + size_t(rnd() % 3072);
			auto* rec = static_cast<uint8_t*>(malloc(size));
			memset(rec, int(c->id & 0xff), size); // touch it: RSS really grows
			detail::leaked->push_back(rec);
			detail::leak_owed -= double(size);
			bump(ctr.leaked_bytes, size);
		}
	}
	return c;
}

void session::Manager::Remove(detail::Conn* c) {
	for (auto it = active.begin(); it != active.end(); ++it) {
		if (*it == c) {
			active.erase(it);
			break;
		}
	}
	ctr.sessions_active[c->proto].fetch_sub(1, std::memory_order_relaxed);
	sim::sink = churn(c->state, std::min<uint32_t>(c->state_len, 64), sim::sink);
	free(c->state);
	delete c;
	detail::enqueue(sim::EV_connection_state_remove);
}

void packet_analysis::TCP::TCPAnalyzer::DeliverPacket(detail::Conn* c, Packet* pkt) {
	sim::sink = churn(pkt->data + 20, 40, sim::sink); // TCP header, flags, window
	TCPSessionAdapter::Process(c, pkt);
}

void packet_analysis::TCP::TCPSessionAdapter::Process(detail::Conn* c, Packet* pkt) {
	sim::sink = churn(pkt->data, 80, sim::sink);
	if (pkt->new_conn) detail::enqueue(sim::EV_connection_established);
	if (pkt->len > 80) analyzer::tcp::TCP_Endpoint::DataSent(c, pkt->data + 54, pkt->len - 54);
}

void analyzer::tcp::TCP_Endpoint::DataSent(detail::Conn* c, const uint8_t* data, uint32_t len) {
	sim::sink = churn(data, 32, sim::sink);
	TCP_Reassembler::DataSent(c, data, len);
}

void analyzer::tcp::TCP_Reassembler::DataSent(detail::Conn* c, const uint8_t* data, uint32_t len) {
	sim::sink = churn(data, 48, sim::sink);
	if (rnd() % 1000 == 0) detail::enqueue(sim::EV_content_gap);
	detail::Reassembler::NewBlock(data, len);
	BlockInserted(c, data, len);
}

void detail::Reassembler::NewBlock(const uint8_t* data, uint32_t len) {
	// Out-of-order blocks held until the gap closes: a bounded ring of live allocations, so a
	// heap profile shows a second, stable allocation site beside any leak.
	constexpr size_t RING = 512;
	static void* ring[RING];
	static size_t pos = 0;
	if (rnd() % 8 != 0) return;
	free(ring[pos]);
	ring[pos] = malloc(len);
	memcpy(ring[pos], data, len);
	pos = (pos + 1) % RING;
}

void analyzer::tcp::TCP_Reassembler::BlockInserted(detail::Conn* c, const uint8_t* data, uint32_t len) {
	sim::sink = churn(data, 40, sim::sink);
	DeliverBlock(c, data, len);
}

void analyzer::tcp::TCP_Reassembler::DeliverBlock(detail::Conn* c, const uint8_t* data, uint32_t len) {
	// The overloaded worker's hot spot: every block is re-scanned many times (think of a
	// pathological signature or a huge reassembly buffer). Most of its CPU lands here.
	uint64_t h = sim::sink;
	int passes = overloaded() ? 64 : 1;
	uint32_t n = len / 4;
	for (int i = 0; i < passes; ++i) h = churn(data + (i & 7), n, h);
	sim::sink = h;
	Analyzer::ForwardStream(c, data, len);
}

void analyzer::Analyzer::ForwardStream(detail::Conn* c, const uint8_t* data, uint32_t len) {
	sim::sink = churn(data, 24, sim::sink);
	tcp::ContentLine_Analyzer::DeliverStream(c, data, len);
}

void analyzer::tcp::ContentLine_Analyzer::DeliverStream(detail::Conn* c, const uint8_t* data, uint32_t len) {
	// Line splitting: scan for CR/LF.
	uint32_t lines = 0;
	uint32_t n = std::min<uint32_t>(len, 256);
	for (uint32_t i = 0; i < n; ++i) lines += (data[i] == '\n');
	sim::sink = sim::sink + lines;
	sim::sink = churn(data, n / 2, sim::sink);
	http::HTTP_Analyzer::DeliverStream(c, data, len);
}

namespace analyzer::http {
// Never set: the crashing node dereferences it (a real SIGSEGV, not a raise()).
MIME_Entity* volatile current_entity = nullptr;
} // namespace analyzer::http

void analyzer::http::HTTP_Analyzer::DeliverStream(detail::Conn* c, const uint8_t* data, uint32_t len) {
	sim::sink = churn(data, std::min<uint32_t>(len, 160), sim::sink);
	unsigned r = unsigned(rnd() % 16);
	if (r == 0) {
		detail::enqueue(sim::EV_http_request);
		for (int i = 0; i < 4; ++i) detail::enqueue(sim::EV_http_header);
	} else if (r == 1) {
		detail::enqueue(sim::EV_http_reply);
		detail::enqueue(sim::EV_http_header);
		if (crash_armed.load(std::memory_order_relaxed)) {
			HTTP_Message::Done(current_entity);
		} else {
			MIME_Entity entity{len};
			HTTP_Message::Done(&entity);
		}
	}
	(void)c;
}

void analyzer::http::HTTP_Message::Done(MIME_Entity* entity) {
	if (crash_armed.load(std::memory_order_relaxed)) {
		// No core file: the kernel's core_pattern may be a plain `core` in the spool dir.
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	}
	sim::sink = sim::sink + entity->content_length; // SIGSEGV when entity is null
	detail::enqueue(sim::EV_http_message_done);
}

void packet_analysis::UDP::UDPAnalyzer::DeliverPacket(detail::Conn* c, Packet* pkt) {
	sim::sink = churn(pkt->data + 20, 8, sim::sink);
	analyzer::dns::DNS_Analyzer::DeliverPacket(c, pkt->data + 28, pkt->len - 28);
}

void analyzer::dns::DNS_Analyzer::DeliverPacket(detail::Conn* c, const uint8_t* data, uint32_t len) {
	sim::sink = churn(data, 12, sim::sink);
	DNS_Interpreter::ParseMessage(data, len);
	(void)c;
}

void analyzer::dns::DNS_Interpreter::ParseMessage(const uint8_t* data, uint32_t len) {
	// Label decompression walks.
	uint64_t h = sim::sink;
	for (int i = 0; i < 3; ++i) h = churn(data + i, std::min<uint32_t>(len, 96), h);
	sim::sink = h;
	detail::enqueue(sim::EV_dns_message);
	if (rnd() & 1) {
		detail::enqueue(sim::EV_dns_request);
	} else {
		detail::enqueue(sim::EV_dns_A_reply);
		detail::enqueue(sim::EV_dns_end);
	}
}

void packet_analysis::ICMP::ICMPAnalyzer::DeliverPacket(detail::Conn* c, Packet* pkt) {
	sim::sink = churn(pkt->data + 20, 64, sim::sink);
	detail::enqueue(sim::EV_icmp_echo_request);
	(void)c;
}

int detail::TimerMgr::Advance(double now) {
	bump(ctr.timers_total, 3);
	return PQ_TimerMgr::DoAdvance(now);
}

int detail::PQ_TimerMgr::DoAdvance(double now) {
	// Connection inactivity timers: expire connections idle for a while.
	int expired = 0;
	while (!session::active.empty() && expired < 64) {
		detail::Conn* c = session::active.front();
		double timeout = c->proto == sim::TCP ? 3.0 : 1.0;
		if (now - c->start < timeout) break;
		session::Manager::Remove(c);
		++expired;
	}
	bump(ctr.timers_total, uint64_t(expired));
	return expired;
}

int EventMgr::Drain() {
	int n = 0;
	while (detail::evq_head != detail::evq_tail) {
		int ev = detail::evq[detail::evq_head];
		detail::evq_head = (detail::evq_head + 1) % detail::EVQ;
		Event::Dispatch(ev);
		++n;
	}
	return n;
}

void Event::Dispatch(int ev) {
	bump(ctr.events[ev]);
	EventHandler::Call(ev);
}

void EventHandler::Call(int ev) {
	detail::ScriptFunc::Invoke(ev);
}

void detail::ScriptFunc::Invoke(int ev) {
	// Frame setup for the script body.
	sim::sink = churn(sim::payload + ev * 64, 48, sim::sink);
	StmtList::Exec(ev);
}

void detail::StmtList::Exec(int ev) {
	sim::sink = churn(sim::payload + ev * 32, 32, sim::sink);
	ExprStmt::Exec(ev);
	switch (ev) {
	case sim::EV_connection_state_remove: logging::Manager::Write(sim::LS_Conn); break;
	case sim::EV_http_reply: logging::Manager::Write(sim::LS_HTTP); break;
	case sim::EV_dns_end:
	case sim::EV_dns_request: logging::Manager::Write(sim::LS_DNS); break;
	case sim::EV_content_gap:
	case sim::EV_conn_weird: logging::Manager::Write(sim::LS_Weird); break;
	default: break;
	}
}

void detail::ExprStmt::Exec(int ev) {
	int weight = ev == sim::EV_connection_state_remove ? 400 : (ev == sim::EV_http_header ? 60 : 160);
	sim::sink = churn(sim::payload + 4096 + ev * 16, size_t(weight), sim::sink);
}

void logging::Manager::Write(int stream) {
	sim::sink = churn(sim::payload + 8192 + stream * 8, 120, sim::sink);
	bump(ctr.log_writes[stream]);
	if (sim::cfg.role == sim::Role::Worker || sim::cfg.role == sim::Role::Proxy) bump(ctr.broker_out_logs);
}

// Log writer threads (the logger's `zk.<path>/Log::WRITER_ASCII`): formatting and buffering.
void logging::writer::detail::Ascii::DoWrite(int stream, int records) {
	for (int i = 0; i < records; ++i) sim::sink = churn(sim::payload + 16384 + stream * 32, 180, sim::sink);
}

} // namespace zeek

void broker::internal::core_actor_state::dispatch() {
	sim::sink = churn(sim::payload + 32768, 4096, sim::sink);
}

// ---- /proc/self ---------------------------------------------------------------------------------

namespace sim {

struct SelfStat {
	double utime = 0, stime = 0, start = 0;
	uint64_t vsize = 0, rss = 0, fds = 0;
};

double boot_time() {
	static double btime = -1;
	if (btime >= 0) return btime;
	btime = 0;
	FILE* f = fopen("/proc/stat", "re");
	if (!f) return btime;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		unsigned long long v;
		if (sscanf(line, "btime %llu", &v) == 1) {
			btime = double(v);
			break;
		}
	}
	fclose(f);
	return btime;
}

SelfStat read_self() {
	SelfStat s;
	static const double tick = double(sysconf(_SC_CLK_TCK));
	static const double page = double(sysconf(_SC_PAGESIZE));
	char buf[2048];
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n > 0) {
			buf[n] = 0;
			// proc(5): comm may contain spaces; fields resume after the last ')'.
			char* p = strrchr(buf, ')');
			if (p) {
				std::vector<unsigned long long> f;
				f.reserve(30);
				char* save = nullptr;
				for (char* tok = strtok_r(p + 2, " ", &save); tok && f.size() < 30; tok = strtok_r(nullptr, " ", &save)) {
					f.push_back(strtoull(tok, nullptr, 10));
				}
				// f[0] is field 3 (state, parses as 0); field N is f[N - 3].
				if (f.size() >= 22) {
					s.utime = double(f[14 - 3]) / tick;
					s.stime = double(f[15 - 3]) / tick;
					s.start = boot_time() + double(f[22 - 3]) / tick;
					s.vsize = f[23 - 3];
					s.rss = uint64_t(double(f[24 - 3]) * page);
				}
			}
		}
	}
	if (DIR* d = opendir("/proc/self/fd")) {
		while (dirent* e = readdir(d)) {
			if (e->d_name[0] != '.') ++s.fds;
		}
		closedir(d);
		if (s.fds > 0) --s.fds; // the directory stream's own fd
	}
	return s;
}

// ---- metrics ------------------------------------------------------------------------------------

struct Family {
	const char* name;
	const char* help;
	const char* type;
};

// Order, names, HELP and TYPE follow a real Zeek 8.0.10 scrape.
const Family families[] = {
	{"exposer_transferred_bytes_total", "Transferred bytes to metrics services", "counter"},
	{"exposer_scrapes_total", "Number of times metrics were scraped", "counter"},
	{"exposer_request_latencies", "Latencies of serving scrape requests, in microseconds", "summary"},
	{"zeek_log_stream_writes_total", "Total number of log writes for the given stream.", "counter"},
	{"zeek_log_writer_writes_total", "Total number of log writes passed to a concrete log writer not vetoed by stream or filter policies.", "counter"},
	{"zeek_log_writer_discarded_writes_total", "Total number of log writes discarded due to size limitations.", "counter"},
	{"zeek_broker_peer_buffer_overflows_total", "Number of overflows in Broker's send buffers", "counter"},
	{"zeek_net_received_bytes_total", "Total number of bytes received", "counter"},
	{"zeek_net_received_packets_total", "Total number of packets received", "counter"},
	{"zeek_net_dropped_packets_total", "Total number of packets dropped", "counter"},
	{"zeek_net_link_packets_total", "Total number of packets on the packet source link before filtering", "counter"},
	{"process_cpu_user_seconds_total", "Total user CPU time spent", "counter"},
	{"process_cpu_system_seconds_total", "Total system CPU time spent", "counter"},
	{"process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", "counter"},
	{"zeek_cluster_core_outgoing_events_total", "Number of outgoing events", "counter"},
	{"zeek_cluster_core_incoming_events_total", "Number of incoming events", "counter"},
	{"zeek_broker_incoming_events_total", "Total number of incoming events via broker", "counter"},
	{"zeek_broker_outgoing_events_total", "Total number of outgoing events via broker", "counter"},
	{"zeek_broker_incoming_logs_total", "Total number of incoming logs via broker", "counter"},
	{"zeek_broker_outgoing_logs_total", "Total number of outgoing logs via broker", "counter"},
	{"zeek_timers_total", "Cumulative number of timers", "counter"},
	{"zeek_ended_sessions_total", "Number of sessions ended for specific reasons", "counter"},
	{"zeek_event_handler_invocations_total", "Number of times the given event handler was called", "counter"},
	{"zeek_total_sessions_total", "Total number of sessions", "counter"},
	{"zeek_version_info", "The Zeek version", "gauge"},
	{"zeek_broker_peer_buffer_messages", "Number of messages queued in Broker's send buffers", "gauge"},
	{"zeek_net_packet_lag_seconds", "Difference of network time and wallclock time in seconds.", "gauge"},
	{"zeek_net_timestamp_seconds", "The current network time.", "gauge"},
	{"process_resident_memory_bytes", "Resident memory size", "gauge"},
	{"process_virtual_memory_bytes", "Virtual memory size", "gauge"},
	{"process_open_fds", "Number of open file descriptors", "gauge"},
	{"process_start_time_seconds", "Process start time", "gauge"},
	{"zeek_msgthread_active_threads", "Number of active threads", "gauge"},
	{"zeek_broker_peers", "Current number of peers connected via broker", "gauge"},
	{"zeek_timers_pending", "Number of timers for a certain type", "gauge"},
	{"zeek_active_sessions", "Active Zeek Sessions", "gauge"},
};
constexpr int NUM_FAMILIES = int(sizeof families / sizeof families[0]);

int family_index(const char* name) {
	for (int i = 0; i < NUM_FAMILIES; ++i) {
		if (strcmp(families[i].name, name) == 0) return i;
	}
	return -1;
}

using Labels = std::vector<std::pair<std::string, std::string>>;

struct Sample {
	int family;
	std::string suffix; // _count, _sum for a summary
	Labels labels;
	double value;
	bool integer;
	bool node_label; // the exposer_* series of the metrics server itself carry no node label
};

struct Collector {
	std::vector<Sample> out;
	void add(const char* family, Labels labels, double value, bool integer = true, const char* suffix = "", bool node_label = true) {
		int f = family_index(family);
		if (f < 0) return;
		out.push_back(Sample{f, suffix, std::move(labels), value, integer, node_label});
	}
};

std::mutex latency_mutex;
std::deque<double> latencies_us;
double latency_sum_us = 0;
uint64_t latency_count = 0;

std::vector<std::string> broker_peers() {
	std::vector<std::string> peers;
	bool worker = cfg.role == Role::Worker;
	for (const auto& n : cfg.nodes) {
		if (n == cfg.node) continue;
		// Workers peer with manager, proxies and loggers only.
		if (worker && n.rfind("worker", 0) == 0) continue;
		peers.push_back(n);
	}
	return peers;
}

std::vector<Sample> collect() {
	Collector c;
	bool z6 = cfg.layout == Layout::Zeek6;
	bool packets = cfg.role == Role::Worker || cfg.role == Role::Standalone;
	if (!z6) {
		uint64_t scrapes = ctr.scrapes.load();
		c.add("exposer_transferred_bytes_total", {}, double(ctr.transferred.load()), true, "", false);
		c.add("exposer_scrapes_total", {}, double(scrapes), true, "", false);
		std::lock_guard<std::mutex> lock(latency_mutex);
		c.add("exposer_request_latencies", {}, double(latency_count), true, "_count", false);
		c.add("exposer_request_latencies", {}, latency_sum_us, true, "_sum", false);
		std::vector<double> sorted(latencies_us.begin(), latencies_us.end());
		std::sort(sorted.begin(), sorted.end());
		for (const char* q : {"0.5", "0.9", "0.99"}) {
			double v = NAN;
			if (!sorted.empty()) {
				size_t idx = std::min(sorted.size() - 1, size_t(atof(q) * double(sorted.size())));
				v = sorted[idx];
			}
			c.add("exposer_request_latencies", {{"quantile", q}}, v, true, "", false);
		}
	}
	for (int s = 0; s < LS_COUNT; ++s) {
		uint64_t w = ctr.log_writes[s].load();
		if (w == 0) continue;
		c.add("zeek_log_stream_writes_total", {{"module", streams[s].module}, {"stream", streams[s].stream}}, double(w));
	}
	for (int s = 0; s < LS_COUNT; ++s) {
		uint64_t w = ctr.log_writes[s].load();
		if (w == 0) continue;
		Labels l = {{"filter_name", "default"}, {"module", streams[s].module}, {"path", streams[s].path}, {"stream", streams[s].stream}, {"writer", "Log::WRITER_ASCII"}};
		c.add("zeek_log_writer_writes_total", l, double(w));
		if (!z6) c.add("zeek_log_writer_discarded_writes_total", l, 0);
	}
	std::vector<std::string> peers = broker_peers();
	if (!z6) {
		for (const auto& p : peers) c.add("zeek_broker_peer_buffer_overflows_total", {{"peer", p}}, 0);
	}
	c.add("zeek_net_received_bytes_total", {}, double(ctr.bytes_recv.load()), !z6);
	c.add("zeek_net_received_packets_total", {}, double(ctr.pkts_recv.load()), !z6);
	if (packets || z6) {
		uint64_t dropped = ctr.pkts_dropped.load();
		c.add("zeek_net_dropped_packets_total", {}, double(dropped), !z6);
		c.add("zeek_net_link_packets_total", {}, double(ctr.pkts_recv.load() + dropped), !z6);
	}
	SelfStat self = read_self();
	if (z6) {
		c.add("process_cpu_seconds_total", {}, self.utime + self.stime, false);
	} else {
		c.add("process_cpu_user_seconds_total", {}, self.utime, false);
		c.add("process_cpu_system_seconds_total", {}, self.stime, false);
	}
	if (!z6) {
		c.add("zeek_cluster_core_outgoing_events_total", {}, double(ctr.broker_out_events.load()));
		c.add("zeek_cluster_core_incoming_events_total", {}, double(ctr.broker_in_events.load()));
		c.add("zeek_broker_incoming_events_total", {}, double(ctr.broker_in_events.load()));
		c.add("zeek_broker_outgoing_events_total", {}, double(ctr.broker_out_events.load()));
		c.add("zeek_broker_incoming_logs_total", {}, double(ctr.broker_in_logs.load()));
		c.add("zeek_broker_outgoing_logs_total", {}, double(ctr.broker_out_logs.load()));
		c.add("zeek_timers_total", {}, double(ctr.timers_total.load()));
		c.add("zeek_ended_sessions_total", {{"reason", "inactivity"}}, 0);
	}
	for (int e = 0; e < EV_COUNT; ++e) {
		uint64_t v = ctr.events[e].load();
		if (v == 0) continue;
		c.add("zeek_event_handler_invocations_total", {{"name", event_names[e]}}, double(v));
	}
	for (int p = 0; p < 3; ++p) {
		c.add("zeek_total_sessions_total", {{"protocol", proto_names[p]}}, double(ctr.sessions_total[p].load()));
	}
	{
		const char* major = z6 ? "6" : (cfg.layout == Layout::Zeek7 ? "7" : "8");
		const char* number = z6 ? "60010" : (cfg.layout == Layout::Zeek7 ? "70011" : "80010");
		std::string version = std::string(major) + ".0." + (z6 ? "10" : (cfg.layout == Layout::Zeek7 ? "11" : "10"));
		Labels l = {{"beta", "false"}, {"commit", "0"}, {"debug", "false"}, {"major", major}, {"minor", "0"}, {"patch", z6 ? "10" : (cfg.layout == Layout::Zeek7 ? "11" : "10")}, {"version_number", number}, {"version_string", version}};
		// Zeek 7.0's version gauge carried no endpoint label (docs example); 6 and 8 label it.
		c.add("zeek_version_info", l, 1, !z6, "", cfg.layout != Layout::Zeek7);
	}
	if (!z6) {
		for (const auto& p : peers) c.add("zeek_broker_peer_buffer_messages", {{"peer", p}}, 0);
	}
	double lag = ctr.packet_lag.load();
	if (!z6 && packets) c.add("zeek_net_packet_lag_seconds", {}, lag, false);
	if (!z6) c.add("zeek_net_timestamp_seconds", {}, wall() - (packets ? lag : 0), false);
	c.add("process_resident_memory_bytes", {}, double(self.rss), !z6);
	c.add("process_virtual_memory_bytes", {}, double(self.vsize), !z6);
	c.add("process_open_fds", {}, double(self.fds));
	if (!z6) {
		c.add("process_start_time_seconds", {}, self.start, false);
		c.add("zeek_msgthread_active_threads", {}, cfg.role == Role::Logger ? double(LS_COUNT) : 0);
		c.add("zeek_broker_peers", {}, double(peers.size()));
		uint64_t tcp = ctr.sessions_active[TCP].load(), udp = ctr.sessions_active[UDP].load(), icmp = ctr.sessions_active[ICMP].load();
		c.add("zeek_timers_pending", {{"type", "ConnectionInactivityTimer"}}, double(tcp + udp + icmp));
		c.add("zeek_timers_pending", {{"type", "DNSExpireTimer"}}, double(udp));
		c.add("zeek_timers_pending", {{"type", "TCPConnectionExpireTimer"}}, double(tcp / 8));
		c.add("zeek_timers_pending", {{"type", "LogFlushWriteBufferTimer"}}, 1);
		c.add("zeek_timers_pending", {{"type", "ScheduleTimer"}}, 8);
	}
	for (int p = 0; p < 3; ++p) {
		c.add("zeek_active_sessions", {{"protocol", proto_names[p]}}, double(ctr.sessions_active[p].load()));
	}
	return c.out;
}

std::string format_value(double v, bool integer, bool z6) {
	char buf[64];
	if (std::isnan(v)) return "Nan";
	if (z6) {
		if (integer) snprintf(buf, sizeof buf, "%.0f", v);
		else snprintf(buf, sizeof buf, "%f", v);
		return buf;
	}
	if (integer && v == std::floor(v) && std::fabs(v) < 9e15) {
		snprintf(buf, sizeof buf, "%.0f", v);
		return buf;
	}
	// Shortest text that reads back as the same double, like prometheus-cpp prints.
	for (int prec = 6; prec <= 17; ++prec) {
		snprintf(buf, sizeof buf, "%.*g", prec, v);
		if (strtod(buf, nullptr) == v) break;
	}
	return buf;
}

std::string escape_label(const std::string& v) {
	std::string out;
	for (char ch : v) {
		if (ch == '\\' || ch == '"') out += '\\';
		if (ch == '\n') {
			out += "\\n";
			continue;
		}
		out += ch;
	}
	return out;
}

std::string render_sample(const Sample& s, long long ts_ms) {
	bool z6 = cfg.layout == Layout::Zeek6;
	Labels labels = s.labels;
	if (s.node_label) labels.emplace_back(cfg.layout == Layout::Zeek8 ? "node" : "endpoint", cfg.node);
	std::sort(labels.begin(), labels.end());
	std::string line = families[s.family].name + s.suffix;
	if (!labels.empty()) {
		line += '{';
		for (size_t i = 0; i < labels.size(); ++i) {
			if (i) line += ',';
			line += labels[i].first + "=\"" + escape_label(labels[i].second) + '"';
		}
		line += '}';
	}
	line += ' ';
	line += format_value(s.value, s.integer, z6);
	if (z6) line += ' ' + std::to_string(ts_ms);
	return line;
}

// Rendered lines of this node, tagged with their family index.
std::vector<std::pair<int, std::string>> render_own() {
	long long ts_ms = (long long)(wall() * 1000);
	std::vector<std::pair<int, std::string>> lines;
	for (const Sample& s : collect()) lines.emplace_back(s.family, render_sample(s, ts_ms));
	return lines;
}

const char* STATS_FILE = ".zeektop-sim-metrics";

// Zeek 6: each node's series reach the manager (there via Broker; here via a file in the node's
// spool dir, rewritten atomically).
void write_stats_file() {
	std::string text;
	for (const auto& [family, line] : render_own()) {
		text += families[family].name;
		text += '\t';
		text += line;
		text += '\n';
	}
	std::string tmp = std::string(STATS_FILE) + ".tmp";
	FILE* f = fopen(tmp.c_str(), "we");
	if (!f) return;
	fwrite(text.data(), 1, text.size(), f);
	fclose(f);
	rename(tmp.c_str(), STATS_FILE);
}

void read_sibling_stats(std::vector<std::pair<int, std::string>>& lines) {
	double now = wall();
	for (const auto& n : cfg.nodes) {
		if (n == cfg.node || n.find('/') != std::string::npos) continue;
		std::string path = "../" + n + "/" + STATS_FILE;
		struct stat st;
		if (stat(path.c_str(), &st) != 0) continue;
		if (now - double(st.st_mtime) > 5) continue; // a dead node's series go stale and vanish
		FILE* f = fopen(path.c_str(), "re");
		if (!f) continue;
		char buf[4096];
		while (fgets(buf, sizeof buf, f)) {
			char* tab = strchr(buf, '\t');
			if (!tab) continue;
			*tab = 0;
			int fam = family_index(buf);
			if (fam < 0) continue;
			std::string line(tab + 1);
			while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
			lines.emplace_back(fam, line);
		}
		fclose(f);
	}
}

std::string render_metrics() {
	std::vector<std::pair<int, std::string>> lines = render_own();
	if (cfg.layout == Layout::Zeek6 && cfg.role == Role::Manager) read_sibling_stats(lines);
	std::stable_sort(lines.begin(), lines.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
	std::string out;
	out.reserve(lines.size() * 100 + 4096);
	int last = -1;
	for (const auto& [family, line] : lines) {
		if (family != last) {
			out += "# HELP ";
			out += families[family].name;
			out += ' ';
			out += families[family].help;
			out += "\n# TYPE ";
			out += families[family].name;
			out += ' ';
			out += families[family].type;
			out += '\n';
			last = family;
		}
		out += line;
		out += '\n';
	}
	return out;
}

std::string render_services() {
	std::string out = "[{\"targets\":[";
	for (size_t i = 0; i < cfg.targets.size(); ++i) {
		if (i) out += ',';
		out += '"' + cfg.targets[i] + '"';
	}
	out += "],\"labels\":{}}]";
	return out;
}

// ---- the metrics HTTP server (civetweb's thread names) ------------------------------------------

int listen_fd = -1;
std::mutex queue_mutex;
std::condition_variable queue_cv;
std::deque<int> client_queue;

void send_all(int fd, const char* data, size_t len) {
	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR) continue;
		if (n <= 0) return;
		data += n;
		len -= size_t(n);
	}
}

void handle_client(int fd) {
	timeval tv{2, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	char buf[8192];
	size_t have = 0;
	while (have < sizeof buf - 1) {
		ssize_t n = recv(fd, buf + have, sizeof buf - 1 - have, 0);
		if (n < 0 && errno == EINTR) continue;
		if (n <= 0) break;
		have += size_t(n);
		buf[have] = 0;
		if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n")) break;
	}
	buf[have] = 0;
	char method[16] = {0}, target[1024] = {0};
	if (sscanf(buf, "%15s %1023s", method, target) != 2) {
		close(fd);
		return;
	}
	if (char* q = strchr(target, '?')) *q = 0;
	double t0 = mono();
	int status = 200;
	const char* type = "text/plain; charset=utf-8";
	std::string body;
	bool is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	bool serves_services = cfg.role == Role::Manager && cfg.layout != Layout::Zeek6;
	if (is_get && strcmp(target, "/metrics") == 0) {
		body = render_metrics();
	} else if (is_get && strcmp(target, "/services.json") == 0 && serves_services) {
		body = render_services();
		type = "application/json";
	} else {
		status = 404;
		body = "Error 404: Not Found\nNot Found";
	}
	char head[256];
	int hl = snprintf(head, sizeof head,
		"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		status, status == 200 ? "OK" : "Not Found", type, body.size());
	send_all(fd, head, size_t(hl));
	if (strcmp(method, "HEAD") != 0) send_all(fd, body.data(), body.size());
	shutdown(fd, SHUT_WR);
	close(fd);
	if (status == 200 && strcmp(target, "/metrics") == 0) {
		double us = (mono() - t0) * 1e6;
		bump(ctr.scrapes);
		bump(ctr.transferred, body.size());
		std::lock_guard<std::mutex> lock(latency_mutex);
		latencies_us.push_back(std::round(us));
		if (latencies_us.size() > 64) latencies_us.pop_front();
		latency_sum_us += std::round(us);
		++latency_count;
	}
}

void bind_metrics() {
	listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0) fatal_error("metrics: socket() failed");
	int one = 1;
	setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	sockaddr_in addr{};
	addr.sin_family = AF_INET;
	addr.sin_port = htons(uint16_t(cfg.metrics_port));
	if (inet_pton(AF_INET, cfg.metrics_addr.c_str(), &addr.sin_addr) != 1) fatal_error("metrics: bad Telemetry::metrics_address");
	if (bind(listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listen_fd, 64) != 0) {
		char msg[256];
		snprintf(msg, sizeof msg, "Failed to start the metrics server on %s:%d: %s", cfg.metrics_addr.c_str(), cfg.metrics_port, strerror(errno));
		fatal_error(msg);
	}
}

void set_thread_name(const char* name) {
	char short_name[16];
	snprintf(short_name, sizeof short_name, "%s", name); // the kernel keeps 15 bytes
	pthread_setname_np(pthread_self(), short_name);
}

void civetweb_master() {
	set_thread_name("civetweb-master");
	while (!stopping.load()) {
		int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR) continue;
			sleep_for(0.05);
			continue;
		}
		{
			std::lock_guard<std::mutex> lock(queue_mutex);
			client_queue.push_back(fd);
		}
		queue_cv.notify_one();
	}
}

void civetweb_worker() {
	set_thread_name("civetweb-worker");
	for (;;) {
		int fd;
		{
			std::unique_lock<std::mutex> lock(queue_mutex);
			queue_cv.wait(lock, [] { return !client_queue.empty(); });
			fd = client_queue.front();
			client_queue.pop_front();
		}
		handle_client(fd);
	}
}

// ---- other threads ------------------------------------------------------------------------------

void idle_thread(std::string name) {
	set_thread_name(name.c_str());
	while (!stopping.load()) sleep_for(1.0);
}

void caf_worker() {
	set_thread_name("caf.worker");
	while (!stopping.load()) {
		broker::internal::core_actor_state::dispatch();
		bump(ctr.broker_in_events, cfg.role == Role::Manager ? 2 : 0);
		sleep_for(0.2);
	}
}

// Zeek's second `zeek` thread; here it also rewrites the zeek6 stats file.
void zeek_aux() {
	set_thread_name("zeek");
	while (!stopping.load()) {
		if (cfg.layout == Layout::Zeek6) write_stats_file();
		sleep_for(0.5);
	}
}

std::atomic<uint64_t> pending_writes[LS_COUNT];

void log_writer(int stream) {
	std::string name = std::string("zk.") + streams[stream].path + "/Log::WRITER_ASCII";
	set_thread_name(name.c_str());
	while (!stopping.load()) {
		uint64_t n = pending_writes[stream].exchange(0);
		if (n) zeek::logging::writer::detail::Ascii::DoWrite(stream, int(n));
		sleep_for(0.1);
	}
}

// ---- main loop helpers --------------------------------------------------------------------------

bool parent_gone() {
	if (getppid() == 1) return true;
	if (cfg.watch_pid > 0 && kill(cfg.watch_pid, 0) != 0 && errno == ESRCH) return true;
	return false;
}

// Non-packet roles: what arrives over Broker (events from workers, logs for the logger).
void service_slice(double dt) {
	static double carry = 0;
	double rate = cfg.role == Role::Logger ? 400 : (cfg.role == Role::Manager ? 60 : 30);
	carry += rate * dt;
	int n = int(carry);
	carry -= n;
	for (int i = 0; i < n; ++i) {
		uint64_t r = rnd();
		if (cfg.role == Role::Logger) {
			// Logs forwarded by the workers, written by the writer threads.
			static const int mix[] = {LS_Conn, LS_Conn, LS_Conn, LS_DNS, LS_DNS, LS_HTTP, LS_HTTP, LS_Weird};
			int s = mix[r % 8];
			zeek::logging::Manager::Write(s);
			bump(ctr.broker_in_logs);
			pending_writes[s].fetch_add(1, std::memory_order_relaxed);
		} else {
			static const int evs[] = {sim::EV_Broker_log_flush, sim::EV_Telemetry_log, sim::EV_check_stats, sim::EV_Cluster_hello};
			zeek::detail::enqueue(evs[r % 4]);
			bump(ctr.broker_in_events);
		}
	}
	zeek::EventMgr::Drain();
}

} // namespace sim

// ---------------------------------------------------------------------------------------------
// shifting: a worker whose hot path changes after ZEEKTOP_SIM_SHIFT_AFTER s, so that a
// differential flame graph of "before" and "after" captures has a real story: connection-key
// hashing is hot first, then (a new ruleset, say) signature matching takes over.
namespace zeek::detail {
struct CompositeHash {
	NOINLINE static uint64_t MakeHashKey(const uint8_t* data, uint32_t n, uint64_t h);
};
uint64_t CompositeHash::MakeHashKey(const uint8_t* data, uint32_t n, uint64_t h) {
	for (int i = 0; i < 12; ++i) h = sim::churn(data + (i & 7), n, h);
	return h;
}
struct RuleMatcher {
	NOINLINE static uint64_t Match(const uint8_t* data, uint32_t n, uint64_t h);
};
uint64_t RuleMatcher::Match(const uint8_t* data, uint32_t n, uint64_t h) {
	for (int i = 0; i < 12; ++i) h = sim::churn(data + (i & 15), n, h ^ uint64_t(i));
	return h;
}
} // namespace zeek::detail

namespace sim {
bool shifting() { return cfg.behaviour == Behaviour::Shifting; }

// Called once per batch of packets by the shifting worker's loop.
void shift_work(double elapsed) {
	const uint8_t* data = payload + (rnd() % 4096);
	if (elapsed < cfg.shift_after) sink = zeek::detail::CompositeHash::MakeHashKey(data, 4096, sink);
	else sink = zeek::detail::RuleMatcher::Match(data, 4096, sink);
}
} // namespace sim

void zeek::run_state::detail::run_loop() {
	using namespace sim;
	set_status("RUNNING", "run_loop");
	const bool packets = cfg.role == Role::Worker || cfg.role == Role::Standalone;
	const double slice = 0.02;
	double duty = cfg.duty;
	if (cfg.behaviour == Behaviour::Overloaded) duty = 1.0;
	if (cfg.behaviour == Behaviour::Idle && packets) duty = 0.01;
	if (cfg.behaviour == Behaviour::Shifting) duty = std::max(duty, 0.25);
	double last_house = 0;
	double last_slice = mono();
	double drop_carry = 0;
	while (!stopping.load()) {
		double t0 = mono();
		double elapsed = t0 - start_mono;
		if (packets) {
			uint64_t before = ctr.pkts_recv.load(std::memory_order_relaxed);
			do {
				iosource::PktSrc::Process(16);
				EventMgr::Drain();
				if (shifting()) shift_work(elapsed);
			} while (mono() - t0 < slice * duty && !stopping.load(std::memory_order_relaxed));
			uint64_t got = ctr.pkts_recv.load(std::memory_order_relaxed) - before;
			if (cfg.behaviour == Behaviour::Overloaded) {
				// The link offers more than we can take: a quarter to a third is dropped, and
				// network time falls behind wall time.
				double frac = 0.28 + 0.07 * std::sin(elapsed / 5.0);
				drop_carry += double(got) * frac / (1.0 - frac);
				uint64_t d = uint64_t(drop_carry);
				drop_carry -= double(d);
				bump(ctr.pkts_dropped, d);
				double lag = std::min(2.5, 0.3 + 0.15 * elapsed) + 0.4 * std::sin(elapsed / 3.0);
				ctr.packet_lag.store(std::max(0.05, lag));
			} else {
				ctr.packet_lag.store(0.0005 + double(rnd() % 3000) / 1e6);
			}
		} else {
			service_slice(t0 - last_slice);
			zeek::detail::TimerMgr::Advance(wall());
		}
		last_slice = t0;

		// Housekeeping, at most every 100 ms.
		if (t0 - last_house >= 0.1) {
			last_house = t0;
			if (parent_gone()) stopping.store(true);
			if (cfg.behaviour == Behaviour::Leaking) {
				double target = std::min(cfg.leak_rate * elapsed, cfg.leak_cap);
				zeek::detail::leak_owed = target - double(ctr.leaked_bytes.load());
			}
			if (cfg.behaviour == Behaviour::Crashing && elapsed >= cfg.crash_after) {
				crash_armed.store(true);
				if (!packets) analyzer::http::HTTP_Message::Done(analyzer::http::current_entity);
			}
			if (packets && (rnd() % 20) == 0) bump(ctr.events[EV_net_stats_update]);
			bump(ctr.broker_out_events, packets ? 1 : 0);
		}
		double rest = slice - (mono() - t0);
		if (rest > 0) sleep_for(rest);
	}
}

namespace sim {

std::vector<std::string> split(const std::string& s, char sep) {
	std::vector<std::string> out;
	size_t start = 0;
	while (start <= s.size()) {
		size_t end = s.find(sep, start);
		if (end == std::string::npos) end = s.size();
		std::string part = s.substr(start, end - start);
		if (!part.empty()) out.push_back(part);
		start = end + 1;
	}
	return out;
}

const char* env(const char* name) {
	const char* v = getenv(name);
	return v && *v ? v : nullptr;
}

void on_signal(int) {
	stopping.store(true);
}

} // namespace sim

int main(int argc, char** argv) {
	using namespace sim;
	start_mono = mono();
	start_wall = wall();

	// Die with the launcher (or the run-zeek wrapper): the kernel sends SIGKILL when the parent
	// exits; if it already did before prctl, we were reparented and leave now.
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (const char* p = env("ZEEKTOP_SIM_PARENT_PID")) cfg.watch_pid = pid_t(atoi(p));
	if (parent_gone()) return 0;

	std::vector<std::string> prefixes;
	for (int i = 1; i < argc; ++i) {
		std::string a = argv[i];
		if ((a == "-v" || a == "--version")) {
			printf("zeek version 8.0.10\n");
			return 0;
		}
		if ((a == "-i" || a == "--iface") && i + 1 < argc) cfg.iface = argv[++i];
		else if ((a == "-U" || a == "--status-file") && i + 1 < argc) cfg.status_file = argv[++i];
		else if ((a == "-p" || a == "--prefix") && i + 1 < argc) prefixes.push_back(argv[++i]);
	}
	if (const char* n = env("CLUSTER_NODE")) {
		cfg.node = n;
	} else {
		for (const auto& p : prefixes) {
			if (p != "zeekctl" && p != "zeekctl-live" && p != "local" && p != "standalone") cfg.node = p;
		}
	}
	const std::string& n = cfg.node;
	std::string role = env("ZEEKTOP_SIM_ROLE") ? env("ZEEKTOP_SIM_ROLE") : "";
	if (role.empty()) {
		if (n.rfind("manager", 0) == 0) role = "manager";
		else if (n.rfind("logger", 0) == 0) role = "logger";
		else if (n.rfind("proxy", 0) == 0) role = "proxy";
		else if (n.rfind("worker", 0) == 0 || !cfg.iface.empty()) role = "worker";
		else role = "standalone";
	}
	cfg.role = role == "manager" ? Role::Manager : role == "logger" ? Role::Logger : role == "proxy" ? Role::Proxy : role == "worker" ? Role::Worker : Role::Standalone;
	bool packets = cfg.role == Role::Worker || cfg.role == Role::Standalone;
	std::string behaviour = env("ZEEKTOP_SIM_BEHAVIOUR") ? env("ZEEKTOP_SIM_BEHAVIOUR") : (packets ? "steady" : "idle");
	cfg.behaviour = behaviour == "overloaded" ? Behaviour::Overloaded : behaviour == "leaking" ? Behaviour::Leaking : behaviour == "crashing" ? Behaviour::Crashing : behaviour == "shifting" ? Behaviour::Shifting : behaviour == "idle" ? Behaviour::Idle : Behaviour::Steady;
	std::string layout = env("ZEEKTOP_SIM_LAYOUT") ? env("ZEEKTOP_SIM_LAYOUT") : "zeek8";
	cfg.layout = layout == "zeek6" ? Layout::Zeek6 : layout == "zeek7" ? Layout::Zeek7 : Layout::Zeek8;
	if (const char* v = env("ZEEKTOP_SIM_CRASH_AFTER")) cfg.crash_after = atof(v);
	if (const char* v = env("ZEEKTOP_SIM_SHIFT_AFTER")) cfg.shift_after = atof(v);
	if (const char* v = env("ZEEKTOP_SIM_DUTY")) cfg.duty = std::clamp(atof(v) / 100.0, 0.001, 1.0);
	if (const char* v = env("ZEEKTOP_SIM_LEAK_RATE_KB")) cfg.leak_rate = atof(v) * 1024;
	if (const char* v = env("ZEEKTOP_SIM_LEAK_CAP_MB")) cfg.leak_cap = atof(v) * 1024 * 1024;
	if (const char* v = env("ZEEKTOP_SIM_METRICS_PORT")) cfg.metrics_port = atoi(v);
	if (const char* v = env("ZEEKTOP_SIM_METRICS_ADDRESS")) cfg.metrics_addr = v;
	if (const char* v = env("ZEEKTOP_SIM_TARGETS")) cfg.targets = split(v, ',');
	if (const char* v = env("ZEEKTOP_SIM_NODES")) cfg.nodes = split(v, ',');

	rlimit no_core{0, 0};
	setrlimit(RLIMIT_CORE, &no_core);
	struct sigaction sa{};
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, nullptr);
	sigaction(SIGINT, &sa, nullptr);
	signal(SIGPIPE, SIG_IGN);

	set_status("INITIALIZING", "main");
	rng_state ^= uint64_t(getpid()) * 0x2545F4914F6CDD1DULL;
	for (size_t i = 0; i < sizeof payload; ++i) payload[i] = uint8_t(rnd() >> 32);
	const char* http = "GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.5\r\nAccept: */*\r\n\r\n";
	for (size_t off = 0; off + 128 < sizeof payload; off += 1024) memcpy(payload + off, http, strlen(http));

	if (cfg.metrics_port > 0) bind_metrics();

	std::vector<std::thread> threads;
	threads.emplace_back(idle_thread, "libkqueue_mon");
	if (listen_fd >= 0) {
		threads.emplace_back(civetweb_worker);
		threads.emplace_back(civetweb_worker);
		threads.emplace_back(civetweb_master);
	}
	threads.emplace_back(idle_thread, "caf.pool");
	threads.emplace_back(caf_worker);
	threads.emplace_back(idle_thread, "caf.clock");
	threads.emplace_back(idle_thread, "caf.thread");
	threads.emplace_back(idle_thread, "caf.net.mpx");
	threads.emplace_back(idle_thread, "caf.logger");
	threads.emplace_back(zeek_aux);
	threads.emplace_back(idle_thread, "caf.thread");
	if (cfg.layout == Layout::Zeek8) {
		// Zeek 8's default cluster backend is ZeroMQ (zeekctl loads
		// policy/frameworks/cluster/backend/zeromq); libzmq names its own threads.
		threads.emplace_back(idle_thread, "ZMQbg/Reaper");
		threads.emplace_back(idle_thread, "ZMQbg/IO/0");
		if (cfg.role == Role::Manager) threads.emplace_back(idle_thread, "zmq-proxy-thread");
	}
	if (cfg.role == Role::Logger || cfg.role == Role::Standalone) {
		for (int s = 0; s < LS_COUNT; ++s) threads.emplace_back(log_writer, s);
	}
	for (auto& t : threads) t.detach();

	bump(ctr.events[EV_zeek_init]);
	bump(ctr.events[EV_zeek_script_loaded], 531);
	bump(ctr.log_writes[LS_LoadedScripts], cfg.role == Role::Logger ? 531 : 0);
	if (!cfg.nodes.empty()) {
		size_t peers = broker_peers().size();
		bump(ctr.events[EV_Broker_peer_added], peers);
		bump(ctr.events[EV_Cluster_hello], peers);
		bump(ctr.events[EV_Cluster_node_up], peers);
	}

	zeek::run_state::detail::run_loop();

	set_status("TERMINATING", "done_with_network");
	if (listen_fd >= 0) close(listen_fd);
	set_status("TERMINATED", "atexit");
	fflush(stdout);
	fflush(stderr);
	_exit(0);
}
