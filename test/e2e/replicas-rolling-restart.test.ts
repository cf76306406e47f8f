/**
 * A rolling restart of three controller replicas (issue 19), real processes
 * on one PostgreSQL database: each replica in turn is stopped (SIGTERM) and
 * started again on the same port while a 200-instance `sim` run (agents in
 * a pool served from this process, which outlives every replica) and a
 * `local` run of examples/shop progress, and while `slipstream run launch
 * --wait` follows runs of its own: one given all three replicas, whose watch
 * moves on as each goes down, one given only a replica that restarts under
 * it, whose watch waits for it to come back. Both runs reach Ready, no phase
 * runs twice (sim or local), every acknowledged set is stored, and the CLI
 * gives each of its runs' verdicts: 0 and the run Ready, or 3 and its abort
 * message.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAcknowledged } from '../../bench/lib/checks.js';
import { isValidFile, pushOrder, readModuleFiles, validateModuleFiles, type SlipstreamClient } from '../../client/index.js';
import { SimPool } from '../../controller/connectors/sim/sim-pool.js';
import { SimPoolServer } from '../../controller/connectors/sim/sim-pool-server.js';
import type { SimAgentRecord } from '../../controller/connectors/sim/sim-protocol.js';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import { localVmWorkDir } from '../helpers/local-vms.js';
import { waitFor } from '../helpers/poll.js';
import { startReplicas, type Replica, type ReplicaSet } from '../helpers/replicas.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SHOP = join(REPO, 'examples', 'shop');
const FLEET = 200;
const SETS = 8;

/** The CLI as a user runs it, in its own process, against the replicas at `address` (comma-separated). */
function spawnCli(args: string[], address: string, token: string, configDir: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'client/cli/bin.ts', ...args], {
    cwd: REPO,
    env: { ...process.env, SLIPSTREAM_ADDR: address, SLIPSTREAM_TOKEN: token, SLIPSTREAM_CONFIG: join(configDir, 'config.yaml') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const exited = new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
  return { child, exited };
}

describe.sequential('rolling restart of three replicas', () => {
  let pool: SimPool;
  let server: SimPoolServer;
  let set: ReplicaSet;
  let db: pg.Client;
  let configDir: string;
  /** The replica being restarted: no call goes through it meanwhile. */
  let restarting: Replica | undefined;
  const via = (): SlipstreamClient => set.replicas.find((r) => r !== restarting && r.alive())!.client;

  beforeAll(async () => {
    pool = SimPool.start({ workers: 2 });
    server = await SimPoolServer.start(pool);
    set = await startReplicas(3, { env: { SLIPSTREAM_SIM_POOL_URL: server.url } });
    configDir = mkdtempSync(join(tmpdir(), 'slipstream-rolling-cli-'));
    db = new pg.Client({ connectionString: set.databaseUrl });
    await db.connect();
    const client = set.replicas[0]!.client;
    const results = await validateModuleFiles(await readModuleFiles(SHOP));
    expect(results.filter((r) => !isValidFile(r))).toEqual([]);
    for (const { document } of pushOrder(results.filter(isValidFile))) await client.modules.save(document);

    const sim = (path: string, recipes: Record<string, string>, inputs: string[], outputs: string[]) =>
      client.modules.save({
        kind: 'component',
        path,
        images: { sim: 'sim' },
        resources: {},
        recipes,
        parameters: [
          ...inputs.map((name) => ({ name, category: 'input' as const, type: 'string' as const })),
          ...outputs.map((name) => ({ name, category: 'output' as const, type: 'string' as const })),
        ],
      });
    // The gate holds every worker in Executing (an ss-get wait) until the test opens it: the runs span the restarts.
    await sim('rolling/gate', { deployment: 'ss-get open\nss-set opened yes' }, ['open'], ['opened']);
    const counters = Array.from({ length: SETS }, (_, i) => `t${i + 1}`);
    await sim(
      'rolling/worker',
      {
        preinstall: 'ss-set pre done',
        postinstall: 'sim-sleep 100',
        deployment: `sim-repeat ${SETS}\n  ss-set t{i} {i}\n  sim-sleep 300\nsim-end\nss-get in\nss-set done yes`,
        reporting: 'sim-sleep 50',
      },
      ['in'],
      ['pre', 'done', ...counters],
    );
    const app = (path: string, workers: number) =>
      client.modules.save({
        kind: 'application',
        path,
        nodes: [
          { name: 'gate', component: 'rolling/gate', multiplicity: 1, cloud: 'sim', maxProvisioningFailures: 0, mappings: {} },
          { name: 'w', component: 'rolling/worker', multiplicity: workers, cloud: 'sim', maxProvisioningFailures: 0, mappings: { in: 'gate:opened' } },
        ],
      });
    await app('rolling/fleet', FLEET);
    await app('rolling/small', 3);
    // A run the CLI must report as aborted (exit 3) once its gate opens.
    await sim('rolling/doomed-gate', { deployment: 'ss-get open\nss-abort the gate was told to abort' }, ['open'], []);
    await client.modules.save({
      kind: 'application',
      path: 'rolling/doomed',
      nodes: [{ name: 'gate', component: 'rolling/doomed-gate', multiplicity: 1, cloud: 'sim', maxProvisioningFailures: 0, mappings: {} }],
    });
  }, 90_000);

  afterAll(async () => {
    await db?.end().catch(() => undefined);
    await set?.stop();
    await server?.close();
    await pool?.close();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  }, 60_000);

  const stateOf = async (runId: string) => (await via().runs.get(runId)).state;
  const waitReady = (what: string, runId: string, timeoutMs: number) =>
    waitFor(`${what} to reach Ready`, async () => {
      const run = await via().runs.get(runId);
      if (run.state === 'Aborted' || run.state === 'Cancelled' || run.abortMessage) throw new Error(`${what} ended ${run.state}: ${run.abortMessage}`);
      return run.state === 'Ready' ? run : undefined;
    }, timeoutMs);

  /** `run launch --wait` through `replicas` (in this order); resolves with the run's id once it exists, and the CLI's exit. */
  async function launchWithCli(replicas: Replica[], tag: string, module = 'rolling/small') {
    const address = replicas.map((r) => `127.0.0.1:${r.port}`).join(',');
    const cli = spawnCli(['run', 'launch', module, '--wait', '--output', 'json', '--tag', tag], address, set.token, configDir);
    const runId = await waitFor(`the CLI's run ${tag}`, async () => (await via().runs.list({ tag }))[0]?.id, 30_000);
    return { runId, exited: cli.exited };
  }

  /** Restarts each replica in turn, noting where the runs were as it went down. */
  async function restartEach(replicas: Replica[], runs: Record<string, string>, timings: string[]): Promise<void> {
    for (const replica of replicas) {
      const states = await Promise.all(Object.entries(runs).map(async ([name, id]) => `${name} ${await stateOf(id)}`));
      timings.push(`replica ${replica.index} goes down with ${states.join(', ')}`);
      restarting = replica;
      const { stoppedMs, startedMs } = await set.restart(replica);
      restarting = undefined;
      timings.push(`replica ${replica.index}: stopped in ${Math.round(stoppedMs)} ms, serving again after ${Math.round(startedMs)} ms`);
    }
  }

  /** The CLI's verdict: its exit code and the final Run it printed; its stderr for more checks. */
  async function expectCliVerdict(cli: { runId: string; exited: Promise<{ code: number | null; out: string; err: string }> }, code: number, run: Record<string, unknown>) {
    const exit = await cli.exited;
    expect(exit.code, `the CLI's exit (stderr: ${exit.err.slice(-2_000)})`).toBe(code);
    expect(JSON.parse(exit.out)).toMatchObject({ id: cli.runId, ...run });
    return exit.err;
  }

  /** What the CLI said, once per reconnect, when its watch of the run resumed. */
  const reconnects = (stderr: string, runId: string) => stderr.split('\n').filter((line) => line.startsWith(`reconnected: the watch of run ${runId} resumed after update `));

  /**
   * Every agent of the run started each phase once, in order; what it was
   * told was stored is stored. Phases are counted where they start: an agent
   * welcomed again in a state it completed sends that completion again
   * (PhaseDriver), which is an acknowledgement, not a rerun.
   */
  async function expectSimIntact(runId: string, instances: number): Promise<SimAgentRecord[]> {
    // The agents hear of Ready after the run entered it.
    const records = await waitFor(`every agent of run ${runId} in Ready`, async () => {
      const list = (await pool.records()).filter((r) => r.tags.runId === runId);
      return list.length === instances && list.every((r) => r.events.some((e) => e[0] === 'phase-started' && e[1] === RunState.RUN_STATE_READY)) ? list : undefined;
    }, 30_000);
    expect(await checkAcknowledged(db, runId, records)).toEqual([]);
    const phases = [RunState.RUN_STATE_PROVISIONING, RunState.RUN_STATE_EXECUTING, RunState.RUN_STATE_SENDING_REPORTS, RunState.RUN_STATE_READY].map((state) => `${RunState[state]}@0`);
    for (const record of records) {
      const started = record.events.filter((e) => e[0] === 'phase-started').map((e) => `${RunState[e[1]]}@${e[2]}`);
      expect(started, record.key).toEqual(phases);
    }
    return records;
  }

  /** Every local agent of the run started each of its phases once: its state file counts the starts per epoch and state. */
  async function expectLocalPhasesOnce(runId: string, instances: string[]): Promise<void> {
    for (const instance of instances) {
      const state = JSON.parse(readFileSync(join(await localVmWorkDir(set.dataDir, runId, instance), 'state.json'), 'utf8')) as { phaseRuns: Record<string, number> };
      expect(Object.keys(state.phaseRuns), `${instance}'s phases`).toEqual(expect.arrayContaining(['0:Provisioning', '0:Executing', '0:SendingReports']));
      expect(Object.values(state.phaseRuns).every((starts) => starts === 1), `${instance}'s phase starts ${JSON.stringify(state.phaseRuns)}`).toBe(true);
    }
  }

  it('keeps a 200-instance sim run, a local shop run and the CLI’s --wait going through a restart of every replica', async () => {
    const began = performance.now();
    const [r0, r1, r2] = set.replicas as [Replica, Replica, Replica];
    const fleet = (await r0.client.runs.launch({ module: 'rolling/fleet', timeoutMinutes: 10 })).id;
    // The first CLI is given every replica, starting with the first to go down: its watch moves on as each goes.
    const first = await launchWithCli([r0, r1, r2], 'cli-1');
    // A run with local VMs is driven by the replica it was launched through: the first to go down, while it provisions.
    const shop = (await r0.client.runs.launch({ module: 'shop/shop', timeoutMinutes: 10 })).id;
    const owners = await Promise.all([fleet, shop, first.runId].map(async (id) => set.byId((await set.holderOf(id)).holder!).index));
    const timings: string[] = [`owners before: fleet ${owners[0]}, shop ${owners[1]}, cli-1 ${owners[2]}`];

    expect(owners[1]).toBe(0);
    await restartEach([r0, r1], { fleet, shop, 'cli-1': first.runId }, timings);
    expect(timings[1], 'the shop was on its way when its owner went down').not.toMatch(/shop (Ready|Done|Aborted)/);
    await via().runs.setParameter(first.runId, 'gate.1:open', 'yes');
    const firstErr = await expectCliVerdict(first, 0, { state: 'Ready' });
    const firstReconnects = reconnects(firstErr, first.runId);
    expect(firstReconnects.length, `the first CLI's reconnects (stderr: ${firstErr.slice(-2_000)})`).toBeGreaterThanOrEqual(1);

    // The second CLI knows only the replica that restarts next: its watch waits for it to come back.
    const second = await launchWithCli([r2], 'cli-2');
    const doomed = await launchWithCli([r0], 'cli-3', 'rolling/doomed');
    await restartEach([r2], { fleet, shop, 'cli-2': second.runId, 'cli-3': doomed.runId }, timings);
    const rolledMs = performance.now() - began;
    expect(await stateOf(fleet), 'the fleet waits at its gate through the roll').toBe('Executing');
    for (const runId of [second.runId, doomed.runId, fleet]) await via().runs.setParameter(runId, 'gate.1:open', 'yes');
    const secondErr = await expectCliVerdict(second, 0, { state: 'Ready' });
    const secondReconnects = reconnects(secondErr, second.runId);
    expect(secondReconnects, `the second CLI's reconnects (stderr: ${secondErr.slice(-2_000)})`).toHaveLength(1);
    await expectCliVerdict(doomed, 3, { abortMessage: expect.stringContaining('the gate was told to abort') as unknown });
    await waitReady('the sim fleet', fleet, 60_000);
    await waitReady('the shop', shop, 60_000);
    const readyMs = performance.now() - began;

    await expectLocalPhasesOnce(shop, ['db.1', 'app.1', 'app.2', 'lb.1']);
    const fleetRecords = await expectSimIntact(fleet, FLEET + 1);
    await expectSimIntact(first.runId, 4);
    await expectSimIntact(second.runId, 4);
    const values = new Map((await via().runs.listParameters(fleet, 'w.')).map((p) => [p.key, p.value]));
    for (let n = 1; n <= FLEET; n++) expect([values.get(`w.${n}:done`), values.get(`w.${n}:t${SETS}`)], `w.${n}`).toEqual(['yes', String(SETS)]);
    // How far the agents were carried: sessions welcomed per agent (1 = never moved).
    const welcomes = fleetRecords.map((r) => r.events.filter((e) => e[0] === 'welcomed').length);
    timings.push(...[...firstReconnects, ...secondReconnects].map((line) => `CLI: ${line}`));
    timings.push(`roll done after ${Math.round(rolledMs)} ms, both runs Ready after ${Math.round(readyMs)} ms`);
    timings.push(`fleet agents welcomed: max ${Math.max(...welcomes)}, mean ${(welcomes.reduce((a, b) => a + b, 0) / welcomes.length).toFixed(2)} times`);
    console.log(`rolling restart:\n  ${timings.join('\n  ')}`);
    expect(Math.max(...welcomes), 'the fleet’s agents followed their run across replicas').toBeGreaterThan(1);
  }, 150_000);
});
