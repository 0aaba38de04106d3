import assert from 'node:assert/strict';
import {KEYMAP, SCOPES_BY_VIEW} from '../../source/ui/keymap.js';

/** No key is bound twice among the scopes active in each of `views`. */
export function assertNoKeyTwice(views: ReadonlyArray<keyof typeof SCOPES_BY_VIEW>): void {
	for (const view of views) {
		const seen = new Map<string, string>();
		for (const scope of SCOPES_BY_VIEW[view]) {
			for (const b of KEYMAP.filter(k => k.scope === scope)) {
				for (const key of b.keys) {
					assert.ok(!seen.has(key), `${view}: ${key} bound to ${seen.get(key)} and ${b.command}`);
					seen.set(key, b.command);
				}
			}
		}
	}
}
