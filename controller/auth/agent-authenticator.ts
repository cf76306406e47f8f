import type { Metadata } from '@grpc/grpc-js';
import { UnauthenticatedError } from '../../common/errors.js';
import { Batcher } from '../concurrency/batcher.js';
import { hashAgentSecret } from './bootstrap-tokens.js';
import type { Store } from '../store/store.js';

/** An authenticated agent: one node instance of one run, nothing else. */
export interface AgentPrincipal {
  runId: string;
  tenantId: string;
  /** `node.N` */
  instance: string;
  node: string;
  index: number;
}

/** Turns an agent's `authorization: Bearer <credential>` into its scope. */
export class AgentAuthenticator {
  /**
   * Agents reconnecting together (a controller restart) are looked up
   * together: one query for a whole batch (on PostgreSQL), and one more
   * statement when a credential is used for the first time.
   */
  private readonly lookups = new Batcher<string, AgentPrincipal | undefined>(async (_key, hashes) => {
    const instances = new Map((await this.store.read((repos) => repos.agentLogins.byHash('credentialHash', hashes))).map((i) => [i.credentialHash!, i]));
    // The first use of a credential ends its bootstrap token's life: no enrollment retry can return it any more.
    const now = new Date();
    const firstUse = [...instances.values()].filter((i) => i.bootstrapExpiresAt && i.bootstrapExpiresAt.getTime() > now.getTime());
    if (firstUse.length > 0) await this.store.writeStatement((repos) => repos.agentLogins.expireBootstrapTokens(firstUse.map((i) => i.id), now));
    return hashes.map((hash) => {
      const instance = instances.get(hash);
      return instance ? { runId: instance.run, tenantId: instance.tenantId, instance: instance.name, node: instance.node, index: instance.index } : undefined;
    });
  });

  constructor(private readonly store: Store) {}

  async authenticate(metadata: Metadata): Promise<AgentPrincipal> {
    const header = metadata.get('authorization')[0];
    const match = typeof header === 'string' ? /^Bearer\s+(ssa_\S{20,})$/i.exec(header) : null;
    if (!match) throw new UnauthenticatedError('missing or malformed agent credential');
    const principal = await this.lookups.submit('credentials', hashAgentSecret(match[1]!));
    if (!principal) throw new UnauthenticatedError('invalid or revoked agent credential');
    return principal;
  }
}
