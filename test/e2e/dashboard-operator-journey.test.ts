/**
 * The walk through the dashboard, in Chromium against a real controller (SQLite, TLS) and real local agents,
 * all through the UI: sign in, open examples/shop in the catalog, launch shop/shop from its form, watch the run reach
 * Ready (timeline bars for every instance and phase, the service URL filled in), follow the load balancer's log,
 * download the database's report, terminate, and see Done. The run view's screenshot is the README's.
 */
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startHarness, type Harness } from '../helpers/harness.js';
import { pushCatalog } from '../helpers/push-catalog.js';
import { waitFor } from '../helpers/poll.js';
import { browserTestsSkipReason, expectNoPageErrors, launchDashboardBrowser, screenshot, serverCertificateOf, signIn, type DashboardBrowser } from '../helpers/dashboard-browser.js';

const skip = browserTestsSkipReason();
const SHOP = fileURLToPath(new URL('../../examples/shop', import.meta.url));
const RUN_TIMEOUT_MS = 150_000;
/** db.1, app.1, app.2, lb.1, each through Provisioning, Executing and SendingReports. */
const SHOP_BARS = 4 * 3;

describe.skipIf(skip !== undefined)('an operator deploys examples/shop from the dashboard', () => {
  let harness: Harness;
  let browser: DashboardBrowser;
  let page: Page;
  let runId: string;

  beforeAll(async () => {
    harness = await startHarness({ database: 'sqlite', tls: true });
    await pushCatalog(harness.client, SHOP, 'examples/shop');
    browser = await launchDashboardBrowser(serverCertificateOf(harness.dataDir));
    ({ page } = await browser.newPage());
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });

  it('launches shop/shop from the catalog form and lands on its run', async () => {
    await signIn(page, harness.controller.httpUrl + '/', harness.controller.adminToken);
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Catalog' }).click();
    await page.getByRole('link', { name: 'shop/' }).click();
    await page.locator('table.modules').getByRole('link', { name: 'shop', exact: true }).click();
    await page.getByRole('heading', { name: 'shop/shop', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Launch' }).click();
    await page.getByRole('button', { name: 'Launch 4 instances' }).click();
    runId = decodeURIComponent(await waitFor('the run page', async () => /#\/runs\/([^/]+)$/.exec(page.url())?.[1]));
    // Terminated by the harness's close should the test stop before it does.
    harness.runs.launched.push(runId);
    expect((await harness.client.runs.get(runId)).module).toEqual({ path: 'shop/shop', version: 1 });
  });

  it('watches it reach Ready: timeline bars for every instance and phase, parameters filled in', async () => {
    await page.locator('[data-testid="run-view"][data-state="Ready"]').waitFor({ timeout: RUN_TIMEOUT_MS });
    await expect.poll(() => page.getByTestId('timeline').getAttribute('data-bars')).toBe(String(SHOP_BARS));
    const serviceUrl = page.locator('[data-testid="parameters"] tr[data-key="ss:url.service"] .value');
    await expect.poll(() => serviceUrl.textContent()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await expect.poll(() => page.locator('[data-testid="instances"] tr[data-instance="lb.1"] .col-stateCustom').textContent()).toMatch(/^balancing 2 app servers/);
    await screenshot(page, 'dashboard-shop-run');
    // What the README shows (docs/dashboard-run.png): the window as an operator sees it.
    await screenshot(page, 'dashboard-shop-run-window', { fullPage: false });
    await page.getByTestId('timeline').screenshot({ path: await screenshot(page, 'dashboard-shop-timeline') });
    expectNoPageErrors(page);
  }, RUN_TIMEOUT_MS);

  it("follows the load balancer's log", async () => {
    await page.getByRole('button', { name: 'Log of lb.1' }).click();
    const log = page.locator('[data-testid="instance-log"][data-instance="lb.1"]');
    await expect.poll(() => log.textContent(), { timeout: 15_000 }).toMatch(/backends: /);
    expectNoPageErrors(page);
  });

  it("downloads the database's report whole", async () => {
    const report = await waitFor('the db report', async () => (await harness.runs.reports(runId)).find((r) => r.instance === 'db.1'));
    const row = page.locator(`[data-testid="reports"] tr[data-report="db.1/${report.name}"]`);
    const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: /Download/ }).click()]);
    expect(statSync(await download.path()).size).toBe(Number(report.sizeBytes));
    expectNoPageErrors(page);
  });

  it('terminates it after confirmation and sees Done', async () => {
    await page.getByRole('button', { name: 'Terminate' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Terminate' }).click();
    await page.locator('[data-testid="run-view"][data-state="Done"]').waitFor({ timeout: RUN_TIMEOUT_MS });
    expect((await harness.client.runs.get(runId)).state).toBe('Done');
    expectNoPageErrors(page);
  }, RUN_TIMEOUT_MS);
});
