/**
 * The dashboard's run list in Chromium against a real controller: the empty state says how to launch; a run launched
 * through the client library appears without a reload and its state changes live (WatchRuns pushes it) to Ready,
 * its duration ticking; terminated, it shows Done; the state and tag filters hide it and bring it back; its row links
 * to the run's page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { formatDuration } from '../../web/src/components/format.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { browserTestsSkipReason, expectNoPageErrors, launchDashboardBrowser, screenshot, serverCertificateOf, signIn, type DashboardBrowser } from '../helpers/dashboard-browser.js';

const skip = browserTestsSkipReason();
/** A local VM booting its agent and running the recipe: generous on a loaded machine. */
const READY_WITHIN_MS = 90_000;

describe.skipIf(skip !== undefined)('dashboard run list', () => {
  let harness: Harness;
  let browser: DashboardBrowser;
  let page: Page;
  let runId: string;

  const row = () => page.locator(`tr[data-run-id="${runId}"]`);
  const stateOfRow = () => row().getByTestId('run-state').textContent({ timeout: 1_000 }).catch(() => undefined);

  beforeAll(async () => {
    harness = await startHarness({ database: 'sqlite', tls: true });
    await harness.client.modules.save({
      kind: 'component',
      path: 'dash/web',
      images: { local: 'local' },
      resources: {},
      recipes: { deployment: 'ss-display up' },
      parameters: [],
    });
    browser = await launchDashboardBrowser(serverCertificateOf(harness.dataDir));
    ({ page } = await browser.newPage());
    await signIn(page, harness.controller.httpUrl + '/#/runs', harness.controller.adminToken);
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });

  it('is live and, with no runs, says how to launch one', async () => {
    await expect.poll(() => page.getByTestId('connection').textContent()).toBe('Live');
    await expect.poll(() => page.locator('.empty-runs').textContent()).toContain('slipstream run launch');
    expect(await page.locator('.empty-runs').getByRole('link', { name: 'catalog' }).getAttribute('href')).toBe('#/catalog');
    expectNoPageErrors(page);
  });

  it('shows a launched run without a reload, and its state changing live to Ready', async () => {
    const launched = await harness.runs.launch('dash/web', { defaultCloud: 'local', tags: ['dash-e2e'], timeoutMinutes: 5 });
    runId = launched.id;
    await row().waitFor({ timeout: 15_000 });
    expect(await row().getByRole('link').textContent()).toBe('dash/web@1');
    expect(await row().getByRole('link').getAttribute('href')).toBe(`#/runs/${runId}`);
    expect(await row().locator('ul.tags').textContent()).toBe('dash-e2e');
    expect(await row().textContent()).toContain(launched.owner);
    // A live run's duration grows by itself.
    const firstDuration = await row().locator('td.duration').textContent();
    await expect.poll(() => row().locator('td.duration').textContent(), { timeout: 5_000 }).not.toBe(firstDuration);
    await expect.poll(stateOfRow, { timeout: READY_WITHIN_MS, interval: 250 }).toBe('Ready');
    await screenshot(page, 'dashboard-runs-list');
    expectNoPageErrors(page);
  }, READY_WITHIN_MS + 30_000);

  it('shows Done once the run is terminated through the client', async () => {
    await harness.runs.terminate(runId);
    await expect.poll(stateOfRow, { timeout: 60_000, interval: 250 }).toBe('Done');
    // A final run's duration is its lifetime, no longer the time since it started.
    const done = await harness.runs.get(runId);
    expect(await row().locator('td.duration').textContent()).toBe(formatDuration(done.finishedAt!.getTime() - done.createdAt!.getTime()));
    expect(await page.locator('tbody tr').count()).toBe(1);
    expectNoPageErrors(page);
  }, 90_000);

  it('hides the run behind a state filter and a tag filter, and shows it again when they are cleared', async () => {
    const filters = page.getByRole('form', { name: 'Filter runs' });
    await filters.getByRole('checkbox', { name: 'Ready' }).check();
    await expect.poll(() => row().count()).toBe(0);
    await expect.poll(() => page.locator('.empty-runs').textContent()).toBe('No run matches these filters.');
    await filters.getByRole('checkbox', { name: 'Done' }).check();
    await row().waitFor();
    await filters.getByRole('checkbox', { name: 'Ready' }).uncheck();
    await filters.getByRole('checkbox', { name: 'Done' }).uncheck();

    await filters.getByLabel('Tag').fill('another-tag');
    await expect.poll(() => row().count()).toBe(0);
    await filters.getByLabel('Tag').fill('dash-e2e');
    await row().waitFor();
    await filters.getByLabel('Module path prefix').fill('other/');
    await expect.poll(() => row().count()).toBe(0);
    await filters.getByRole('button', { name: 'Clear filters' }).click();
    await row().waitFor();
    expect(await page.locator('tbody tr').count()).toBe(1);
    expectNoPageErrors(page);
  });

  it('opens the run page from its row', async () => {
    await row().getByRole('link').click();
    await expect.poll(() => page.url()).toContain(`#/runs/${runId}`);
    expectNoPageErrors(page);
  });
});
