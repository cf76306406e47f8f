import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts cloud credentials at rest with AES-256-GCM. Each ciphertext is
 * bound to its tenant and cloud (additional authenticated data), so a row
 * copied onto another tenant or cloud does not decrypt.
 */
export class CredentialCipher {
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the credential key must be 32 bytes');
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 16);
  }

  encrypt(fields: Readonly<Record<string, string>>, tenantId: string, cloud: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(`${tenantId}/${cloud}`, 'utf8'));
    const body = Buffer.concat([cipher.update(JSON.stringify(fields), 'utf8'), cipher.final()]);
    return Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64');
  }

  decrypt(ciphertext: string, tenantId: string, cloud: string): Record<string, string> {
    const raw = Buffer.from(ciphertext, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, NONCE_BYTES));
    decipher.setAAD(Buffer.from(`${tenantId}/${cloud}`, 'utf8'));
    decipher.setAuthTag(raw.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
    const plain = Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as Record<string, string>;
  }
}

/**
 * The credential key: the given base64 value (every replica must get the
 * same one), else a key kept in `<dataDir>/credential.key` (0600), created on
 * first use, for the embedded single-controller default.
 */
export function loadCredentialKey(given: string | undefined, dataDir: string): Buffer {
  if (given !== undefined) {
    const key = Buffer.from(given, 'base64');
    if (key.length !== 32) throw new Error('credential key: must be 32 bytes, base64-encoded (openssl rand -base64 32)');
    return key;
  }
  const file = join(dataDir, 'credential.key');
  if (existsSync(file)) {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`credential key file ${file}: must hold 32 bytes, base64-encoded`);
    return key;
  }
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(`${file}.tmp`, `${key.toString('base64')}\n`, { mode: 0o600 });
  chmodSync(`${file}.tmp`, 0o600);
  renameSync(`${file}.tmp`, file);
  return key;
}
