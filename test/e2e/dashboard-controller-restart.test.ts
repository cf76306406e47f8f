/**
 * A dashboard left open on a second screen rides through a controller SIGKILL and restart (a real process on the
 * same ports and data dir, SQLite, TLS): the run view and the runs list say they are reconnecting while it is down,
 * come back live without a reload, and go on showing the run's changes: a parameter set from the run view releases
 * the recipe, the run reaches Ready on both pages, and a terminate from the run view takes it to Done.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createSlipstreamClient, type SlipstreamClient } from '../../client/index.js';
import { newTokenSecret } from '../../controller/auth/token-secret.js';
import { defaultLocalVmDir } from '../../controller/connectors/local/placement.js';
import { killLocalVms } from '../helpers/controller.js';
import { controllerIdOf, spawnController, startedPort, type ControllerProcess } from '../helpers/controller-process.js';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/poll.js';
import { browserTestsSkipReason, expectNoPageErrors, launchDashboardBrowser, serverCertificateOf, signIn, type DashboardBrowser } from '../helpers/dashboard-browser.js';

const skip = browserTestsSkipReason();
const STEP_TIMEOUT_MS = 90_000;

describe.skipIf(skip !== undefined)('the dashboard across a controller SIGKILL and restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipstream-dashboard-restart-'));
  const token = newTokenSecret();
  let proc: ControllerProcess | undefined;
  let client: SlipstreamClient | undefined;
  let browser: DashboardBrowser | undefined;

  afterAll(async () => {
    await browser?.close();
    client?.close();
    if (proc && proc.child.exitCode === null) {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
    const controllerId = await controllerIdOf(dataDir, undefined).catch(() => undefined);
    if (controllerId) await killLocalVms(dataDir, controllerId);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(defaultLocalVmDir(dataDir), { recursive: true, force: true });
  }, 60_000);

  it('reconnects the run view and the runs list, which then show the run going on to Ready and Done', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const dashboardUrl = `https://127.0.0.1:${await freePort()}`;
    const args = ['--listen', address, '--http-listen', dashboardUrl.slice('https://'.length), '--data-dir', dataDir, '--log-level', 'info'];
    const env = { SLIPSTREAM_BOOTSTRAP_TOKEN: token };
    proc = spawnController(args, env);
    await startedPort(proc);
    client = createSlipstreamClient({ address, token, tls: { ca: readFileSync(join(dataDir, 'tls', 'ca.pem')) } });
    await client.modules.save({
      kind: 'component',
      path: 'restart/web',
      images: { local: 'local' },
      resources: {},
      recipes: { deployment: 'ss-display "waiting for release"\nss-get --timeout 0 release > /dev/null\nss-display "released"' },
      parameters: [{ name: 'release', category: 'input', type: 'string' }],
    });
    const runId = (await client.runs.launch({ module: 'restart/web', defaultCloud: 'local', tags: ['restart'] })).id;

    browser = await launchDashboardBrowser(serverCertificateOf(dataDir));
    const { page: runView } = await browser.newPage();
    const { page: runsList } = await browser.newPage();
    await signIn(runView, `${dashboardUrl}/`, token);
    await signIn(runsList, `${dashboardUrl}/`, token);
    await runView.goto(`${dashboardUrl}/#/runs/${runId}`);
    const row = runView.locator('[data-testid="instances"] tr[data-instance="machine.1"] .col-stateCustom');
    await expect.poll(() => row.textContent(), { timeout: STEP_TIMEOUT_MS }).toBe('waiting for release');
    const listed = runsList.locator(`tr[data-run-id="${runId}"]`);
    await listed.waitFor({ timeout: STEP_TIMEOUT_MS });
    await expectLive(runView, runsList);

    proc.child.kill('SIGKILL');
    await proc.exited;
    await expect.poll(() => connectionStates(runView), { timeout: STEP_TIMEOUT_MS }).toContain('retrying');
    await expect.poll(() => connectionStates(runsList), { timeout: STEP_TIMEOUT_MS }).toContain('retrying');

    proc = spawnController(args, env);
    await startedPort(proc, STEP_TIMEOUT_MS);
    await expectLive(runView, runsList);
    await waitFor('the agent back', async () => ((await client!.runs.get(runId)).nodes[0]?.instances[0]?.agentConnected ? true : undefined), STEP_TIMEOUT_MS);

    // Set from the page that reconnected: the recipe's ss-get returns, the run goes on.
    const setForm = runView.getByRole('region', { name: 'Set a parameter' });
    await setForm.getByLabel('Parameter key').fill('machine.1:release');
    await setForm.getByLabel('Value').fill('go');
    await setForm.getByRole('button', { name: 'Set' }).click();
    await runView.locator('[data-testid="run-view"][data-state="Ready"]').waitFor({ timeout: STEP_TIMEOUT_MS });
    await expect.poll(() => row.textContent()).toBe('released');
    await expect.poll(() => listed.locator('.state').textContent(), { timeout: STEP_TIMEOUT_MS }).toBe('Ready');

    await runView.getByRole('button', { name: 'Terminate' }).click();
    await runView.getByRole('dialog').getByRole('button', { name: 'Terminate' }).click();
    await runView.locator('[data-testid="run-view"][data-state="Done"]').waitFor({ timeout: STEP_TIMEOUT_MS });
    await expect.poll(() => listed.locator('.state').textContent(), { timeout: STEP_TIMEOUT_MS }).toBe('Done');
    expectNoPageErrors(runView);
    expectNoPageErrors(runsList);
  }, 300_000);
});

/** The data-state of each connection indicator on the page. */
async function connectionStates(page: Page): Promise<string[]> {
  return page.locator('.connection').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-state') ?? ''));
}

async function expectLive(...pages: Page[]): Promise<void> {
  for (const page of pages) await expect.poll(() => connectionStates(page), { timeout: STEP_TIMEOUT_MS }).toContain('live');
}
