/** The one owner of time. Tests inject a fake. */
export type Clock = {
	/** Wall clock, ms since the epoch. */
	now(): number;
	/** Monotonic ms, for rates and durations. */
	monotonic(): number;
};

export const systemClock: Clock = {
	now: () => Date.now(),
	monotonic: () => performance.now(),
};

export function fakeClock(startMs = 1_700_000_000_000): Clock & {advance(ms: number): void} {
	let t = 0;
	return {
		now: () => startMs + t,
		monotonic: () => t,
		advance(ms: number) {
			t += ms;
		},
	};
}
