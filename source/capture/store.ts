/**
 * The capture store: where captures live (XDG paths), one directory per capture, its typed
 * meta.json (the one writer, atomic), and listing them. perf and heap captures both live here.
 */
import {chmodSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync} from 'node:fs';
import {homedir} from 'node:os';
import {isAbsolute, join} from 'node:path';
import {systemClock, type Clock} from '../lib/clock.js';
import {escapeText} from '../lib/escape.js';
import {osReason} from '../lib/errors.js';
import {currentZoom, flameSearch, type FlameViewState} from '../profile/flame-nav.js';
import {loadProfile, type LoadedProfile} from '../profile/load.js';
import {renderProfileReport} from '../profile/report.js';
import {buildTree, parseFoldedLines, stacksInSamples, type FlameTree} from '../profile/tree.js';

/**
 * Root of saved captures: `override`, else `$XDG_STATE_HOME/zeektop/captures` (only an absolute
 * XDG_STATE_HOME counts, as the XDG spec says), else `~/.local/state/zeektop/captures`. Created
 * with mode 0700: profiles name internal functions and hosts.
 */
export function capturesDir(opts: {override?: string; env: NodeJS.ProcessEnv}): string {
	const root = capturesPath(opts);
	mkdirSync(root, {recursive: true, mode: 0o700});
	chmodSync(root, 0o700);
	return root;
}

/** Where capturesDir() keeps captures, without creating anything (listing them). */
export function capturesPath(opts: {override?: string; env: NodeJS.ProcessEnv}): string {
	let root: string;
	if (opts.override) root = opts.override;
	else {
		const xdg = opts.env.XDG_STATE_HOME;
		const base = xdg && isAbsolute(xdg) ? xdg : join(opts.env.HOME || homedir(), '.local', 'state');
		root = join(base, 'zeektop', 'captures');
	}
	return root;
}

export type CaptureKind = 'perf' | 'heap';

/** A file-name-safe form of a node name (`worker-1`, `zeek.worker-1`). */
function safeName(name: string): string {
	const s = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[.]+/, '_').slice(0, 64);
	return s || 'node';
}

/** `20261126T061500Z` (UTC, sortable). */
function stamp(ms: number): string {
	return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/**
 * A new, unique, 0700 directory for one capture: `<UTC stamp>-<kind>-<node>-<pid>[-N]`.
 * mkdir without `recursive` fails on an existing name, so concurrent captures cannot collide.
 */
export function newCaptureDir(
	root: string,
	opts: {node: string; pid: number; kind: CaptureKind; clock?: Clock},
): string {
	const base = `${stamp((opts.clock ?? systemClock).now())}-${opts.kind}-${safeName(opts.node)}-${opts.pid}`;
	mkdirSync(root, {recursive: true, mode: 0o700});
	for (let n = 1; n < 1000; n++) {
		const dir = join(root, n === 1 ? base : `${base}-${n}`);
		try {
			mkdirSync(dir, {mode: 0o700});
			chmodSync(dir, 0o700);
			return dir;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
		}
	}
	throw new Error(`could not create a capture directory under ${root}`);
}

export type CaptureStatus = 'recording' | 'complete' | 'partial' | 'failed';

/** meta.json of a capture directory (written at start, rewritten at the end). */
export type CaptureMeta = {
	kind: CaptureKind;
	node: string;
	pid: number;
	/** ISO 8601 start time. */
	startedAt: string;
	status: CaptureStatus;
	seconds?: number;
	frequency?: number;
	mainThreadOnly?: boolean;
	callGraph?: 'fp' | 'dwarf';
	/** argv of the recording command (perf record …). */
	command?: string[];
	samples?: number;
	lostSamples?: number;
	durationMs?: number;
	notes?: string[];
	error?: string;
	files?: Record<string, string>;
};

export type CaptureEntry = {dir: string; name: string; meta?: CaptureMeta; error?: string};

/** The captures under `root`, newest first; unreadable meta.json files are reported, not hidden. */
export function listCaptures(root: string): CaptureEntry[] {
	let names: string[];
	try {
		names = readdirSync(root);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
		throw error;
	}
	const entries: CaptureEntry[] = [];
	for (const name of names) {
		const dir = join(root, name);
		try {
			if (!statSync(dir).isDirectory()) continue;
		} catch {
			continue; // removed while listing
		}
		try {
			const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as CaptureMeta;
			if (typeof meta !== 'object' || meta === null || typeof meta.kind !== 'string') {
				entries.push({dir, name, error: 'meta.json is not a capture description'});
			} else entries.push({dir, name, meta});
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code;
			entries.push({dir, name, error: code === 'ENOENT' ? 'no meta.json' : `meta.json: ${(error as Error).message}`});
		}
	}
	const key = (e: CaptureEntry) => e.meta?.startedAt ?? '';
	return entries.sort((a, b) => (key(a) === key(b) ? (a.name < b.name ? 1 : -1) : key(a) < key(b) ? 1 : -1));
}

/**
 * The one meta.json writer, for perf and heap captures alike: written to a temporary name and
 * renamed, so a full disk leaves the previous meta.json (or none), never half a file. Throws the
 * OS error; callers turn it into a failed phase or a note.
 */
export function writeMeta(path: string, meta: CaptureMeta): void {
	writeFileAtomic(path, JSON.stringify(meta, null, 2) + '\n');
}

/** Write `text` to `path` through `path.tmp-<pid>` + rename; the temporary file never stays behind. */
export function writeFileAtomic(path: string, text: string | Uint8Array, mode = 0o600): void {
	const tmp = `${path}.tmp-${process.pid}`;
	try {
		writeFileSync(tmp, text, {mode});
		renameSync(tmp, path);
	} catch (error) {
		try {
			unlinkSync(tmp);
		} catch {
			// never created, or already renamed: nothing to remove
		}
		throw error;
	}
}


// ---------------------------------------------------------------------------------------------
// Exports and saved profiles

/**
 * The `e` key: the current view (flame graph as text, zoom and search applied, top 50 functions)
 * into `zeektop-flame-<UTC stamp>.txt` in `dir`; never overwrites. Returns the file's path.
 */
export function writeFlameExport(tree: FlameTree, state: FlameViewState, width: number, dir: string, title: string): string {
	const search = flameSearch(tree, state);
	const file = join(dir, `zeektop-flame-${stamp(Date.now())}.txt`);
	const text = renderProfileReport(tree, {
		width,
		height: 200,
		lines: [`${title}${state.search ? `  search /${escapeText(state.search.pattern)}/` : ''}`],
		topLimit: 50,
		rootAtTop: state.rootAtTop,
		zoomId: currentZoom(state),
		matched: search?.ok ? search.matched : undefined,
	});
	writeFileSync(file, text, {mode: 0o600, flag: 'wx'});
	return file;
}


/** What a saved capture's profile needs: its directory, its kind, and perf's sample count. */
export type SavedProfileRef = {dir: string; kind: CaptureKind; samples?: number};

/** The profile file of a saved capture: perf's folded stacks, a heap capture's collapsed stacks. */
export function savedProfileFile(capture: Pick<SavedProfileRef, 'dir' | 'kind'>): string {
	return join(capture.dir, capture.kind === 'perf' ? 'stacks.folded' : 'stacks.collapsed');
}

/** A saved capture's profile (perf's period-weighted folded stacks shown as samples again), or why not. */
export function readSavedProfile(capture: SavedProfileRef): {ok: true; profile: LoadedProfile} | {ok: false; error: string} {
	const file = savedProfileFile(capture);
	let text: string;
	try {
		text = readFileSync(file, 'utf8');
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		return {ok: false, error: code === 'ENOENT' ? `${file} is missing (the capture did not finish)` : `cannot read ${file}: ${osReason(error)}`};
	}
	if (capture.kind === 'perf' && capture.samples !== undefined && capture.samples > 0) {
		const parsed = parseFoldedLines(text);
		const tree = buildTree(stacksInSamples(new Map(parsed.stacks), capture.samples));
		return {ok: true, profile: {tree, format: 'folded', unit: 'samples', samples: capture.samples, notes: []}};
	}
	return loadProfile(text, file);
}
