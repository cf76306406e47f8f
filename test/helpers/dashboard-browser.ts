/**
 * A real Chromium (Debian's `chromium`, driven by playwright-core; no browser download) opening the dashboard a test
 * controller serves. Under TLS the browser trusts exactly the controller's certificate, by its public key
 * (--ignore-certificate-errors-spki-list), not every certificate. Screenshots go to test-artifacts/ (not committed).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { PKI_FILES, publicKeyPin } from '../../controller/auth/pki.js';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** Chromium's path: SLIPSTREAM_CHROMIUM, or Debian's. Undefined when none is installed. */
export function chromiumPath(): string | undefined {
  const given = process.env.SLIPSTREAM_CHROMIUM;
  if (given) return given;
  return CANDIDATES.find((path) => existsSync(path));
}

/**
 * Why browser tests cannot run here, or undefined when they can. In CI (CI set) a missing Chromium is a failure,
 * not a skip: .ci/run installs it.
 */
export function browserTestsSkipReason(): string | undefined {
  if (chromiumPath()) return undefined;
  if (process.env.CI) throw new Error('Chromium is not installed (apt-get install chromium): .ci/run installs it');
  const reason = 'Chromium is not installed (apt-get install chromium): the dashboard browser tests are skipped';
  // Said where a person sees it: vitest's report only counts skipped tests.
  process.stderr.write(`${reason}\n`);
  return reason;
}

export interface DashboardBrowser {
  browser: Browser;
  /** A fresh context (its own session storage: one signed-in user each). */
  newPage(): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

/** The server certificate a TLS controller made in its data dir. */
export function serverCertificateOf(dataDir: string): string {
  return readFileSync(join(dataDir, 'tls', PKI_FILES.serverCert), 'utf8');
}

/** Launches Chromium headless; `serverCertificatePem` is the controller's certificate under TLS (serverCertificateOf). */
export async function launchDashboardBrowser(serverCertificatePem?: string): Promise<DashboardBrowser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('no Chromium: see browserTestsSkipReason');
  const args = ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'];
  if (serverCertificatePem) args.push(`--ignore-certificate-errors-spki-list=${publicKeyPin(serverCertificatePem)}`);
  const browser = await chromium.launch({ executablePath, args, headless: true });
  const contexts: BrowserContext[] = [];
  return {
    browser,
    async newPage() {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
      contexts.push(context);
      const page = await context.newPage();
      // A page error is a test failure: collected and checked by expectNoPageErrors.
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      pageErrors.set(page, errors);
      return { context, page };
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close();
    },
  };
}

const pageErrors = new WeakMap<Page, string[]>();

/** Fails when a script of the page threw (an uncaught error in the dashboard). */
export function expectNoPageErrors(page: Page): void {
  expect(pageErrors.get(page) ?? []).toEqual([]);
}

/** Signs in through the sign-in form and waits for the signed-in header. */
export async function signIn(page: Page, dashboardUrl: string, token: string): Promise<void> {
  await page.goto(dashboardUrl);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').waitFor();
}

/** test-artifacts/<name>.png at the repository root (git-ignored): CI keeps it, the README shows one. The whole page unless `fullPage` is false (what the window shows). */
export async function screenshot(page: Page, name: string, { fullPage = true }: { fullPage?: boolean } = {}): Promise<string> {
  const folder = resolve(import.meta.dirname, '..', '..', 'test-artifacts');
  mkdirSync(folder, { recursive: true });
  const path = join(folder, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}
