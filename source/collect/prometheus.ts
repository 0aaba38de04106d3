import {readFileSync} from 'node:fs';
import {Agent, request, type Dispatcher} from 'undici';
import {parseApiEnvelope, parseMatrix, parseTargets, parseVector, preview, type MatrixSeries, type ScrapeTarget, type VectorSample} from '../profile/promql.js';

/**
 * A client for the Prometheus HTTP API (/api/v1/query, /query_range, /targets). Every call is
 * bounded by one AbortSignal.timeout (undici's own timeouts fire late) and a size cap, never
 * follows a redirect (it would carry the credentials to another host), and turns every failure
 * into a status with a one-line detail: nothing here throws.
 */

export type PrometheusAuth = {kind: 'bearer'; token: string} | {kind: 'basic'; username: string; password: string};

export type PrometheusClientOptions = {
	/** Base URL, e.g. http://prometheus:9090 or https://host/prometheus (a path prefix is kept). */
	url: string;
	auth?: PrometheusAuth | null;
	/** PEM of the CA(s) to trust for https, instead of the system's. */
	caPem?: string | Buffer | null;
	timeoutMs: number;
	maxBytes: number;
};

export type FailureStatus = 'refused' | 'timeout' | 'redirect' | 'auth' | 'http-error' | 'too-large' | 'garbage' | 'api-error' | 'tls' | 'not-found' | 'error';

export type Outcome<T> =
	| {ok: true; value: T; durationMs: number; bytes: number}
	| {ok: false; status: FailureStatus; detail: string; durationMs: number};

/** Why a --prometheus URL is not usable, or null when it is. */
export function checkPrometheusUrl(url: string): string | null {
	let u: URL;
	try {
		u = new URL(url);
	} catch {
		return `--prometheus ${url}: not a URL (give e.g. http://prometheus:9090)`;
	}
	if (u.protocol !== 'http:' && u.protocol !== 'https:') return `--prometheus ${url}: only http:// and https:// are supported`;
	if (u.username !== '' || u.password !== '') {
		return `--prometheus: credentials in the URL are visible to every user (ps); use ZEEKTOP_PROMETHEUS_PASSWORD or --prometheus-password-file`;
	}
	if (u.search !== '' || u.hash !== '') return `--prometheus ${url}: give the server's base URL, without ?query or #fragment`;
	return null;
}

export type AuthSources = {
	env: NodeJS.ProcessEnv;
	/** --prometheus-token-file */
	tokenFile?: string;
	/** --prometheus-user (a name is not a secret) */
	username?: string;
	/** --prometheus-password-file */
	passwordFile?: string;
};

/**
 * Credentials from the environment or files, never from the command line: a bearer token
 * (ZEEKTOP_PROMETHEUS_TOKEN or --prometheus-token-file) or basic auth (--prometheus-user or
 * ZEEKTOP_PROMETHEUS_USER, with ZEEKTOP_PROMETHEUS_PASSWORD or --prometheus-password-file).
 */
export function resolvePrometheusAuth(src: AuthSources): {ok: true; auth: PrometheusAuth | null} | {ok: false; error: string} {
	const readSecret = (flag: string, file: string): {ok: true; value: string} | {ok: false; error: string} => {
		try {
			// One trailing newline is the editor's, not the secret's.
			const value = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
			if (value === '' || /[\r\n]/.test(value)) return {ok: false, error: `${flag} ${file}: expected one line with the secret`};
			return {ok: true, value};
		} catch (error) {
			return {ok: false, error: `${flag} ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`};
		}
	};
	let token: string | undefined = src.env['ZEEKTOP_PROMETHEUS_TOKEN'] || undefined;
	if (src.tokenFile !== undefined) {
		const r = readSecret('--prometheus-token-file', src.tokenFile);
		if (!r.ok) return r;
		token = r.value;
	}
	const username = src.username ?? (src.env['ZEEKTOP_PROMETHEUS_USER'] || undefined);
	let password: string | undefined = src.env['ZEEKTOP_PROMETHEUS_PASSWORD'] || undefined;
	if (src.passwordFile !== undefined) {
		const r = readSecret('--prometheus-password-file', src.passwordFile);
		if (!r.ok) return r;
		password = r.value;
	}
	if (token !== undefined && (username !== undefined || password !== undefined)) {
		return {ok: false, error: 'Prometheus credentials: give a bearer token or a user and password, not both'};
	}
	if (token !== undefined) return {ok: true, auth: {kind: 'bearer', token}};
	if (username !== undefined && password === undefined) {
		return {ok: false, error: 'Prometheus user given without a password: set ZEEKTOP_PROMETHEUS_PASSWORD or --prometheus-password-file'};
	}
	if (password !== undefined && username === undefined) {
		return {ok: false, error: 'Prometheus password given without a user: add --prometheus-user NAME'};
	}
	if (username !== undefined && password !== undefined) {
		if (username.includes(':')) return {ok: false, error: 'Prometheus user name cannot contain ":" (basic auth)'};
		return {ok: true, auth: {kind: 'basic', username, password}};
	}
	return {ok: true, auth: null};
}

/** --prometheus-ca FILE: the PEM, or a one-line error. */
export function readCaFile(file: string): {ok: true; pem: Buffer} | {ok: false; error: string} {
	try {
		const pem = readFileSync(file);
		if (!pem.toString('latin1').includes('-----BEGIN CERTIFICATE-----')) {
			return {ok: false, error: `--prometheus-ca ${file}: no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)`};
		}
		return {ok: true, pem};
	} catch (error) {
		return {ok: false, error: `--prometheus-ca ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`};
	}
}

const TLS_CODES = /^(UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|CERT_|ERR_TLS_|ERR_SSL_|HOSTNAME_MISMATCH)/;

export class PrometheusClient {
	readonly url: string;
	private readonly base: string;
	private readonly dispatcher: Dispatcher;
	private readonly headers: Record<string, string>;

	constructor(private readonly options: PrometheusClientOptions) {
		this.url = options.url;
		this.base = options.url.replace(/\/+$/, '');
		// A few keep-alive connections: a refresh's queries go in parallel, then the sockets idle.
		this.dispatcher = new Agent({
			connections: 4,
			keepAliveTimeout: 30_000,
			connect: options.caPem ? {ca: options.caPem} : undefined,
		});
		this.headers = {accept: 'application/json', 'user-agent': 'zeektop'};
		const auth = options.auth;
		if (auth?.kind === 'bearer') this.headers['authorization'] = `Bearer ${auth.token}`;
		else if (auth?.kind === 'basic') {
			this.headers['authorization'] = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
		}
	}

	async query(expr: string, timeSeconds?: number): Promise<Outcome<VectorSample[]>> {
		const form: Record<string, string> = {query: expr};
		if (timeSeconds !== undefined) form['time'] = String(timeSeconds);
		return this.call('/api/v1/query', form, parseVector);
	}

	async queryRange(expr: string, startSeconds: number, endSeconds: number, stepSeconds: number): Promise<Outcome<MatrixSeries[]>> {
		return this.call('/api/v1/query_range', {query: expr, start: String(startSeconds), end: String(endSeconds), step: String(stepSeconds)}, parseMatrix);
	}

	async targets(): Promise<Outcome<ScrapeTarget[]>> {
		return this.call('/api/v1/targets', null, parseTargets, '?state=active');
	}

	async close(): Promise<void> {
		await this.dispatcher.close();
	}

	/** The raw bytes of one API call; the bench's anchor uses it to time the transfer alone. */
	async fetchText(path: string, form: Record<string, string> | null, search = ''): Promise<Outcome<string>> {
		const started = performance.now();
		const done = <T extends object>(r: T) => ({...r, durationMs: performance.now() - started});
		const timeout = AbortSignal.timeout(this.options.timeoutMs);
		const tooLarge = new AbortController();
		const signal = AbortSignal.any([timeout, tooLarge.signal]);
		const max = this.options.maxBytes;
		try {
			const res = await request(`${this.base}${path}${search}`, {
				method: form === null ? 'GET' : 'POST',
				// POST: a long host filter does not hit URL length limits of proxies in front of Prometheus.
				body: form === null ? undefined : new URLSearchParams(form).toString(),
				headers: form === null ? this.headers : {...this.headers, 'content-type': 'application/x-www-form-urlencoded'},
				signal,
				dispatcher: this.dispatcher,
			});
			const status = res.statusCode;
			if (status >= 300 && status < 400) {
				res.body.resume();
				const location = res.headers['location'];
				const where = typeof location === 'string' ? ` to ${location.slice(0, 200)}` : '';
				return done({ok: false as const, status: 'redirect' as const, detail: `HTTP ${status} redirect${where}: zeektop does not follow redirects, give the final URL`});
			}
			const length = Number(res.headers['content-length']);
			if (Number.isFinite(length) && length > max) {
				tooLarge.abort();
				return done({ok: false as const, status: 'too-large' as const, detail: `answer of ${length} bytes (limit ${max})`});
			}
			const chunks: Buffer[] = [];
			let size = 0;
			for await (const chunk of res.body) {
				size += (chunk as Buffer).length;
				if (size > max) {
					tooLarge.abort();
					return done({ok: false as const, status: 'too-large' as const, detail: `answer of more than ${max} bytes`});
				}
				chunks.push(chunk as Buffer);
			}
			const text = Buffer.concat(chunks).toString('utf8');
			if (status === 401 || status === 403) {
				const has = this.options.auth ? `the ${this.options.auth.kind} credentials were refused` : 'it needs credentials (ZEEKTOP_PROMETHEUS_TOKEN or --prometheus-token-file; --prometheus-user with ZEEKTOP_PROMETHEUS_PASSWORD or --prometheus-password-file)';
				return done({ok: false as const, status: 'auth' as const, detail: `HTTP ${status}: ${has}`});
			}
			if (status === 404) {
				return done({ok: false as const, status: 'not-found' as const, detail: `HTTP 404 for ${path}: is ${this.base} a Prometheus server (or its path prefix)?`});
			}
			if (status !== 200) {
				// Prometheus answers 400/422/503 with its JSON error envelope: show its message.
				const envelope = parseApiEnvelope(text);
				const why = !envelope.ok && envelope.kind === 'api-error' ? envelope.detail : preview(text);
				return done({ok: false as const, status: 'http-error' as const, detail: `HTTP ${status}: ${why}`});
			}
			return {ok: true, value: text, durationMs: performance.now() - started, bytes: size};
		} catch (error) {
			if (tooLarge.signal.aborted) return done({ok: false as const, status: 'too-large' as const, detail: `answer of more than ${max} bytes`});
			if (timeout.aborted) return done({ok: false as const, status: 'timeout' as const, detail: `no answer within ${this.options.timeoutMs} ms`});
			const code = (error as NodeJS.ErrnoException).code ?? (error as {cause?: NodeJS.ErrnoException}).cause?.code ?? '';
			if (code === 'ECONNREFUSED') return done({ok: false as const, status: 'refused' as const, detail: 'connection refused: is Prometheus running there?'});
			if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return done({ok: false as const, status: 'error' as const, detail: `host not found (${code})`});
			if (TLS_CODES.test(code)) {
				return done({ok: false as const, status: 'tls' as const, detail: `TLS: ${code} (trust the server's CA with --prometheus-ca FILE)`});
			}
			return done({ok: false as const, status: 'error' as const, detail: code !== '' ? code : (error as Error).message.slice(0, 200)});
		}
	}

	private async call<T>(path: string, form: Record<string, string> | null, parse: (data: unknown) => {ok: true; value: T} | {ok: false; detail: string}, search = ''): Promise<Outcome<T>> {
		const started = performance.now();
		const r = await this.fetchText(path, form, search);
		if (!r.ok) return r;
		const envelope = parseApiEnvelope(r.value);
		const durationMs = performance.now() - started;
		if (!envelope.ok) return {ok: false, status: envelope.kind, detail: envelope.detail, durationMs};
		const parsed = parse(envelope.data);
		if (!parsed.ok) return {ok: false, status: 'garbage', detail: parsed.detail, durationMs};
		return {ok: true, value: parsed.value, durationMs, bytes: r.bytes};
	}
}
