import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { makePrivateDir, PRIVATE_FILE_MODE } from '../store/private-files.js';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Marks a sealed string (see CredentialCipher.seal), so stored plaintext from before sealing can be told apart. */
const SEALED_PREFIX = 'ss1:';

/**
 * Encrypts secrets at rest with AES-256-GCM under the credential key: cloud
 * credentials (`encrypt`, bound to tenant and cloud) and any other secret
 * string (`seal`, bound to a context the caller names). The additional
 * authenticated data binds each ciphertext to where it belongs, so a value
 * copied onto another row does not decrypt.
 */
export class CredentialCipher {
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the credential key must be 32 bytes');
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 16);
  }

  encrypt(fields: Readonly<Record<string, string>>, tenantId: string, cloud: string): string {
    return this.sealRaw(JSON.stringify(fields), `${tenantId}/${cloud}`);
  }

  decrypt(ciphertext: string, tenantId: string, cloud: string): Record<string, string> {
    return JSON.parse(this.openRaw(ciphertext, `${tenantId}/${cloud}`)) as Record<string, string>;
  }

  /**
   * Encrypts a secret string for storage, bound to `context` (for example
   * `run/<id>/parameter/<key>`): `ss1:` and base64 of nonce | tag | ciphertext.
   */
  seal(plaintext: string, context: string): string {
    return SEALED_PREFIX + this.sealRaw(plaintext, context);
  }

  /** The plaintext of `seal(plaintext, context)`; throws when the value was sealed for another context or key, or altered. */
  open(sealed: string, context: string): string {
    if (!isSealed(sealed)) throw new Error('not a sealed value');
    return this.openRaw(sealed.slice(SEALED_PREFIX.length), context);
  }

  private sealRaw(plaintext: string, context: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64');
  }

  private openRaw(ciphertext: string, context: string): string {
    const raw = Buffer.from(ciphertext, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, NONCE_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  }
}

/** True when a stored string is a value of `CredentialCipher.seal` (not plaintext stored before sealing). */
export function isSealed(value: string): boolean {
  return value.startsWith(SEALED_PREFIX);
}

/**
 * The credential key: the given base64 value (every replica must get the
 * same one), else a key kept in `<dataDir>/credential.key` (0600, in a 0700
 * data dir, whatever the umask), created on first use, for the embedded
 * single-controller default.
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
  makePrivateDir(dirname(file));
  const key = randomBytes(32);
  // A temp file left by a crash may have any mode: made anew, so the key is only ever written into a 0600 file.
  rmSync(`${file}.tmp`, { force: true });
  writeFileSync(`${file}.tmp`, `${key.toString('base64')}\n`, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  chmodSync(`${file}.tmp`, PRIVATE_FILE_MODE);
  renameSync(`${file}.tmp`, file);
  return key;
}
