/**
 * A fleet of N sim agents deployed as one run (bench/deploy: five outputs
 * set per instance, every input mapped): deploy time, the barrier, and,
 * while the fleet idles in Ready, controller memory per agent and the
 * reconnect storm after a controller restart.
 */
import { availableParallelism } from 'node:os';
import type { SimAgentRecord, SimEvent } from '../../controller/connectors/sim/sim-protocol.js';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import { measureBareReconnect } from '../baselines/bare-reconnect.js';
import { measureRawFanout } from '../baselines/raw-fanout.js';
import { checkAcknowledged } from '../lib/checks.js';
import { cpuFloorOnCoresLeftSeconds, cpuFloorSeconds, cpuSpent, databaseName, sampleCpu } from '../lib/cpu.js';
import { settleMemory, type BenchContext } from '../lib/context.js';
import { atMost, atMostTimes, exactly, info, withPeer, type Baseline } from '../lib/figures.js';
import { launch, stateTimes, terminateAndDrain, waitForState } from '../lib/runs.js';
import { etcdPeerKeys } from '../peers/etcd.js';

/**
 * Every time is judged against a baseline of the same run (issue 23): the deploy against its CPU floor, the
 * barrier against a bare fan-out, the storm against a bare reconnect; absolute times are shown as information.
 */
export interface FleetOptions {
  size: number;
  memory?: { targetBytesPerAgent: number };
  /** Restart the controller under the fleet and time the reconnect storm. */
  storm?: boolean;
}

const micros = (e: SimEvent | undefined) => e?.[3];

/** The barrier out of `from`: from the last agent's completion to the last agent's receipt of the next state. */
function barrierMs(records: readonly SimAgentRecord[], from: RunState, to: RunState): number {
  let lastCompleted = 0;
  let lastReceived = 0;
  for (const r of records) {
    const completed = micros(r.events.find((e) => e[0] === 'state-completed' && e[1] === from && e[2] === 0));
    const received = micros(r.events.find((e) => (e[0] === 'state-received' || e[0] === 'welcomed') && e[1] === to && e[2] === 0));
    if (completed === undefined || received === undefined) return Number.NaN;
    lastCompleted = Math.max(lastCompleted, completed);
    lastReceived = Math.max(lastReceived, received);
  }
  return (lastReceived - lastCompleted) / 1000;
}

async function measureBare(ctx: BenchContext, scenario: string, n: number) {
  ctx.log(`${scenario}: bare-reconnect baseline`);
  return measureBareReconnect({ clients: n, processes: ctx.ctl.pool.size });
}

/** From the first agent's completion of `state` to the last's. */
function completionSpreadMs(records: readonly SimAgentRecord[], state: RunState): number {
  const completions = records.map((r) => micros(r.events.find((e) => e[0] === 'state-completed' && e[1] === state && e[2] === 0)) ?? Number.NaN);
  return (Math.max(...completions) - Math.min(...completions)) / 1000;
}

/** Deploys the fleet and measures; the fleet stays Ready until the returned terminate is called. */
export async function fleet(ctx: BenchContext, options: FleetOptions): Promise<{ runId: string; terminate(): Promise<void> }> {
  const { ctl } = ctx;
  const n = options.size;
  const scenario = `fleet N=${n}`;
  ctx.log(`${scenario}: raw-fanout baseline`);
  const fanout = await measureRawFanout({ streams: n, processes: ctl.pool.size });
  // Before the fleet, as raw-fanout: its server lives in this process, and beside 10,000 connected agents its 10,000
  // connections took this process past its 20,000 open files (EMFILE in the controller, streams never opened).
  const bare = options.storm ? await measureBare(ctx, scenario, n) : undefined;
  const rssBefore = await settleMemory();

  ctx.log(`${scenario}: deploying`);
  const database = databaseName(ctl.databaseUrl);
  const cpuBefore = sampleCpu(ctl.pool.pids, database);
  const sampledFrom = Date.now();
  const runId = await launch(ctl.client, 'bench/deploy', { w: n });
  await waitForState(ctl.db, runId, 'Ready', Math.max(180_000, n * 60));
  const cpuAfter = sampleCpu(ctl.pool.pids, database);
  const sampledMs = Date.now() - sampledFrom;
  const times = await stateTimes(ctl.db, runId);
  const deployMs = times.entered.get('Ready')! - times.createdAt;
  if (cpuBefore && cpuAfter) {
    // The CPU floor: what the deploy's CPU would take with every core busy the whole time; the wall time above it is
    // time when some core idled (serial waits). "Controller" is this whole process: besides the controller it holds the
    // bench's launch call, its 50 ms poll of the run's state and the SimPool's IPC to the workers (the cloud API's part),
    // so the floor is a little higher than the controller alone would make it (the poll is one indexed select). The CPU
    // is sampled from before the launch call to the poll's sight of Ready: a little wider than launch to Ready (shown).
    const spent = cpuSpent(cpuBefore, cpuAfter);
    const cores = availableParallelism();
    const floor: Baseline = { name: 'CPU floor', value: cpuFloorSeconds(spent, cores) * 1000, unit: 'ms' };
    ctx.figures.push(atMostTimes('deploy', `launch to Ready vs CPU floor, ${n} instances`, deployMs, 'ms', 1.2, floor));
    ctx.figures.push(info('deploy', `  launch to Ready, ${n} instances`, deployMs, 'ms'));
    ctx.figures.push(info('deploy', `  of which launch to Executing`, times.entered.get('Executing')! - times.createdAt, 'ms'));
    ctx.figures.push(info('deploy', `  CPU: controller process (with the bench's polling)`, spent.controller, 's'));
    ctx.figures.push(info('deploy', `  CPU: sim agents (worker processes)`, spent.agents, 's'));
    ctx.figures.push(info('deploy', `  CPU: PostgreSQL`, spent.postgres, 's'));
    ctx.figures.push(info('deploy', `  cores the floor divides by (this process may use)`, cores, 'cores'));
    // On a shared machine others' work stretches the wall time, not the floor: a ratio is ours to close only when this is small.
    if (spent.others !== undefined) ctx.figures.push(info('deploy', `  CPU: the rest of the machine meanwhile`, spent.others, 's'));
    // What the wall time could approach on the cores the rest left: when it is near 1x, the ratio above was theirs.
    const leftFloor = cpuFloorOnCoresLeftSeconds(spent, cores, sampledMs / 1000);
    if (leftFloor !== undefined) {
      const baseline: Baseline = { name: 'floor on the cores left', value: leftFloor * 1000, unit: 'ms' };
      ctx.figures.push(info('deploy', `  launch to Ready vs the CPU floor on the cores the rest of the machine left`, deployMs, 'ms', baseline));
    }
    ctx.figures.push(info('deploy', `  CPU sampled over (launch call to Ready seen)`, sampledMs, 'ms'));
  } else {
    ctx.figures.push(info('deploy', `launch to Ready, ${n} instances (no CPU readings: no floor)`, deployMs, 'ms'));
    ctx.figures.push(info('deploy', `  of which launch to Executing`, times.entered.get('Executing')! - times.createdAt, 'ms'));
  }

  const keys = Array.from({ length: n }, (_, i) => `${runId}/w.${i + 1}`);
  const records = await ctl.pool.records(keys);
  const barrier = barrierMs(records, RunState.RUN_STATE_EXECUTING, RunState.RUN_STATE_SENDING_REPORTS);
  const fanoutBaseline = { name: 'raw-fanout', value: fanout.ms, unit: 'ms' };
  const judged = atMostTimes('barrier', `Executing -> SendingReports, N=${n}`, barrier, 'ms', 2, fanoutBaseline);
  ctx.figures.push(withPeer(judged, ctx.peers?.get(etcdPeerKeys.barrier(n))));
  // The barrier's window opens at the last completion: how spread the others were decides how much of their work is behind it.
  ctx.figures.push(info('barrier', `  Executing completions, first to last`, completionSpreadMs(records, RunState.RUN_STATE_EXECUTING), 'ms'));
  ctx.figures.push(info('barrier', `  Provisioning -> Executing, N=${n}`, barrierMs(records, RunState.RUN_STATE_PROVISIONING, RunState.RUN_STATE_EXECUTING), 'ms'));

  const problems = await checkAcknowledged(ctl.db, runId, records);
  ctx.figures.push(exactly('deploy', `acknowledged sets/completions missing from the database, N=${n}`, problems.length, 'items', 0));
  ctx.dataLoss.push(...problems.slice(0, 20));

  if (options.memory) {
    const rssAfter = await settleMemory();
    const perAgent = (rssAfter - rssBefore) / n;
    ctx.figures.push(atMost('memory', `controller RSS per connected idle agent, ${n} agents`, perAgent / 1024, 'KiB', options.memory.targetBytesPerAgent / 1024));
    ctx.figures.push(info('memory', `  controller RSS with ${n} agents`, rssAfter / 2 ** 20, 'MiB'));
    const workers = await ctl.pool.memory();
    ctx.figures.push(info('memory', `  sim worker RSS per agent (agent side)`, workers.reduce((s, w) => s + w.rssBytes, 0) / n / 1024, 'KiB'));
  }

  if (bare) {
    const bareBaseline = { name: 'bare-reconnect', value: bare.ms, unit: 'ms' };
    ctx.log(`${scenario}: restarting the controller under ${n} agents`);
    const began = process.hrtime.bigint() / 1000n;
    const { downMs } = await ctl.restart();
    const started = process.hrtime.bigint() / 1000n;
    const deadline = Date.now() + 120_000;
    // The poll runs in the controller's process: it counts in the workers, and the records come over once, at the end.
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1_000));
      // Since the restart began: the new controller serves (and welcomes) before its start is over.
      const { agents, welcomed } = await ctl.pool.welcomedSince(`${runId}/`, Number(began));
      if (agents === n && welcomed === n) break;
    }
    const back = await ctl.pool.records(keys);
    const welcomes = back.map((r) => r.events.filter((e) => e[0] === 'welcomed' && e[3] > Number(began)).at(-1)?.[3] ?? Number.NaN);
    const resumed = welcomes.filter((w) => Number.isFinite(w)).length;
    const lastWelcome = Math.max(...welcomes);
    const stormMs = (lastWelcome - Number(began)) / 1000;
    ctx.figures.push(atMostTimes('reconnect storm', `${n} agents back and resumed, from restart`, stormMs, 'ms', 1.5, bareBaseline));
    ctx.figures.push(info('reconnect storm', `  bare-reconnect: the bare server's stop and start`, bare.downMs, 'ms'));
    ctx.figures.push(info('reconnect storm', `  controller stop and start (it serves before the start is over)`, downMs, 'ms'));
    ctx.figures.push(info('reconnect storm', `  from the start's end to last agent resumed`, (lastWelcome - Number(started)) / 1000, 'ms'));
    // A steady climb (each agent's turn) or a long tail (agents waiting out backoffs or dropped SYNs) look alike at p100.
    const afterStart = welcomes.map((w) => (w - Number(started)) / 1000).sort((a, b) => a - b);
    const at = (q: number) => afterStart[Math.min(afterStart.length - 1, Math.floor(q * afterStart.length))]!;
    ctx.figures.push(info('reconnect storm', `  from the start's end to half of the agents resumed`, at(0.5), 'ms'));
    ctx.figures.push(info('reconnect storm', `  from the start's end to 90% of the agents resumed`, at(0.9), 'ms'));
    ctx.figures.push(exactly('reconnect storm', `agents not resumed`, n - resumed, 'agents', 0));
    const afterStorm = await checkAcknowledged(ctl.db, runId, back);
    ctx.figures.push(exactly('reconnect storm', `duplicate phases, agents given up, lost data`, afterStorm.length, 'items', 0));
    ctx.dataLoss.push(...afterStorm.slice(0, 20));
  }

  return {
    runId,
    terminate: async () => {
      ctx.log(`${scenario}: terminating`);
      await terminateAndDrain(ctl.client, ctl.db, ctl.pool, runId, Math.max(60_000, n * 20));
    },
  };
}
