import type {ProcFs} from '../collect/procfs.js';

/**
 * Checks used by the simulator's tests (and handy for e2e tests that run a simulated cluster).
 */

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*)?\})? ([-+]?(?:\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|[Nn]a[Nn]|[-+]?Inf))( -?\d+)?$/;

/**
 * A light, independent check of Prometheus text: every non-comment line is
 * `name{labels} value [timestamp]`, comments are `# HELP name text` / `# TYPE name type`, the text
 * ends with a newline. Returns the problems (empty when well-formed).
 */
export function lintPrometheusText(text: string): string[] {
	const problems: string[] = [];
	if (text.length > 0 && !text.endsWith('\n')) problems.push('text does not end with a newline');
	const lines = text.split('\n');
	if (lines.at(-1) === '') lines.pop();
	lines.forEach((line, i) => {
		if (line.startsWith('#')) {
			if (!/^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))$/.test(line)) {
				problems.push(`line ${i + 1}: bad comment: ${line}`);
			}
			return;
		}
		if (!sampleLine.test(line)) problems.push(`line ${i + 1}: not name{labels} value: ${line}`);
	});
	return problems;
}

/** Local TCP ports in LISTEN state (/proc/net/tcp and tcp6, proc(5) "/proc/net/tcp"). */
export function listeningPorts(procFs: ProcFs): Set<number> {
	const ports = new Set<number>();
	for (const file of ['tcp', 'tcp6']) {
		const r = procFs.read('net', file);
		if (!r.ok) continue;
		for (const line of r.value.split('\n').slice(1)) {
			const fields = line.trim().split(/\s+/);
			const local = fields[1];
			if (!local || fields[3] !== '0A') continue; // 0A: TCP_LISTEN
			const port = Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
			if (Number.isInteger(port)) ports.add(port);
		}
	}
	return ports;
}
