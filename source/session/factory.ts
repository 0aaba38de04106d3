/**
 * The one place capture sessions are built. The composition root (commands/top.ts) makes one
 * factory from the options and hands it to the App; views ask it for a session and never build
 * one themselves. Sessions of one factory share one heap memo, so reopening `m` on a node whose
 * dumps did not change is instant.
 */
import type {AllocatorPattern} from '../profile/alloc-sites.js';
import {HeapMemo, HeapSession, type HeapDeps, type HeapTarget} from './heap-session.js';
import {PerfSession, type PerfSessionDeps, type PerfTarget} from './perf-session.js';

export type {Session} from './session.js';

export type SessionFactory = {
	perf(target: PerfTarget): PerfSession;
	heap(target: HeapTarget): HeapSession;
};

export type SessionConfig = {
	capturesRoot: string;
	perfSeconds: number;
	perfFrequency: number;
	perfCallGraph?: 'fp' | 'dwarf';
	allocatorPatterns?: readonly AllocatorPattern[];
	/** Extra dependencies (test seams: a perf path, a jeprof path, fakes). */
	perf?: Partial<PerfSessionDeps>;
	heap?: Partial<HeapDeps>;
};

export function createSessionFactory(config: SessionConfig): SessionFactory {
	const memo = new HeapMemo();
	return {
		perf: target => new PerfSession(target, {
			capturesRoot: config.capturesRoot, seconds: config.perfSeconds, frequency: config.perfFrequency,
			callGraph: config.perfCallGraph, ...config.perf,
		}),
		heap: target => new HeapSession(target, {
			capturesRoot: config.capturesRoot, allocatorPatterns: config.allocatorPatterns, memo, ...config.heap,
		}),
	};
}
