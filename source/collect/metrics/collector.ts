import type {Clock} from '../../lib/clock.js';
import {Ring} from '../../lib/ring.js';
import type {ListeningSocket} from '../proc-parse.js';
import {parseMetrics} from './parse.js';
import {extractZeekNodes, type ZeekRaw} from './zeek.js';
import {deriveRates, type ZeekRates} from './derive.js';
import {scrapeUrl, type ScrapeResult, type ScrapeStatus} from './scrape.js';

/**
 * Zeek's own numbers per node. Targets come from --metrics URLs, or are discovered: the ports each
 * Zeek process listens on (probed once for /metrics) and the manager's /services.json. Scrapes
 * run slowly (each one costs the node's packet thread) and spread across targets; rendering never
 * waits for them.
 */

export type TargetSource = 'flag' | 'socket' | 'services.json';
export type TargetState = ScrapeStatus | 'pending' | 'not-metrics';

export type Target = {
	url: string;
	source: TargetSource;
	/** The local process that owns the port (socket discovery), for label-less (standalone) scrapes. */
	ownerPid: number | null;
	state: TargetState;
	detail: string;
	lastOkMs: number | null;
	nextDueMs: number;
	/** Node names seen in its last good scrape. */
	nodes: string[];
	prev: Map<string, {raw: ZeekRaw; atMs: number}>;
	inFlight: boolean;
};

export type NodeMetrics = ZeekRates & {dropHistory: number[]; target: string; ageMs: number};

export type CollectorOptions = {
	clock: Clock;
	intervalMs: number;
	timeoutMs: number;
	maxBytes: number;
	/** --metrics URLs: no discovery when given. */
	fixedUrls?: string[];
	scrape?: typeof scrapeUrl;
};

const hostOf = (s: ListeningSocket) =>
	s.address === '0.0.0.0' ? '127.0.0.1' : s.address === '::' ? '[::1]' : s.family === 6 ? `[${s.address}]` : s.address;

export class MetricsCollector {
	readonly targets = new Map<string, Target>();
	private readonly rates = new Map<string, NodeMetrics>();
	private readonly history = new Map<string, Ring>();
	private readonly scrape: typeof scrapeUrl;
	private servicesCheckedMs = -Infinity;

	constructor(private readonly options: CollectorOptions) {
		this.scrape = options.scrape ?? scrapeUrl;
		for (const url of options.fixedUrls ?? []) this.addTarget(url, 'flag', null);
	}

	get discovering(): boolean {
		return (this.options.fixedUrls ?? []).length === 0;
	}

	private addTarget(url: string, source: TargetSource, ownerPid: number | null): void {
		if (this.targets.has(url)) return;
		// Spread scrapes over the interval instead of hitting every node at once; the phase set here
		// is kept because each next scrape is due one interval after the previous one started.
		const offset = source === 'flag' ? 0 : (this.targets.size * 250) % Math.max(1, Math.min(this.options.intervalMs, 5000));
		this.targets.set(url, {
			url, source, ownerPid, state: 'pending', detail: '', lastOkMs: null, nextDueMs: this.options.clock.monotonic() + offset,
			nodes: [], prev: new Map(), inFlight: false,
		});
	}

	/** Socket discovery: every port a Zeek process listens on is a candidate, probed once. */
	updateSockets(byPid: Map<number, ListeningSocket[]>): void {
		if (!this.discovering) return;
		const live = new Set<string>();
		for (const [pid, sockets] of byPid) {
			for (const s of sockets) {
				const url = `http://${hostOf(s)}:${s.port}/metrics`;
				live.add(url);
				const t = this.targets.get(url);
				if (t && t.source === 'socket' && t.ownerPid !== pid) {
					// The port moved to a new process (a restart): forget the old counters.
					t.ownerPid = pid;
					t.prev.clear();
					if (t.state === 'not-metrics') t.state = 'pending';
				}
				this.addTarget(url, 'socket', pid);
			}
		}
		for (const [url, t] of this.targets) {
			if (t.source === 'socket' && !live.has(url)) this.targets.delete(url);
		}
	}

	/** Scrape every target that is due; returns when they are done. Never throws. */
	async scrapeDue(): Promise<void> {
		const now = this.options.clock.monotonic();
		const due = [...this.targets.values()].filter(t => !t.inFlight && t.state !== 'not-metrics' && t.nextDueMs <= now);
		await Promise.all(due.map(t => this.scrapeOne(t)));
		await this.refreshServices();
	}

	/** --once: scrape all now (both of its samples), regardless of cadence. */
	async scrapeAll(): Promise<void> {
		for (const t of this.targets.values()) t.nextDueMs = 0;
		await this.scrapeDue();
	}

	private async scrapeOne(t: Target): Promise<void> {
		t.inFlight = true;
		const started = this.options.clock.monotonic();
		let result: ScrapeResult;
		try {
			result = await this.scrape(t.url, {timeoutMs: this.options.timeoutMs, maxBytes: this.options.maxBytes});
		} finally {
			t.inFlight = false;
		}
		const now = this.options.clock.monotonic();
		t.nextDueMs = started + this.options.intervalMs;
		if (result.status !== 'ok') {
			// A discovered port that never answered like a metrics endpoint is not one (Broker, ...).
			if (t.source === 'socket' && t.lastOkMs === null && result.status !== 'timeout') t.state = 'not-metrics';
			else t.state = result.status;
			t.detail = result.detail;
			return;
		}
		const parsed = parseMetrics(result.body, {format: 'auto'});
		if (!parsed.ok) {
			t.state = t.source === 'socket' && t.lastOkMs === null ? 'not-metrics' : 'unparsable';
			t.detail = `line ${parsed.line}: ${parsed.error}`;
			return;
		}
		let nodes = extractZeekNodes(parsed.families);
		// Series without a node label (version info on Zeek 7, the web server's own) belong to the
		// process serving the endpoint: the only node in a per-node scrape, the manager in Zeek 6's.
		const names = [...nodes.keys()].filter(n => n !== '');
		const owner = names.length === 1 ? names[0] : names.includes('manager') ? 'manager' : undefined;
		if (owner) nodes = extractZeekNodes(parsed.families, {defaultNode: owner});
		if (nodes.size === 0) {
			t.state = t.source === 'socket' && t.lastOkMs === null ? 'not-metrics' : 'unparsable';
			t.detail = 'no Zeek metrics in the scrape';
			return;
		}
		t.state = 'ok';
		t.detail = '';
		t.lastOkMs = now;
		t.nodes = [...nodes.keys()];
		for (const [name, raw] of nodes) {
			const key = name === '' && t.ownerPid !== null ? `pid:${t.ownerPid}` : name;
			const prev = t.prev.get(key);
			const rates = deriveRates(prev?.raw, raw, prev ? (now - prev.atMs) / 1000 : 0);
			t.prev.set(key, {raw, atMs: now});
			let ring = this.history.get(key);
			if (!ring) this.history.set(key, (ring = new Ring(60)));
			if (rates.dropPercent !== null && prev) ring.push(rates.dropPercent);
			this.rates.set(key, {...rates, dropHistory: ring.last(60), target: t.url, ageMs: 0});
		}
	}

	/** Zeek >= 7: the manager lists every node's target, possibly on other hosts. */
	private async refreshServices(): Promise<void> {
		if (!this.discovering) return;
		const now = this.options.clock.monotonic();
		if (now - this.servicesCheckedMs < Math.max(60_000, this.options.intervalMs * 6)) return;
		const manager = [...this.targets.values()].find(t => t.state === 'ok' && t.nodes.some(n => n === 'manager' || n.startsWith('manager')));
		if (!manager) return;
		this.servicesCheckedMs = now;
		const r = await this.scrape(manager.url.replace(/\/metrics$/, '/services.json'), {timeoutMs: this.options.timeoutMs, maxBytes: 1 << 20});
		if (r.status !== 'ok') return;
		try {
			const doc = JSON.parse(r.body.toString('utf8')) as Array<{targets?: unknown}>;
			for (const group of Array.isArray(doc) ? doc : []) {
				for (const target of Array.isArray(group.targets) ? group.targets : []) {
					if (typeof target !== 'string' || !/^[\w.\-[\]:]+:\d+$/.test(target)) continue;
					const url = `http://${target}/metrics`;
					if (!this.targets.has(url) && !this.sameEndpointKnown(target)) this.addTarget(url, 'services.json', null);
				}
			}
		} catch {
			// not JSON: Zeek < 7 answers 404 text; nothing to add
		}
	}

	private sameEndpointKnown(hostPort: string): boolean {
		const port = hostPort.slice(hostPort.lastIndexOf(':') + 1);
		const local = /^(127\.|localhost|\[::1\])/.test(hostPort);
		return local && [...this.targets.keys()].some(u => u.endsWith(`:${port}/metrics`));
	}

	/** Latest rates per node name (or `pid:N` for label-less scrapes), with their age. */
	nodeMetrics(): Map<string, NodeMetrics> {
		const now = this.options.clock.monotonic();
		const out = new Map<string, NodeMetrics>();
		for (const [key, m] of this.rates) {
			const t = this.targets.get(m.target);
			out.set(key, {...m, ageMs: t?.lastOkMs === null || t === undefined ? Infinity : now - t.lastOkMs});
		}
		return out;
	}

	knownNodeNames(): string[] {
		return [...this.rates.keys()].filter(k => !k.startsWith('pid:'));
	}

	/** One line per target in trouble, with the age of its last success. */
	problems(): Array<{scope: string; message: string}> {
		const now = this.options.clock.monotonic();
		const out: Array<{scope: string; message: string}> = [];
		for (const t of this.targets.values()) {
			if (t.state === 'ok' || t.state === 'pending' || t.state === 'not-metrics') continue;
			const age = t.lastOkMs === null ? 'never scraped' : `last ok ${Math.round((now - t.lastOkMs) / 1000)} s ago`;
			out.push({scope: `metrics ${t.url}`, message: `${t.state}: ${t.detail} (${age})`});
		}
		return out;
	}

	/** For JSON: every target with its state. */
	targetList(): Array<{url: string; source: TargetSource; state: TargetState; detail: string; lastOkAgeSeconds: number | null; nodes: string[]}> {
		const now = this.options.clock.monotonic();
		return [...this.targets.values()].filter(t => t.state !== 'not-metrics').map(t => ({
			url: t.url, source: t.source, state: t.state, detail: t.detail,
			lastOkAgeSeconds: t.lastOkMs === null ? null : Math.round((now - t.lastOkMs) / 100) / 10, nodes: t.nodes,
		}));
	}
}
