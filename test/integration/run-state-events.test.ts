/**
 * A run's state changes reach readers as states, not as text, against a real
 * controller on SQLite and PostgreSQL: ListRunEvents names the two states of
 * every `state` event and WatchRun sends them as a state change, both read
 * from the data the journal row carries (changing the message for people
 * changes neither). Rows written before rows carried that data, which hold
 * the change only in their message, still read the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, type SlipstreamClient } from '../../client/index.js';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { waitFor } from '../helpers/poll.js';
import { executeSql, selectRows } from '../helpers/sql.js';

/** Its VMs never finish provisioning: the run stays in Provisioning, with no agent process, for as long as the file needs it. */
const PARKED_CLOUD = { name: 'parked', driver: 'fake', settings: { world: `state-events-${process.pid}`, provisionDelayMs: '3600000' } };

describe.each(TEST_DATABASES)('state events on %s', (database) => {
  let controller: TestController;
  let client: SlipstreamClient;
  let runId = '';

  const stateEvents = async () => (await client.runs.events(runId)).filter((e) => e.type === 'state');
  const setStateRows = (column: 'subject' | 'text', value: string) =>
    executeSql(controller.databaseUrl, `update run_journal set ${column} = ? where run_id = ? and kind = 'event' and "type" = 'state'`, [value, runId]);

  /** The first state change WatchRun replays from the start of the run. */
  async function watchedChange(): Promise<{ from: RunState; to: RunState }> {
    for await (const update of client.runs.watch(runId, { afterSequence: 0 })) {
      if (update.update?.$case === 'stateChanged') return { from: update.update.value.from, to: update.update.value.to };
    }
    throw new Error('the watch ended without a state change');
  }

  beforeAll(async () => {
    controller = await startTestController({ database, extraClouds: [PARKED_CLOUD] });
    client = createSlipstreamClient({ address: controller.address, token: controller.adminToken });
    await client.modules.save({ kind: 'component', path: 'parked/box', images: { parked: 'img-1' }, resources: {}, recipes: {}, parameters: [] });
    runId = (await client.runs.launch({ module: 'parked/box', defaultCloud: 'parked' })).id;
    await waitFor('the run in Provisioning', async () => (await stateEvents()).length > 0 || undefined);
  });

  afterAll(async () => {
    if (runId) await client?.runs.terminate(runId).catch(() => undefined);
    client?.close();
    await controller?.stop();
  });

  it('names the states of a state event, which its journal row carries as data', async () => {
    expect(await stateEvents()).toMatchObject([{ actor: 'controller', message: 'Initializing -> Provisioning', fromState: 'Initializing', toState: 'Provisioning' }]);
    const rows = await selectRows(controller.databaseUrl, `select subject from run_journal where run_id = ? and "type" = 'state'`, [runId]);
    expect(rows.map((r) => JSON.parse(r.subject as string))).toEqual([{ from: 'Initializing', to: 'Provisioning' }]);
    expect(await watchedChange()).toEqual({ from: RunState.RUN_STATE_INITIALIZING, to: RunState.RUN_STATE_PROVISIONING });
  });

  it('reads the states from the data, not from the message', async () => {
    await setStateRows('text', 'the run asked for its VMs');
    expect(await stateEvents()).toMatchObject([{ message: 'the run asked for its VMs', fromState: 'Initializing', toState: 'Provisioning' }]);
    expect(await watchedChange()).toEqual({ from: RunState.RUN_STATE_INITIALIZING, to: RunState.RUN_STATE_PROVISIONING });
  });

  it('reads a row written before rows carried the data from its message', async () => {
    await setStateRows('text', 'Initializing -> Provisioning');
    await setStateRows('subject', '');
    expect(await stateEvents()).toMatchObject([{ message: 'Initializing -> Provisioning', fromState: 'Initializing', toState: 'Provisioning' }]);
    expect(await watchedChange()).toEqual({ from: RunState.RUN_STATE_INITIALIZING, to: RunState.RUN_STATE_PROVISIONING });
  });
});
