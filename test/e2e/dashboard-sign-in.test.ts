/**
 * The dashboard in Chromium: served by the controller over its own TLS, sign-in with a token (kept in session
 * storage, not in the URL), the caller's user, role and tenant shown, a wrong token refused with a clear message,
 * sign-out forgetting the token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startHarness, type Harness } from '../helpers/harness.js';
import { browserTestsSkipReason, expectNoPageErrors, launchDashboardBrowser, serverCertificateOf, signIn, type DashboardBrowser } from '../helpers/dashboard-browser.js';

const skip = browserTestsSkipReason();

describe.skipIf(skip !== undefined)('dashboard sign-in', () => {
  let harness: Harness;
  let browser: DashboardBrowser;
  let page: Page;

  beforeAll(async () => {
    harness = await startHarness({ database: 'sqlite', tls: true });
    browser = await launchDashboardBrowser(serverCertificateOf(harness.dataDir));
    ({ page } = await browser.newPage());
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });

  it('serves the dashboard with a strict content security policy', async () => {
    const response = await page.goto(harness.controller.httpUrl + '/');
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(response?.headers()['x-frame-options']).toBe('DENY');
  });

  it('refuses a wrong token with a clear message and keeps nothing of it', async () => {
    await page.goto(harness.controller.httpUrl + '/');
    await page.getByLabel('API token').fill('ss_not-a-real-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('This token was not accepted');
    expect(await page.evaluate('sessionStorage.getItem("slipstream.token")')).toBeNull();
    expectNoPageErrors(page);
  });

  it('signs in, shows who is signed in, keeps the token out of the URL, and signs out', async () => {
    await signIn(page, harness.controller.httpUrl + '/', harness.controller.adminToken);
    const who = await page.getByTestId('who').textContent();
    expect(who).toContain('admin');
    expect(page.url()).not.toContain(harness.controller.adminToken);
    await page.reload();
    await page.getByTestId('who').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').waitFor();
    expect(await page.evaluate('sessionStorage.getItem("slipstream.token")')).toBeNull();
    expectNoPageErrors(page);
  });
});
