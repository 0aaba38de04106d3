import type {ServerStatus} from '../collect/fleet.js';
import {nodeJson, snapshotJson} from './snapshot-json.js';
import type {FleetRow} from '../state/fleet.js';
import type {Snapshot} from '../state/monitor.js';

/**
 * `--once --json` with --prometheus: every node gains `host` and `source` ("local" or
 * "prometheus"); remote nodes have `pid: null` and a `prometheus` object (server, instance, age).
 * Without --prometheus the nodes still gain host and source (local, this machine's hostname).
 */

export function fleetNodeJson(r: FleetRow): Record<string, unknown> {
	const {node, ...rest} = nodeJson({...r, pid: r.pid ?? 0});
	return {
		node,
		host: r.host,
		source: r.source,
		...rest,
		pid: r.pid,
		prometheus: r.remote === null ? null : {
			server: r.remote.server,
			instance: r.remote.instance,
			up: r.remote.up,
			stale: r.remote.stale,
			ageSeconds: Number.isFinite(r.remote.ageMs) ? Math.round(r.remote.ageMs / 100) / 10 : null,
			lastError: r.remote.lastError === '' ? null : r.remote.lastError,
		},
	};
}

export function fleetSnapshotJson(
	snapshot: Snapshot,
	rows: readonly FleetRow[],
	servers: readonly ServerStatus[],
	prometheusProblems: ReadonlyArray<{scope: string; message: string}>,
): Record<string, unknown> {
	const doc = snapshotJson({...snapshot, rows: []}) as Record<string, unknown>;
	return {
		...doc,
		nodes: rows.map(fleetNodeJson),
		prometheus: servers.map(s => ({...s})),
		problems: [...snapshot.problems, ...prometheusProblems],
	};
}
