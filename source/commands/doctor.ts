/**
 * `zeektop doctor [node|pid] [--json]`: can this host be profiled? perf's preflight findings, the
 * Zeek processes found, and for a node: whether perf may attach and whether script functions
 * will be named (perf map file). One finding per line: level, title, detail, fix.
 * Exit 0 when nothing is an error, 1 otherwise.
 */
import {UsageError} from '../lib/errors.js';
import type {DoctorOptions} from './options.js';
import {perfPreflight, type Finding} from '../capture/preflight.js';
import {discoverZeek} from '../collect/discover.js';
import {ProcFs} from '../collect/procfs.js';
import {escapeText} from '../lib/escape.js';
import {resolveTarget} from './perf.js';

/** `OK    title: detail  fix: ...`, escaped, on one line. */
export function formatFinding(finding: Finding): string {
	const level = finding.level.toUpperCase().padEnd(5);
	const detail = finding.detail ? `: ${escapeText(finding.detail)}` : '';
	const fix = finding.fix ? `  fix: ${escapeText(finding.fix)}` : '';
	return `${level} ${escapeText(finding.title)}${detail}${fix}`.replace(/\n/g, ' ');
}

export async function doctorFindings(args: string[], flags: DoctorOptions): Promise<Finding[]> {
	if (args.length > 1) throw new UsageError(`unexpected argument '${escapeText(args[1]!)}': zeektop doctor takes at most one node name or pid`);
	const procfs = new ProcFs(flags.procRoot);
	const frequency = flags.perfFrequency;
	const scope = flags.spool;
	const target = args[0] === undefined ? undefined : resolveTarget(args[0], procfs, scope);
	const findings: Finding[] = [];
	if (target === undefined) {
		const {processes} = discoverZeek(procfs, scope);
		const names = [...new Set(processes.map(p => p.node ?? `standalone (pid ${p.pid})`))];
		findings.push(processes.length === 0
			? {level: 'warn', title: 'no Zeek processes found', detail: 'looked in /proc for processes named zeek or zeek.<node>', fix: 'start Zeek, or try zeektop demo'}
			: {level: 'ok', title: `${processes.length} Zeek process${processes.length === 1 ? '' : 'es'} found`, detail: names.slice(0, 20).join(', ') + (names.length > 20 ? ', ...' : ''), fix: ''});
	} else {
		const p = target.process;
		findings.push({
			level: 'ok',
			title: `${target.node} is pid ${target.pid}`,
			detail: p ? `${p.role}, launched by ${p.launch}${p.cwd ? `, cwd ${p.cwd}` : ''}` : 'not recognised as a Zeek node',
			fix: '',
		});
	}
	findings.push(...await perfPreflight({pid: target?.pid, frequency}, procfs));
	if (target !== undefined) {
		findings.push({
			level: 'ok',
			title: 'stack depth (frame pointers) is only known after a capture',
			detail: 'a binary built without frame pointers gives stacks 1-2 frames deep; zeektop perf warns when it sees that',
			fix: `zeektop perf ${target.node === String(target.pid) ? target.pid : target.node} --seconds 3`,
		});
	}
	return findings;
}

export async function runDoctorCommand(args: string[], flags: DoctorOptions): Promise<number> {
	const findings = await doctorFindings(args, flags);
	const code = findings.some(f => f.level === 'error') ? 1 : 0;
	if (flags.json) process.stdout.write(JSON.stringify({ok: code === 0, findings}, null, 2) + '\n');
	else process.stdout.write(findings.map(formatFinding).join('\n') + '\n');
	return code;
}
