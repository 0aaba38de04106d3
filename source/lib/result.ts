/** Errors are data: a read for a pid is ok, vanished, denied or malformed. */
export type ReadError = {kind: 'vanished' | 'denied' | 'malformed' | 'io'; message: string};
export type Result<T> = {ok: true; value: T} | {ok: false; error: ReadError};

export const ok = <T>(value: T): Result<T> => ({ok: true, value});
export const fail = <T = never>(kind: ReadError['kind'], message: string): Result<T> => ({
	ok: false,
	error: {kind, message},
});

/** Map a Node fs error to a reason a user can read. */
export function errorKind(error: unknown): ReadError['kind'] {
	const code = (error as NodeJS.ErrnoException | undefined)?.code;
	if (code === 'ENOENT' || code === 'ESRCH') return 'vanished';
	if (code === 'EACCES' || code === 'EPERM') return 'denied';
	return 'io';
}
