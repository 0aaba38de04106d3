/**
 * Which saved capture to diff against, for the diff keys of the flame and heap views (pure: it
 * reads the capture list capture/perf.ts listCaptures returns):
 * - previousCaptureOf: the newest earlier capture of the same node and kind ("it was fine an
 *   hour ago");
 * - siblingCaptures: the newest capture of each other node of the same kind and role prefix
 *   ("worker-3 drops, worker-4 doesn't"), for a list to choose from.
 * Only captures that finished (complete, or partial with data) qualify.
 */
import type {CaptureEntry, CaptureKind} from '../capture/perf.js';

export type CaptureRef = {dir: string; node: string; kind: CaptureKind; startedAt: string};

function usable(e: CaptureEntry): e is CaptureEntry & {meta: NonNullable<CaptureEntry['meta']>} {
	const m = e.meta;
	return m !== undefined && (m.status === 'complete' || m.status === 'partial') && typeof m.startedAt === 'string' && typeof m.node === 'string';
}

function ref(e: CaptureEntry & {meta: NonNullable<CaptureEntry['meta']>}): CaptureRef {
	return {dir: e.dir, node: e.meta.node, kind: e.meta.kind, startedAt: e.meta.startedAt};
}

/** `worker-12` → `worker`; `manager` → `manager`: nodes of one role compare with each other. */
export function nodeRole(node: string): string {
	return node.replace(/[-_.]?\d+$/, '');
}

/** The newest usable capture of `current.node` and kind that started before `current` (or none). */
export function previousCaptureOf(entries: readonly CaptureEntry[], current: CaptureRef): CaptureRef | undefined {
	let best: CaptureRef | undefined;
	for (const e of entries) {
		if (!usable(e) || e.dir === current.dir) continue;
		if (e.meta.node !== current.node || e.meta.kind !== current.kind) continue;
		if (!(e.meta.startedAt < current.startedAt)) continue;
		if (best === undefined || e.meta.startedAt > best.startedAt) best = ref(e);
	}
	return best;
}

/**
 * The newest usable capture of every other node of the same role and kind, by node name
 * (worker-2 before worker-10). The list the "diff against a sibling" key offers.
 */
export function siblingCaptures(entries: readonly CaptureEntry[], current: CaptureRef): CaptureRef[] {
	const role = nodeRole(current.node);
	const newest = new Map<string, CaptureRef>();
	for (const e of entries) {
		if (!usable(e) || e.meta.kind !== current.kind || e.meta.node === current.node) continue;
		if (nodeRole(e.meta.node) !== role) continue;
		const known = newest.get(e.meta.node);
		if (known === undefined || e.meta.startedAt > known.startedAt) newest.set(e.meta.node, ref(e));
	}
	return [...newest.values()].sort((a, b) => a.node.localeCompare(b.node, 'en', {numeric: true}));
}
