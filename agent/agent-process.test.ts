import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../test/helpers/poll.js';
import { RunState } from '../proto/gen/slipstream/v1/runs.js';
import type { FakeController } from './testing/test-controller.js';
import { cleanupAll, memoryKb, startAgentProcess, startFakeController, tempDir } from './testing/test-agent.js';

const { RUN_STATE_PROVISIONING: PROVISIONING, RUN_STATE_EXECUTING: EXECUTING, RUN_STATE_SENDING_REPORTS: SENDING_REPORTS } = RunState;

afterEach(cleanupAll);

const completions = (f: FakeController, state: RunState) => f.completions.filter((c) => c.state === state).length;

describe('agent process', () => {
  it('after SIGKILL and restart with the same config it neither re-enrolls nor re-runs a completed phase', async () => {
    const f = await startFakeController({ plan: { deployment: [{ source: 'app/web@1', script: 'echo run >> count.txt' }] } });
    const dir = await tempDir();
    const config = await f.writeConfigFile(dir);
    const first = startAgentProcess(['--config', config]);
    await waitFor('provisioning', async () => completions(f, PROVISIONING) > 0 || undefined, 30_000);
    f.setState(EXECUTING);
    await waitFor('executing', async () => completions(f, EXECUTING) > 0 || undefined);
    first.child.kill('SIGKILL');
    expect((await first.finished).signal).toBe('SIGKILL');

    const second = startAgentProcess(['--config', config]);
    await waitFor('second session', async () => (f.hellos.length === 2 && completions(f, EXECUTING) === 2) || undefined, 30_000);
    expect(f.hellos[1]).toMatchObject({ completedState: EXECUTING, completedEpoch: 1 });
    expect(f.enrollments).toHaveLength(1);
    expect(await readFile(join(dir, 'home', 'count.txt'), 'utf8')).toBe('run\n');
    const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as { phaseRuns: Record<string, number> };
    expect(state.phaseRuns).toEqual({ '1:Provisioning': 1, '1:Executing': 1 });

    f.setState(SENDING_REPORTS);
    await waitFor('reports', async () => completions(f, SENDING_REPORTS) > 0 || undefined);
    f.setState(RunState.RUN_STATE_DONE);
    expect(await second.finished).toMatchObject({ code: 0 });
  });

  it('a noisy script keeps the agent memory bounded; dropped lines are reported', async () => {
    const f = await startFakeController({
      runState: PROVISIONING,
      keepLogLines: 1_000,
      plan: { deployment: [{ source: 'app/noisy@1', script: 'yes | head -c 50000000\necho last-line' }] },
    });
    const dir = await tempDir();
    const agent = startAgentProcess(['--config', await f.writeConfigFile(dir)]);
    const pid = agent.child.pid!;
    await waitFor('provisioning', async () => completions(f, PROVISIONING) > 0 || undefined, 30_000);
    await waitFor('settled', async () => f.heartbeats > 0 || undefined);
    const idleKb = await memoryKb(pid);
    f.setState(EXECUTING);
    let peakKb = idleKb;
    await waitFor(
      'noisy deployment done',
      async () => {
        peakKb = Math.max(peakKb, await memoryKb(pid));
        return completions(f, EXECUTING) > 0 || undefined;
      },
      60_000,
    );
    await waitFor('last line shipped', async () => f.logLines.some((l) => l.text === 'last-line') || f.logLineCount > 0 || undefined);
    const hwmKb = await memoryKb(pid, 'VmHWM');
    console.log(`noisy script: agent RSS idle ${idleKb} KiB, peak sampled ${peakKb} KiB, VmHWM ${hwmKb} KiB; lines received ${f.logLineCount}, dropped ${f.droppedTotal}`);
    // 25 million lines went through: unbounded buffering would need gigabytes.
    expect(hwmKb - idleKb).toBeLessThan(120 * 1024);
    expect(f.droppedTotal).toBeGreaterThan(0);
    expect(f.logLineCount + f.droppedTotal).toBeLessThanOrEqual(25_000_001);
    const log = await readFile(join(dir, 'logs', 'deployment.log'), 'utf8');
    expect(log.length).toBeGreaterThan(49_000_000);
    expect(log).toContain('last-line\n');
    agent.child.kill('SIGTERM');
    expect(await agent.finished).toMatchObject({ code: 0 });
  });

  it('a refused bootstrap token exits 1 with a clear message', async () => {
    const f = await startFakeController();
    const dir = await tempDir();
    const agent = startAgentProcess(['--config', await f.writeConfigFile(dir, { bootstrapToken: 'not-the-token' })]);
    const result = await agent.finished;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('slipstream-agent: the controller refused the bootstrap token (UNAUTHENTICATED): unknown bootstrap token');
    expect(result.stderr).not.toContain('not-the-token');
  });

  it('a bad config file exits 1 naming the field; bad usage exits 2', async () => {
    const f = await startFakeController();
    const dir = await tempDir();
    const bad = await startAgentProcess(['--config', await f.writeConfigFile(dir, { instance: 'Web_1' })]).finished;
    expect(bad).toMatchObject({ code: 1 });
    expect(bad.stderr).toContain('config.instance: must be NODE.N');
    expect((await startAgentProcess([]).finished).code).toBe(2);
  });
});
