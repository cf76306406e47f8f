/**
 * TLS end to end: the controller serves gRPC and the agent bundle with its own
 * CA; clients and agents pin that CA; the agents of a run reach Ready over it.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { get } from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, type SlipstreamClient } from '../../client/index.js';
import { runCli } from '../../client/cli/program.js';
import { createTestDeps } from '../../client/cli/test-io.js';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { application, component } from '../helpers/fixtures.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { localVmWorkDir } from '../helpers/local-vms.js';
import { TestRuns } from '../helpers/runs.js';

function download(url: string, ca: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`HTTP ${res.statusCode}`))));
    }).on('error', reject);
  });
}

describe('TLS', () => {
  let harness: Harness;
  let controller: TestController;
  let client: SlipstreamClient;
  let runs: TestRuns;

  beforeAll(async () => {
    harness = await startHarness({ database: 'sqlite', tls: true });
    ({ controller, client, runs } = harness);
  });

  afterAll(() => harness?.close());

  it('agents enroll and reach Ready over TLS, pinning the controller CA', async () => {
    await client.modules.save(component('tls/c'));
    await client.modules.save(application('tls/app', 'tls/c'));
    const run = await runs.launch('tls/app');
    await runs.waitForState(run.id, RunState.RUN_STATE_READY);
    const config = JSON.parse(readFileSync(join(await localVmWorkDir(controller.dataDir, run.id, 'web.1'), 'agent.json'), 'utf8')) as {
      insecure?: boolean;
      caCertificate?: string;
    };
    expect(config.insecure).not.toBe(true);
    expect(config.caCertificate).toBe(controller.caCertificate);
  });

  it('serves the agent bundle over HTTPS with its sha256', async () => {
    const logLine = controller.logs.find((l) => l.msg === 'serving the agent bundle') as { url: string; sha256: string };
    expect(logLine.url).toMatch(/^https:\/\//);
    const body = await download(`${logLine.url}/agent/agent.mjs`, controller.caCertificate!);
    expect(createHash('sha256').update(body).digest('hex')).toBe(logLine.sha256);
    const digest = (await download(`${logLine.url}/agent/agent.mjs.sha256`, controller.caCertificate!)).toString('utf8');
    expect(digest.split(/\s+/)[0]).toBe(logLine.sha256);
  });

  it('the CLI connects over TLS with --ca, saved in a context too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipstream-tls-cli-'));
    try {
      const caFile = join(dir, 'ca.pem');
      writeFileSync(caFile, controller.caCertificate!);
      const cli = async (argv: string[]) => {
        const deps = createTestDeps({ env: {}, configPath: join(dir, 'config.yaml') });
        return { code: await runCli(argv, deps), out: deps.out(), err: deps.err() };
      };
      const saved = await cli(['context', 'set', 'tls', '--addr', controller.address, '--token', controller.adminToken, '--ca', caFile]);
      expect(saved.code, saved.err).toBe(0);
      const whoami = await cli(['whoami']);
      expect(whoami.code, whoami.err).toBe(0);
      expect(whoami.out).toContain('admin');
      const missing = await cli(['whoami', '--ca', join(dir, 'nope.pem')]);
      expect(missing.code).toBe(2);
      expect(missing.err).toContain('nope.pem');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a client that does not pin the CA cannot connect', async () => {
    const stranger = createSlipstreamClient({ address: controller.address, token: controller.adminToken, tls: {}, defaultTimeoutMs: 5_000 });
    await expect(stranger.users.whoAmI({})).rejects.toMatchObject({ code: 14 });
    stranger.close();
  });
});

describe('TLS shutdown', () => {
  it('a connection that never starts its TLS handshake does not hold up the stop', async () => {
    const controller = await startTestController({ database: 'sqlite', tls: true });
    const port = Number(controller.address.slice(controller.address.lastIndexOf(':') + 1));
    const silent = connect({ host: '127.0.0.1', port });
    await new Promise((resolve, reject) => silent.once('connect', resolve).once('error', reject));
    const closed = new Promise((resolve) => silent.once('close', resolve));
    silent.on('error', () => undefined);
    const started = Date.now();
    await controller.stop();
    // The grace period is 2 s; a TLS handshake left waiting times out only after 120 s.
    expect(Date.now() - started).toBeLessThan(15_000);
    await closed;
  });
});
