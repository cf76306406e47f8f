/**
 * A run whose instances wait in Provisioning without any VM (a `fake` cloud
 * whose provisioning takes an hour), and an agent credential for one of them
 * written into the controller's database as enrollment would store it: for
 * tests that talk to AgentService as an agent without running one.
 */
import { randomBytes } from 'node:crypto';
import Database from 'libsql';
import pg from 'pg';
import type { SlipstreamClient } from '../../client/index.js';
import { hashAgentSecret } from '../../controller/auth/bootstrap-tokens.js';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import type { TestController } from './controller.js';
import { TestRuns } from './runs.js';

/** A cloud to pass to startTestController: its VMs never come up while a test runs. */
export const WAITING_CLOUD = { name: 'waiting', driver: 'fake', settings: { provisionDelayMs: '3600000' } };

/** Launches a one-node run (`node` of `multiplicity` instances) on {@link WAITING_CLOUD}; resolves once it is Provisioning. */
export async function launchWaitingRun(client: SlipstreamClient, runs: TestRuns, path: string, multiplicity = 1): Promise<string> {
  await client.modules.save({
    kind: 'component',
    path: `${path}-vm`,
    images: { [WAITING_CLOUD.name]: 'img' },
    resources: {},
    recipes: {},
    parameters: [{ name: 'note', category: 'input', type: 'string', default: 'none' }],
  });
  await client.modules.save({
    kind: 'application',
    path,
    nodes: [{ name: 'node', component: `${path}-vm`, multiplicity, maxProvisioningFailures: 0, mappings: {}, cloud: WAITING_CLOUD.name }],
  });
  const run = await runs.launch(path, { timeoutMinutes: 60 });
  await runs.waitForState(run.id, RunState.RUN_STATE_PROVISIONING, 30_000);
  return run.id;
}

/** Gives `instance` of `runId` a new agent credential and returns it. */
export async function grantAgentCredential(controller: TestController, runId: string, instance: string): Promise<string> {
  const credential = `ssa_${randomBytes(30).toString('base64url')}`;
  const statement = 'update run_instances set credential_hash = ? where run_id = ? and name = ?';
  const args = [hashAgentSecret(credential), runId, instance];
  const url = controller.databaseUrl;
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length), { timeout: 5_000 });
    try {
      const changed = db.prepare(statement).run(...args).changes;
      if (changed !== 1) throw new Error(`no instance ${instance} in run ${runId}`);
    } finally {
      db.close();
    }
  } else {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const result = await client.query('update run_instances set credential_hash = $1 where run_id = $2 and name = $3', args);
      if (result.rowCount !== 1) throw new Error(`no instance ${instance} in run ${runId}`);
    } finally {
      await client.end();
    }
  }
  return credential;
}
