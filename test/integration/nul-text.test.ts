/**
 * A NUL character in user text that would reach the database (a module's
 * description, a version's message, a parameter value, an abort message) is
 * INVALID_ARGUMENT naming the field, on both databases: PostgreSQL refuses
 * NUL in text, which used to surface as INTERNAL with the SQL in the log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, InvalidArgumentError, type SlipstreamClient } from '../../client/index.js';
import { launchWaitingRun, WAITING_CLOUD } from '../helpers/agent-credential.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { component } from '../helpers/fixtures.js';
import { TestRuns } from '../helpers/runs.js';

const NUL = 'must not contain NUL (U+0000) characters';

describe.each(TEST_DATABASES)('NUL in user text on %s', (database) => {
  let controller: TestController;
  let client: SlipstreamClient;
  let runs: TestRuns;
  let runId: string;

  beforeAll(async () => {
    controller = await startTestController({ database, extraClouds: [WAITING_CLOUD] });
    client = createSlipstreamClient({ address: controller.address, token: controller.adminToken });
    runs = new TestRuns(client);
    runId = await launchWaitingRun(client, runs, 'nul/app');
  }, 60_000);

  afterAll(async () => {
    await runs?.terminateAll();
    client?.close();
    await controller?.stop();
  });

  async function refusal(call: Promise<unknown>): Promise<InvalidArgumentError> {
    const err = await call.then(
      () => new Error('accepted'),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return err as InvalidArgumentError;
  }

  it('a module description', async () => {
    const err = await refusal(client.modules.save(component('nul/described', { description: 'a web\0server' })));
    expect(err.violations).toEqual([{ field: 'spec.description', description: NUL }]);
    await expect(client.modules.history('nul/described')).rejects.toThrow(/not found/);
  });

  it('a version message', async () => {
    const err = await refusal(client.modules.save(component('nul/messaged'), { message: 'first\0import' }));
    expect(err.violations).toEqual([{ field: 'message', description: NUL }]);
  });

  it('a value set on a run parameter', async () => {
    const err = await refusal(runs.setParameter(runId, 'node.1:note', 'a\0b'));
    expect(err.violations).toEqual([{ field: 'value', description: NUL }]);
    expect((await runs.parameter(runId, 'node.1:note')).value).toBe('none');
  });

  it('an abort message', async () => {
    const err = await refusal(runs.call(runs.raw.abortRun, { id: runId, message: 'stop\0now', cancel: false }));
    expect(err.violations).toEqual([{ field: 'message', description: NUL }]);
    expect((await runs.get(runId)).abortMessage).toBe('');
  });

  it('is never an internal error, and nothing is logged as unexpected', () => {
    expect(controller.logs.filter((l) => l.msg === 'unexpected error')).toEqual([]);
  });
});
