/**
 * CloudDirectory.connector: callers that ask together share one read of the
 * stored rows (a fleet's provisions must not read them once each), and a
 * changed credential still gets a fresh connector.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { CredentialCipher } from '../auth/credential-cipher.js';
import type { Store } from '../store/store.js';
import { CloudDirectory } from './cloud-directory.js';
import type { CloudConnector, ConnectorDriver } from '../connectors/connector.js';
import { ConnectorRegistry } from '../connectors/registry.js';

function directory() {
  let reads = 0;
  let credentialUpdatedAt = new Date('2026-11-27T00:00:00Z');
  const store = {
    read: async (work: (repos: unknown) => Promise<unknown>) => {
      reads++;
      // A read takes a turn of the event loop, as a query does: callers that arrive meanwhile wait for the next one.
      await new Promise((resolve) => setImmediate(resolve));
      return work({
        clouds: {
          find: () => Promise.resolve(null),
          credential: () => Promise.resolve({ ciphertext: 'sealed', updatedAt: credentialUpdatedAt }),
        },
      });
    },
  } as unknown as Store;
  const created: CloudConnector[] = [];
  const driver: ConnectorDriver = {
    name: 'stub',
    validateSettings: () => [],
    validateOptions: () => [],
    create: () => {
      const connector = { close: () => Promise.resolve() } as unknown as CloudConnector;
      created.push(connector);
      return connector;
    },
  };
  const cipher = { decrypt: () => ({ token: 'x' }) } as unknown as CredentialCipher;
  const clouds = new CloudDirectory(new ConnectorRegistry().register(driver), [{ name: 'lab', driver: 'stub', settings: {} }], store, cipher, {
    dataDir: '/nonexistent',
    log: pino({ level: 'silent' }),
  });
  return { clouds, created, reads: () => reads, rotate: () => (credentialUpdatedAt = new Date(credentialUpdatedAt.getTime() + 1_000)) };
}

describe('CloudDirectory.connector', () => {
  it('reads the stored rows once for the callers that ask together', async () => {
    const { clouds, created, reads } = directory();
    const connectors = await Promise.all(Array.from({ length: 100 }, () => clouds.connector('lab', 'tenant-1')));
    expect(new Set(connectors).size).toBe(1);
    expect(created).toHaveLength(1);
    expect(reads()).toBeLessThanOrEqual(2);
  });

  it('builds a new connector once the credential changed', async () => {
    const { clouds, created, rotate } = directory();
    const first = await clouds.connector('lab', 'tenant-1');
    expect(await clouds.connector('lab', 'tenant-1')).toBe(first);
    rotate();
    const second = await clouds.connector('lab', 'tenant-1');
    expect(second).not.toBe(first);
    expect(created).toHaveLength(2);
  });
});
