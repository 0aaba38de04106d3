/** A user-facing failure: one line naming the problem and the fix, exit 2, no stack trace. */
export class UsageError extends Error {}

/** The OS reason of a failed call in a few words: `ENOSPC (no space left on device)`. */
export function osReason(error: unknown): string {
	const e = error as NodeJS.ErrnoException | undefined;
	const code = e?.code;
	const words: Record<string, string> = {
		ENOSPC: 'no space left on device',
		EROFS: 'read-only file system',
		EACCES: 'permission denied',
		EPERM: 'operation not permitted',
		ENOENT: 'no such file or directory',
		EDQUOT: 'disk quota exceeded',
		EISDIR: 'is a directory',
		ENOTDIR: 'not a directory',
		EEXIST: 'already exists',
		EIO: 'input/output error',
	};
	if (code && words[code]) return `${code} (${words[code]})`;
	if (code) return code;
	return e?.message ?? String(error);
}
