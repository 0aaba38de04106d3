/**
 * A deterministic Zeek-8-like /metrics scrape of any size, for benchmarks and load tests of the
 * parser and extractor. Shaped after the real Zeek 8.0.10 worker scrapes in the corpora: HELP and
 * TYPE lines, a `node` label on Zeek series and none on exposer/Broker ones, exposer's summary
 * with `Nan` quantiles, gauges with `le="inf"`, a timestamp-valued timer lag, float noise, and
 * labelled histograms. Bulk comes from the families that grow on a busy sensor: event handlers,
 * log writers, verbose cluster event counters and per-service connection-duration histograms.
 */

export type SyntheticOptions = {
	/** At least this many sample lines (default 5000). */
	series?: number;
	/** Value of the node label; null writes none (standalone). Default 'worker-1'. */
	node?: string | null;
	/** PRNG seed (default 1). */
	seed?: number;
};

export function syntheticZeekScrape(options: SyntheticOptions = {}): string {
	const target = options.series ?? 5000;
	const node = options.node === undefined ? 'worker-1' : options.node;
	let state = (options.seed ?? 1) >>> 0 || 1;
	const rand = (): number => {
		// xorshift32: deterministic and dependency-free
		state ^= state << 13;
		state >>>= 0;
		state ^= state >>> 17;
		state ^= state << 5;
		state >>>= 0;
		return state / 0x1_0000_0000;
	};
	const int = (max: number) => Math.floor(rand() * max);
	const nl = node === null ? '' : `node="${node}"`;
	const withNode = (labels: string) => {
		const all = [labels, nl].filter(s => s !== '').join(',');
		return all === '' ? '' : `{${all}}`;
	};
	const out: string[] = [];
	let samples = 0;
	const family = (name: string, type: string, help: string) => {
		out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
	};
	const sample = (line: string) => {
		out.push(line);
		samples++;
	};

	family('exposer_transferred_bytes_total', 'counter', 'Transferred bytes to metrics services');
	sample(`exposer_transferred_bytes_total ${int(1e7)}`);
	family('exposer_request_latencies', 'summary', 'Latencies of serving scrape requests, in microseconds');
	sample('exposer_request_latencies_count 0');
	sample('exposer_request_latencies_sum 0');
	for (const q of ['0.5', '0.9', '0.99']) sample(`exposer_request_latencies{quantile="${q}"} Nan`);
	const netTime = 1795667031 + rand();
	for (const [name, value] of [
		['zeek_net_received_bytes_total', int(1e10)],
		['zeek_net_received_packets_total', int(1e8)],
		['zeek_net_dropped_packets_total', int(1e4)],
		['zeek_net_link_packets_total', int(2e8)],
		['zeek_timers_total', int(1e7)],
	] as const) {
		family(name, 'counter', `Total number of ${name.slice(5)}`);
		sample(`${name}${withNode('')} ${value}`);
	}
	family('process_cpu_user_seconds_total', 'counter', 'Total user CPU time spent');
	sample(`process_cpu_user_seconds_total${withNode('')} ${(rand() * 1000).toFixed(2)}`);
	family('process_cpu_system_seconds_total', 'counter', 'Total system CPU time spent');
	sample(`process_cpu_system_seconds_total${withNode('')} ${0.1 + 0.2 + int(100)}`);
	family('zeek_version_info', 'gauge', 'The Zeek version');
	sample(`zeek_version_info{beta="false",commit="0",debug="false",major="8",minor="0",${nl === '' ? '' : `${nl},`}patch="10",version_number="80010",version_string="8.0.10"} 1`);
	for (const [name, value] of [
		['zeek_net_packet_lag_seconds', rand() / 100],
		['zeek_net_timestamp_seconds', netTime],
		['zeek_timers_lag_time_seconds', netTime],
		['process_resident_memory_bytes', 248504320 + int(1e8)],
		['process_virtual_memory_bytes', 1061650432 + int(1e8)],
		['process_open_fds', int(100)],
		['process_start_time_seconds', 1795667001.683887],
	] as const) {
		family(name, 'gauge', name.replaceAll('_', ' '));
		sample(`${name}${withNode('')} ${value}`);
	}
	family('zeek_msgthread_pending_messages_in_buckets', 'gauge', 'Number of threads with pending inbound messages split into buckets');
	for (const le of ['inf', '100', '1000', '10', '10000', '1']) sample(`zeek_msgthread_pending_messages_in_buckets${withNode(`le="${le}"`)} ${int(20)}`);
	family('zeek_active_sessions', 'gauge', 'Active Zeek Sessions');
	for (const p of ['icmp', 'udp', 'tcp']) sample(`zeek_active_sessions${withNode(`protocol="${p}"`)} ${int(100000)}`);
	family('zeek_total_sessions_total', 'counter', 'Total number of sessions');
	for (const p of ['icmp', 'udp', 'tcp']) sample(`zeek_total_sessions_total${withNode(`protocol="${p}"`)} ${int(1e9)}`);
	family('broker_connections', 'gauge', 'Number of active network connections.');
	sample('broker_connections{type="web-socket"} 0');
	sample(`broker_connections{type="native"} ${int(8)}`);

	// Bulk, in proportions of a busy sensor; each round adds a slice of every family so any target
	// size keeps the same mix.
	const remaining = Math.max(0, target - samples);
	const handlers = Math.ceil(remaining * 0.3);
	const streams = Math.ceil((remaining * 0.1) / 3); // three families per stream
	const verbose = Math.ceil(remaining * 0.3);
	const histograms = Math.ceil((remaining * 0.3) / 11);
	family('zeek_event_handler_invocations_total', 'counter', 'Number of times the given event handler was called');
	for (let i = 0; i < handlers; i++) {
		const ns = i % 3 === 0 ? `Module${i % 17}::` : '';
		sample(`zeek_event_handler_invocations_total${withNode(`name="${ns}event_handler_${i}"`)} ${int(1e9)}`);
	}
	const writer = (i: number) => {
		const module = `Mod${i}`;
		return `filter_name="default",module="${module}",${nl === '' ? '' : `${nl},`}path="log_${i}",stream="${module}::LOG",writer="Log::WRITER_ASCII"`;
	};
	family('zeek_log_writer_writes_total', 'counter', 'Total number of log writes passed to a concrete log writer not vetoed by stream or filter policies.');
	for (let i = 0; i < streams; i++) sample(`zeek_log_writer_writes_total{${writer(i)}} ${int(1e8)}`);
	family('zeek_log_writer_discarded_writes_total', 'counter', 'Total number of log writes discarded due to size limitations.');
	for (let i = 0; i < streams; i++) sample(`zeek_log_writer_discarded_writes_total{${writer(i)}} 0`);
	family('zeek_log_stream_writes_total', 'counter', 'Total number of log writes for the given stream.');
	for (let i = 0; i < streams; i++) sample(`zeek_log_stream_writes_total${withNode(`module="Mod${i}",stream="Mod${i}::LOG"`)} ${int(1e8)}`);
	family('zeek_cluster_core_verbose_incoming_events_total', 'counter', 'Number of incoming events with handler and topic');
	for (let i = 0; i < verbose; i++) {
		sample(`zeek_cluster_core_verbose_incoming_events_total${withNode(`handler="Cluster::event_${i}",topic="zeek/cluster/node/proxy-${i % 4}/"`)} ${int(1e6)}`);
	}
	family('zeek_monitored_connection_duration_seconds', 'histogram', 'Duration of monitored connections');
	const bounds = ['0.1', '1', '10', '30', '60', '120', '300', '+Inf'];
	for (let i = 0; i < histograms; i++) {
		const labels = `proto="${['tcp', 'udp', 'icmp'][i % 3]}",service="svc${i}"`;
		let cumulative = 0;
		for (const le of bounds) {
			cumulative += int(1000);
			sample(`zeek_monitored_connection_duration_seconds_bucket${withNode(`${labels},le="${le}"`)} ${cumulative}`);
		}
		sample(`zeek_monitored_connection_duration_seconds_sum${withNode(labels)} ${(rand() * 1e6).toFixed(6)}`);
		sample(`zeek_monitored_connection_duration_seconds_count${withNode(labels)} ${cumulative}`);
		sample(`zeek_monitored_connection_duration_seconds_created${withNode(labels)} 1795667001.683887`);
	}
	return out.join('\n') + '\n';
}
