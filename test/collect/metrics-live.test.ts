import {test} from 'node:test';
import assert from 'node:assert/strict';
import {ProcFs} from '../../source/collect/procfs.js';
import {systemClock} from '../../source/lib/clock.js';
import {Monitor} from '../../source/state/monitor.js';
import {MetricsCollector} from '../../source/collect/metrics/collector.js';
import {takeSnapshot} from '../../source/commands/once.js';
import {defaultScenario, startCluster} from '../../source/sim/launcher.js';
import {needTool} from '../helpers/env.js';

for (const layout of ['zeek8', 'zeek7', 'zeek6'] as const) {
	test(`simulated sensor, ${layout} layout: endpoints discovered from the nodes' own sockets, joined to every node`, async t => {
		if (!needTool(t, 'g++')) return;
		const cluster = await startCluster(defaultScenario({workers: 2, layout}), {basePort: 0, jemallocLibrary: null});
		try {
			const metrics = new MetricsCollector({clock: systemClock, intervalMs: 10_000, timeoutMs: 2000, maxBytes: 1 << 25});
			const monitor = new Monitor({procfs: new ProcFs(), clock: systemClock, cwdUnder: cluster.spoolDir + '/', metrics});
			const snap = await takeSnapshot(monitor, 1500);
			const by = new Map(snap.rows.map(r => [r.node, r]));
			assert.deepEqual([...by.keys()].sort(), ['logger-1', 'manager', 'proxy-1', 'worker-1', 'worker-2']);
			for (const r of snap.rows) {
				assert.ok(r.metrics, `${r.node} has metrics`);
				assert.ok(r.pid > 0, `${r.node} is a local process, not a metrics-only row: ${JSON.stringify(snap.rows.map(x => [x.node, x.pid, x.metrics?.target]))} ${JSON.stringify([...metrics.nodeMetrics().keys()])}`);
			}
			const hot = by.get('worker-1')!.metrics!;
			const calm = by.get('worker-2')!.metrics!;
			assert.ok(hot.receivedPacketsPerSecond! > 0, 'packets move');
			assert.ok(hot.dropPercent! > 0, 'the overloaded worker drops');
			assert.equal(calm.dropPercent, 0);
			// Zeek 6 has no packet lag metric (zeek_net_packet_lag_seconds came with the 7.x telemetry).
			if (layout !== 'zeek6') assert.ok(hot.packetLagSeconds! > 0, 'the overloaded worker lags');
			else assert.equal(hot.packetLagSeconds, null);
			assert.ok(hot.activeSessions! > 0);
			assert.ok(hot.eventsPerSecond! > 0);
			assert.ok(hot.topEventHandlers.length > 0);
			assert.equal(snap.zeekVersion !== null, true);
			const targets = metrics.targetList();
			if (layout === 'zeek6') assert.equal(targets.filter(x => x.state === 'ok').length, 1, 'Zeek 6 aggregates on the manager');
			else assert.equal(targets.filter(x => x.state === 'ok').length, 5, 'one endpoint per node');
			assert.deepEqual(metrics.problems(), []);
		} finally {
			await cluster.stop();
		}
	});
}
