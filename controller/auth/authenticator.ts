import type { Metadata } from '@grpc/grpc-js';
import { UnauthenticatedError } from '../../common/errors.js';
import type { Store } from '../store/store.js';
import type { Principal } from './principal.js';
import { isRole } from '../../common/roles.js';
import { hashTokenSecret, looksLikeTokenSecret } from './token-secret.js';

/** lastUsedAt is refreshed at most this often per token, to keep reads read-only. */
const TOUCH_INTERVAL_MS = 60_000;

/** Turns `authorization: Bearer <token>` metadata into a Principal. */
export class Authenticator {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The caller, or UnauthenticatedError saying what is wrong with the credentials. */
  async authenticate(metadata: Metadata): Promise<Principal> {
    const header = metadata.get('authorization')[0];
    if (typeof header !== 'string' || header === '') {
      throw new UnauthenticatedError('missing credentials: send the metadata "authorization: Bearer <token>"');
    }
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new UnauthenticatedError('malformed authorization metadata: expected "Bearer <token>"');
    const secret = match[1]!;
    if (!looksLikeTokenSecret(secret)) throw new UnauthenticatedError('invalid token');
    const now = this.now();
    const principal = await this.store.read(async (repos) => {
      const token = await repos.tokens.findByHash(hashTokenSecret(secret));
      if (!token) throw new UnauthenticatedError('invalid token');
      if (token.revokedAt) throw new UnauthenticatedError('token revoked');
      if (token.expiresAt && token.expiresAt.getTime() <= now.getTime()) throw new UnauthenticatedError('token expired');
      const [user, tenant] = await Promise.all([repos.users.findById(token.user), repos.tenants.findById(token.tenant)]);
      if (!user || !tenant || !isRole(user.role)) throw new UnauthenticatedError('invalid token');
      const stale = !token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() > TOUCH_INTERVAL_MS;
      return {
        stale,
        principal: {
          tenantId: tenant.id,
          tenantName: tenant.name,
          operatorTenant: tenant.operator,
          userId: user.id,
          userName: user.name,
          role: user.role,
          tokenId: token.id,
          tokenName: token.name,
        } satisfies Principal,
      };
    });
    if (principal.stale) await this.store.write((repos) => repos.tokens.touch(principal.principal.tokenId, now));
    return principal.principal;
  }
}
