import {mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync, existsSync} from 'node:fs';
import {join} from 'node:path';

/**
 * Lay a fixture /proc tree in `root` from a zeek-real capture directory
 * (procs/<comm>-<pid>/{comm.txt,cmdline.raw,cwd.txt,exe.txt,environ.filtered.txt,stat.txt,status.txt,threads.tsv,task-stat.tsv}).
 */
export function layProcFromCapture(root: string, captureProcs: string): number[] {
	const pids: number[] = [];
	for (const dir of readdirSync(captureProcs)) {
		const pid = Number(/-(\d+)$/.exec(dir)?.[1]);
		if (!Number.isFinite(pid)) continue;
		pids.push(pid);
		const src = join(captureProcs, dir);
		const dst = join(root, String(pid));
		mkdirSync(join(dst, 'task'), {recursive: true});
		const read = (f: string) => (existsSync(join(src, f)) ? readFileSync(join(src, f), 'utf8') : undefined);
		writeFileSync(join(dst, 'comm'), read('comm.txt') ?? '');
		writeFileSync(join(dst, 'cmdline'), existsSync(join(src, 'cmdline.raw')) ? readFileSync(join(src, 'cmdline.raw')) : '');
		const env = read('environ.filtered.txt') ?? '';
		writeFileSync(join(dst, 'environ'), env.split('\n').filter(Boolean).map(l => l + '\0').join(''));
		writeFileSync(join(dst, 'stat'), read('stat.txt') ?? '');
		writeFileSync(join(dst, 'status'), read('status.txt') ?? '');
		writeFileSync(join(dst, 'cgroup'), '0::/user.slice/user-0.slice/session-1.scope\n');
		const cwd = read('cwd.txt')?.trim();
		if (cwd) symlinkSync(cwd, join(dst, 'cwd'));
		const exe = read('exe.txt')?.trim();
		if (exe) symlinkSync(exe, join(dst, 'exe'));
		const names = new Map<string, string>();
		for (const line of (read('threads.tsv') ?? '').split('\n')) {
			const [tid, name] = line.split('\t');
			if (tid && name) names.set(tid, name);
		}
		for (const line of (read('task-stat.tsv') ?? '').split('\n')) {
			const i = line.indexOf('\t');
			if (i < 0) continue;
			const tid = line.slice(0, i);
			mkdirSync(join(dst, 'task', tid), {recursive: true});
			writeFileSync(join(dst, 'task', tid, 'stat'), line.slice(i + 1) + '\n');
			writeFileSync(join(dst, 'task', tid, 'comm'), (names.get(tid) ?? '') + '\n');
		}
	}
	return pids.sort((a, b) => a - b);
}

/** A hand-made /proc/<pid> entry. */
export function layProc(root: string, pid: number, files: Record<string, string | Buffer>, links: Record<string, string> = {}): void {
	const dst = join(root, String(pid));
	mkdirSync(join(dst, 'task'), {recursive: true});
	for (const [name, content] of Object.entries(files)) {
		mkdirSync(join(dst, name, '..'), {recursive: true});
		writeFileSync(join(dst, name), content);
	}
	for (const [name, target] of Object.entries(links)) symlinkSync(target, join(dst, name));
}

/** A plausible /proc/PID/stat line. */
export function statLine(pid: number, comm: string, o: {state?: string; utime?: number; stime?: number; threads?: number; start?: number; rss?: number; cpu?: number} = {}): string {
	const f = new Array(52).fill('0');
	f[0] = String(pid);
	f[1] = `(${comm})`;
	f[2] = o.state ?? 'S';
	f[3] = '1';
	f[13] = String(o.utime ?? 0);
	f[14] = String(o.stime ?? 0);
	f[19] = String(o.threads ?? 1);
	f[21] = String(o.start ?? 1000);
	f[23] = String(o.rss ?? 100);
	f[38] = String(o.cpu ?? 0);
	return f.join(' ') + '\n';
}
