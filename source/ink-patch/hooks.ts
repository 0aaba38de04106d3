// Module resolve hook (node:module register): Ink's two unbounded caches are swapped for bounded
// copies. The one-file bundle does the same with an esbuild plugin (scripts/bundle.mjs).
type Resolved = {url: string; format?: string | null; shortCircuit?: boolean};
type NextResolve = (specifier: string, context: unknown) => Promise<Resolved>;

const replacements: Record<string, string> = {
	'/ink/build/measure-text.js': new URL('./measure-text.js', import.meta.url).href,
	'/ink/build/wrap-text.js': new URL('./wrap-text.js', import.meta.url).href,
};

export async function resolve(specifier: string, context: unknown, next: NextResolve): Promise<Resolved> {
	const result = await next(specifier, context);
	for (const [suffix, url] of Object.entries(replacements)) {
		if (result.url.endsWith(suffix)) return {...result, url, shortCircuit: true};
	}
	return result;
}
