/**
 * One controller per database unless every one runs with --ha (issue 19),
 * with real processes: a second controller on an SQLite file, or a second
 * one without --ha on PostgreSQL, or an HA replica beside a lone controller
 * (and the other way round) refuses to start with exit code 3, naming the
 * controller already there; that one keeps serving, its run keeps its lease
 * and its agent, and terminates. A controller killed with SIGKILL blocks no
 * restart. HA replicas show in `slipstream controller list`. --ha without
 * what replicas must share is refused at option time (exit code 2).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../client/cli/program.js';
import { createTestDeps } from '../../client/cli/test-io.js';
import { createSlipstreamClient, type SlipstreamClient } from '../../client/index.js';
import { newTokenSecret } from '../../controller/auth/token-secret.js';
import { defaultLocalVmDir } from '../../controller/connectors/local/placement.js';
import { RunState, type Run } from '../../proto/gen/slipstream/v1/runs.js';
import { killLocalVms } from '../helpers/controller.js';
import { spawnController, startedPort, type ControllerProcess } from '../helpers/controller-process.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { waitFor } from '../helpers/poll.js';
import { createTemporaryDatabase, type TemporaryDatabase } from '../helpers/postgres.js';
import { instancesOf, isFinalState, TestRuns } from '../helpers/runs.js';
import { selectRows } from '../helpers/sql.js';

/** Exit code of a start refused because another controller uses the database (controller/main.ts). */
const REFUSED = 3;
const CREDENTIAL_KEY = Buffer.alloc(32, 19).toString('base64');
const LISTEN = ['--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--insecure'];

/** One instance that waits in its deployment for an input nobody sets: a live agent for as long as the test needs. */
const WAITER = {
  kind: 'component' as const,
  path: 'guard/waiter',
  images: { local: 'local' },
  resources: {},
  recipes: { deployment: 'ss-display waiting\nss-get --timeout 0 release' },
  parameters: [{ name: 'release', category: 'input' as const, type: 'string' as const }],
};

/** A started controller process with a client of its API. */
interface Started {
  proc: ControllerProcess;
  port: number;
  client: SlipstreamClient;
  runs: TestRuns;
}

async function start(args: string[], env: Record<string, string>): Promise<Started> {
  const proc = spawnController([...LISTEN, ...args], env);
  try {
    const port = await startedPort(proc);
    const client = createSlipstreamClient({ address: `127.0.0.1:${port}`, token: env.SLIPSTREAM_BOOTSTRAP_TOKEN! });
    return { proc, port, client, runs: new TestRuns(client) };
  } catch (err) {
    proc.child.kill('SIGKILL');
    throw err;
  }
}

async function stop(started: Started | undefined): Promise<void> {
  if (!started) return;
  started.client.close();
  if (started.proc.child.exitCode === null && started.proc.child.signalCode === null) {
    started.proc.child.kill('SIGTERM');
    await started.proc.exited;
  }
}

/** Starts a controller that must refuse; returns its exit code and stderr, and that it never listened. */
async function refusedStart(args: string[], env: Record<string, string>): Promise<{ code: number | string; stderr: string; listened: boolean }> {
  const proc = spawnController([...LISTEN, ...args], env);
  const code = await proc.exited;
  return { code, stderr: proc.stderr(), listened: proc.stdout().includes('"msg":"listening"') };
}

/** How a refusal names a controller: its pid, host and the address it serves. */
function named(other: Started): string {
  return `pid ${other.proc.child.pid} on host ${hostname()}, serving 127.0.0.1:${other.port}`;
}

async function leaseOf(databaseUrl: string, runId: string): Promise<Record<string, unknown>> {
  const [row] = await selectRows(databaseUrl, 'select lease_holder, lease_epoch from runs where id = ?', [runId]);
  return { holder: row?.lease_holder, epoch: Number(row?.lease_epoch) };
}

async function replicaRows(databaseUrl: string): Promise<{ id: string; pid: number; state: string }[]> {
  const rows = await selectRows(databaseUrl, 'select id, pid, state from controller_replicas order by started_at');
  return rows.map((r) => ({ id: String(r.id), pid: Number(r.pid), state: String(r.state) }));
}

/** The waiter's instance, once its agent is connected and waits on ss-get in Executing. */
function waiting(run: Run): Run | undefined {
  const [instance] = instancesOf(run);
  return run.state === RunState.RUN_STATE_EXECUTING && instance?.agentConnected && instance.stateCustom === 'waiting' ? run : undefined;
}

async function terminated(runs: TestRuns, runId: string): Promise<void> {
  await runs.terminate(runId);
  await runs.until(runId, 'the run to end', (run) => (isFinalState(run.state) ? run : undefined));
}

async function cleanUp(databaseUrl: string, dataDirs: string[]): Promise<void> {
  const [row] = await selectRows(databaseUrl, `select value from controller_secrets where name = 'controller-id'`).catch(() => []);
  if (row) await killLocalVms(dataDirs[0]!, String(row.value));
  for (const dir of dataDirs) {
    rmSync(dir, { recursive: true, force: true });
    // Where a controller running as root puts its VMs' work dirs.
    rmSync(defaultLocalVmDir(dir), { recursive: true, force: true });
  }
}

describe.each(TEST_DATABASES)('a controller alone on its %s database', (database) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipstream-guard-'));
  const otherDataDir = mkdtempSync(join(tmpdir(), 'slipstream-guard-other-'));
  const env = { SLIPSTREAM_BOOTSTRAP_TOKEN: newTokenSecret() };
  let pg: TemporaryDatabase | undefined;
  let databaseUrl = `sqlite:${join(dataDir, 'slipstream.db')}`;
  let first: Started | undefined;

  beforeAll(async () => {
    if (database === 'postgres') {
      pg = await createTemporaryDatabase();
      databaseUrl = pg.url;
    }
    first = await start(['--data-dir', dataDir, '--database', databaseUrl], env);
  }, 60_000);

  afterAll(async () => {
    await first?.runs.terminateAll();
    await stop(first);
    await cleanUp(databaseUrl, [dataDir, otherDataDir]);
    await pg?.drop();
  }, 60_000);

  // SQLite: the same file through another data dir, and the same data dir (its default database). PostgreSQL: a second
  // lone controller, and an HA replica, which may not share the database with a lone controller either.
  const intruders: [string, () => string[], Record<string, string>][] =
    database === 'sqlite'
      ? [
          ['the same file from another data dir', () => ['--data-dir', otherDataDir, '--database', databaseUrl], {}],
          ['the same data dir', () => ['--data-dir', dataDir], {}],
        ]
      : [
          ['a second controller without --ha', () => ['--data-dir', otherDataDir, '--database', databaseUrl], {}],
          ['an HA replica', () => ['--data-dir', otherDataDir, '--database', databaseUrl, '--ha'], { SLIPSTREAM_CREDENTIAL_KEY: CREDENTIAL_KEY }],
        ];

  it('refuses every other controller, naming it, and leaves it, its run and its agent untouched', async () => {
    const { client, runs } = first!;
    await client.modules.save(WAITER);
    const launched = await runs.launch(WAITER.path);
    await runs.until(launched.id, 'the instance to wait on ss-get', waiting);
    const leaseBefore = await leaseOf(databaseUrl, launched.id);
    const [self] = await replicaRows(databaseUrl);
    expect(self).toMatchObject({ pid: first!.proc.child.pid, state: 'serving' });
    expect(leaseBefore).toMatchObject({ holder: self!.id });

    // Both at once: neither may slip in while the other is being refused.
    const attempts = await Promise.all(intruders.map(async ([what, args, extraEnv]) => ({ what, ...(await refusedStart(args(), { ...env, ...extraEnv })) })));
    for (const { what, ...refused } of attempts) {
      expect(refused.code, `${what}: ${refused.stderr}`).toBe(REFUSED);
      expect(refused.stderr, what).toContain(`slipstream-controller: another controller is using this database (${named(first!)}`);
      expect(refused.listened, what).toBe(false);
    }

    // Nothing the refused ones did shows: no replica row of theirs, the lease and its epoch as they were, the agent still there.
    expect(await replicaRows(databaseUrl)).toEqual([self]);
    expect(await leaseOf(databaseUrl, launched.id)).toEqual(leaseBefore);
    expect(waiting(await runs.get(launched.id))).toBeDefined();
    expect((await client.users.whoAmI({})).user?.name).toBe('admin');
    await terminated(runs, launched.id);
  }, 90_000);

  it('starts again on the database of a controller killed with SIGKILL', async () => {
    const killed = first!;
    const [killedRow] = await replicaRows(databaseUrl);
    killed.client.close();
    killed.proc.child.kill('SIGKILL');
    await killed.proc.exited;
    first = await start(['--data-dir', dataDir, '--database', databaseUrl], env);
    expect(first.proc.stdout()).toContain('an earlier controller on this database did not stop cleanly; marked gone');
    expect((await replicaRows(databaseUrl)).map((r) => [r.pid, r.state])).toEqual([
      [killedRow!.pid, 'gone'],
      [first.proc.child.pid, 'serving'],
    ]);
  }, 60_000);
});

describe.runIf(TEST_DATABASES.includes('postgres'))('HA replicas on PostgreSQL', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipstream-guard-ha-'));
  const otherDataDir = mkdtempSync(join(tmpdir(), 'slipstream-guard-ha-other-'));
  const env = { SLIPSTREAM_BOOTSTRAP_TOKEN: newTokenSecret(), SLIPSTREAM_CREDENTIAL_KEY: CREDENTIAL_KEY };
  let pg: TemporaryDatabase;
  let replicas: Started[] = [];
  let runId = '';

  beforeAll(async () => {
    pg = await createTemporaryDatabase();
    const settled = await Promise.allSettled([0, 1].map(() => start(['--ha', '--data-dir', dataDir, '--database', pg.url], env)));
    replicas = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
  }, 60_000);

  afterAll(async () => {
    await replicas[0]?.runs.terminateAll();
    await Promise.all(replicas.map(stop));
    if (pg) {
      await cleanUp(pg.url, [dataDir, otherDataDir]);
      await pg.drop();
    }
  }, 60_000);

  /** `slipstream ARGV` as an operator admin against the first replica. */
  const cli = async (argv: string[]) => {
    const deps = createTestDeps({
      env: { SLIPSTREAM_ADDR: `127.0.0.1:${replicas[0]!.port}`, SLIPSTREAM_TOKEN: env.SLIPSTREAM_BOOTSTRAP_TOKEN },
      configPath: join(dataDir, 'cli-config.yaml'),
    });
    const code = await runCli(argv, deps);
    return { code, out: deps.out(), err: deps.err() };
  };

  it('slipstream controller list shows both, serving in HA mode, the answering one marked, with the run one of them owns', async () => {
    const [answering, other] = replicas;
    // Multiplicity 0: a run that holds a lease without any VM.
    await answering!.client.modules.save(WAITER);
    await answering!.client.modules.save({ kind: 'application', path: 'guard/idle', nodes: [{ name: 'w', component: WAITER.path, multiplicity: 0, maxProvisioningFailures: 0, mappings: {} }] });
    runId = (await answering!.runs.launch('guard/idle')).id;
    await answering!.runs.waitForState(runId, RunState.RUN_STATE_READY);

    // Runs owned are counted at each heartbeat.
    const rows = await waitFor('both replicas serving, one owning the run', async () => {
      const listed = await cli(['controller', 'list']);
      expect(listed, listed.err).toMatchObject({ code: 0, err: '' });
      const lines = listed.out.trimEnd().split('\n');
      const body = lines.slice(1).map((l) => l.split('\t'));
      return body.length === 2 && body.every((c) => c[4] === 'serving') && body.map((c) => c[5]).sort().join() === '0,1' ? lines : undefined;
    }, 30_000);
    expect(rows[0]).toBe('ID\tADDRESS\tVERSION\tMODE\tSTATE\tRUNS\tAGENTS\tHEARTBEAT');
    const byAddress = new Map(rows.slice(1).map((l) => [l.split('\t')[1], l.split('\t')]));
    expect(byAddress.get(`127.0.0.1:${answering!.port}`)?.[0]).toMatch(/^[0-9a-f]{8} \*$/);
    expect(byAddress.get(`127.0.0.1:${other!.port}`)?.[0]).toMatch(/^[0-9a-f]{8}$/);
    for (const columns of byAddress.values()) {
      expect(columns[3]).toBe('ha');
      expect(columns[6]).toBe('0');
      expect(columns[7]).toMatch(/^\d+s ago$/);
    }

    const json = await cli(['controller', 'list', '--output', 'json']);
    expect(json.code).toBe(0);
    const listed = (JSON.parse(json.out) as { id: string; self: boolean; pid: number; address: string; mode: string; state: string; runsOwned: number }[]).sort((a, b) => a.pid - b.pid);
    const expected = [answering!, other!]
      .map((r) => ({ self: r === answering, pid: r.proc.child.pid, address: `127.0.0.1:${r.port}`, mode: 'ha', state: 'serving', agentsConnected: 0 }))
      .sort((a, b) => a.pid! - b.pid!);
    expect(listed).toMatchObject(expected);
    const { holder } = await leaseOf(pg.url, runId);
    expect(listed.find((r) => r.id === holder)?.runsOwned).toBe(1);
  }, 60_000);

  it('refuses a controller without --ha, naming the replicas, and leaves them and their run untouched', async () => {
    const leaseBefore = await leaseOf(pg.url, runId);
    const rowsBefore = await replicaRows(pg.url);
    const refused = await refusedStart(['--data-dir', otherDataDir, '--database', pg.url], env);
    expect(refused.code, refused.stderr).toBe(REFUSED);
    expect(refused.stderr).toContain('slipstream-controller: another controller is using this database (');
    for (const replica of replicas) expect(refused.stderr).toContain(named(replica));
    expect(refused.stderr).toContain('start this one with --ha as well');
    expect(refused.listened).toBe(false);

    expect(await replicaRows(pg.url)).toEqual(rowsBefore);
    expect(rowsBefore.map((r) => r.state)).toEqual(['serving', 'serving']);
    expect(await leaseOf(pg.url, runId)).toEqual(leaseBefore);
    // Through the replica that answered the launch, whichever of the two drives the run.
    await terminated(replicas[0]!.runs, runId);
  }, 60_000);
});

// The other option errors are unit tests (controller/options.ha.test.ts); this shows how main.ts reports them.
describe('--ha without TLS files or --insecure', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipstream-guard-options-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('is refused before anything starts, with exit code 2 and what to give', async () => {
    const proc = spawnController(['--ha', '--data-dir', dataDir, '--database', 'postgres://postgres@127.0.0.1:5432/none'], { SLIPSTREAM_CREDENTIAL_KEY: CREDENTIAL_KEY });
    expect(await proc.exited).toBe(2);
    expect(proc.stderr()).toBe('slipstream-controller: ha: give every replica the same --tls-ca, --tls-cert and --tls-key (agents move between replicas and pin one CA), or --insecure\n');
    expect(proc.stdout()).toBe('');
  });
});
