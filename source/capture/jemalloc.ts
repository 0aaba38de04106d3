/**
 * jemalloc heap profiles of a running Zeek node, split by how each part fails: detection
 * (jemalloc-detect.ts), ELF reading (elf.ts), jeprof runs and their cache (jeprof-run.ts), the gdb
 * session that pauses a live worker (gdb-session.ts, a file to read whole), mallctl calls through it
 * (mallctl.ts), and the fix text (jemalloc-guidance.ts). This module only re-exports them.
 */
export * from './jemalloc-detect.js';
export * from './elf.js';
export * from './jeprof-run.js';
export * from './gdb-session.js';
export * from './mallctl.js';
export * from './jemalloc-guidance.js';
