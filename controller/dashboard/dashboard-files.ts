/**
 * The dashboard's built files (dist/web, see web/build.ts), served by the controller on its HTTP port: same origin
 * as the browser API, so the browser needs no CORS and the token goes nowhere else. Read once at start (some
 * 200 KiB); each text file is also kept gzip-compressed for browsers that accept it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { packageRoot } from '../../common/package-root.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json']);

/**
 * What every page of the dashboard may do: its own scripts and styles only, API calls to this origin only, no
 * framing (clickjacking), no referrer (a run id in the fragment stays here anyway).
 */
export const DASHBOARD_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

interface DashboardFile {
  body: Buffer;
  gzip?: Buffer;
  contentType: string;
  etag: string;
  /** Hashed asset names never change content: cached for a year. index.html is revalidated on every load. */
  immutable: boolean;
}

export class DashboardFiles {
  private constructor(
    private readonly files: ReadonlyMap<string, DashboardFile>,
    /** Set when there is nothing to serve: what the operator should do. */
    readonly missing?: string,
  ) {}

  /** The files of a built dashboard folder; a missing folder gives a dashboard that says how to build it. */
  static load(folder: string): DashboardFiles {
    if (!existsSync(join(folder, 'index.html'))) {
      return new DashboardFiles(new Map(), `the dashboard is not built (no ${join(folder, 'index.html')}): run \`npm run build\``);
    }
    const files = new Map<string, DashboardFile>();
    for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath, entry.name);
      const urlPath = '/' + relative(folder, path).split(sep).join('/');
      const ext = extname(entry.name);
      const body = readFileSync(path);
      files.set(urlPath, {
        body,
        ...(COMPRESSIBLE.has(ext) && body.length > 1024 ? { gzip: gzipSync(body, { level: 9 }) } : {}),
        contentType: CONTENT_TYPES[ext] ?? 'application/octet-stream',
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
        immutable: urlPath.startsWith('/assets/'),
      });
    }
    return new DashboardFiles(files);
  }

  get fileCount(): number {
    return this.files.size;
  }

  /** True for the paths this serves: the pages (`/`, `/index.html`) and the built assets. */
  serves(path: string): boolean {
    return path === '/' || path === '/index.html' || path.startsWith('/assets/');
  }

  /** Answers a GET or HEAD of a path that `serves`. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): void {
    if (this.missing) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...DASHBOARD_SECURITY_HEADERS });
      res.end(req.method === 'HEAD' ? undefined : `Slipstream: ${this.missing}\n`);
      return;
    }
    const file = this.files.get(path === '/' ? '/index.html' : path);
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...DASHBOARD_SECURITY_HEADERS }).end('not found\n');
      return;
    }
    const headers: Record<string, string | number> = {
      'content-type': file.contentType,
      etag: file.etag,
      'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      vary: 'accept-encoding',
      ...DASHBOARD_SECURITY_HEADERS,
    };
    if (req.headers['if-none-match'] === file.etag) {
      res.writeHead(304, headers).end();
      return;
    }
    const gzip = file.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? file.gzip! : file.body;
    if (gzip) headers['content-encoding'] = 'gzip';
    headers['content-length'] = body.length;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}

/** Where the built dashboard is: dist/web of the package, whether it runs from its build or, in a checkout, from sources. */
export function dashboardFolder(): string {
  return join(packageRoot(), 'dist', 'web');
}
