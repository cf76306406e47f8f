import { createHash, randomBytes } from 'node:crypto';

/** Recognizable prefix so leaked tokens can be found by secret scanners. */
const TOKEN_PREFIX = 'sst_';

/** A new bearer secret: 256 random bits. */
export function newTokenSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * The stored form of a secret. A single sha256 is enough: the secret has 256
 * bits of entropy, so there is nothing for a slow hash to protect.
 */
export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Cheap shape check before touching the database. */
export function looksLikeTokenSecret(secret: string): boolean {
  return secret.startsWith(TOKEN_PREFIX) && secret.length >= TOKEN_PREFIX.length + 40 && secret.length <= 128;
}
