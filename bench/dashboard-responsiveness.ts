/**
 * The dashboard's run view with a run of 1,000 sim instances (the `sim` driver: real agents' phases and parameter
 * traffic, no process each), in Chromium (Debian's, through playwright-core), on one controller (SQLite, TLS):
 *
 * - following: the run view opened at launch and kept open until Ready while each instance sets its ss-display
 *   status 10 times during Executing (some 13,000 parameter updates pushed to the page): the frame intervals the
 *   page got (requestAnimationFrame), its long tasks (> 50 ms), and how late a sort click was answered (as Playwright
 *   sees it, actionability waits included, and as the page sees it, from the click event to aria-sort);
 * - first render: the run view of the run, now Ready, opened in a fresh tab: time from navigation until all
 *   1,000 instances are in the table (the snapshot), then until all 3,000 timeline bars are drawn (the replay).
 *
 *   node --import tsx bench/dashboard-responsiveness.ts [instances] [repeats]
 */
import type { Page } from 'playwright-core';
import { SimPool } from '../controller/connectors/sim/sim-pool.js';
import { KeepRunning } from '../proto/gen/slipstream/v1/runs.js';
import { launchDashboardBrowser, serverCertificateOf, signIn } from '../test/helpers/dashboard-browser.js';
import { startHarness } from '../test/helpers/harness.js';
import { ensureDashboardBuilt } from '../web/build.js';

const INSTANCES = Number(process.argv[2] ?? 1000);
const REPEATS = Number(process.argv[3] ?? 1);
const READY_TIMEOUT_MS = 600_000;

/** Records every animation frame's interval and every long task, from the page's first script on. */
const FRAME_RECORDER = `
  globalThis.frameGaps = []; globalThis.longTasks = [];
  let last = performance.now();
  const tick = (now) => { globalThis.frameGaps.push(now - last); last = now; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  // A sort click as the page sees it: from the click's input to the header's aria-sort changing (Playwright's own
  // waits before it clicks, e.g. for the button to stop moving, are not the page's).
  globalThis.sortClicks = [];
  document.addEventListener('click', (event) => {
    const header = event.target instanceof Element ? event.target.closest('th[aria-sort]') : null;
    if (!header) return;
    const clicked = event.timeStamp; // when the input came, before any wait for the main thread
    const observer = new MutationObserver(() => {
      if (header.getAttribute('aria-sort') === 'none') return;
      globalThis.sortClicks.push(performance.now() - clicked);
      observer.disconnect();
    });
    observer.observe(header, { attributes: true, attributeFilter: ['aria-sort'] });
  }, true);
  new PerformanceObserver((list) => { for (const e of list.getEntries()) globalThis.longTasks.push(e.duration); }).observe({ type: 'longtask', buffered: true });
`;

interface FrameStats {
  frames: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  over100ms: number;
  longTasks: number;
  longTaskMs: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : Number.NaN;
}

async function frameStats(page: Page): Promise<FrameStats> {
  const { gaps, tasks } = (await page.evaluate('({ gaps: globalThis.frameGaps.splice(0), tasks: globalThis.longTasks.splice(0) })')) as { gaps: number[]; tasks: number[] };
  const sorted = [...gaps].sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    frames: gaps.length,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1) ?? Number.NaN),
    over100ms: gaps.filter((g) => g > 100).length,
    longTasks: tasks.length,
    longTaskMs: Math.round(tasks.reduce((a, b) => a + b, 0)),
  };
}

/** Milliseconds from `started` until the table counts every instance, then until the timeline has every bar. */
async function allShown(page: Page, started: number): Promise<{ rowsMs: number; barsMs: number }> {
  await page.locator(`[data-testid="instances"][data-count="${INSTANCES}"]`).waitFor({ timeout: 120_000 });
  const rowsMs = Date.now() - started;
  await page.locator(`[data-testid="timeline"][data-bars="${3 * INSTANCES}"]`).waitFor({ timeout: 120_000 });
  return { rowsMs, barsMs: Date.now() - started };
}

await ensureDashboardBuilt();
const pool = SimPool.start({ workers: 2 });
const harness = await startHarness({ database: 'sqlite', tls: true, clouds: [{ name: 'sim', driver: 'sim', settings: {} }], driverOptions: { sim: { pool } } });
const browser = await launchDashboardBrowser(serverCertificateOf(harness.dataDir));
try {
  await harness.client.modules.save({
    kind: 'component',
    path: 'bench/ui',
    images: { sim: 'sim' },
    resources: {},
    recipes: { deployment: 'sim-repeat 10\n  ss-set statecustom step {i} of 10\n  sim-sleep 200\nsim-end\nss-set statecustom serving' },
    parameters: [],
  });
  await harness.client.modules.save({
    kind: 'application',
    path: 'bench/ui-app',
    nodes: [{ name: 'web', component: 'bench/ui', multiplicity: INSTANCES, cloud: 'sim', maxProvisioningFailures: 0, mappings: {} }],
  });
  for (let repeat = 1; repeat <= REPEATS; repeat++) {
    const { page } = await browser.newPage();
    await page.addInitScript(FRAME_RECORDER);
    await signIn(page, harness.controller.httpUrl + '/', harness.controller.adminToken);
    const runId = (await harness.runs.launch('bench/ui-app', { keepRunning: KeepRunning.KEEP_RUNNING_ALWAYS, timeoutMinutes: 30 })).id;
    const launched = Date.now();
    await page.goto(`${harness.controller.httpUrl}/#/runs/${runId}`);
    await frameStats(page); // the sign-in page's frames are not the run view's
    await page.locator('[data-testid="run-view"][data-state="Executing"]').waitFor({ timeout: READY_TIMEOUT_MS });
    // A click while the updates stream: how long until the page answers it.
    const clicked = Date.now();
    await page.getByRole('button', { name: 'VM state' }).click();
    await page.locator('th[aria-sort="ascending"]').filter({ hasText: 'VM state' }).waitFor();
    const sortMs = Date.now() - clicked;
    const [sortInPageMs] = (await page.evaluate('globalThis.sortClicks')) as number[];
    await page.locator('[data-testid="run-view"][data-state="Ready"]').waitFor({ timeout: READY_TIMEOUT_MS });
    const readyMs = Date.now() - launched;
    const following = await frameStats(page);
    await allShown(page, launched);

    const fresh = await browser.newPage();
    await fresh.page.addInitScript(FRAME_RECORDER);
    await signIn(fresh.page, harness.controller.httpUrl + '/', harness.controller.adminToken);
    const opened = Date.now();
    await fresh.page.goto(`${harness.controller.httpUrl}/#/runs/${runId}`);
    const firstRender = await allShown(fresh.page, opened);
    const opening = await frameStats(fresh.page);
    console.log(
      JSON.stringify({
        instances: INSTANCES,
        repeat,
        launchToReadyShownMs: readyMs,
        sortClickWhileStreamingMs: sortMs,
        sortClickInPageMs: sortInPageMs === undefined ? undefined : Math.round(sortInPageMs),
        followingFrames: following,
        openReadyRunAllRowsMs: firstRender.rowsMs,
        openReadyRunAllBarsMs: firstRender.barsMs,
        openingFrames: opening,
      }),
    );
    await harness.runs.terminate(runId);
    await fresh.context.close();
    await page.context().close();
  }
} finally {
  await browser.close();
  await harness.close();
  await pool.close();
}
