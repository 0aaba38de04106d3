import {closeSync, openSync, readdirSync, readSync, statSync} from 'node:fs';
import {basename, dirname, join} from 'node:path';
import {gunzipSync} from 'node:zlib';
import {parseZeekctlStats, parseZeekStatsLog, type StatsParse, type StatsPoint} from '../profile/stats-log.js';

/**
 * Backfill at start from what Zeek already wrote: its stats.log (in a zeekctl cluster in the
 * logger's working directory, `<spool>/logger*\/stats.log`, or the manager's when it logs; a
 * standalone or supervised node in its own) with rotated archives beside it (plain and .gz), and
 * zeekctl's cron stats, `<spool>/stats.log`. Which of the two a file is comes from its content
 * (Zeek's starts with `#` headers or a JSON object), since a standalone node's cwd and zeekctl's
 * spool can sit side by side.
 */

export type BackfillKind = 'stats.log' | 'zeekctl';
export type BackfillFile = {path: string; rotated: boolean};
export type BackfillPoint = StatsPoint & {source: BackfillKind};
export type BackfillProblem = {scope: string; message: string};
export type BackfillResult = {points: BackfillPoint[]; problems: BackfillProblem[]; files: Array<{path: string; kind: BackfillKind; points: number; badLines: number}>};

/** What backfill needs to know of a discovered process. */
export type BackfillProcess = {role: string; launch: string; cwd: string | null};

/** A live file bigger than this is read from its end (its header kept): the last hour is there. */
const TAIL_BYTES = 32 * 1024 * 1024;
const HEAD_BYTES = 64 * 1024;
/** A rotated archive is decompressed only up to this. */
const GZ_MAX_BYTES = 64 * 1024 * 1024;

function isDir(path: string): boolean {
	try {
		return statSync(path).isDirectory();
	} catch {
		return false;
	}
}

function mtimeMs(path: string): number | null {
	try {
		const st = statSync(path);
		return st.isFile() ? st.mtimeMs : null;
	} catch {
		return null;
	}
}

function listDir(dir: string): string[] {
	try {
		return readdirSync(dir);
	} catch {
		return [];
	}
}

/**
 * The stats files to read for these processes: each node's `<cwd>/stats.log` (the logger's in a
 * cluster), `<spool>/logger*`/`manager` dirs of zeekctl spools, zeekctl's `<spool>/stats.log`,
 * and rotated `stats.*.log[.gz]` archives modified since sinceMs.
 */
export function findBackfillFiles(processes: BackfillProcess[], sinceMs: number): BackfillFile[] {
	const dirs = new Set<string>();
	for (const p of processes) {
		if (!p.cwd || p.launch === 'remote') continue;
		dirs.add(p.cwd);
		if (p.launch === 'zeekctl') {
			const spool = dirname(p.cwd);
			dirs.add(spool);
			for (const e of listDir(spool)) if (/^(logger|manager)/.test(e)) dirs.add(join(spool, e));
		}
	}
	const files: BackfillFile[] = [];
	for (const dir of dirs) {
		if (!isDir(dir)) continue;
		for (const e of listDir(dir).sort()) {
			if (e === 'stats.log') {
				if (mtimeMs(join(dir, e)) !== null) files.push({path: join(dir, e), rotated: false});
			} else if (/^stats\..+\.log(\.gz)?$/.test(e)) {
				const m = mtimeMs(join(dir, e));
				if (m !== null && m >= sinceMs) files.push({path: join(dir, e), rotated: true});
			}
		}
	}
	return files;
}

/** A file's text: whole when small, else its header plus its last TAIL_BYTES from a line start. */
export function readStatsText(path: string): string {
	if (path.endsWith('.gz')) {
		const fd = openSync(path, 'r');
		try {
			const size = fileSize(path);
			const buf = Buffer.alloc(Math.min(size, GZ_MAX_BYTES));
			readSync(fd, buf, 0, buf.length, 0);
			return gunzipSync(buf, {maxOutputLength: GZ_MAX_BYTES}).toString('utf8');
		} finally {
			closeSync(fd);
		}
	}
	const size = fileSize(path);
	const fd = openSync(path, 'r');
	try {
		if (size <= TAIL_BYTES + HEAD_BYTES) {
			const buf = Buffer.alloc(size);
			const n = readSync(fd, buf, 0, size, 0);
			return buf.subarray(0, n).toString('utf8');
		}
		const head = Buffer.alloc(HEAD_BYTES);
		readSync(fd, head, 0, HEAD_BYTES, 0);
		const headerLines = head.toString('utf8').split('\n');
		const header: string[] = [];
		for (const l of headerLines) {
			if (!l.startsWith('#')) break;
			header.push(l);
		}
		const tail = Buffer.alloc(TAIL_BYTES);
		const n = readSync(fd, tail, 0, TAIL_BYTES, size - TAIL_BYTES);
		const text = tail.subarray(0, n).toString('utf8');
		// Drop the first, cut line.
		const body = text.slice(text.indexOf('\n') + 1);
		return header.length > 0 ? `${header.join('\n')}\n${body}` : body;
	} finally {
		closeSync(fd);
	}
}

function fileSize(path: string): number {
	return statSync(path).size;
}

/** Zeek's stats.log begins with `#` headers or a JSON object; zeekctl's lines with an epoch. */
export function detectStatsKind(text: string): BackfillKind {
	const first = text.split('\n', 50).find(l => l.trim() !== '') ?? '';
	return first.startsWith('#') || first.startsWith('{') ? 'stats.log' : 'zeekctl';
}

export function parseStatsText(text: string): {kind: BackfillKind; parse: StatsParse} {
	const kind = detectStatsKind(text);
	return {kind, parse: kind === 'stats.log' ? parseZeekStatsLog(text) : parseZeekctlStats(text)};
}

/** Reads and parses the files; points older than sinceMs are dropped. Never throws. */
export function readBackfill(files: BackfillFile[], sinceMs: number): BackfillResult {
	const result: BackfillResult = {points: [], problems: [], files: []};
	for (const f of files) {
		let text: string;
		try {
			text = readStatsText(f.path);
		} catch (error) {
			const e = error as NodeJS.ErrnoException;
			result.problems.push({scope: 'history', message: `cannot read ${f.path} (${e.code ?? e.message}): its history is not backfilled`});
			continue;
		}
		const {kind, parse} = parseStatsText(text);
		let kept = 0;
		for (const p of parse.points) {
			if (p.atMs < sinceMs) continue;
			result.points.push({...p, source: kind});
			kept++;
		}
		result.files.push({path: f.path, kind, points: kept, badLines: parse.badLines});
		if (parse.badLines > 0) {
			result.problems.push({
				scope: 'history',
				message: `${basename(dirname(f.path))}/${basename(f.path)}: ${parse.badLines} bad line${parse.badLines === 1 ? '' : 's'} skipped (${parse.samples.join('; ')})`,
			});
		}
		for (const e of parse.errors) result.problems.push({scope: 'zeekctl', message: `cron stats: ${e}`});
	}
	return result;
}
