/** Colour off with NO_COLOR (any value) or a non-TTY. */
export function colorEnabled(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
	if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
	if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
	return isTTY;
}

export type Theme = {
	color: boolean;
	unicode: boolean;
};

export function pick(theme: Theme, color: string | undefined): string | undefined {
	return theme.color ? color : undefined;
}
