import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { ControllerSecretEntity } from '../store/entities/controller-secret.js';

const KEY_NAME = 'bootstrap-token-key';

/** How long a VM has to enroll after its bootstrap token was issued. */
export const BOOTSTRAP_TOKEN_TTL_MS = 15 * 60_000;

/**
 * One-time bootstrap tokens derived from a controller-wide key: the token of
 * an instance can be recomputed after a controller restart (a re-provision of
 * a VM that already booted must hand it the same token), yet nobody without
 * the key can forge one. Only hashes are stored with the instance.
 */
export class BootstrapTokens {
  private constructor(private readonly key: Buffer) {}

  /** Loads the key from the database, creating it on first use. */
  static async load(em: EntityManager): Promise<BootstrapTokens> {
    let row = await em.findOne(ControllerSecretEntity, { name: KEY_NAME });
    if (!row) {
      row = em.create(ControllerSecretEntity, { name: KEY_NAME, value: randomBytes(32).toString('base64'), createdAt: new Date() });
      await em.flush();
    }
    return new BootstrapTokens(Buffer.from(row.value, 'base64'));
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

