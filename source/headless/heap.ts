import {UsageError, type Flags} from '../main.js';

/** `zeektop heap`: not implemented yet. */
export async function runHeapCommand(_args: string[], _flags: Flags): Promise<number> {
	throw new UsageError('heap is not implemented yet');
}
