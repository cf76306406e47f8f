import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { HealthCheckResponse_ServingStatus, HealthClient } from '../../proto/gen/grpc/health/v1/health.js';
import { loadGivenPki, loadOrCreatePki, PKI_FILES, PkiError, publicKeyPin, type ControllerPki } from './pki.js';

const HOSTS = ['localhost', '127.0.0.1', '::1', 'controller.slipstream.example.com'];
const DAY = 24 * 60 * 60 * 1000;

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pki-test-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});
afterEach(() => {
  vi.useRealTimers();
});

const tls = (dir: string, name: keyof typeof PKI_FILES) => join(dir, 'tls', PKI_FILES[name]);
const mode = async (path: string) => (await stat(path)).mode & 0o777;

/** Node's own X.509 parser, independent of the library that made the certificates. */
function certsOf(pki: ControllerPki): { ca: X509Certificate; server: X509Certificate } {
  return { ca: new X509Certificate(pki.caCertPem), server: new X509Certificate(pki.serverCertPem) };
}

describe('loadOrCreatePki: a fresh directory', () => {
  let dir: string;
  let pki: ControllerPki;
  beforeAll(async () => {
    dir = await tempDir();
    pki = await loadOrCreatePki(dir, { hosts: HOSTS });
  });

  it('makes a 10-year ECDSA P-256 CA that may sign certificates', () => {
    const { ca } = certsOf(pki);
    expect(ca.ca).toBe(true);
    expect(ca.publicKey.asymmetricKeyType).toBe('ec');
    expect(ca.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(ca.verify(ca.publicKey)).toBe(true); // self-signed
    const years = (Date.parse(ca.validTo) - Date.now()) / (365.25 * DAY);
    expect(years).toBeGreaterThan(9.9);
    expect(years).toBeLessThan(10.1);
    expect(pki.caFingerprint).toBe(ca.fingerprint256.replace(/:/g, '').toLowerCase());
  });

  it('makes a 1-year server certificate, signed by the CA, with every host as a SAN and serverAuth', () => {
    const { ca, server } = certsOf(pki);
    expect(server.ca).toBe(false);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkPrivateKey(createPrivateKey(pki.serverKeyPem))).toBe(true);
    expect(server.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // node reports the extended key usages here
    expect(server.subjectAltName?.split(', ').sort()).toEqual(
      ['DNS:controller.slipstream.example.com', 'DNS:localhost', 'IP Address:0:0:0:0:0:0:0:1', 'IP Address:127.0.0.1'].sort(),
    );
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkHost('controller.slipstream.example.com')).toBe('controller.slipstream.example.com');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkIP('::1')).toBe('::1');
    expect(server.checkHost('elsewhere.example.com')).toBeUndefined();
    const days = (Date.parse(server.validTo) - Date.now()) / DAY;
    expect(days).toBeGreaterThan(364);
    expect(days).toBeLessThan(366);
  });

  it('keeps the files under dir/tls (0700) all mode 0600 and no temp or lock files left', async () => {
    expect(await mode(join(dir, 'tls'))).toBe(0o700);
    expect(await mode(tls(dir, 'caKey'))).toBe(0o600);
    expect(await mode(tls(dir, 'serverKey'))).toBe(0o600);
    expect(await mode(tls(dir, 'caCert'))).toBe(0o600);
    expect(await mode(tls(dir, 'serverCert'))).toBe(0o600);
    expect(await readFile(tls(dir, 'caCert'), 'utf8')).toBe(pki.caCertPem);
    expect(await readFile(tls(dir, 'serverCert'), 'utf8')).toBe(pki.serverCertPem);
    expect(await readFile(tls(dir, 'serverKey'), 'utf8')).toBe(pki.serverKeyPem);
    expect((await readdir(join(dir, 'tls'))).sort()).toEqual(Object.values(PKI_FILES).sort());
  });

  it('loads the same CA and server certificate on the next call', async () => {
    const again = await loadOrCreatePki(dir, { hosts: ['127.0.0.1', 'LOCALHOST', '[::1]'] }); // a subset, other spelling
    expect(again).toEqual(pki);
  });
});

describe('loadOrCreatePki: renewal', () => {
  it('renews only the server certificate when a requested host is not covered', async () => {
    const dir = await tempDir();
    const first = await loadOrCreatePki(dir, { hosts: ['127.0.0.1'] });
    const second = await loadOrCreatePki(dir, { hosts: ['127.0.0.1', '10.1.2.3', 'ctl.example.org'] });
    expect(second.caCertPem).toBe(first.caCertPem);
    expect(second.caFingerprint).toBe(first.caFingerprint);
    expect(second.serverCertPem).not.toBe(first.serverCertPem);
    expect(second.serverKeyPem).not.toBe(first.serverKeyPem);
    const { ca, server } = certsOf(second);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkIP('10.1.2.3')).toBe('10.1.2.3');
    expect(server.checkHost('ctl.example.org')).toBe('ctl.example.org');
  });

  it('renews only the server certificate when it expires within 30 days', async () => {
    const dir = await tempDir();
    const first = await loadOrCreatePki(dir, { hosts: ['127.0.0.1'] });
    const expires = Date.parse(certsOf(first).server.validTo);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(expires - 31 * DAY);
    expect(await loadOrCreatePki(dir, { hosts: ['127.0.0.1'] })).toEqual(first); // 31 days left: kept
    vi.setSystemTime(expires - 29 * DAY);
    const renewed = await loadOrCreatePki(dir, { hosts: ['127.0.0.1'] });
    vi.useRealTimers();
    expect(renewed.caCertPem).toBe(first.caCertPem);
    expect(renewed.serverCertPem).not.toBe(first.serverCertPem);
    const { ca, server } = certsOf(renewed);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(Date.parse(server.validTo)).toBeGreaterThan(expires + 300 * DAY);
  });

  it('never issues past the CA: near its end the server certificate stops at the CA and is not remade on every call', async () => {
    const dir = await tempDir();
    const first = await loadOrCreatePki(dir, { hosts: ['127.0.0.1'] });
    const caEnd = Date.parse(certsOf(first).ca.validTo);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(caEnd - 100 * DAY);
    const late = await loadOrCreatePki(dir, { hosts: ['127.0.0.1'] });
    expect(late.caFingerprint).toBe(first.caFingerprint);
    expect(Date.parse(certsOf(late).server.validTo)).toBe(caEnd);
    vi.setSystemTime(caEnd - 10 * DAY);
    expect(await loadOrCreatePki(dir, { hosts: ['127.0.0.1'] })).toEqual(late);
    vi.setSystemTime(caEnd + DAY);
    await expect(loadOrCreatePki(dir, { hosts: ['127.0.0.1'] })).rejects.toThrow(`CA certificate ${tls(dir, 'caCert')}: expired on`);
  });

  it('remakes a damaged server certificate, keeping the CA', async () => {
    const dir = await tempDir();
    const first = await loadOrCreatePki(dir, { hosts: ['127.0.0.1'] });
    await writeFile(tls(dir, 'serverCert'), 'not a certificate\n');
    const again = await loadOrCreatePki(dir, { hosts: ['127.0.0.1'] });
    expect(again.caFingerprint).toBe(first.caFingerprint);
    expect(certsOf(again).server.verify(certsOf(again).ca.publicKey)).toBe(true);
  });

  it('gives concurrent callers one CA', async () => {
    const dir = await tempDir();
    const all = await Promise.all(Array.from({ length: 6 }, () => loadOrCreatePki(dir, { hosts: ['127.0.0.1'] })));
    expect(new Set(all.map((p) => p.caFingerprint)).size).toBe(1);
    expect(new Set(all.map((p) => p.serverCertPem)).size).toBe(1);
    const onDisk = await loadOrCreatePki(dir, { hosts: ['127.0.0.1'] });
    expect(onDisk).toEqual(all[0]);
  });

  it('tightens a key file whose mode was loosened', async () => {
    const dir = await tempDir();
    await loadOrCreatePki(dir, { hosts: ['127.0.0.1'] });
    await chmod(tls(dir, 'caKey'), 0o644);
    await chmod(tls(dir, 'serverKey'), 0o640);
    await loadOrCreatePki(dir, { hosts: ['127.0.0.1'] });
    expect(await mode(tls(dir, 'caKey'))).toBe(0o600);
    expect(await mode(tls(dir, 'serverKey'))).toBe(0o600);
  });
});

describe('loadOrCreatePki: errors', () => {
  it('refuses to replace a CA whose key is missing, naming the file', async () => {
    const dir = await tempDir();
    await loadOrCreatePki(dir, { hosts: ['127.0.0.1'] });
    await unlink(tls(dir, 'caKey'));
    const err = await loadOrCreatePki(dir, { hosts: ['127.0.0.1'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PkiError);
    expect((err as Error).message).toContain(tls(dir, 'caKey'));
    await expect(stat(tls(dir, 'caCert'))).resolves.toBeTruthy(); // the CA was not touched
  });

  it('rejects a CA key that does not match the CA certificate, naming the file', async () => {
    const dir = await tempDir();
    const other = await tempDir();
    await loadOrCreatePki(dir, { hosts: ['127.0.0.1'] });
    await loadOrCreatePki(other, { hosts: ['127.0.0.1'] });
    await writeFile(tls(dir, 'caKey'), await readFile(tls(other, 'caKey')));
    await expect(loadOrCreatePki(dir, { hosts: ['127.0.0.1'] })).rejects.toThrow(`CA private key ${tls(dir, 'caKey')}: does not match`);
  });

  it('rejects empty and malformed hosts', async () => {
    const dir = await tempDir();
    await expect(loadOrCreatePki(dir, { hosts: [] })).rejects.toThrow(/options\.hosts: give at least one/);
    await expect(loadOrCreatePki(dir, { hosts: ['127.0.0.1', 'bad host!'] })).rejects.toThrow(/"bad host!" is neither/);
    await expect(loadOrCreatePki(dir, { hosts: ['fe80::1%eth0'] })).rejects.toThrow(PkiError);
  });
});

describe('gRPC over the generated PKI', () => {
  let pki: ControllerPki;
  let otherCa: string;
  let server: grpc.Server;
  let port: number;
  const clients: grpc.Client[] = [];

  beforeAll(async () => {
    pki = await loadOrCreatePki(await tempDir(), { hosts: ['127.0.0.1', 'localhost'] });
    otherCa = (await loadOrCreatePki(await tempDir(), { hosts: ['127.0.0.1', 'localhost'] })).caCertPem;
    server = new grpc.Server();
    new HealthImplementation({ '': 'SERVING' }).addToServer(server);
    const credentials = grpc.ServerCredentials.createSsl(Buffer.from(pki.caCertPem), [
      { cert_chain: Buffer.from(pki.serverCertPem), private_key: Buffer.from(pki.serverKeyPem) },
    ]);
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', credentials, (err, bound) => (err ? reject(err) : resolve(bound))),
    );
  });
  afterAll(() => {
    for (const client of clients) client.close();
    server?.forceShutdown();
  });

  function check(target: string, caPem: string, options: grpc.ClientOptions = {}): Promise<HealthCheckResponse_ServingStatus> {
    const client = new HealthClient(target, grpc.credentials.createSsl(Buffer.from(caPem)), options);
    clients.push(client);
    return new Promise((resolve, reject) =>
      client.check({ service: '' }, new grpc.Metadata(), { deadline: Date.now() + 5_000 }, (err, response) =>
        err ? reject(err) : resolve(response.status),
      ),
    );
  }

  it('accepts a client that pins the CA, by IP and by name', async () => {
    await expect(check(`127.0.0.1:${port}`, pki.caCertPem)).resolves.toBe(HealthCheckResponse_ServingStatus.SERVING);
    await expect(check(`localhost:${port}`, pki.caCertPem)).resolves.toBe(HealthCheckResponse_ServingStatus.SERVING);
  });

  it('fails for a client that pins a different CA', async () => {
    await expect(check(`127.0.0.1:${port}`, otherCa)).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
      details: expect.stringContaining('self-signed certificate in certificate chain'),
    });
  });

  it('fails for a name the certificate does not cover', async () => {
    await expect(
      check(`127.0.0.1:${port}`, pki.caCertPem, { 'grpc.ssl_target_name_override': 'elsewhere.example.com' }),
    ).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE, details: expect.stringContaining('ERR_TLS_CERT_ALTNAME_INVALID') });
  });
});

describe('loadGivenPki', () => {
  let dir: string;
  let made: ControllerPki;
  let other: string;
  beforeAll(async () => {
    dir = await tempDir();
    made = await loadOrCreatePki(dir, { hosts: ['127.0.0.1'] });
    other = await tempDir();
    await loadOrCreatePki(other, { hosts: ['127.0.0.1'] });
  });
  const files = (overrides: Partial<Record<'caCertPath' | 'certPath' | 'keyPath', string>> = {}) => ({
    caCertPath: tls(dir, 'caCert'),
    certPath: tls(dir, 'serverCert'),
    keyPath: tls(dir, 'serverKey'),
    ...overrides,
  });

  it('loads valid files', async () => {
    await expect(loadGivenPki(files())).resolves.toEqual(made);
  });

  it('accepts a CA bundle and a chain file that ends with the CA', async () => {
    const bundle = join(dir, 'bundle.pem');
    await writeFile(bundle, (await readFile(tls(other, 'caCert'), 'utf8')) + made.caCertPem);
    const chain = join(dir, 'chain.pem');
    await writeFile(chain, made.serverCertPem + made.caCertPem);
    const given = await loadGivenPki(files({ caCertPath: bundle, certPath: chain }));
    expect(given.caFingerprint).toBe(made.caFingerprint);
  });

  it('names a missing file', async () => {
    const missing = join(dir, 'nope.pem');
    await expect(loadGivenPki(files({ caCertPath: missing }))).rejects.toThrow(`CA certificate ${missing}: cannot read (ENOENT)`);
    await expect(loadGivenPki(files({ certPath: missing }))).rejects.toThrow(`server certificate ${missing}: cannot read (ENOENT)`);
    await expect(loadGivenPki(files({ keyPath: missing }))).rejects.toThrow(`server private key ${missing}: cannot read (ENOENT)`);
  });

  it('names a file that is not a certificate or key', async () => {
    const junk = join(dir, 'junk.pem');
    await writeFile(junk, 'hello\n');
    await expect(loadGivenPki(files({ certPath: junk }))).rejects.toThrow(`server certificate ${junk}: no "BEGIN CERTIFICATE" block`);
    await expect(loadGivenPki(files({ keyPath: junk }))).rejects.toThrow(`private key ${junk}: does not parse`);
  });

  it('names the key that does not match the certificate', async () => {
    await expect(loadGivenPki(files({ keyPath: tls(other, 'serverKey') }))).rejects.toThrow(
      `server private key ${tls(other, 'serverKey')}: does not match the certificate in ${tls(dir, 'serverCert')}`,
    );
  });

  it('names the certificate that the CA did not sign', async () => {
    await expect(loadGivenPki(files({ caCertPath: tls(other, 'caCert') }))).rejects.toThrow(
      `server certificate ${tls(dir, 'serverCert')}: not signed by the CA in ${tls(other, 'caCert')}`,
    );
  });

  it('rejects an expired certificate', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 400 * DAY);
    await expect(loadGivenPki(files())).rejects.toThrow(new RegExp(`server certificate ${tls(dir, 'serverCert')}: expired on`));
  });
});

describe('publicKeyPin', () => {
  it("is the base64 SHA-256 of the certificate's public key, the same for the certificate and its private key", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pki-pin-'));
    try {
      const pki = await loadOrCreatePki(dir, { hosts: ['localhost'] });
      const keyDer = createPublicKey(createPrivateKey(pki.serverKeyPem)).export({ type: 'spki', format: 'der' });
      expect(publicKeyPin(pki.serverCertPem)).toBe(createHash('sha256').update(keyDer).digest('base64'));
      expect(publicKeyPin(pki.caCertPem)).not.toBe(publicKeyPin(pki.serverCertPem));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
