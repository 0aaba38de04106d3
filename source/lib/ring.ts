/** Fixed-capacity ring buffer of numbers (histories for sparklines and slopes). */
export class Ring {
	private readonly data: Float64Array;
	private start = 0;
	private count = 0;

	constructor(readonly capacity: number) {
		this.data = new Float64Array(capacity);
	}

	push(value: number): void {
		const end = (this.start + this.count) % this.capacity;
		this.data[end] = value;
		if (this.count < this.capacity) this.count++;
		else this.start = (this.start + 1) % this.capacity;
	}

	get length(): number {
		return this.count;
	}

	/** The last n values, oldest first. */
	last(n: number): number[] {
		const k = Math.min(n, this.count);
		const out = new Array<number>(k);
		for (let i = 0; i < k; i++) out[i] = this.data[(this.start + this.count - k + i) % this.capacity]!;
		return out;
	}

	at(i: number): number | undefined {
		if (i < 0 || i >= this.count) return undefined;
		return this.data[(this.start + i) % this.capacity];
	}

	clone(): Ring {
		const r = new Ring(this.capacity);
		for (let i = 0; i < this.count; i++) r.push(this.at(i)!);
		return r;
	}
}

/** Least-squares slope of y over x (x in the same unit the caller wants per). */
export function slope(xs: ArrayLike<number>, ys: ArrayLike<number>): number | null {
	const n = Math.min(xs.length, ys.length);
	if (n < 2) return null;
	let sx = 0, sy = 0, sxx = 0, sxy = 0;
	for (let i = 0; i < n; i++) {
		const x = xs[i]!, y = ys[i]!;
		sx += x; sy += y; sxx += x * x; sxy += x * y;
	}
	const d = n * sxx - sx * sx;
	if (d === 0) return null;
	return (n * sxy - sx * sy) / d;
}
