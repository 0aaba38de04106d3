import {UsageError, type Flags} from '../main.js';

/** `zeektop perf`: not implemented yet. */
export async function runPerfCommand(_args: string[], _flags: Flags): Promise<number> {
	throw new UsageError('perf is not implemented yet');
}
