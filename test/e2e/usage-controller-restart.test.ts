/**
 * Usage across a controller SIGKILL: a run holds two `local` VMs, the
 * controller is killed and started again on the same database; the VMs'
 * intervals keep their starts (no second start, no gap while the
 * controller was down: the VMs ran), and once the run is terminated each
 * VM's whole life is counted once, whichever way the period is cut.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, type SlipstreamClient } from '../../client/index.js';
import { newTokenSecret } from '../../controller/auth/token-secret.js';
import { defaultLocalVmDir } from '../../controller/connectors/local/placement.js';
import { killLocalVms } from '../helpers/controller.js';
import { controllerIdOf, startedPort, spawnController, type ControllerProcess } from '../helpers/controller-process.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/poll.js';
import { createTemporaryDatabase, type TemporaryDatabase } from '../helpers/postgres.js';
import { selectRows } from '../helpers/sql.js';

const HOUR_MS = 3600_000;

describe.each(TEST_DATABASES)('usage across a controller restart on %s', (database) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipstream-usage-restart-'));
  const token = newTokenSecret();
  let pg: TemporaryDatabase | undefined;
  let proc: ControllerProcess | undefined;
  let client: SlipstreamClient | undefined;

  afterAll(async () => {
    client?.close();
    if (proc && proc.child.exitCode === null) {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
    const controllerId = await controllerIdOf(dataDir, pg?.url).catch(() => undefined);
    if (controllerId) await killLocalVms(dataDir, controllerId);
    await pg?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(defaultLocalVmDir(dataDir), { recursive: true, force: true });
  });

  it('counts the VMs held through a SIGKILL once, without a gap', async () => {
    pg = database === 'postgres' ? await createTemporaryDatabase() : undefined;
    const port = await freePort();
    const args = ['--listen', `127.0.0.1:${port}`, '--http-listen', '127.0.0.1:0', '--data-dir', dataDir, '--log-level', 'info', '--insecure'];
    if (pg) args.push('--database', pg.url);
    const env = { SLIPSTREAM_BOOTSTRAP_TOKEN: token };
    proc = spawnController(args, env);
    await startedPort(proc);
    client = createSlipstreamClient({ address: `127.0.0.1:${port}`, token });
    const c = client;
    /** The VMs' intervals as the database has them (SQLite keeps epoch milliseconds, PostgreSQL timestamps). */
    const intervals = async (): Promise<{ started: number; stopped: number | null }[]> => {
      const rows = await selectRows(pg?.url ?? `sqlite:${join(dataDir, 'slipstream.db')}`, `select vm_started_at, vm_stopped_at from run_instances order by name`, []);
      const time = (v: unknown) => new Date(v as string | number | Date).getTime();
      return rows.map((r) => ({ started: time(r.vm_started_at), stopped: r.vm_stopped_at === null ? null : time(r.vm_stopped_at) }));
    };

    await c.modules.save({ kind: 'component', path: 'meter/worker', images: { local: 'local' }, resources: {}, recipes: { deployment: 'echo up' }, parameters: [] });
    await c.modules.save({
      kind: 'application',
      path: 'meter/app',
      nodes: [{ name: 'web', component: 'meter/worker', multiplicity: 2, maxProvisioningFailures: 0, mappings: {} }],
    });
    const launchedAt = Date.now();
    const runId = (await c.runs.launch({ module: 'meter/app', keepRunning: 'always' })).id;
    await waitFor('the run to be Ready', async () => ((await c.runs.get(runId)).state === 'Ready' ? true : undefined), 90_000);
    const period = { from: new Date(launchedAt - HOUR_MS), to: new Date(launchedAt + 24 * HOUR_MS) };
    const before = await c.usage.get(period);
    expect(before.totals).toMatchObject({ runs: 1, instances: 2 });
    const startsBefore = await intervals();
    expect(startsBefore).toHaveLength(2);
    expect(startsBefore.every((i) => i.started >= launchedAt && i.stopped === null)).toBe(true);

    const killedAt = new Date();
    proc.child.kill('SIGKILL');
    await proc.exited;
    proc = spawnController(args, env);
    await startedPort(proc);
    const restartedAt = new Date();
    await waitFor('both agents reconnected', async () => {
      const run = await c.runs.get(runId);
      return run.nodes.flatMap((n) => n.instances).every((i) => i.agentConnected) ? true : undefined;
    }, 60_000);

    // Still open, from the same starts: the time the controller was down is counted (the VMs ran), once.
    const during = await c.usage.get(period);
    expect(during.totals).toMatchObject({ runs: 1, instances: 2 });
    const openSeconds = (during.asOf.getTime() - before.asOf.getTime()) / 1000;
    expect(during.totals.instanceHours * 3600 - before.totals.instanceHours * 3600).toBeCloseTo(2 * openSeconds, -1);
    const down = await c.usage.get({ from: killedAt, to: restartedAt });
    expect(down.totals.instanceHours * 3600).toBeCloseTo(2 * ((restartedAt.getTime() - killedAt.getTime()) / 1000), 1);
    expect((await intervals()).map((i) => i.started)).toEqual(startsBefore.map((i) => i.started));

    await c.runs.terminate(runId);
    await waitFor('the run to be Done', async () => ((await c.runs.get(runId)).state === 'Done' ? true : undefined), 60_000);
    const done = await c.usage.get(period);
    expect(done.totals).toMatchObject({ runs: 1, instances: 2 });
    expect((await c.usage.get(period)).totals).toEqual(done.totals);
    const closed = await intervals();
    expect(closed.every((i) => i.stopped !== null && i.stopped > restartedAt.getTime())).toBe(true);
    const lives = closed.reduce((s, i) => s + (i.stopped! - i.started), 0) / 1000;
    expect(done.totals.instanceHours * 3600).toBeCloseTo(lives, 1);
    // Cut at the kill and at the restart: the three parts add up to the whole, each VM counted once.
    const parts = await Promise.all(
      [
        { from: period.from, to: killedAt },
        { from: killedAt, to: restartedAt },
        { from: restartedAt, to: period.to },
      ].map((p) => c.usage.get(p)),
    );
    expect(parts.reduce((s, p) => s + p.totals.instanceHours, 0)).toBeCloseTo(done.totals.instanceHours, 9);
    expect(parts.map((p) => p.totals.instances)).toEqual([2, 2, 2]);
    expect(parts.map((p) => p.totals.runs)).toEqual([1, 0, 0]);
  }, 300_000);
});
