/**
 * Issue 20: the CLI's followers of a run ride through a controller that is
 * SIGKILLed and started again on the same port and data dir, real processes
 * on SQLite and PostgreSQL. `run launch --wait` exits 0 when the run is
 * Ready, `run watch` and `run logs --follow` exit 0 when it is Done after a
 * terminate; each says once on stderr that its watch resumed, and `logs
 * --follow` prints exactly the lines `run logs` lists afterwards: none twice,
 * none missed, though the agents went on printing while the controller was
 * down. (Lines an agent had written to the stream the SIGKILL cut are not
 * stored: the test counts them, it does not ask for them.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, type SlipstreamClient } from '../../client/index.js';
import { newTokenSecret } from '../../controller/auth/token-secret.js';
import { defaultLocalVmDir } from '../../controller/connectors/local/placement.js';
import { spawnCli, type CliProcess } from '../helpers/cli-process.js';
import { killLocalVms } from '../helpers/controller.js';
import { controllerIdOf, spawnController, startedPort, type ControllerProcess } from '../helpers/controller-process.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/poll.js';
import { createTemporaryDatabase, type TemporaryDatabase } from '../helpers/postgres.js';

/** Lines each instance prints, one every 50 ms: the controller is killed and back while they are still coming. */
const LINES = 120;

describe.each(TEST_DATABASES)('CLI followers across a controller SIGKILL on %s', (database) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipstream-followers-'));
  const configDir = mkdtempSync(join(tmpdir(), 'slipstream-followers-cli-'));
  const token = newTokenSecret();
  let pg: TemporaryDatabase | undefined;
  let proc: ControllerProcess | undefined;
  let client: SlipstreamClient | undefined;
  const clis: CliProcess[] = [];

  afterAll(async () => {
    client?.close();
    for (const cli of clis) if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    if (proc && proc.child.exitCode === null) {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
    const controllerId = await controllerIdOf(dataDir, pg?.url).catch(() => undefined);
    if (controllerId) await killLocalVms(dataDir, controllerId);
    await pg?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(configDir, { recursive: true, force: true });
    rmSync(defaultLocalVmDir(dataDir), { recursive: true, force: true });
  }, 60_000);

  it('launch --wait, watch and logs --follow give the run’s verdict and every log line once', async () => {
    pg = database === 'postgres' ? await createTemporaryDatabase() : undefined;
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const args = ['--listen', address, '--http-listen', '127.0.0.1:0', '--data-dir', dataDir, '--log-level', 'info', '--insecure'];
    if (pg) args.push('--database', pg.url);
    const env = { SLIPSTREAM_BOOTSTRAP_TOKEN: token };
    proc = spawnController(args, env);
    await startedPort(proc);
    client = createSlipstreamClient({ address, token });

    await client.modules.save({
      kind: 'component',
      path: 'followers/talker',
      images: { local: 'local' },
      resources: {},
      recipes: {
        deployment: `for i in $(seq 1 ${LINES}); do echo "line $i"; sleep 0.05; done\nss-get --timeout 0 release > /dev/null\necho released`,
      },
      parameters: [{ name: 'release', category: 'input', type: 'string' }],
    });
    await client.modules.save({
      kind: 'application',
      path: 'followers/app',
      nodes: [{ name: 'web', component: 'followers/talker', multiplicity: 2, maxProvisioningFailures: 0, mappings: {} }],
    });

    const cli = (cliArgs: string[]) => {
      const started = spawnCli(cliArgs, address, token, configDir);
      clis.push(started);
      return started;
    };
    const launch = cli(['run', 'launch', 'followers/app', '--wait', '--tag', 'followers']);
    const runId = await waitFor('the CLI’s run', async () => (await client!.runs.list({ tag: 'followers' }))[0]?.id, 30_000);
    const watch = cli(['run', 'watch', runId]);
    const follow = cli(['run', 'logs', runId, '--follow', '--output', 'json']);

    // Kill while both agents are printing: what they print meanwhile waits in their buffers.
    await waitFor('log lines of both instances on the follower', async () => {
      const printed = followedLines(follow.stdout());
      return ['web.1', 'web.2'].every((i) => printed.some((l) => l.instance === i && l.text === 'line 10')) ? true : undefined;
    }, 90_000).catch(async (err: unknown) => {
      const run = await client!.runs.get(runId);
      throw new Error(`${String(err)}; run ${run.state} ${run.abortMessage ?? ''}; follower stdout ${follow.stdout().slice(-1500)} stderr ${follow.stderr()}`);
    });
    proc.child.kill('SIGKILL');
    await proc.exited;
    const killedAt = performance.now();
    proc = spawnController(args, env);
    // A loaded machine (the suite's other files start controllers too) has taken over 30 s.
    await startedPort(proc, 90_000);
    const backMs = performance.now() - killedAt;

    await waitFor('both agents reconnected', async () => {
      const run = await client!.runs.get(runId);
      return run.nodes.flatMap((n) => n.instances).every((i) => i.agentConnected) ? true : undefined;
    }, 60_000);
    for (const instance of ['web.1', 'web.2']) await client.runs.setParameter(runId, `${instance}:release`, 'go');

    const launched = await launch.exited;
    expect(launched.code, `launch --wait (stderr: ${launched.err})`).toBe(0);
    expect(launched.out).toContain('state: Ready');
    await client.runs.terminate(runId);
    const [watched, followed] = await Promise.all([watch.exited, follow.exited]);
    expect(watched.code, `watch (stderr: ${watched.err})`).toBe(0);
    expect(followed.code, `logs --follow (stderr: ${followed.err})`).toBe(0);
    expect((await client.runs.get(runId)).state).toBe('Done');

    for (const { err } of [launched, watched, followed]) {
      expect(err.split('\n').filter((l) => l.startsWith(`reconnected: the watch of run ${runId} resumed after update `)), err).toHaveLength(1);
    }
    const stored = (await client.runs.logs(runId)).lines;
    const printed = followedLines(followed.out);
    expect(printed.map(key)).toEqual(stored.map(key));
    // The agents' lines reach the store as they did (see `lost` below); the follower printed what the run has, and the
    // lines of the far side of the restart.
    const expected = [...Array.from({ length: LINES }, (_, i) => `line ${i + 1}`), 'released'];
    let lost = 0;
    for (const instance of ['web.1', 'web.2']) {
      const texts = printed.filter((l) => l.instance === instance && l.phase === 'deployment').map((l) => l.text);
      expect(texts.at(-1), instance).toBe('released');
      expect(new Set(texts).size, `${instance} printed a line twice`).toBe(texts.length);
      lost += expected.filter((t) => !texts.includes(t)).length;
    }
    console.log(`[followers ${database}] controller serving again ${Math.round(backMs)} ms after the SIGKILL; ${printed.length} log lines followed, ${lost} of the agents' lines not stored`);
  }, 240_000);
});

interface FollowedLine {
  instance: string;
  phase: string;
  text: string;
  time?: unknown;
}

/** The JSON lines `run logs --follow --output json` printed so far (a partial last line is left out). */
function followedLines(stdout: string): FollowedLine[] {
  return stdout
    .split('\n')
    .slice(0, -1)
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as FollowedLine);
}

/** A line as both listings show it (the time it arrived tells two equal texts apart). */
const key = (line: FollowedLine) => JSON.stringify([line.instance, line.phase, line.text, line.time]);
