/**
 * What the browser API's loopback hop costs: WhoAmI over gRPC (the client
 * library) and over Connect on the HTTP port (connect-node, HTTP/1.1), both
 * under TLS on one controller, calls alternating so both see the same machine.
 * The Connect client keeps its connection and sends without Nagle's delay, as
 * a browser does (test/helpers/browser-api.ts).
 *
 *   node --import tsx bench/browser-api-latency.ts [calls]
 */
import { createSlipstreamClient } from '../client/index.js';
import { BrowserApi } from '../test/helpers/browser-api.js';
import { startTestController } from '../test/helpers/controller.js';

const CALLS = Number(process.argv[2] ?? 200);
const WARMUP = 20;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function timed(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await call();
  return performance.now() - started;
}

const controller = await startTestController({ database: 'sqlite', tls: true });
const grpc = createSlipstreamClient({ address: controller.address, token: controller.adminToken, tls: { ca: Buffer.from(controller.caCertificate!) } });
const browser = new BrowserApi(controller.httpUrl, controller.caCertificate);
try {
  const viaGrpc = () => grpc.users.whoAmI();
  const viaBrowser = () => browser.call('UserService/WhoAmI', {}, { token: controller.adminToken });
  for (let i = 0; i < WARMUP; i++) await Promise.all([viaGrpc(), viaBrowser()]);
  const samples = { grpc: [] as number[], connect: [] as number[] };
  for (let i = 0; i < CALLS; i++) {
    samples.grpc.push(await timed(viaGrpc));
    samples.connect.push(await timed(viaBrowser));
  }
  const summary = Object.fromEntries(
    Object.entries(samples).map(([name, ms]) => {
      const sorted = [...ms].sort((a, b) => a - b);
      return [name, { p50: +percentile(sorted, 50).toFixed(2), p90: +percentile(sorted, 90).toFixed(2), p99: +percentile(sorted, 99).toFixed(2) }];
    }),
  );
  console.log(JSON.stringify({ calls: CALLS, ms: summary, p50Ratio: +(summary.connect!.p50 / summary.grpc!.p50).toFixed(2) }));
} finally {
  grpc.close();
  browser.close();
  await controller.stop();
}
