/**
 * The dashboard's admin pages in Chromium against a real controller: a user created (a bad name refused with the
 * server's rule at the name field), a token made for them whose secret is shown once, copies, and signs in; revoked,
 * it signs in no more; a viewer sees no Admin link and is told the pages are for admins; a role changed and a user
 * deleted; a cloud tested; a credential stored (a bad field name refused at its field) and deleted; a quota set; a
 * tenant created, its first admin's token shown once and signing in to it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { USER_NAME_RULE } from '../../common/names.js';
import { Role } from '../../proto/gen/slipstream/v1/users.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { browserTestsSkipReason, expectNoPageErrors, launchDashboardBrowser, screenshot, serverCertificateOf, signIn, type DashboardBrowser } from '../helpers/dashboard-browser.js';

const skip = browserTestsSkipReason();

describe.skipIf(skip !== undefined)('dashboard admin pages', () => {
  let harness: Harness;
  let browser: DashboardBrowser;
  let admin: Page;
  let adminContext: BrowserContext;
  let secret: string;

  const open = (hash: string) => admin.goto(`${harness.controller.httpUrl}/${hash}`);

  beforeAll(async () => {
    harness = await startHarness({ database: 'sqlite', tls: true });
    browser = await launchDashboardBrowser(serverCertificateOf(harness.dataDir));
    ({ page: admin, context: adminContext } = await browser.newPage());
    await adminContext.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: harness.controller.httpUrl });
    await signIn(admin, `${harness.controller.httpUrl}/#/admin/users`, harness.controller.adminToken);
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });

  it('refuses a bad user name with the server\'s rule at the name field', async () => {
    await open('#/admin/users');
    const form = admin.getByRole('form', { name: 'Create a user' });
    await form.getByLabel('Name').fill('Bad Name!');
    await form.getByRole('button', { name: 'Create user' }).click();
    await expect.poll(() => admin.locator('#user-name-problem').textContent()).toBe(USER_NAME_RULE);
    expect(await form.getByLabel('Name').getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByLabel('Name').getAttribute('aria-describedby')).toBe('user-name-problem');
    expectNoPageErrors(admin);
  });

  it('creates a viewer, who then shows in the list', async () => {
    const form = admin.getByRole('form', { name: 'Create a user' });
    await form.getByLabel('Name').fill('dana');
    await form.getByLabel('Role').selectOption({ label: 'viewer (reads everything)' });
    await form.getByRole('button', { name: 'Create user' }).click();
    await admin.locator('tr[data-user="dana"]').waitFor();
    expect(await admin.locator('#user-name-problem').textContent()).toBe('');
    expect((await harness.client.users.get({ name: 'dana' })).user?.role).toBe(Role.ROLE_VIEWER);
    expectNoPageErrors(admin);
  });

  it('creates a token for the viewer and shows its secret once, with a working copy button', async () => {
    await admin.getByRole('navigation', { name: 'Admin sections' }).getByRole('link', { name: 'Tokens' }).click();
    const form = admin.getByRole('form', { name: 'Create a token' });
    await form.getByLabel('Name').fill('dana-browser');
    await form.getByLabel('For user').selectOption('dana');
    await form.getByLabel('Expires').selectOption({ label: '7 days' });
    await form.getByRole('button', { name: 'Create token' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Token dana-browser of dana' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('it is shown only this once');
    secret = await dialog.getByLabel('Secret').inputValue();
    expect(secret.length).toBeGreaterThan(20);
    await dialog.getByRole('button', { name: 'Copy' }).click();
    await expect.poll(() => dialog.getByRole('status').textContent()).toBe('Copied to the clipboard.');
    expect(await admin.evaluate('navigator.clipboard.readText()')).toBe(secret);
    await screenshot(admin, 'dashboard-admin-token-secret');
    await dialog.getByRole('button', { name: 'I have copied it' }).click();
    await dialog.waitFor({ state: 'detached' });
    // Shown once: nothing of it stays in the page or the tab's storage.
    expect(await admin.content()).not.toContain(secret);
    expect(await admin.evaluate('JSON.stringify({ ...sessionStorage, ...localStorage })')).not.toContain(secret);
    const row = admin.locator('tr', { hasText: 'dana-browser' });
    await row.waitFor();
    expect(await row.textContent()).toContain('active');
    expectNoPageErrors(admin);
  });

  it('the secret signs the viewer in: no Admin link for them, and the admin pages say they are for admins', async () => {
    const { page: viewer } = await browser.newPage();
    await signIn(viewer, `${harness.controller.httpUrl}/`, secret);
    expect(await viewer.getByTestId('who').textContent()).toContain('dana');
    expect(await viewer.getByTestId('who').textContent()).toContain('viewer');
    const sections = viewer.getByRole('navigation', { name: 'Sections' });
    await sections.getByRole('link', { name: 'Runs' }).waitFor();
    expect(await sections.getByRole('link', { name: 'Admin' }).count()).toBe(0);
    await viewer.goto(`${harness.controller.httpUrl}/#/admin/users`);
    await expect.poll(() => viewer.locator('main.page').textContent()).toBe('The admin pages are for admins; your role is viewer.');
    expectNoPageErrors(viewer);
  });

  it('revokes the token after asking: it signs in no more', async () => {
    await admin.getByRole('button', { name: 'Revoke token dana-browser of dana' }).click();
    const confirm = admin.getByRole('dialog', { name: 'Revoke token dana-browser?' });
    await confirm.getByRole('button', { name: 'Revoke token' }).click();
    await expect.poll(() => admin.getByRole('status').filter({ hasText: 'revoked' }).count()).toBe(1);
    await expect.poll(() => admin.locator('tr', { hasText: 'dana-browser' }).count()).toBe(0);
    await admin.getByLabel('Show revoked').check();
    await expect.poll(() => admin.locator('tr', { hasText: 'dana-browser' }).textContent()).toContain('revoked');

    const { page: again } = await browser.newPage();
    await again.goto(`${harness.controller.httpUrl}/`);
    await again.getByLabel('API token').fill(secret);
    await again.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => again.getByRole('alert').textContent()).toContain('This token was not accepted');
    expectNoPageErrors(admin);
  });

  it('changes a role in place and deletes a user after asking', async () => {
    await open('#/admin/users');
    await admin.getByLabel('Role of dana').selectOption({ label: 'editor' });
    await expect.poll(async () => (await harness.client.users.get({ name: 'dana' })).user?.role).toBe(Role.ROLE_EDITOR);
    await admin.locator('tr[data-user="dana"]').getByRole('button', { name: 'Delete' }).click();
    await admin.getByRole('dialog', { name: 'Delete user dana?' }).getByRole('button', { name: 'Delete user' }).click();
    await admin.locator('tr[data-user="dana"]').waitFor({ state: 'detached' });
    expect((await harness.client.users.listAll()).map((u) => u.name)).not.toContain('dana');
    expectNoPageErrors(admin);
  });

  it('tests a cloud and shows what the controller answered', async () => {
    await open('#/admin/clouds');
    const local = admin.locator('tr[data-cloud="local"]');
    await local.getByRole('button', { name: 'Test local' }).click();
    await expect.poll(() => local.locator('.cloud-test').textContent()).toContain('credentials work');
    expectNoPageErrors(admin);
  });

  it('stores a credential (a bad field name refused at its field) and deletes it after asking', async () => {
    const local = admin.locator('tr[data-cloud="local"]');
    await local.getByRole('button', { name: 'Set the credential for local' }).click();
    const form = admin.getByRole('form', { name: 'Credential for local' });
    await form.getByLabel('Field 1 name').fill('1bad');
    await form.getByLabel('value').fill('s3cret');
    await form.getByRole('button', { name: 'Store credential' }).click();
    await expect.poll(() => form.locator('[data-field="fields.1bad"]').textContent()).toBe('is not a valid field name');
    await form.getByLabel('Field 1 name').fill('apiKey');
    await form.getByRole('button', { name: 'Store credential' }).click();
    await form.waitFor({ state: 'detached' });
    await expect.poll(() => local.locator('td').nth(3).textContent()).toBe('stored');
    expect(await admin.content()).not.toContain('s3cret');
    await local.getByRole('button', { name: 'Delete the credential for local' }).click();
    await admin.getByRole('dialog', { name: 'Delete the credential for local?' }).getByRole('button', { name: 'Delete credential' }).click();
    await expect.poll(() => local.locator('td').nth(3).textContent()).toBe('none');
    expectNoPageErrors(admin);
  });

  it('sets a quota and lists it', async () => {
    await open('#/admin/quotas');
    const form = admin.getByRole('form', { name: 'Set a quota' });
    await form.getByLabel('Cloud').selectOption('local');
    await form.getByLabel('Maximum instances').fill('3');
    await form.getByRole('button', { name: 'Set quota' }).click();
    await expect.poll(() => admin.locator('tr[data-cloud="local"]').textContent()).toContain('3');
    expect((await harness.client.clouds.listQuotas()).find((q) => q.cloud === 'local')?.maxInstances).toBe(3);
    expectNoPageErrors(admin);
  });

  it('creates a tenant whose first admin\'s token, shown once, signs in to it', async () => {
    await open('#/admin/tenants');
    const form = admin.getByRole('form', { name: 'Create a tenant' });
    await form.getByLabel('Name', { exact: true }).fill('team-a');
    await form.getByLabel('Display name').fill('Team A');
    await form.getByRole('button', { name: 'Create tenant' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Token of admin, first admin of team-a' });
    const token = await dialog.getByLabel('Secret').inputValue();
    await dialog.getByRole('button', { name: 'I have copied it' }).click();
    await admin.locator('tr[data-tenant="team-a"]').waitFor();
    const { page: teamAdmin } = await browser.newPage();
    await signIn(teamAdmin, `${harness.controller.httpUrl}/#/admin/tenants`, token);
    expect(await teamAdmin.getByTestId('who').textContent()).toContain('tenant team-a');
    // Tenants are the operator's: another tenant's admin has no such section.
    await expect.poll(() => teamAdmin.locator('.admin .problem').textContent()).toContain('No admin section “tenants” for you');
    expect(await teamAdmin.getByRole('navigation', { name: 'Admin sections' }).getByRole('link', { name: 'Tenants' }).count()).toBe(0);
    expectNoPageErrors(teamAdmin);
  });
});
