import type * as pb from '../../../proto/gen/slipstream/v1/tokens.js';
import { hashTokenSecret, newTokenSecret } from '../../auth/token-secret.js';
import { InvalidArgumentError, NotFoundError, throwIfViolations, type FieldViolation } from '../../../common/errors.js';
import { checkName, TOKEN_NAME, TOKEN_NAME_RULE } from '../../../common/names.js';
import type { Repositories } from '../../store/repositories/index.js';
import type { RpcContext } from '../rpc.js';
import { tokenToProto } from '../convert/admin.js';
import { unaryRpc, type ApiDeps } from '../rpc.js';

/** Longest lifetime a token may be given: ten years. */
const MAX_TTL_SECONDS = 10 * 365 * 24 * 3600;

/**
 * The user a token call is about. Only admins may name someone else; for the
 * others another user is reported as not found, like a missing one.
 */
async function subjectUser(repos: Repositories, ctx: RpcContext, name: string) {
  if (name === '' || name === ctx.principal.userName) return { id: ctx.principal.userId, name: ctx.principal.userName };
  if (ctx.principal.role !== 'admin') throw new NotFoundError('user', name);
  const row = await repos.users.get(ctx.principal.tenantId, name);
  return { id: row.id, name: row.name };
}

/** Handlers of slipstream.v1.TokenService. */
export function tokenService(deps: ApiDeps): pb.TokenServiceServer {
  return {
    createToken: unaryRpc(deps, 'CreateToken', 'viewer', async (req: pb.CreateTokenRequest, ctx) => {
      const violations: FieldViolation[] = checkName('name', req.name, TOKEN_NAME, TOKEN_NAME_RULE);
      if (!Number.isInteger(req.ttlSeconds) || req.ttlSeconds < 0 || req.ttlSeconds > MAX_TTL_SECONDS) {
        violations.push({ field: 'ttl_seconds', description: `must be 0 (no expiry) or at most ${MAX_TTL_SECONDS} seconds` });
      }
      throwIfViolations(violations);
      const secret = newTokenSecret();
      const { row, user } = await ctx.store.write(async (repos) => {
        const user = await subjectUser(repos, ctx, req.user);
        const row = await repos.tokens.create({
          tenantId: ctx.principal.tenantId,
          userId: user.id,
          name: req.name,
          secretHash: hashTokenSecret(secret),
          expiresAt: req.ttlSeconds > 0 ? new Date(Date.now() + req.ttlSeconds * 1000) : null,
        });
        return { row, user };
      });
      ctx.log.info({ tokenId: row.id, owner: user.name }, 'token created');
      return { token: tokenToProto(row, user.name), secret };
    }),

    listTokens: unaryRpc(deps, 'ListTokens', 'viewer', async (req: pb.ListTokensRequest, ctx) => {
      const tokens = await ctx.store.read(async (repos) => {
        if (req.user === '*') {
          if (ctx.principal.role !== 'admin') {
            throw new InvalidArgumentError([{ field: 'user', description: "'*' (every user) is for admins only" }]);
          }
          const rows = await repos.tokens.list(ctx.principal.tenantId, undefined, req.includeRevoked);
          const names = new Map<string, string>();
          for (const id of new Set(rows.map((r) => r.user))) names.set(id, (await repos.users.findById(id))?.name ?? '');
          return rows.map((r) => tokenToProto(r, names.get(r.user) ?? ''));
        }
        const user = await subjectUser(repos, ctx, req.user);
        const rows = await repos.tokens.list(ctx.principal.tenantId, user.id, req.includeRevoked);
        return rows.map((r) => tokenToProto(r, user.name));
      });
      return { tokens };
    }),

    revokeToken: unaryRpc(deps, 'RevokeToken', 'viewer', async (req: pb.RevokeTokenRequest, ctx) => {
      const token = await ctx.store.write(async (repos) => {
        const row = await repos.tokens.get(ctx.principal.tenantId, req.id);
        if (row.user !== ctx.principal.userId && ctx.principal.role !== 'admin') throw new NotFoundError('token', req.id);
        const owner = await repos.users.findById(row.user);
        return tokenToProto(await repos.tokens.revoke(row, new Date()), owner?.name ?? '');
      });
      ctx.log.info({ tokenId: req.id }, 'token revoked');
      return { token };
    }),
  };
}
