import {readFileSync, readdirSync, readlinkSync} from 'node:fs';
import {join} from 'node:path';
import {errorKind, fail, ok, type Result} from '../lib/result.js';

/**
 * The one module that reads files under /proc (and /sys). The root is configurable so tests can
 * point it at a fixture tree. Reads are synchronous: procfs files are generated in-kernel and
 * small; a sync read is cheaper than a promise round-trip at our rates.
 */
export class ProcFs {
	constructor(readonly root = '/proc', readonly sysRoot = '/sys') {}

	path(...parts: Array<string | number>): string {
		return join(this.root, ...parts.map(String));
	}

	read(...parts: Array<string | number>): Result<string> {
		try {
			return ok(readFileSync(this.path(...parts), 'utf8'));
		} catch (error) {
			return fail(errorKind(error), (error as Error).message);
		}
	}

	/** Raw bytes read as latin1 so NUL-separated data with odd bytes survives; callers decode. */
	readBinary(...parts: Array<string | number>): Result<Buffer> {
		try {
			return ok(readFileSync(this.path(...parts)));
		} catch (error) {
			return fail(errorKind(error), (error as Error).message);
		}
	}

	readlink(...parts: Array<string | number>): Result<string> {
		try {
			return ok(readlinkSync(this.path(...parts)));
		} catch (error) {
			return fail(errorKind(error), (error as Error).message);
		}
	}

	list(...parts: Array<string | number>): Result<string[]> {
		try {
			return ok(readdirSync(this.path(...parts)));
		} catch (error) {
			return fail(errorKind(error), (error as Error).message);
		}
	}

	/** Numeric entries of the root: every pid on the host. */
	pids(): number[] {
		const r = this.list();
		if (!r.ok) return [];
		const pids: number[] = [];
		for (const name of r.value) {
			const c = name.charCodeAt(0);
			if (c >= 48 && c <= 57) pids.push(Number(name));
		}
		return pids;
	}

	readSys(...parts: string[]): Result<string> {
		try {
			return ok(readFileSync(join(this.sysRoot, ...parts), 'utf8'));
		} catch (error) {
			return fail(errorKind(error), (error as Error).message);
		}
	}

	/** Read a file outside /proc (zeekctl spool files beside a node's cwd). */
	readFile(path: string, maxBytes = 1 << 20): Result<string> {
		try {
			const buf = readFileSync(path);
			return ok(buf.subarray(0, maxBytes).toString('utf8'));
		} catch (error) {
			return fail(errorKind(error), (error as Error).message);
		}
	}
}
