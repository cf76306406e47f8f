/**
 * The controller's TLS identity. Either made here and kept under `DIR/tls/`
 * (a private CA plus a server certificate it signs; agents pin the CA through
 * their boot data), or given by the operator as files.
 *
 * Made here: on first use an ECDSA P-256 CA (10 years) and a server certificate
 * (1 year, serverAuth, a SAN per host). Later calls load them and renew only the
 * server certificate, when it expires within 30 days or does not cover every
 * requested host; the CA is never replaced, so agents that pinned it keep working.
 * Files are written atomically (temp file, fsync, rename), all mode 0600 in a 0700 folder whatever the umask.
 * A lock file serializes concurrent callers (same process or controller replicas
 * sharing the folder).
 */
// @peculiar/x509 resolves its algorithms through tsyringe, which needs a Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import { X509Certificate, createHash, createPrivateKey, createPublicKey, randomBytes, webcrypto } from 'node:crypto';
import { chmod, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { makePrivateDir, PRIVATE_FILE_MODE } from '../store/private-files.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

export interface ControllerPki {
  /** PEM of the CA that signed the server certificate: what agents and clients pin. */
  caCertPem: string;
  /** PEM of the server certificate (for given files: the whole chain file). */
  serverCertPem: string;
  /** PEM (PKCS#8) of the server certificate's private key. */
  serverKeyPem: string;
  /** SHA-256 of the CA certificate's DER, 64 lowercase hex digits (openssl's `-fingerprint -sha256` without colons). */
  caFingerprint: string;
}

export interface PkiOptions {
  /** Every name and IP address clients dial the controller by; each becomes a SAN. `[::1]` brackets are accepted. */
  hosts: string[];
}

export interface GivenPkiFiles {
  caCertPath: string;
  /** The server certificate, optionally followed by intermediates (leaf first). */
  certPath: string;
  keyPath: string;
}

/** A PKI that cannot be loaded or made; the message names the file and what to do. */
export class PkiError extends Error {}

/** File names under `DIR/tls/`. */
export const PKI_FILES = {
  caCert: 'ca.pem',
  caKey: 'ca-key.pem',
  serverCert: 'server.pem',
  serverKey: 'server-key.pem',
} as const;

const DAY_MS = 24 * 60 * 60 * 1000;
const CA_LIFETIME_MS = 3652 * DAY_MS;
const SERVER_LIFETIME_MS = 365 * DAY_MS;
/** The server certificate is renewed when it expires within this. */
export const RENEW_BEFORE_MS = 30 * DAY_MS;
/** notBefore is set this far back so VMs with a slightly late clock accept a fresh certificate. */
const BACKDATE_MS = 60 * 60 * 1000;
const EC_KEY: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

type SanName = { type: 'ip' | 'dns'; value: string };

/**
 * Loads the controller's PKI from `dir/tls/`, making whatever is missing or due:
 * a CA on first use, a server certificate when absent, expiring within 30 days,
 * not signed by the CA, or missing one of `options.hosts`.
 */
/**
 * Base64 SHA-256 of a certificate's SubjectPublicKeyInfo (an HPKP-style pin): what Chromium's
 * --ignore-certificate-errors-spki-list takes, to trust exactly this key for one browser session.
 */
export function publicKeyPin(certificatePem: string): string {
  const der = new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

export async function loadOrCreatePki(dir: string, options: PkiOptions): Promise<ControllerPki> {
  const wanted = normalizeHosts(options.hosts);
  const tlsDir = join(dir, 'tls');
  makePrivateDir(tlsDir);
  return withLock(join(tlsDir, '.lock'), async () => {
    const path = (name: keyof typeof PKI_FILES) => join(tlsDir, PKI_FILES[name]);
    const ca = await loadOrCreateCa(path('caCert'), path('caKey'));
    const current = await loadServer(path('serverCert'), path('serverKey'), ca.cert, wanted);
    if (current) return pkiOf(ca.pem, current.certPem, current.keyPem, ca.cert);
    const made = await makeServer(ca, wanted);
    // Key first: a reader never sees a new certificate with the old key (the lock also keeps readers out).
    await writeAtomic(path('serverKey'), made.keyPem, PRIVATE_FILE_MODE);
    await writeAtomic(path('serverCert'), made.certPem, PRIVATE_FILE_MODE);
    return pkiOf(ca.pem, made.certPem, made.keyPem, ca.cert);
  });
}

/**
 * Loads operator-given files: checks each parses, the key matches the certificate,
 * the certificate chains to the CA and is valid now. Errors name the file.
 */
export async function loadGivenPki(files: GivenPkiFiles): Promise<ControllerPki> {
  const caPem = await readText(files.caCertPath, 'CA certificate');
  const certPem = await readText(files.certPath, 'server certificate');
  const keyPem = await readText(files.keyPath, 'server private key');
  const cas = parseCertificates(caPem, files.caCertPath, 'CA certificate');
  const chain = parseCertificates(certPem, files.certPath, 'server certificate');
  const leaf = chain[0]!;
  const keyDer = parsePrivateKey(keyPem, files.keyPath);
  if (!publicKeyMatches(keyDer, leaf)) {
    throw new PkiError(`server private key ${files.keyPath}: does not match the certificate in ${files.certPath}`);
  }
  const now = new Date();
  if (leaf.notAfter.getTime() <= now.getTime()) {
    throw new PkiError(`server certificate ${files.certPath}: expired on ${leaf.notAfter.toISOString()}`);
  }
  if (leaf.notBefore.getTime() > now.getTime()) {
    throw new PkiError(`server certificate ${files.certPath}: not valid before ${leaf.notBefore.toISOString()}`);
  }
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!(await signedBy(chain[i]!, chain[i + 1]!))) {
      throw new PkiError(`server certificate ${files.certPath}: certificate ${i + 2} of the chain did not sign certificate ${i + 1}`);
    }
  }
  const top = chain[chain.length - 1]!;
  let issuer: x509.X509Certificate | undefined;
  for (const ca of cas) {
    if (sameCertificate(ca, top) || (await signedBy(top, ca))) {
      issuer = ca;
      break;
    }
  }
  if (!issuer) throw new PkiError(`server certificate ${files.certPath}: not signed by the CA in ${files.caCertPath}`);
  return { caCertPem: caPem, serverCertPem: certPem, serverKeyPem: keyPem, caFingerprint: fingerprint(issuer) };
}

interface Ca {
  cert: x509.X509Certificate;
  pem: string;
  key: CryptoKey;
}

async function loadOrCreateCa(certPath: string, keyPath: string): Promise<Ca> {
  const certPem = await readIfExists(certPath);
  const keyPem = await readIfExists(keyPath);
  if (certPem === undefined && keyPem === undefined) {
    const keys = (await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as CryptoKeyPair;
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerial(),
      name: `CN=Slipstream controller CA ${randomBytes(4).toString('hex')}, O=Slipstream`,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + CA_LIFETIME_MS),
      signingAlgorithm: SIGNING,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    const pem = `${cert.toString('pem')}\n`;
    // Key before certificate: a certificate on disk always has its key.
    await writeAtomic(keyPath, await exportKeyPem(keys.privateKey), PRIVATE_FILE_MODE);
    await writeAtomic(certPath, pem, PRIVATE_FILE_MODE);
    return { cert, pem, key: keys.privateKey };
  }
  const advice = 'restore it, or remove the whole tls folder to make a new CA (agents and clients that pinned the old CA then stop trusting this controller)';
  if (certPem === undefined) throw new PkiError(`CA certificate ${certPath}: missing while ${keyPath} exists; ${advice}`);
  if (keyPem === undefined) throw new PkiError(`CA private key ${keyPath}: missing while ${certPath} exists; ${advice}`);
  const cert = parseCertificates(certPem, certPath, 'CA certificate')[0]!;
  const keyDer = parsePrivateKey(keyPem, keyPath);
  if (!publicKeyMatches(keyDer, cert)) throw new PkiError(`CA private key ${keyPath}: does not match the certificate in ${certPath}`);
  if (cert.notAfter.getTime() <= Date.now()) {
    throw new PkiError(`CA certificate ${certPath}: expired on ${cert.notAfter.toISOString()}; remove the tls folder to make a new CA (agents and clients must then pin the new one)`);
  }
  await tightenMode(keyPath);
  let key: CryptoKey;
  try {
    key = await webcrypto.subtle.importKey('pkcs8', keyDer, EC_KEY, false, ['sign']);
  } catch (err) {
    throw new PkiError(`CA private key ${keyPath}: not an ECDSA P-256 key (${(err as Error).message})`, { cause: err });
  }
  return { cert, pem: certPem, key };
}

/** The stored server certificate and key when still usable for `wanted`; undefined when due for renewal. */
async function loadServer(
  certPath: string,
  keyPath: string,
  ca: x509.X509Certificate,
  wanted: SanName[],
): Promise<{ certPem: string; keyPem: string } | undefined> {
  const certPem = await readIfExists(certPath);
  const keyPem = await readIfExists(keyPath);
  if (certPem === undefined || keyPem === undefined) return undefined;
  let cert: x509.X509Certificate;
  let keyDer: Buffer;
  try {
    cert = parseCertificates(certPem, certPath, 'server certificate')[0]!;
    keyDer = parsePrivateKey(keyPem, keyPath);
  } catch {
    return undefined; // ours and derived from the CA: remake it
  }
  if (!publicKeyMatches(keyDer, cert)) return undefined;
  if (!(await signedBy(cert, ca))) return undefined;
  // Due within 30 days: renew, unless the CA's own end already bounds it (a new one could not last longer).
  if (cert.notAfter.getTime() - Date.now() <= RENEW_BEFORE_MS && cert.notAfter.getTime() < ca.notAfter.getTime()) return undefined;
  const covered = new Set(sanNames(cert).map(sanKey));
  if (!wanted.every((name) => covered.has(sanKey(name)))) return undefined;
  await tightenMode(keyPath);
  return { certPem, keyPem };
}

async function makeServer(ca: Ca, hosts: SanName[]): Promise<{ certPem: string; keyPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  // Never outlive the CA: a chain is only as valid as its issuer.
  const notAfter = new Date(Math.min(now + SERVER_LIFETIME_MS, ca.cert.notAfter.getTime()));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: 'CN=slipstream-controller, O=Slipstream',
    issuer: ca.cert.subjectName,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter,
    signingAlgorithm: SIGNING,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension(hosts, false),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert.publicKey),
    ],
  });
  return { certPem: `${cert.toString('pem')}\n`, keyPem: await exportKeyPem(keys.privateKey) };
}

function pkiOf(caPem: string, certPem: string, keyPem: string, ca: x509.X509Certificate): ControllerPki {
  return { caCertPem: caPem, serverCertPem: certPem, serverKeyPem: keyPem, caFingerprint: fingerprint(ca) };
}

/** Validates, unbrackets, lowercases and dedupes hosts; IPs in canonical form. */
function normalizeHosts(hosts: string[]): SanName[] {
  if (!Array.isArray(hosts) || hosts.length === 0) {
    throw new PkiError('options.hosts: give at least one host name or IP address the controller is reached by');
  }
  const out = new Map<string, SanName>();
  for (const host of hosts) {
    const name = normalizeHost(host);
    if (!name) throw new PkiError(`options.hosts: ${JSON.stringify(host)} is neither an IP address nor a DNS name`);
    out.set(sanKey(name), name);
  }
  return [...out.values()];
}

const DNS_NAME = /^(\*\.)?[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

function normalizeHost(raw: string): SanName | undefined {
  if (typeof raw !== 'string') return undefined;
  let host = raw.trim();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const family = isIP(host);
  if (family === 4) return { type: 'ip', value: host };
  if (family === 6) {
    if (host.includes('%')) return undefined; // zone ids cannot be in a certificate
    return { type: 'ip', value: new URL(`http://[${host}]/`).hostname.slice(1, -1) };
  }
  host = host.toLowerCase().replace(/\.$/, '');
  if (host.length === 0 || host.length > 253 || !DNS_NAME.test(host)) return undefined;
  return { type: 'dns', value: host };
}

function sanKey(name: SanName): string {
  return `${name.type}:${name.value}`;
}

/** The certificate's DNS and IP SANs, normalized like requested hosts. */
function sanNames(cert: x509.X509Certificate): SanName[] {
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  if (!san) return [];
  const out: SanName[] = [];
  for (const item of san.names.items) {
    if (item.type !== 'ip' && item.type !== 'dns') continue;
    const name = normalizeHost(item.value);
    if (name && name.type === item.type) out.push(name);
  }
  return out;
}

function parseCertificates(pem: string, path: string, what: string): x509.X509Certificate[] {
  let ders: ArrayBuffer[];
  try {
    ders = x509.PemConverter.decodeWithHeaders(pem)
      .filter((block) => block.type === 'CERTIFICATE')
      .map((block) => block.rawData);
  } catch (err) {
    throw new PkiError(`${what} ${path}: not PEM (${(err as Error).message})`, { cause: err });
  }
  if (ders.length === 0) throw new PkiError(`${what} ${path}: no "BEGIN CERTIFICATE" block`);
  return ders.map((der, i) => {
    try {
      return new x509.X509Certificate(der);
    } catch (err) {
      throw new PkiError(`${what} ${path}: certificate ${i + 1} does not parse (${(err as Error).message})`, { cause: err });
    }
  });
}

/** PKCS#8 DER of a PEM private key (PKCS#8 or SEC1/PKCS#1); throws naming the file. */
function parsePrivateKey(pem: string, path: string): Buffer {
  try {
    return createPrivateKey({ key: pem, format: 'pem' }).export({ type: 'pkcs8', format: 'der' });
  } catch (err) {
    throw new PkiError(`private key ${path}: does not parse as an unencrypted PEM private key (${(err as Error).message})`, { cause: err });
  }
}

function publicKeyMatches(pkcs8: Buffer, cert: x509.X509Certificate): boolean {
  const spki = createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' });
  return spki.equals(Buffer.from(cert.publicKey.rawData));
}

async function signedBy(cert: x509.X509Certificate, issuer: x509.X509Certificate): Promise<boolean> {
  try {
    return await cert.verify({ publicKey: issuer.publicKey, signatureOnly: true });
  } catch {
    return false;
  }
}

function sameCertificate(a: x509.X509Certificate, b: x509.X509Certificate): boolean {
  return Buffer.from(a.rawData).equals(Buffer.from(b.rawData));
}

function fingerprint(cert: x509.X509Certificate): string {
  return createHash('sha256').update(Buffer.from(cert.rawData)).digest('hex');
}

/** A positive 128-bit serial (top bit clear so DER needs no sign byte, never all zero). */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return `${x509.PemConverter.encode(der, 'PRIVATE KEY')}\n`;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new PkiError(`${what} ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PkiError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
}

/** Keys kept here must not be readable by others; fix a loosened mode quietly. */
async function tightenMode(path: string): Promise<void> {
  const { mode } = await stat(path);
  if ((mode & 0o077) !== 0) await chmod(path, 0o600);
}

/** Writes a temp file with `mode`, fsyncs it, renames it over `path`: readers see the old or the new file, never half. */
async function writeAtomic(path: string, content: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const file = await open(tmp, 'wx', mode);
  try {
    await file.writeFile(content, 'utf8');
    await file.chmod(mode); // umask may have removed bits we want (never adds any)
    await file.sync();
  } catch (err) {
    await file.close();
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await file.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

const LOCK_STALE_MS = 30_000;
const LOCK_WAIT_MS = 20_000;

/** Runs `fn` holding an exclusive lock file (O_EXCL create); a lock older than 30 s is taken as left by a crash. */
async function withLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  const deadline = performance.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new PkiError(`lock ${lockPath}: cannot create (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
      }
      const age = await stat(lockPath).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > LOCK_STALE_MS) {
        await unlink(lockPath).catch(() => undefined);
        continue;
      }
      if (performance.now() > deadline) throw new PkiError(`lock ${lockPath}: still held after ${LOCK_WAIT_MS / 1000} s; remove it if no controller is starting`);
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 30));
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}
