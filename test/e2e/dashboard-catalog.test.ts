/**
 * The dashboard's catalog in Chromium, against a real controller over TLS with examples/shop pushed as `module push`
 * saves it and a second version of shop/app: folders down to the shop's modules, a module's versions and the YAML of
 * each (byte for byte what `slipstream module get` prints), the diff between two versions, and the launch form:
 * refusals shown at their fields (caught in the browser, and refused by the controller), then a real launch, once
 * despite a double click, landing on the run's page. A viewer sees the catalog without a Launch button.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { SlipstreamClient } from '../../client/index.js';
import { moduleToYaml } from '../../client/module-files/to-yaml.js';
import type { ComponentDocument } from '../../common/modules/types.js';
import { Role } from '../../proto/gen/slipstream/v1/users.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { pushCatalog } from '../helpers/push-catalog.js';
import { waitFor } from '../helpers/poll.js';
import { browserTestsSkipReason, expectNoPageErrors, launchDashboardBrowser, screenshot, serverCertificateOf, signIn, type DashboardBrowser } from '../helpers/dashboard-browser.js';
import { canonicalField } from '../../web/src/catalog/field-paths.js';
import { folderListing } from '../../web/src/catalog/folders.js';
import { unifiedDiff } from '../../web/src/catalog/unified-diff.js';

const SHOP = fileURLToPath(new URL('../../examples/shop', import.meta.url));
const skip = browserTestsSkipReason();

/** shop/app v2: another description, and inputs of each kind the launch form renders differently. */
async function saveSecondAppVersion(client: SlipstreamClient): Promise<void> {
  const first = (await client.modules.get('shop/app')).document as ComponentDocument;
  const second: ComponentDocument = {
    ...first,
    description: 'An app server with a worker pool.',
    parameters: [
      ...first.parameters,
      { name: 'workers', category: 'input', type: 'int', default: '2', description: 'Worker threads.' },
      { name: 'admin_password', category: 'input', type: 'password', description: 'Password of the admin page.' },
    ],
  };
  const saved = await client.modules.save(second, { message: 'workers and an admin password' });
  expect(saved.module.info.version).toBe(2);
}

/** The text of a field's message in the launch form. */
const fieldMessage = (page: Page, field: string): Locator => page.locator(`.field-problem[data-field="${field}"]`);

describe('dashboard catalog logic', () => {
  it('reads a refused field however the controller spells its map key', () => {
    expect(canonicalField('parameters["web:port"]')).toBe('parameters.web:port');
    expect(canonicalField('parameters.web:port')).toBe('parameters.web:port');
    expect(canonicalField('settings["a \\"b\\""].x')).toBe('settings.a "b".x');
    expect(canonicalField('tags[0]')).toBe('tags[0]');
  });

  it('folds deeper modules into subfolders and lists a project as a folder', () => {
    const summary = (path: string, kind: number) => ({ path, kind, description: `${path} here` }) as never;
    const listing = folderListing('shop', [summary('shop', 1), summary('shop/app', 2), summary('shop/db/x', 2), summary('shop/db/y', 3), summary('shop/sub', 1), summary('shopping/z', 2)]);
    expect(listing.project?.path).toBe('shop');
    expect(listing.modules.map((m) => m.path)).toEqual(['shop/app']);
    expect(listing.subfolders.map((f) => [f.path, f.moduleCount, f.description])).toEqual([
      ['shop/db', 2, ''],
      ['shop/sub', 0, 'shop/sub here'],
    ]);
  });

  it('numbers the lines of a unified diff in each version', () => {
    const [hunk, ...more] = unifiedDiff('a\nb\nc\n', 'a\nB\nc\nd\n');
    expect(more).toEqual([]);
    expect(hunk?.header).toBe('@@ -1,3 +1,4 @@');
    expect(hunk?.lines.map((l) => [l.change, l.text, l.oldNumber, l.newNumber])).toEqual([
      ['context', 'a', 1, 1],
      ['removed', 'b', 2, undefined],
      ['added', 'B', undefined, 2],
      ['context', 'c', 3, 3],
      ['added', 'd', undefined, 4],
    ]);
  });
});

describe.skipIf(skip !== undefined)('dashboard catalog', () => {
  let harness: Harness;
  let client: SlipstreamClient;
  let browser: DashboardBrowser;
  let page: Page;
  let url: string;

  beforeAll(async () => {
    // `spare` has no image of the shop's components: launching there is refused by the controller, field by field.
    harness = await startHarness({ database: 'sqlite', tls: true, clouds: [{ name: 'spare', driver: 'fake', settings: { world: 'dashboard-catalog' } }] });
    client = harness.client;
    url = harness.controller.httpUrl + '/';
    await pushCatalog(client, SHOP, 'first push');
    await saveSecondAppVersion(client);
    browser = await launchDashboardBrowser(serverCertificateOf(harness.dataDir));
    ({ page } = await browser.newPage());
    await signIn(page, url, harness.controller.adminToken);
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });

  it('browses the folders down to the shop and lists its modules with their kind and latest version', async () => {
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Catalog' }).click();
    await page.getByRole('heading', { name: 'Catalog', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'shop/' }).click();
    await page.getByRole('heading', { name: 'shop', level: 1 }).waitFor();
    expect(page.url()).toMatch(/#\/catalog\/shop$/);
    await expect.poll(() => page.locator('.catalog > .description').textContent()).toContain('A three-tier shop');
    const rows = page.locator('table.modules tbody tr');
    await expect.poll(() => rows.count()).toBe(5);
    const cells = await Promise.all((await rows.all()).map(async (row) => (await row.locator('td').allTextContents()).slice(0, 3).map((text) => text.trim())));
    expect(cells).toEqual([
      ['app', 'component', 'v2'],
      ['base', 'component', 'v1'],
      ['db', 'component', 'v1'],
      ['lb', 'component', 'v1'],
      ['shop', 'application', 'v1'],
    ]);
    // The breadcrumb leads back up.
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Catalog' }).click();
    await page.getByRole('link', { name: 'shop/' }).waitFor();
    expectNoPageErrors(page);
  });

  it("shows a module's versions and each version's YAML exactly as the CLI prints it", async () => {
    await page.goto(url + '#/catalog/shop');
    await page.getByRole('link', { name: 'app', exact: true }).click();
    await page.getByRole('heading', { name: 'shop/app', level: 1 }).waitFor();
    const versionRows = page.locator('table.versions tbody tr');
    await expect.poll(() => versionRows.count()).toBe(2);
    expect(await versionRows.nth(0).textContent()).toContain('workers and an admin password');
    expect(await versionRows.nth(0).textContent()).toContain('v2 (latest)');
    expect(await versionRows.nth(1).textContent()).toContain('first push');

    const yaml = page.getByTestId('module-yaml');
    const cliYaml = async (ref: string) => moduleToYaml((await client.modules.get(ref)).document);
    await expect.poll(() => yaml.textContent()).toBe(await cliYaml('shop/app@2'));
    await page.getByRole('link', { name: 'v1', exact: true }).click();
    expect(decodeURIComponent(page.url())).toMatch(/#\/module\/shop\/app@1$/);
    await expect.poll(() => yaml.textContent()).toBe(await cliYaml('shop/app@1'));
    // Multi-line recipes stay block literals, as in the file that was pushed.
    expect(await yaml.textContent()).toContain('deployment: |\n    set -euo pipefail');
    expectNoPageErrors(page);
  });

  it('shows the changes between two versions as a unified diff with signed lines', async () => {
    await page.goto(url + '#/module/shop/app');
    const diff = page.getByRole('table', { name: 'Changes from v1 to v2' });
    await diff.waitFor();
    const removed = diff.locator('tr[data-change="removed"]');
    const added = diff.locator('tr[data-change="added"]');
    expect(await removed.first().locator('td.marker').textContent()).toContain('-');
    expect(await added.first().locator('td.marker').textContent()).toContain('+');
    const removedText = await removed.locator('del').allTextContents();
    expect(removedText.filter((line) => line.startsWith('description: ') && line.includes('waits for the database'))).toHaveLength(1);
    const addedText = await added.locator('ins').allTextContents();
    expect(addedText).toContain('description: An app server with a worker pool.');
    expect(addedText).toContain('  - name: workers');
    await screenshot(page, 'dashboard-module-diff');
    // Choosing the same version twice says there is nothing to compare.
    await page.getByLabel('From version').selectOption('2');
    await expect.poll(() => page.locator('.compare-result').textContent()).toContain('Choose two different versions');
    expectNoPageErrors(page);
  });

  it('shows the launch form, its refusals at their fields, and launches once despite a double click', async () => {
    await page.goto(url + '#/module/shop/shop');
    await page.getByRole('link', { name: 'Launch' }).click();
    await page.getByRole('heading', { name: 'Launch shop/shop@1' }).waitFor();
    expect(page.url()).toMatch(/#\/launch\/shop\/shop$/);

    const app = page.locator('fieldset[data-node="app"]');
    expect(await app.getByLabel('Instances').inputValue()).toBe('2');
    expect(await app.getByLabel('workers').inputValue()).toBe('2');
    expect(await app.getByLabel('admin_password').getAttribute('type')).toBe('password');
    expect(await app.locator('output.mapped').allTextContents()).toEqual(['mapped from db:ip', 'mapped from db:db_port', 'mapped from db:db_password']);
    const defaultCloud = page.getByLabel('Default cloud');
    expect(await defaultCloud.locator('option').allTextContents()).toEqual(["the controller's default cloud", 'local (local)', 'spare (fake)']);

    // Caught before sending, in the controller's words.
    await app.getByLabel('workers').fill('two');
    await page.locator('fieldset[data-node="lb"]').getByLabel('Instances').fill('-1');
    await page.getByRole('button', { name: /^Launch/ }).click();
    await expect.poll(() => fieldMessage(page, 'parameters.app:workers').textContent()).toContain("'two' is not an int");
    expect(await fieldMessage(page, 'multiplicities.lb').textContent()).toBe('must be 0 to 10000');
    expect(await app.getByLabel('workers').getAttribute('aria-invalid')).toBe('true');
    // The keyboard is taken to the first field to fix.
    await expect.poll(() => app.getByLabel('workers').evaluate((input) => (input as { matches(selector: string): boolean }).matches(':focus'))).toBe(true);

    // Refused by the controller: a cloud without the shop's images, a malformed tag.
    await app.getByLabel('workers').fill('4');
    await page.locator('fieldset[data-node="lb"]').getByLabel('Instances').fill('1');
    await defaultCloud.selectOption('spare');
    await page.getByLabel('Tags').fill('e2e bad!tag');
    await page.getByRole('button', { name: /^Launch/ }).click();
    await expect.poll(() => fieldMessage(page, 'default_cloud').textContent()).toContain("has no image for cloud 'spare'");
    expect(await fieldMessage(page, 'tags').textContent()).toContain("'bad!tag': must be 1 to 64 characters");
    expect(await page.getByRole('alert').first().textContent()).toContain('fields need fixing');
    expect(await fieldMessage(page, 'parameters.app:workers').count()).toBe(0);
    expect(await client.runs.list()).toEqual([]);
    await screenshot(page, 'dashboard-launch-refused');

    // Launched for real on the controller's default cloud (local), one app server, with a double click.
    await defaultCloud.selectOption('');
    await page.getByLabel('Tags').fill('e2e, dashboard');
    await app.getByLabel('Instances').fill('1');
    // The run's page is another page's: this one's own errors are checked before leaving it.
    expectNoPageErrors(page);
    await page.getByRole('button', { name: 'Launch 3 instances' }).dblclick();
    await waitFor('the run page', async () => (/#\/runs\/[^/]+$/.test(page.url()) ? true : undefined));
    const runId = decodeURIComponent(page.url().replace(/^.*#\/runs\//, ''));
    try {
      const runs = await client.runs.list();
      expect(runs.map((r) => r.id)).toEqual([runId]);
      const run = await client.runs.get(runId);
      expect({ module: run.module, tags: [...run.tags].sort(), defaultCloud: run.defaultCloud }).toEqual({
        module: { path: 'shop/shop', version: 1 },
        tags: ['dashboard', 'e2e'],
        defaultCloud: 'local',
      });
      expect(run.nodes.map((n) => [n.name, n.instances.length])).toEqual([
        ['db', 1],
        ['app', 1],
        ['lb', 1],
      ]);
      const workers = await client.runs.getParameter(runId, 'app.1:workers');
      expect(workers.value).toBe('4');
    } finally {
      await client.runs.terminate(runId);
      await waitFor(`run ${runId} to end`, async () => (['Done', 'Cancelled', 'Aborted'].includes((await client.runs.get(runId)).state ?? '') ? true : undefined), 60_000);
    }
  });

  it('shows a viewer the catalog without a Launch button', async () => {
    await client.users.create({ name: 'vic', role: Role.ROLE_VIEWER });
    const token = (await client.tokens.create({ name: 'vic-catalog', user: 'vic' })).secret;
    const { page: viewerPage } = await browser.newPage();
    await signIn(viewerPage, url, token);
    await viewerPage.goto(url + '#/module/shop/shop');
    await viewerPage.getByTestId('module-yaml').waitFor();
    await viewerPage.locator('.module-header .kind').waitFor();
    expect(await viewerPage.getByRole('link', { name: /^Launch/ }).count()).toBe(0);
    // The form itself says why, should a viewer follow a link to it.
    await viewerPage.goto(url + '#/launch/shop/shop');
    await expect.poll(() => viewerPage.locator('.launch .problem').textContent()).toContain('Launching is for deployers; your role is viewer');
    expectNoPageErrors(viewerPage);
  });
});
