/**
 * What an agent sends as text is stored as the controller decides: recipe
 * output with a NUL is kept (the NUL as ␀) with the clean lines beside it, log
 * lines count only after the session's hello and carry the controller's
 * receive time, and an abort message with a NUL aborts the run with the NUL as
 * ␀. Real controller, real local agents, both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PHASE_CHARS } from '../../controller/api/services/agent-log-lines.js';
import { NUL_REPLACEMENT } from '../../controller/domain/runs/agent-text.js';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import type { TestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { localVmCredential } from '../helpers/local-vm-credential.js';
import { waitFor } from '../helpers/poll.js';
import { processesOfRun, TestRuns } from '../helpers/runs.js';
import { outputStreamToProto } from '../../common/convert/output-streams.js';

describe.each(TEST_DATABASES)('a hostile agent and the text it sends on %s', (database) => {
  let harness: Harness;
  let controller: TestController;
  let runs: TestRuns;
  let runId: string;

  const probe = async (run: string, instance: string) => harness.probe(await localVmCredential(controller, run, instance));
  const logTexts = async (run: string, instance: string) => (await runs.logs(run, instance)).map((l) => l.text);

  beforeAll(async () => {
    harness = await startHarness({ database });
    ({ controller, runs } = harness);
    await harness.client.modules.save({
      kind: 'component',
      path: 'noisy/vm',
      images: { local: 'local' },
      resources: {},
      recipes: { deployment: "echo clean-before\nprintf 'a\\0b\\n'\necho clean-after\nprintf 'ctl\\001\\037\\033[31m\\177\\357\\277\\277\\n'\nprintf 'tail\\0'" },
      parameters: [],
    });
    runId = (await runs.launch('noisy/vm', { timeoutMinutes: 5 })).id;
    await runs.waitForState(runId, RunState.RUN_STATE_READY, 90_000);
  }, 120_000);

  afterAll(() => harness?.close());

  it("stores a recipe's NUL as ␀ and keeps every clean line printed beside it", async () => {
    const lines = await logTexts(runId, 'machine.1');
    // Every other control character (and U+FFFF) is stored as printed.
    const controls = 'ctl\u0001\u001f\u001b[31m\u007f\uffff';
    const printed = lines.filter((t) => ['clean-before', `a${NUL_REPLACEMENT}b`, 'clean-after', controls, `tail${NUL_REPLACEMENT}`].includes(t));
    expect(printed).toEqual(['clean-before', 'a␀b', 'clean-after', controls, 'tail␀']);
    expect(controller.logs.filter((l) => l.msg === 'agent message failed' || l.msg === 'batch failed; applying its items one by one')).toEqual([]);
  });

  it('ignores log lines sent before hello, with a warning, and stamps the ones after it with the time they arrived', async () => {
    // The VM's own agent is held still, so that it does not take its session back while this one acts as it.
    // The run has one VM, machine.1: its processes are the run's.
    const pids = (await processesOfRun(runId)).map((p) => p.pid);
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    try {
      const forger = await probe(runId, 'machine.1');
      const line = (text: string) => ({ instance: 'db.7', phase: 'deployment\u0000'.repeat(40), ...outputStreamToProto('stdout'), text, time: new Date(0), droppedLines: 0, droppedBytes: 0 });
      forger.send({ message: { $case: 'logs', value: { lines: [line('sent before hello')], dropped: 0, droppedBytes: 0, droppedPhase: '' } } });
      await waitFor('the warning', async () => controller.logs.find((l) => l.msg === 'log lines before hello ignored'));
      const sent = Date.now();
      forger.send({ message: { $case: 'hello', value: { agentVersion: 'forger', completedState: RunState.RUN_STATE_UNSPECIFIED, completedEpoch: 0 } } });
      forger.send({ message: { $case: 'logs', value: { lines: [line('sent after hello')], dropped: 0, droppedBytes: 0, droppedPhase: '' } } });
      const after = await waitFor('the line sent after hello', async () => (await runs.logs(runId)).find((l) => l.text === 'sent after hello'));
      // The controller's clock, not the epoch the line claimed; the session's instance, not the one the line named.
      expect(after.time!.getTime()).toBeGreaterThanOrEqual(sent - 1_000);
      expect(after.instance).toBe('machine.1');
      // A phase longer than the journal holds is cut to its 160 characters, never failing the batch.
      expect(after.phase).toBe(`deployment${NUL_REPLACEMENT}`.repeat(40).slice(0, MAX_PHASE_CHARS));
      expect((await runs.logs(runId)).map((l) => l.text)).not.toContain('sent before hello');
      const warning = controller.logs.find((l) => l.msg === 'log lines before hello ignored')!;
      expect(warning).toMatchObject({ level: 40, runId, instance: 'machine.1', lines: 1 });
    } finally {
      for (const pid of pids) process.kill(pid, 'SIGCONT');
    }
  });

  it('refuses an abort message larger than 64 KiB, and aborts with a NUL kept as ␀', async () => {
    const victim = (await runs.launch('noisy/vm', { timeoutMinutes: 5 })).id;
    await runs.waitForState(victim, RunState.RUN_STATE_READY, 90_000);
    const forger = await probe(victim, 'machine.1');
    expect(await forger.abort('x'.repeat(64 * 1024 + 1))).toMatchObject({ error: 'invalid', errorMessage: 'the abort message is larger than 64 KiB' });
    expect((await runs.get(victim)).abortMessage).toBe('');
    expect(await forger.abort('boom\u0000here')).toMatchObject({ error: '', errorMessage: '' });
    const aborted = await runs.until(victim, 'the abort', (run) => (run.abortMessage ? run : undefined));
    expect(aborted.abortMessage).toBe(`boom${NUL_REPLACEMENT}here`);
    expect((await runs.parameter(victim, 'ss:abort')).value).toBe('boom␀here');
    expect((await runs.events(victim)).some((e) => e.message === 'boom␀here')).toBe(true);
  }, 120_000);
});
