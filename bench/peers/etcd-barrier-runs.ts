/**
 * Standalone: the etcd barrier at given sizes and entry spacings, repeated, each
 * as a JSON line with etcd's side of it beside the barrier's own figures: etcd's
 * CPU (from /proc), its WAL fsyncs and their mean, proposals committed and the
 * gRPC calls it handled. One throwaway etcd for all runs.
 *
 * Usage: node --import tsx bench/peers/etcd-barrier-runs.ts [SIZES=100,1000] [SPACINGS_MS=5,0] [RUNS=3]
 * (a spacing of 0 is every party at once)
 */
import { readFileSync } from 'node:fs';
import { measureEtcdBarrier } from './etcd-barrier.js';
import { startEtcd } from './etcd-server.js';

const [sizesArg = '100,1000', spacingsArg = '5,0', runsArg = '3'] = process.argv.slice(2);
const list = (arg: string) => arg.split(',').map(Number);

/** CPU ms of a process: utime + stime from /proc/PID/stat, at 100 ticks a second. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const COUNTERS = ['etcd_disk_wal_fsync_duration_seconds_sum', 'etcd_disk_wal_fsync_duration_seconds_count', 'etcd_server_proposals_committed_total'];

async function counters(endpoint: string): Promise<Map<string, number>> {
  const text = await (await fetch(`http://${endpoint}/metrics`)).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const name = line.slice(0, line.lastIndexOf(' '));
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (COUNTERS.includes(name)) values.set(name, value);
    const method = /^grpc_server_handled_total\{.*grpc_code="OK".*grpc_method="(\w+)"/.exec(line)?.[1];
    if (method) values.set(`handled ${method}`, value);
  }
  return values;
}

const etcd = await startEtcd();
if (!etcd) throw new Error('etcd is not on PATH');
try {
  for (let run = 0; run < Number(runsArg); run++) {
    for (const parties of list(sizesArg)) {
      for (const spacingMs of list(spacingsArg)) {
        const before = await counters(etcd.endpoint);
        const etcdCpuBefore = cpuMs(etcd.pid);
        const barrier = await measureEtcdBarrier({ endpoint: etcd.endpoint, parties, processes: 2, spreadMs: parties * spacingMs });
        const etcdCpu = cpuMs(etcd.pid) - etcdCpuBefore;
        const after = await counters(etcd.endpoint);
        const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
        const fsyncs = delta('etcd_disk_wal_fsync_duration_seconds_count');
        const handled = Object.fromEntries([...after.keys()].filter((k) => k.startsWith('handled ') && delta(k) > 0).map((k) => [k.slice(8), delta(k)]));
        const line = {
          run,
          spacingMs,
          ...barrier,
          etcdCpuMs: etcdCpu,
          fsyncs,
          fsyncMeanMs: fsyncs ? (delta('etcd_disk_wal_fsync_duration_seconds_sum') / fsyncs) * 1000 : 0,
          proposals: delta('etcd_server_proposals_committed_total'),
          handled,
        };
        console.log(JSON.stringify(line, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 10) / 10 : v)));
      }
    }
  }
} finally {
  await etcd.stop();
}
