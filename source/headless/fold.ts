import {UsageError, type Flags} from '../main.js';

/** `zeektop fold`: not implemented yet. */
export async function runFoldCommand(_args: string[], _flags: Flags): Promise<number> {
	throw new UsageError('fold is not implemented yet');
}
