import {UsageError, type Flags} from '../main.js';

/** `zeektop flame`: not implemented yet. */
export async function runFlameCommand(_args: string[], _flags: Flags): Promise<number> {
	throw new UsageError('flame is not implemented yet');
}
