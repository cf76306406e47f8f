/**
 * The dashboard's run view in Chromium against a real controller (SQLite, TLS) and real local agents: a run of two
 * instances followed to Ready (state machine, instances table, timeline bars, a masked password, the journal), one
 * instance's log followed live, a report downloaded whole, a viewer who sees no actions and whose TerminateRun from
 * the page is refused, a run's link followed as the page signs in, and a terminate confirmed in its dialog taking
 * the run to Done.
 */
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { Role } from '../../proto/gen/slipstream/v1/users.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { browserTestsSkipReason, expectNoPageErrors, launchDashboardBrowser, screenshot, serverCertificateOf, signIn, type DashboardBrowser } from '../helpers/dashboard-browser.js';

const skip = browserTestsSkipReason();
const SECRET = 'hunter2-never-on-the-page';
const RUN_TIMEOUT_MS = 120_000;

describe.skipIf(skip !== undefined)('dashboard run view', () => {
  let harness: Harness;
  let browser: DashboardBrowser;
  let admin: Page;
  let viewerToken: string;
  let runId: string;
  let runUrl: string;

  beforeAll(async () => {
    harness = await startHarness({ database: 'sqlite', tls: true });
    const { client } = harness;
    await client.users.create({ name: 'vera', role: Role.ROLE_VIEWER });
    viewerToken = (await client.tokens.create({ name: 'vera-browser', user: 'vera' })).secret;
    await client.modules.save({
      kind: 'component',
      path: 'dash/web',
      images: { local: 'local' },
      resources: {},
      recipes: {
        // The second instance is the slow one: the timeline's caption names it.
        deployment: 'echo "hello from $SLIPSTREAM_NODE_INSTANCE"\nif [ "$SLIPSTREAM_NODE_INDEX" = 2 ]; then sleep 2; fi\nss-display "serving"',
      },
      parameters: [{ name: 'dbpw', category: 'input', type: 'password', default: SECRET }],
    });
    await client.modules.save({
      kind: 'application',
      path: 'dash/app',
      nodes: [{ name: 'web', component: 'dash/web', multiplicity: 2, maxProvisioningFailures: 0, mappings: {} }],
    });
    runId = (await harness.runs.launch('dash/app', { defaultCloud: 'local', timeoutMinutes: 5 })).id;
    runUrl = `${harness.controller.httpUrl}/#/runs/${runId}`;
    browser = await launchDashboardBrowser(serverCertificateOf(harness.dataDir));
    ({ page: admin } = await browser.newPage());
    await signIn(admin, harness.controller.httpUrl + '/', harness.controller.adminToken);
    await admin.goto(runUrl);
  }, RUN_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });

  it('follows the run to Ready: state machine, instances, timeline, masked password, events', async () => {
    await admin.locator('[data-testid="run-view"][data-state="Ready"]').waitFor({ timeout: RUN_TIMEOUT_MS });
    // The state machine follows the run's state-change events, which may render a frame after the run's own state.
    await admin.locator('[data-testid="state-machine"] [aria-current="step"][data-state="Ready"]').waitFor({ timeout: RUN_TIMEOUT_MS });

    const instances = admin.getByTestId('instances');
    for (const name of ['web.1', 'web.2']) {
      const row = instances.locator(`tr[data-instance="${name}"]`);
      await expect.poll(() => row.locator('.col-stateCustom').textContent(), { timeout: 15_000 }).toBe('serving');
      expect(await row.locator('.col-vmState').textContent()).toBe('running');
      expect(await row.locator('.col-completed').textContent()).toBe('Sending reports');
      expect(await row.locator('.col-ip').textContent()).not.toBe('');
      expect(await row.locator('.col-instanceId').textContent()).not.toBe('');
    }

    // Two instances, each through Provisioning, Executing and SendingReports; the barriers between them drawn.
    const timeline = admin.getByTestId('timeline');
    await expect.poll(() => timeline.getAttribute('data-bars')).toBe('6');
    const caption = await admin.getByTestId('timeline-caption').textContent();
    expect(caption).toContain('Slowest in Executing: web.2');
    expect(caption).not.toContain('not completed');

    const password = admin.locator('[data-testid="parameters"] tr[data-key="web.1:dbpw"]');
    expect(await password.getAttribute('data-secret')).toBe('true');
    expect(await password.locator('.value').textContent()).toContain('********');
    expect(await admin.content()).not.toContain(SECRET);

    const journal = admin.getByTestId('journal');
    expect(Number(await journal.getAttribute('data-count'))).toBeGreaterThan(3);
    expect(await journal.locator('tr[data-type="state"]').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('SendingReports -> Ready')]));

    await screenshot(admin, 'run-view');
    await timeline.screenshot({ path: await screenshot(admin, 'run-timeline') });
    expectNoPageErrors(admin);
  }, RUN_TIMEOUT_MS);

  it("follows one instance's log: the line its recipe printed", async () => {
    await admin.getByRole('button', { name: 'Log of web.2' }).click();
    const log = admin.locator('[data-testid="instance-log"][data-instance="web.2"]');
    await expect.poll(() => log.textContent(), { timeout: 15_000 }).toContain('hello from web.2');
    expect(await log.textContent()).not.toContain('hello from web.1');
    expectNoPageErrors(admin);
  });

  it('downloads a report whole: the size ListRunReports gives', async () => {
    const reports = await harness.runs.reports(runId);
    expect(reports.length).toBeGreaterThan(0);
    const report = reports[0]!;
    const row = admin.locator(`[data-testid="reports"] tr[data-report="${report.instance}/${report.name}"]`);
    const [download] = await Promise.all([admin.waitForEvent('download'), row.getByRole('button', { name: /Download/ }).click()]);
    expect(download.suggestedFilename()).toBe(`${report.instance}-${report.name}`);
    const path = await download.path();
    expect(statSync(path).size).toBe(Number(report.sizeBytes));
    expectNoPageErrors(admin);
  });

  it('shows a viewer no actions, and the API refuses a terminate sent from the page with the viewer token', async () => {
    const { page: viewer } = await browser.newPage();
    await signIn(viewer, harness.controller.httpUrl + '/', viewerToken);
    await viewer.goto(runUrl);
    await viewer.locator('[data-testid="run-view"][data-state="Ready"]').waitFor({ timeout: 30_000 });
    await viewer.getByTestId('instances').locator('tr[data-instance="web.1"]').waitFor();
    expect(await viewer.getByTestId('run-actions').count()).toBe(0);
    expect(await viewer.getByRole('button', { name: 'Terminate' }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: 'Abort' }).count()).toBe(0);

    const refused = await viewer.evaluate(
      async ({ id, token }) => {
        const response = await fetch('/slipstream.v1.RunService/TerminateRun', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ id }),
        });
        return { status: response.status, body: (await response.json()) as { code?: string } };
      },
      { id: runId, token: viewerToken },
    );
    expect(refused.body.code).toBe('permission_denied');
    expect(refused.status).toBe(403);
    expect(await admin.getByTestId('run-view').getAttribute('data-state')).toBe('Ready');
    expectNoPageErrors(viewer);
  });

  it('opens a run whose link is followed the moment the signed-in page renders, before its router listens', async () => {
    const { page } = await browser.newPage();
    // In the page, as the header with the signed-in user is rendered: the router's effect, which listens for fragment
    // changes, runs only after the paint, so this change fires its event before anyone listens.
    // (Page code as text: this project's tests compile without the DOM's types.)
    await page.addInitScript(`
      new MutationObserver((mutations, observer) => {
        if (!document.querySelector('[data-testid="who"]')) return;
        observer.disconnect();
        location.hash = ${JSON.stringify(`#/runs/${runId}`)};
      }).observe(document, { childList: true, subtree: true });
    `);
    await signIn(page, harness.controller.httpUrl + '/', viewerToken);
    await page.locator('[data-testid="run-view"][data-state="Ready"]').waitFor({ timeout: 15_000 });
    expectNoPageErrors(page);
  });

  it('terminates after confirmation: Ready -> Finalizing -> Done', async () => {
    await admin.getByRole('button', { name: 'Terminate' }).click();
    const dialog = admin.getByRole('dialog', { name: `Terminate run ${runId}?` });
    await dialog.waitFor();
    // Cancel first: nothing happens.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await admin.getByTestId('run-view').getAttribute('data-state')).toBe('Ready');

    await admin.getByRole('button', { name: 'Terminate' }).click();
    await admin.getByRole('dialog').getByRole('button', { name: 'Terminate' }).click();
    await admin.locator('[data-testid="run-view"][data-state="Done"]').waitFor({ timeout: RUN_TIMEOUT_MS });
    expect(await admin.getByTestId('run-actions').count()).toBe(0);
    expect(await admin.getByTestId('journal').locator('tr[data-type="state"]').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('Ready -> Finalizing'), expect.stringContaining('Finalizing -> Done')]),
    );
    expectNoPageErrors(admin);
  }, RUN_TIMEOUT_MS);
});
