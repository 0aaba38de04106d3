import {request} from 'undici';

/** One HTTP GET of a metrics endpoint: bounded in time and size; every failure is a status. */

export type ScrapeStatus = 'ok' | 'refused' | 'timeout' | 'http-error' | 'unparsable' | 'too-large' | 'error';

export type ScrapeResult =
	| {status: 'ok'; body: Buffer; contentType: string | undefined; durationMs: number}
	| {status: Exclude<ScrapeStatus, 'ok' | 'unparsable'>; detail: string; durationMs: number};

export type ScrapeOptions = {timeoutMs: number; maxBytes: number};

export async function scrapeUrl(url: string, options: ScrapeOptions): Promise<ScrapeResult> {
	const started = performance.now();
	const done = <T extends object>(r: T) => ({...r, durationMs: performance.now() - started});
	// undici's own timeouts fire late: one AbortSignal bounds connect, headers and body together.
	const timeout = AbortSignal.timeout(options.timeoutMs);
	const tooLarge = new AbortController();
	const signal = AbortSignal.any([timeout, tooLarge.signal]);
	try {
		const res = await request(url, {
			method: 'GET',
			signal,
			headers: {accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.9,*/*;q=0.1'},
			maxRedirections: 0,
		} as Parameters<typeof request>[1]);
		if (res.statusCode !== 200) {
			res.body.resume();
			return done({status: 'http-error' as const, detail: `HTTP ${res.statusCode}`});
		}
		const length = Number(res.headers['content-length']);
		if (Number.isFinite(length) && length > options.maxBytes) {
			tooLarge.abort();
			return done({status: 'too-large' as const, detail: `${length} bytes (limit ${options.maxBytes})`});
		}
		const chunks: Buffer[] = [];
		let size = 0;
		for await (const chunk of res.body) {
			size += (chunk as Buffer).length;
			if (size > options.maxBytes) {
				tooLarge.abort();
				return done({status: 'too-large' as const, detail: `more than ${options.maxBytes} bytes`});
			}
			chunks.push(chunk as Buffer);
		}
		const ct = res.headers['content-type'];
		return done({status: 'ok' as const, body: Buffer.concat(chunks), contentType: Array.isArray(ct) ? ct[0] : ct});
	} catch (error) {
		if (tooLarge.signal.aborted) return done({status: 'too-large' as const, detail: `more than ${options.maxBytes} bytes`});
		if (timeout.aborted) return done({status: 'timeout' as const, detail: `no answer within ${options.timeoutMs} ms`});
		const code = (error as NodeJS.ErrnoException).code ?? (error as {cause?: NodeJS.ErrnoException}).cause?.code;
		if (code === 'ECONNREFUSED') return done({status: 'refused' as const, detail: 'connection refused'});
		return done({status: 'error' as const, detail: code ?? (error as Error).message});
	}
}
