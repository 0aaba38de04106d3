import {readFileSync} from 'node:fs';
import {corpusDir} from './env.js';

const MIB = 1024 * 1024;

/** zeekctl's cron-stats baseline with its masked values filled in: the record format as zeekctl writes it. */
export function zeekctlCronText(epochs: number[], pidOf: (node: string, i: number) => number = () => 4242): string {
	const base = readFileSync(corpusDir('zeekctl', 'btest-baselines', 'command.cron-stats', 'stats.out'), 'utf8');
	const records = base.split('\n').filter(l => /^X+\.X+ \S+ (parent|interface) /.test(l));
	const out: string[] = [];
	epochs.forEach((epoch, i) => {
		for (const r of records) {
			const [, node, kind, key] = r.split(' ') as [string, string, string, string];
			const value: Record<string, string> = {
				cmd: 'zeek', cpu: String(10 + i), pid: String(pidOf(node, i)), rss: String((100 + i) * MIB), vsize: String(900 * MIB),
				pkts: '10000', kpps: '1.5', mbps: '12.0', nic_pkts: '9900', nic_drops: '100', i: '0', kbytes: '1000', nonip: '0', o: '0', t: '9000', u: '1000',
			};
			out.push(`${epoch.toFixed(2)} ${node} ${kind} ${key} ${value[key] ?? '0'}`);
		}
	});
	return out.join('\n') + '\n';
}

