import {UsageError, type Flags} from '../main.js';

/** `zeektop doctor`: not implemented yet. */
export async function runDoctorCommand(_args: string[], _flags: Flags): Promise<number> {
	throw new UsageError('doctor is not implemented yet');
}
