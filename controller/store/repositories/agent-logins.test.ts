/**
 * An agent's login rows: AgentLoginRepository.byHash reads the same rows
 * whether it runs in a transaction (the ORM's query) or in a plain read (one
 * prepared statement on PostgreSQL), and nothing for hashes no instance
 * has; storeCredentials and expireBootstrapTokens (one statement each on
 * PostgreSQL) write what later logins read.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../../../test/helpers/databases.js';
import { useTestRun } from '../../../test/helpers/store.js';

const hash = (c: string) => c.repeat(64);

describe.each(TEST_DATABASES)('agent logins on %s', (database) => {
  const expiresAt = new Date('2026-11-27T12:00:00.000Z');
  const testRun = useTestRun(database, {
    nodes: [{ name: 'web', maxProvisioningFailures: 0, nextIndex: 3 }],
    instances: [
      { name: 'web.1', node: 'web', index: 1, cloud: 'local' },
      { name: 'web.2', node: 'web', index: 2, cloud: 'local' },
    ],
    parameters: [],
  });

  beforeAll(async () => {
    await testRun.store.write(async (repos) => {
      await repos.instances.setColumn(testRun.runId, 'bootstrapHash', new Map([['web.1', hash('a')], ['web.2', hash('b')]]), { bootstrapExpiresAt: expiresAt });
      await repos.instances.setColumn(testRun.runId, 'credentialHash', new Map([['web.2', hash('c')]]), {});
    });
  });

  const shape = (logins: { name: string; run: string; node: string; index: number; bootstrapHash: string | null; bootstrapExpiresAt: Date | null; bootstrapUsedAt: Date | null; credentialHash: string | null; runState: string; tenantId: string; id: string }[]) =>
    logins
      .map(({ id, ...rest }) => ({ ...rest, id: typeof id }))
      .sort((a, b) => a.name.localeCompare(b.name));

  it('reads the same logins in a transaction and in a plain read', async () => {
    const inTransaction = await testRun.store.write((repos) => repos.agentLogins.byHash('bootstrapHash', [hash('a'), hash('b'), hash('z')]));
    const inRead = await testRun.store.read((repos) => repos.agentLogins.byHash('bootstrapHash', [hash('a'), hash('b'), hash('z')]));
    const expected = [
      { name: 'web.1', run: testRun.runId, node: 'web', index: 1, bootstrapHash: hash('a'), bootstrapExpiresAt: expiresAt, bootstrapUsedAt: null, credentialHash: null, runState: 'Initializing', tenantId: testRun.tenantId, id: 'string' },
      { name: 'web.2', run: testRun.runId, node: 'web', index: 2, bootstrapHash: hash('b'), bootstrapExpiresAt: expiresAt, bootstrapUsedAt: null, credentialHash: hash('c'), runState: 'Initializing', tenantId: testRun.tenantId, id: 'string' },
    ];
    expect(shape(inTransaction)).toEqual(expected);
    expect(shape(inRead)).toEqual(expected);
  });

  it('finds credentials by their own column, and nothing for unknown hashes', async () => {
    const byCredential = await testRun.store.read((repos) => repos.agentLogins.byHash('credentialHash', [hash('c'), hash('a')]));
    expect(byCredential.map((l) => l.name)).toEqual(['web.2']);
    expect(await testRun.store.read((repos) => repos.agentLogins.byHash('credentialHash', []))).toEqual([]);
  });

  it('stores credentials and expires bootstrap tokens, as later logins read them', async () => {
    const usedAt = new Date('2026-11-27T10:00:00.000Z');
    await testRun.store.writeStatement((repos) => repos.agentLogins.storeCredentials(testRun.runId, new Map([['web.1', hash('d')]]), usedAt));
    const [web1] = await testRun.store.read((repos) => repos.agentLogins.byHash('credentialHash', [hash('d')]));
    expect(web1).toMatchObject({ name: 'web.1', credentialHash: hash('d'), bootstrapUsedAt: usedAt, bootstrapExpiresAt: expiresAt });
    const expiredAt = new Date('2026-11-27T10:00:01.000Z');
    await testRun.store.writeStatement((repos) => repos.agentLogins.expireBootstrapTokens([web1!.id], expiredAt));
    const after = await testRun.store.read((repos) => repos.agentLogins.byHash('bootstrapHash', [hash('a'), hash('b')]));
    expect(after.map((l) => [l.name, l.bootstrapExpiresAt])).toEqual(
      expect.arrayContaining([
        ['web.1', expiredAt],
        ['web.2', expiresAt],
      ]),
    );
  });
});
