// Module resolve hook (node:module register): Ink's two unbounded caches are swapped for bounded
// copies, and its Output for one with a fast path (output.ts). The one-file bundle does the same
// with an esbuild plugin (scripts/bundle.mjs). ZEEKTOP_INK_OUTPUT=original keeps Ink's Output.
type Resolved = {url: string; format?: string | null; shortCircuit?: boolean};
type NextResolve = (specifier: string, context: {parentURL?: string}) => Promise<Resolved>;

const here = new URL('./', import.meta.url).href;
const replacements: Record<string, string> = {
	'/ink/build/measure-text.js': new URL('./measure-text.js', import.meta.url).href,
	'/ink/build/wrap-text.js': new URL('./wrap-text.js', import.meta.url).href,
};
if (process.env.ZEEKTOP_INK_OUTPUT !== 'original') replacements['/ink/build/output.js'] = new URL('./output.js', import.meta.url).href;

export async function resolve(specifier: string, context: {parentURL?: string}, next: NextResolve): Promise<Resolved> {
	const result = await next(specifier, context);
	// The replacements themselves reach Ink's originals (output.ts falls back to Ink's Output).
	if (context.parentURL?.startsWith(here)) return result;
	// Ink measures every text node of every frame with widest-line: the counting fast path.
	if (specifier === 'widest-line' && context.parentURL?.endsWith('/ink/build/render-node-to-output.js')) {
		return {...result, url: new URL('./widest-line.js', import.meta.url).href, shortCircuit: true};
	}
	for (const [suffix, url] of Object.entries(replacements)) {
		if (result.url.endsWith(suffix)) return {...result, url, shortCircuit: true};
	}
	return result;
}
