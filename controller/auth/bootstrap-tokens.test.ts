/**
 * The bootstrap-token key at rest, on both databases: stored sealed under the
 * credential key, a legacy plaintext row sealed in place at load (the tokens
 * and credentials derived from it unchanged), and another credential key
 * refused instead of silently replaced.
 */
import { createHmac, randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../../test/helpers/databases.js';
import { openTestStore } from '../../test/helpers/store.js';
import { CredentialCipher, isSealed } from './credential-cipher.js';
import { ControllerSecretEntity } from '../store/entities/controller-secret.js';
import type { Store } from '../store/store.js';
import { BootstrapTokens, CredentialKeyMismatchError } from './bootstrap-tokens.js';

const log = pino({ level: 'silent' });

describe.each(TEST_DATABASES)('BootstrapTokens key on %s', (database) => {
  let store: Store;
  let cipher: CredentialCipher;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, cipher, dispose } = await openTestStore(database));
  });
  afterAll(async () => {
    await dispose?.();
  });

  const storedKey = () => store.read(async (_repos, em) => (await em.findOne(ControllerSecretEntity, { name: 'bootstrap-token-key' }))?.value);
  const load = (withCipher = cipher) => store.write((_repos, em) => BootstrapTokens.load(em, withCipher, log));
  const setStoredKey = (value: string) =>
    store.write(async (_repos, em) => {
      await em.nativeDelete(ControllerSecretEntity, { name: 'bootstrap-token-key' });
      em.create(ControllerSecretEntity, { name: 'bootstrap-token-key', value, createdAt: new Date() });
    });

  it('makes a key on first load and stores it sealed; a second load derives the same tokens', async () => {
    const tokens = await load();
    const stored = await storedKey();
    expect(stored && isSealed(stored)).toBe(true);
    const again = await load();
    expect(again.tokenFor('run-1', 'web.1')).toBe(tokens.tokenFor('run-1', 'web.1'));
    expect(again.credentialFor('ssb_x')).toBe(tokens.credentialFor('ssb_x'));
    expect(await storedKey()).toBe(stored);
  });

  it('seals a legacy plaintext key in place; tokens and credentials derived from it still verify', async () => {
    const key = randomBytes(32);
    await setStoredKey(key.toString('base64'));
    // What the controller before sealing derived from that key.
    const legacyToken = 'ssb_' + createHmac('sha256', key).update('run-1/web.1').digest('base64url');
    const legacyCredential = 'ssa_' + createHmac('sha256', key).update(`credential/${legacyToken}`).digest('base64url');

    const tokens = await load();
    expect(tokens.tokenFor('run-1', 'web.1')).toBe(legacyToken);
    expect(tokens.credentialFor(legacyToken)).toBe(legacyCredential);
    const stored = await storedKey();
    expect(stored && isSealed(stored)).toBe(true);
    expect(stored).not.toContain(key.toString('base64'));
    expect(stored).not.toContain(key.toString('base64url'));
    expect(stored).not.toContain(key.toString('hex'));
    const reloaded = await load();
    expect(reloaded.tokenFor('run-1', 'web.1')).toBe(legacyToken);
  });

  it('refuses to load under another credential key, and leaves the stored key as it was', async () => {
    const stored = await storedKey();
    await expect(load(new CredentialCipher(randomBytes(32)))).rejects.toBeInstanceOf(CredentialKeyMismatchError);
    expect(await storedKey()).toBe(stored);
  });
});
