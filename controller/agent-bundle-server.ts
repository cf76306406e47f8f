import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Logger } from 'pino';
import type { AgentBundle } from '../agent/build.js';
import type { DashboardFiles } from './dashboard/dashboard-files.js';

/** Path VMs download the agent from; `<path>.sha256` has its digest. */
export const AGENT_BUNDLE_PATH = '/agent/agent.mjs';

/** Path of the controller's metrics, in the Prometheus text format. */
export const METRICS_PATH = '/metrics';

/** What the metrics path serves: the exposition and its content type, rendered per request. */
export type MetricsSource = () => Promise<{ contentType: string; body: string }>;

/** The browser API (controller/api/browser): requests under its prefix go to it, and it closes before the server does. */
export interface BrowserApi {
  prefix: string;
  handle(req: IncomingMessage, res: ServerResponse): void;
  close(): void;
}

/** What the HTTP port serves besides the agent bundle. */
export interface HttpPortServices {
  tls?: { cert: string; key: string } | undefined;
  metrics?: MetricsSource;
  browserApi?: BrowserApi;
  dashboard?: DashboardFiles;
}

/** A started HTTP server for the agent bundle. */
export interface BundleServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the single-file agent bundle and its sha256 over HTTPS (HTTP with --insecure), for the
 * cloud-init boot script to download and verify, and the controller's metrics at METRICS_PATH
 * (no credentials asked: the README says who can read them), and, when given, the browser API and
 * the dashboard's files.
 */
export async function startBundleServer(
  bundle: AgentBundle,
  host: string,
  port: number,
  log: Logger,
  { tls, metrics, browserApi, dashboard }: HttpPortServices = {},
): Promise<BundleServer> {
  const body = readFileSync(bundle.path);
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url?.split('?', 1)[0];
    if (browserApi && path?.startsWith(browserApi.prefix)) {
      // POST only: a Connect GET carries the message in the URL, which proxies and access logs keep.
      if (req.method === 'POST') browserApi.handle(req, res);
      else res.writeHead(405, { allow: 'POST' }).end();
    } else if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (dashboard && path !== undefined && dashboard.serves(path)) {
      dashboard.handle(req, res, path);
    } else if (metrics && path === METRICS_PATH) {
      serveMetrics(metrics, req, res, log);
    } else if (req.url === AGENT_BUNDLE_PATH) {
      res.writeHead(200, { 'content-type': 'text/javascript', 'content-length': body.length, 'x-sha256': bundle.sha256 });
      res.end(req.method === 'HEAD' ? undefined : body);
    } else if (req.url === `${AGENT_BUNDLE_PATH}.sha256`) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`${bundle.sha256}  agent.mjs\n`);
    } else {
      res.writeHead(404).end();
    }
  };
  const server: Server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler) : createHttpServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  log.info({ url, bytes: bundle.bytes, sha256: bundle.sha256 }, 'serving the agent bundle');
  return {
    url,
    close: () => {
      // Its open streams (a browser watching a run) would otherwise keep the server from closing.
      browserApi?.close();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Renders the metrics for one scrape; a failure is a 500 (the cause in the log), never a half-written page. */
function serveMetrics(metrics: MetricsSource, req: IncomingMessage, res: ServerResponse, log: Logger): void {
  metrics().then(
    ({ contentType, body }) => {
      res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
    (err: unknown) => {
      log.error({ err }, 'rendering the metrics failed');
      res.writeHead(500, { 'content-type': 'text/plain' }).end('rendering the metrics failed; see the controller log\n');
    },
  );
}
