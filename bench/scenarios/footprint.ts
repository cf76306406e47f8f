/**
 * The agent's footprint: the single-file bundle's size; the RSS of a real
 * agent process (`local` driver, the bundle) idling in Ready against a bare
 * Node process that has only loaded grpc-js; and the agent's own uptime when
 * it had enrolled (process start to enrolled).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAgentBundle } from '../../agent/build.js';
import type { BenchContext } from '../lib/context.js';
import { atMost, atMostTimes, info } from '../lib/figures.js';
import { terminateAndDrain, waitForState } from '../lib/runs.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

function rssKiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1]);
}

async function bareGrpcRssKiB(): Promise<number> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', "await import('@grpc/grpc-js'); setInterval(() => {}, 60_000);"], {
    cwd: REPO_ROOT,
    stdio: 'ignore',
  });
  try {
    await new Promise((r) => setTimeout(r, 2_000));
    return rssKiB(child.pid!);
  } finally {
    child.kill('SIGKILL');
  }
}

export async function footprint(ctx: BenchContext): Promise<void> {
  const { ctl } = ctx;
  const bundle = await buildAgentBundle(join(ctl.dataDir, 'bench-agent.mjs'), { private: true });
  const bytes = statSync(bundle.path).size;
  ctx.figures.push(atMost('agent footprint', 'single-file bundle', bytes / 2 ** 20, 'MiB', 1.5));

  await ctl.client.modules.save({ kind: 'component', path: 'bench/idle-agent', images: { local: 'local' }, resources: {}, recipes: {}, parameters: [] });
  const run = await ctl.client.runs.launch({ module: 'bench/idle-agent', defaultCloud: 'local', keepRunning: 'always' });
  await waitForState(ctl.db, run.id, 'Ready', 60_000);
  const runDir = join(ctl.dataDir, 'local-vms', run.id);
  const vmDir = join(runDir, readdirSync(runDir)[0]!);
  const { pid } = JSON.parse(readFileSync(join(vmDir, 'vm.json'), 'utf8')) as { pid: number };
  await new Promise((r) => setTimeout(r, 2_000));
  const agentRss = rssKiB(pid);
  const bare = { name: 'node + grpc-js', value: await bareGrpcRssKiB(), unit: 'KiB' };
  ctx.figures.push(atMostTimes('agent footprint', 'idle agent RSS', agentRss, 'KiB', 1.15, bare));
  const enrolled = readFileSync(join(vmDir, 'agent.out.log'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"enrolled"'))
    .map((l) => (JSON.parse(l) as { uptimeMs?: number }).uptimeMs)
    .find((v) => v !== undefined);
  ctx.figures.push(atMost('agent footprint', 'process start to enrolled', enrolled ?? Number.NaN, 'ms', 300));
  ctx.figures.push(info('agent footprint', '  bundle bytes', bytes, 'B'));
  await terminateAndDrain(ctl.client, ctl.db, ctl.pool, run.id, 60_000);
}
