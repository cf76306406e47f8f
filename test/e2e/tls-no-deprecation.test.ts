/**
 * Issue 20: over TLS to a controller dialled by IP (127.0.0.1, as the README's
 * setup does), neither the CLI nor a local agent prints Node's DEP0123 warning
 * (an IP as the TLS server name). Real processes: the CLI as a user runs it and
 * the agents the `local` driver starts, whose output goes to agent.out.log.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import { spawnCli } from '../helpers/cli-process.js';
import { application, component } from '../helpers/fixtures.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { localVmRecordDir } from '../helpers/local-vms.js';

const DEPRECATION = /DEP0123|DeprecationWarning/;

describe('TLS to 127.0.0.1 without deprecation warnings', () => {
  let harness: Harness;
  let dir: string;
  let caFile: string;

  beforeAll(async () => {
    harness = await startHarness({ database: 'sqlite', tls: true });
    expect(harness.controller.address).toMatch(/^127\.0\.0\.1:\d+$/);
    dir = mkdtempSync(join(tmpdir(), 'slipstream-dep0123-'));
    caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, harness.controller.caCertificate!);
  });

  afterAll(async () => {
    await harness?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the CLI', async () => {
    const { controller } = harness;
    const { code, out, err } = await spawnCli(['whoami', '--ca', caFile], controller.address, controller.adminToken, dir).exited;
    expect(code, err).toBe(0);
    expect(out).toContain('admin');
    expect(err).not.toMatch(DEPRECATION);
  });

  it('a local agent, from enrollment to Ready', async () => {
    const { client, runs, controller } = harness;
    await client.modules.save(component('dep0123/c'));
    await client.modules.save(application('dep0123/app', 'dep0123/c'));
    const run = await runs.launch('dep0123/app');
    await runs.waitForState(run.id, RunState.RUN_STATE_READY);
    const log = readFileSync(join(localVmRecordDir(controller.dataDir, run.id, 'web.1'), 'agent.out.log'), 'utf8');
    expect(log, 'the agent logged nothing').not.toBe('');
    expect(log).not.toMatch(DEPRECATION);
  });
});
