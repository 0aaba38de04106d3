import type {Binding} from './keymap.js';

/** Keys of the flame graph, capture and search views (scopes 'flame', 'flameSearch', 'capture'). */
export const FLAME_BINDINGS: Binding[] = [];
