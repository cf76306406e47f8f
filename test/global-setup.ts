/**
 * Once before the suite: the dashboard's build (dist/web), which test controllers serve, made when missing or older
 * than its sources, so that `npm test` works on a fresh clone without `npm run build` first.
 */
import { ensureDashboardBuilt } from '../web/build.js';

export default async function setup(): Promise<void> {
  await ensureDashboardBuilt();
}
