import type {Binding} from './keymap.js';

/** Keys of the heap profile views (scopes 'heap', 'confirm'). */
export const HEAP_BINDINGS: Binding[] = [];
