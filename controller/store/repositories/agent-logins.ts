import type { EntityManager } from '@mikro-orm/core';
import type { RunState } from '../../../common/runs/states.js';
import { RunInstanceEntity, type RunInstanceRow } from '../entities/run-instance.js';
import { RunEntity, type RunRow } from '../entities/run.js';
import type { PreparedStatements } from '../prepared-statements.js';
import { chunksOf, KEYS_PER_QUERY } from './chunks.js';
import { AGENT_LOGINS, EXPIRE_BOOTSTRAP_TOKENS, STORE_CREDENTIALS } from './prepared-sql.js';
import { sqlOf } from './raw-sql.js';
import type { RunInstanceRepository } from './run-instances.js';

/** An instance as an enrolling or authenticating agent needs it (AgentLoginRepository.byHash). */
export interface AgentLogin {
  id: string;
  run: string;
  name: string;
  node: string;
  index: number;
  bootstrapHash: string | null;
  bootstrapExpiresAt: Date | null;
  bootstrapUsedAt: Date | null;
  credentialHash: string | null;
  runState: RunState;
  tenantId: string;
}

/** A datetime column read without hydration (SQLite gives numbers or strings). */
function toDate(value: Date | string | number | null | undefined): Date | null {
  return value === null || value === undefined ? null : value instanceof Date ? value : new Date(value);
}

/**
 * The agents' side of the instances: the hashes of their bootstrap tokens
 * and credentials, and what a login needs of their runs. Thousands of agents
 * log in at once (a controller restart): with prepared statements
 * (PostgreSQL, Store.read and Store.writeStatement) each call is one.
 */
export class AgentLoginRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly instances: RunInstanceRepository,
    private readonly prepared?: PreparedStatements,
  ) {}

  /**
   * What an agent's login needs of the instances whose bootstrap or
   * credential hash is one of `hashes`, and of their runs: plain rows, not
   * entities (thousands of agents log in at once).
   */
  async byHash(column: 'bootstrapHash' | 'credentialHash', hashes: readonly string[]): Promise<AgentLogin[]> {
    // A controller restart brings thousands of logins in small batches: on PostgreSQL each is one prepared statement, not two built queries.
    if (this.prepared) return this.prepared.query<AgentLogin>(`instance-logins-${column}`, AGENT_LOGINS[column], [hashes]);
    const logins: AgentLogin[] = [];
    for (const chunk of chunksOf(hashes, KEYS_PER_QUERY)) {
      const instances = await sqlOf(this.em)
        .createQueryBuilder(RunInstanceEntity)
        .select(['id', 'run', 'name', 'node', 'index', 'bootstrapHash', 'bootstrapExpiresAt', 'bootstrapUsedAt', 'credentialHash'])
        .where({ [column]: { $in: chunk } })
        .execute<Pick<RunInstanceRow, 'id' | 'run' | 'name' | 'node' | 'index' | 'bootstrapHash' | 'bootstrapExpiresAt' | 'bootstrapUsedAt' | 'credentialHash'>[]>('all');
      const runIds = [...new Set(instances.map((i) => i.run))];
      const runs = new Map(
        runIds.length === 0
          ? []
          : (
              await sqlOf(this.em)
                .createQueryBuilder(RunEntity)
                .select(['id', 'state', 'tenant'])
                .where({ id: { $in: runIds } })
                .execute<Pick<RunRow, 'id' | 'state' | 'tenant'>[]>('all')
            ).map((r) => [r.id, r]),
      );
      for (const i of instances) {
        const run = runs.get(i.run);
        if (!run) continue;
        logins.push({
          ...i,
          bootstrapHash: i.bootstrapHash ?? null,
          credentialHash: i.credentialHash ?? null,
          index: Number(i.index),
          bootstrapExpiresAt: toDate(i.bootstrapExpiresAt),
          bootstrapUsedAt: toDate(i.bootstrapUsedAt),
          runState: run.state as RunState,
          tenantId: run.tenant,
        });
      }
    }
    return logins;
  }

  /**
   * Stores the credential hashes of enrolled instances (by name) and marks
   * their bootstrap tokens used. With prepared statements (PostgreSQL,
   * Store.writeStatement) one statement: agents enrolling together wait on it.
   */
  async storeCredentials(runId: string, hashes: ReadonlyMap<string, string>, usedAt: Date): Promise<void> {
    if (!this.prepared) return this.instances.setColumn(runId, 'credentialHash', hashes, { bootstrapUsedAt: usedAt });
    await this.prepared.query('store-credentials', STORE_CREDENTIALS, [runId, usedAt, [...hashes.keys()], [...hashes.values()]]);
  }

  /** Ends the life of the instances' bootstrap tokens (their agents have connected); one prepared statement on PostgreSQL. */
  async expireBootstrapTokens(instanceIds: readonly string[], now: Date): Promise<void> {
    if (this.prepared) {
      await this.prepared.query('expire-bootstrap-tokens', EXPIRE_BOOTSTRAP_TOKENS, [now, instanceIds]);
      return;
    }
    for (const chunk of chunksOf(instanceIds, KEYS_PER_QUERY)) await this.em.nativeUpdate(RunInstanceEntity, { id: { $in: chunk } }, { bootstrapExpiresAt: now });
  }

  /** Revokes every agent credential of the run (it ended). */
  async revokeCredentials(runId: string): Promise<void> {
    await this.em.nativeUpdate(RunInstanceEntity, { run: runId, credentialHash: { $ne: null } }, { credentialHash: null });
  }
}
