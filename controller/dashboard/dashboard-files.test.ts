import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardFiles } from './dashboard-files.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(server: Server, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function serve(files: DashboardFiles): Promise<Server> {
  const server = createServer((req, res) => {
    const path = req.url!.split('?', 1)[0]!;
    if (files.serves(path)) files.handle(req, res, path);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('the dashboard files', () => {
  let folder: string;
  let server: Server;
  const script = `console.log(${JSON.stringify('x'.repeat(4000))});\n`;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'dashboard-files-'));
    mkdirSync(join(folder, 'assets'));
    writeFileSync(join(folder, 'index.html'), '<!doctype html><title>Slipstream</title><script type="module" src="/assets/app-1234.js"></script>');
    writeFileSync(join(folder, 'assets', 'app-1234.js'), script);
    server = await serve(DashboardFiles.load(folder));
  });
  afterAll(() => {
    server?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('serves the page at / with a strict content security policy, revalidated on every load', async () => {
    const page = await get(server, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'/);
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.body.toString()).toContain('<title>Slipstream</title>');
    expect((await get(server, '/index.html')).body).toEqual(page.body);
  });

  it('serves hashed assets as immutable, gzip-compressed for browsers that accept it', async () => {
    const plain = await get(server, '/assets/app-1234.js');
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toContain('immutable');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(script);
    const zipped = await get(server, '/assets/app-1234.js', { 'accept-encoding': 'br, gzip' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(Number(zipped.headers['content-length'])).toBeLessThan(script.length / 4);
    expect(gunzipSync(zipped.body).toString()).toBe(script);
  });

  it('answers a revalidation with 304 and a HEAD without a body', async () => {
    const first = await get(server, '/');
    const again = await get(server, '/', { 'if-none-match': String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const head = await get(server, '/assets/app-1234.js', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBe(script.length);
    expect(head.body.length).toBe(0);
  });

  it('answers 404 for an asset it does not have, and serves nothing outside its paths', async () => {
    expect((await get(server, '/assets/missing.js')).status).toBe(404);
    expect((await get(server, '/assets/../index.html')).status).not.toBe(500);
    const files = DashboardFiles.load(folder);
    expect(files.serves('/metrics')).toBe(false);
    expect(files.serves('/agent/agent.mjs')).toBe(false);
    expect(files.serves('/slipstream.v1.RunService/GetRun')).toBe(false);
  });

  it('says how to build the dashboard when it is not built', async () => {
    const missing = DashboardFiles.load(join(folder, 'nowhere'));
    expect(missing.missing).toContain('npm run build');
    const unbuilt = await serve(missing);
    try {
      const page = await get(unbuilt, '/');
      expect(page.status).toBe(503);
      expect(page.body.toString()).toContain('the dashboard is not built');
    } finally {
      unbuilt.close();
    }
  });
});
