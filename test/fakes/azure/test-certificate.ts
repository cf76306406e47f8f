/**
 * Test fixture: an in-memory self-signed certificate for a local HTTPS test
 * server (ECDSA P-256, SAN IP 127.0.0.1, one day). It is its own CA, so a
 * client trusts exactly this server by taking `certPem` as its only root.
 */
import { randomBytes, webcrypto } from 'node:crypto';
// @peculiar/x509's dependency injection (tsyringe) needs the Reflect metadata API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** A certificate and its key, in PEM. */
export interface TestCertificate {
  certPem: string;
  keyPem: string;
}

/** Makes a self-signed server certificate for 127.0.0.1. */
export async function selfSignedCertificate(): Promise<TestCertificate> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8).toString('hex').replace(/^[89a-f]/, '1'),
    name: 'CN=fake-arm test server',
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 24 * 3_600_000),
    signingAlgorithm: algorithm,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }]),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
  return { certPem: `${cert.toString('pem')}\n`, keyPem };
}
