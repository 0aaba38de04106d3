/** What every capture session has: phases as data, a subscription, and a dispose that cleans up. */
export type Session<D> = {
	readonly data: D;
	subscribe(listener: (data: D) => void): () => void;
	dispose(): void | Promise<void>;
};
