import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { isSealed, type CredentialCipher } from './credential-cipher.js';
import { ControllerSecretEntity } from '../store/entities/controller-secret.js';

const KEY_NAME = 'bootstrap-token-key';
/** What the key is sealed for (CredentialCipher.seal's context). */
const KEY_CONTEXT = `controller/${KEY_NAME}`;

/** How long a VM has to enroll after its bootstrap token was issued. */
export const BOOTSTRAP_TOKEN_TTL_MS = 15 * 60_000;

/**
 * The database's bootstrap-token key does not open with this controller's
 * credential key: it was started with another one than the database was
 * sealed with. Starting anyway (with a new key) would turn every live agent's
 * credential invalid, so the start fails instead.
 */
export class CredentialKeyMismatchError extends Error {}

/**
 * One-time bootstrap tokens derived from a controller-wide key: the token of
 * an instance can be recomputed after a controller restart (a re-provision of
 * a VM that already booted must hand it the same token), yet nobody without
 * the key can forge one. Only hashes are stored with the instance; the key
 * itself is stored sealed under the credential key (row
 * `bootstrap-token-key` of controller_secrets), so the database alone does
 * not give it away.
 */
export class BootstrapTokens {
  private constructor(private readonly key: Buffer) {}

  /**
   * Loads the key from the database, creating it (sealed) on first use. A
   * key stored in plaintext by an older controller is sealed in place, so
   * the tokens and credentials derived from it still verify. Throws
   * CredentialKeyMismatchError when the stored key was sealed under another
   * credential key.
   */
  static async load(em: EntityManager, cipher: CredentialCipher, log: Logger): Promise<BootstrapTokens> {
    const row = await em.findOne(ControllerSecretEntity, { name: KEY_NAME });
    if (!row) {
      const key = randomBytes(32);
      em.create(ControllerSecretEntity, { name: KEY_NAME, value: cipher.seal(key.toString('base64'), KEY_CONTEXT), createdAt: new Date() });
      await em.flush();
      return new BootstrapTokens(key);
    }
    if (!isSealed(row.value)) {
      const key = Buffer.from(row.value, 'base64');
      row.value = cipher.seal(row.value, KEY_CONTEXT);
      await em.flush();
      log.info({ keyId: cipher.keyId }, 'bootstrap-token key sealed under the credential key');
      return new BootstrapTokens(key);
    }
    try {
      return new BootstrapTokens(Buffer.from(cipher.open(row.value, KEY_CONTEXT), 'base64'));
    } catch (err) {
      throw new CredentialKeyMismatchError(
        `the database was sealed with another credential key than this controller's (key id ${cipher.keyId}): ` +
          'start it with the credential key the database was made with (SLIPSTREAM_CREDENTIAL_KEY, or credential.key in the data dir); ' +
          'a new key would invalidate every live agent and stored cloud credential',
        { cause: err },
      );
    }
  }

  /** The bootstrap token of one instance of one run. */
  tokenFor(runId: string, instance: string): string {
    return 'ssb_' + createHmac('sha256', this.key).update(`${runId}/${instance}`).digest('base64url');
  }

  /**
   * The agent credential a bootstrap token enrolls for. Derived, so that an
   * enrollment retried because its answer was lost gets the same credential
   * again (until the agent's first session ends the token's life).
   */
  credentialFor(bootstrapToken: string): string {
    return 'ssa_' + createHmac('sha256', this.key).update(`credential/${bootstrapToken}`).digest('base64url');
  }
}

/** The stored form of a bootstrap token or agent credential. */
export function hashAgentSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

