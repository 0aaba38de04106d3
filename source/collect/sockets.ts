import {parseProcNetTcp, type ListeningSocket} from './proc-parse.js';
import type {ProcFs} from './procfs.js';

/**
 * The TCP ports each process itself listens on: listening sockets from /proc/net/tcp{,6} whose
 * inode is one of the process's socket fds. This is how metrics endpoints are found without
 * trusting a guessed port.
 */
export function listeningPortsByPid(procfs: ProcFs, pids: number[]): Map<number, ListeningSocket[]> {
	const byInode = new Map<number, ListeningSocket>();
	for (const [file, family] of [['tcp', 4], ['tcp6', 6]] as const) {
		const r = procfs.read('net', file);
		if (r.ok) for (const s of parseProcNetTcp(r.value, family)) byInode.set(s.inode, s);
	}
	const out = new Map<number, ListeningSocket[]>();
	if (byInode.size === 0) return out;
	for (const pid of pids) {
		const fds = procfs.list(pid, 'fd');
		if (!fds.ok) continue;
		const mine: ListeningSocket[] = [];
		for (const fd of fds.value) {
			const link = procfs.readlink(pid, 'fd', fd);
			if (!link.ok || !link.value.startsWith('socket:[')) continue;
			const s = byInode.get(Number(link.value.slice(8, -1)));
			if (s) mine.push(s);
		}
		if (mine.length > 0) out.set(pid, mine);
	}
	return out;
}
