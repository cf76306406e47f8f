/** `buf curl` (through server reflection) lists and calls the real controller's methods. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestController, type TestController } from '../helpers/controller.js';

const run = promisify(execFile);
const BUF = new URL('../../node_modules/.bin/buf', import.meta.url).pathname;

describe('buf curl against a running controller', () => {
  let controller: TestController;
  let cwd: string;
  const curl = (...args: string[]) =>
    run(BUF, ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', ...args], { cwd, timeout: 30_000 });

  beforeAll(async () => {
    controller = await startTestController({ database: 'sqlite' });
    // An empty folder, so buf finds no buf.yaml and uses reflection only.
    cwd = mkdtempSync(join(tmpdir(), 'slipstream-bufcurl-'));
  });

  afterAll(async () => {
    await controller?.stop();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it('lists the services and their methods', async () => {
    const services = await curl('--list-services', `http://${controller.address}`);
    expect(services.stdout.split('\n')).toEqual(
      expect.arrayContaining(['slipstream.v1.ModuleService', 'slipstream.v1.UserService', 'grpc.health.v1.Health']),
    );
    const methods = await curl('--list-methods', `http://${controller.address}`);
    expect(methods.stdout).toContain('slipstream.v1.ModuleService/SaveModule');
    expect(methods.stdout).toContain('slipstream.v1.TokenService/RevokeToken');
  });

  it('calls an authenticated method and the health check', async () => {
    const whoami = await curl(
      '-H',
      `authorization: Bearer ${controller.adminToken}`,
      '-d',
      '{}',
      `http://${controller.address}/slipstream.v1.UserService/WhoAmI`,
    );
    const body = JSON.parse(whoami.stdout) as { user: { name: string; role: string; tenant: string } };
    expect(body.user).toMatchObject({ name: 'admin', role: 'ROLE_ADMIN', tenant: 'default' });
    const health = await curl('-d', '{}', `http://${controller.address}/grpc.health.v1.Health/Check`);
    expect(JSON.parse(health.stdout)).toEqual({ status: 'SERVING' });
  });

  it('shows the rich error model to a generic client', async () => {
    const failed = await curl('-d', '{"ref": "no/such"}', '-H', `authorization: Bearer ${controller.adminToken}`,
      `http://${controller.address}/slipstream.v1.ModuleService/GetModule`).catch((e: { stderr: string }) => e);
    expect(failed.stderr).toContain('not_found');
    expect(failed.stderr).toContain('google.rpc.ResourceInfo');
  });
});
