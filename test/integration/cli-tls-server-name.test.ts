/**
 * The CLI's `--tls-server-name` (issue 20 follow-up): a real TLS controller
 * on 127.0.0.1 whose certificate names only controller.example.com, as
 * behind a load balancer or dialled by IP. The CLI dialling 127.0.0.1 is
 * refused until it is told the name the certificate carries.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../client/cli/program.js';
import { createTestDeps } from '../../client/cli/test-io.js';
import { loadOrCreatePki, PKI_FILES } from '../../controller/auth/pki.js';
import { startTestController, type TestController } from '../helpers/controller.js';

const CERT_NAME = 'controller.example.com';

describe('the CLI against a controller whose certificate names another host than the one dialled', () => {
  let dir: string;
  let controller: TestController;
  let caPath: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipstream-cli-tls-name-'));
    // The operator's own PKI: the server certificate's only SAN is the DNS name.
    await loadOrCreatePki(dir, { hosts: [CERT_NAME] });
    const tls = join(dir, 'tls');
    caPath = join(tls, PKI_FILES.caCert);
    controller = await startTestController({
      database: 'sqlite',
      tls: true,
      controllerOptions: { tlsCaCertPath: caPath, tlsCertPath: join(tls, PKI_FILES.serverCert), tlsKeyPath: join(tls, PKI_FILES.serverKey) },
    });
  });

  afterAll(async () => {
    await controller?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function cli(argv: string[], env: Record<string, string> = {}) {
    const deps = createTestDeps({ configPath: join(dir, 'config.yaml'), env: { SLIPSTREAM_TOKEN: controller.adminToken, ...env } });
    const code = await runCli(argv, deps);
    return { code, out: deps.out(), err: deps.err() };
  }

  it('is refused without --tls-server-name: the certificate does not name 127.0.0.1', async () => {
    expect(controller.address).toMatch(/^127\.0\.0\.1:\d+$/);
    const refused = await cli(['--addr', controller.address, '--ca', caPath, 'whoami']);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("IP: 127.0.0.1 is not in the cert's list");
    expect(refused.out).toBe('');
  });

  it('connects with --tls-server-name, or SLIPSTREAM_TLS_SERVER_NAME, naming the certificate', async () => {
    const byFlag = await cli(['--addr', controller.address, '--ca', caPath, '--tls-server-name', CERT_NAME, '--output', 'json', 'whoami']);
    expect(byFlag).toMatchObject({ code: 0, err: '' });
    expect(JSON.parse(byFlag.out)).toMatchObject({ name: 'admin', operatorTenant: true });
    const byEnv = await cli(['--addr', controller.address, '--ca', caPath, 'whoami'], { SLIPSTREAM_TLS_SERVER_NAME: CERT_NAME });
    expect(byEnv.code).toBe(0);
  });

  it('is still refused when the name given is not in the certificate', async () => {
    const wrong = await cli(['--addr', controller.address, '--ca', caPath, '--tls-server-name', 'other.example.com', 'whoami']);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('connects through a context saved with --tls-server-name', async () => {
    const saved = await cli(['context', 'set', 'lb', '--addr', controller.address, '--ca', caPath, '--tls-server-name', CERT_NAME]);
    expect(saved.code).toBe(0);
    const viaContext = await cli(['whoami']);
    expect(viaContext).toMatchObject({ code: 0, err: '' });
    expect(viaContext.out).toContain('admin');
  });
});
