import type { Metadata } from '@grpc/grpc-js';
import { UnauthenticatedError } from '../domain/errors.js';
import { hashAgentSecret } from '../scheduler/bootstrap-tokens.js';
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
  constructor(private readonly store: Store) {}

  async authenticate(metadata: Metadata): Promise<AgentPrincipal> {
    const header = metadata.get('authorization')[0];
    const match = typeof header === 'string' ? /^Bearer\s+(ssa_\S{20,})$/i.exec(header) : null;
    if (!match) throw new UnauthenticatedError('missing or malformed agent credential');
    return this.store.read(async (repos) => {
      const instance = await repos.runs.findInstanceByCredential(hashAgentSecret(match[1]!));
      if (!instance) throw new UnauthenticatedError('invalid or revoked agent credential');
      const run = await repos.runs.findById(instance.run);
      if (!run) throw new UnauthenticatedError('invalid or revoked agent credential');
      return { runId: run.id, tenantId: run.tenant, instance: instance.name, node: instance.node, index: instance.index };
    });
  }
}
