import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {parseCgroup, parseCmdline, parseCpuList, parseEnviron, parseKb, parseLoadavg, parseMeminfo, parseProcStatCpus, parseStat, parseStatus} from '../../source/collect/proc-parse.js';
import {corpusDir} from '../helpers/env.js';

test('parseStat reads the real Zeek 8 worker stat line', () => {
	const text = readFileSync(corpusDir('zeek-real/supervisor-cluster/procs/zeek.worker-1-21667/stat.txt'), 'utf8');
	const s = parseStat(text)!;
	assert.equal(s.pid, 21667);
	assert.equal(s.comm, 'zeek.worker-1');
	assert.equal(s.state, 'S');
	assert.equal(s.ppid, 21650);
	assert.equal(s.utimeTicks, 211);
	assert.equal(s.stimeTicks, 70);
	assert.equal(s.numThreads, 13);
	assert.equal(s.startTicks, 313065);
	assert.equal(s.rssPages, 60670);
	assert.equal(s.processor, 0);
});

test('parseStat survives a comm with spaces and parentheses', () => {
	const s = parseStat('42 (we ird) (x) R 1 1 1 0 -1 0 0 0 0 0 7 3 0 0 20 0 4 0 99 0 12 0 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0\n')!;
	assert.equal(s.comm, 'we ird) (x');
	assert.equal(s.state, 'R');
	assert.equal(s.utimeTicks, 7);
	assert.equal(s.numThreads, 4);
	assert.equal(s.rssPages, 12);
	assert.equal(s.processor, 1);
});

test('parseStat rejects a truncated line', () => {
	assert.equal(parseStat('42 (zeek) S 1 2 3'), undefined);
	assert.equal(parseStat(''), undefined);
	assert.equal(parseStat('42 zeek S'), undefined);
});

test('parseStatus and parseKb read VmRSS and Cpus_allowed_list of the real capture', () => {
	const m = parseStatus(readFileSync(corpusDir('zeek-real/supervisor-cluster/procs/zeek.worker-1-21667/status.txt'), 'utf8'));
	assert.equal(m.get('Name'), 'zeek.worker-1');
	assert.ok(parseKb(m.get('VmRSS'))! > 100 * 1024 * 1024);
	assert.ok(m.get('Cpus_allowed_list'));
	assert.equal(parseKb('12 kB'), 12288);
	assert.equal(parseKb('garbage'), undefined);
});

test('environ and cmdline are NUL separated; values keep "=" and odd bytes', () => {
	const env = parseEnviron('A=1\0CLUSTER_NODE=worker-1\0MALLOC_CONF=prof:true,lg_prof_interval:30\0EMPTY=\0X=a=b\0');
	assert.equal(env.get('CLUSTER_NODE'), 'worker-1');
	assert.equal(env.get('MALLOC_CONF'), 'prof:true,lg_prof_interval:30');
	assert.equal(env.get('EMPTY'), '');
	assert.equal(env.get('X'), 'a=b');
	assert.deepEqual(parseCmdline('/opt/zeek/bin/zeek\0-j\0supervised-cluster.zeek\0'), ['/opt/zeek/bin/zeek', '-j', 'supervised-cluster.zeek']);
	assert.deepEqual(parseCmdline(''), []);
});

test('cpu lists, /proc/stat, meminfo, loadavg, cgroup', () => {
	assert.deepEqual(parseCpuList('0-3,8,10-11\n'), [0, 1, 2, 3, 8, 10, 11]);
	assert.deepEqual(parseCpuList(''), []);
	const cpus = parseProcStatCpus('cpu  10 0 10 80 0 0 0 0 0 0\ncpu0 5 0 5 40 0 0 0 0 0 0\nintr 1\n');
	assert.deepEqual(cpus.map(c => [c.label, c.busy, c.total]), [['cpu', 20, 100], ['cpu0', 10, 50]]);
	assert.deepEqual(parseMeminfo('MemTotal:  1000 kB\nMemFree: 1 kB\nMemAvailable:   500 kB\n'), {totalBytes: 1024000, availableBytes: 512000});
	assert.deepEqual(parseLoadavg('0.50 1.00 2.00 1/100 42\n'), [0.5, 1, 2]);
	assert.equal(parseCgroup('0::/zeek.slice/zeek-workers.slice/zeek-worker@1.service\n'), '/zeek.slice/zeek-workers.slice/zeek-worker@1.service');
	assert.equal(parseCgroup('12:cpu:/a\n0::/b\n'), '/b');
});
