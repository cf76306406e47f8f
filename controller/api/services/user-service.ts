import type * as pb from '../../../proto/gen/slipstream/v1/users.js';
import type { Role } from '../../../common/roles.js';
import { FailedPreconditionError, InvalidArgumentError, throwIfViolations } from '../../../common/errors.js';
import { checkName, USER_NAME, USER_NAME_RULE } from '../../../common/names.js';
import type { Repositories } from '../../store/repositories/index.js';
import type { UserRow } from '../../store/entities/user.js';
import { userToProto } from '../convert/admin.js';
import { roleFromProto, roleToProto } from '../../../common/convert/roles.js';
import { unaryRpc, type ApiDeps } from '../rpc.js';

function requireRole(value: pb.Role): Role {
  const role = roleFromProto(value);
  if (!role) throw new InvalidArgumentError([{ field: 'role', description: 'must be one of viewer, deployer, editor, admin' }]);
  return role;
}

/** A tenant must always keep one admin, or nobody could manage it any more. */
async function ensureAnotherAdmin(repos: Repositories, tenantId: string, user: UserRow): Promise<void> {
  if (user.role === 'admin' && (await repos.users.countAdmins(tenantId)) <= 1) {
    throw new FailedPreconditionError('LAST_ADMIN', user.name, `'${user.name}' is the tenant's last admin; make another user admin first`);
  }
}

/** Handlers of slipstream.v1.UserService. */
export function userService(deps: ApiDeps): pb.UserServiceServer {
  return {
    whoAmI: unaryRpc(deps, 'WhoAmI', 'viewer', async (_req: pb.WhoAmIRequest, ctx) => ({
      user: {
        name: ctx.principal.userName,
        role: roleToProto(ctx.principal.role),
        tenant: ctx.principal.tenantName,
        createdAt: (await ctx.store.read((repos) => repos.users.findById(ctx.principal.userId)))?.createdAt,
      },
      tokenName: ctx.principal.tokenName,
      operatorTenant: ctx.principal.operatorTenant,
    })),

    createUser: unaryRpc(deps, 'CreateUser', 'admin', async (req: pb.CreateUserRequest, ctx) => {
      throwIfViolations(checkName('name', req.name, USER_NAME, USER_NAME_RULE));
      const role = requireRole(req.role);
      const row = await ctx.store.write((repos) => repos.users.create(ctx.principal.tenantId, req.name, role));
      ctx.log.info({ created: req.name, role }, 'user created');
      return { user: userToProto(row, ctx.principal.tenantName) };
    }),

    getUser: unaryRpc(deps, 'GetUser', 'viewer', async (req: pb.GetUserRequest, ctx) => {
      const row = await ctx.store.read((repos) => repos.users.get(ctx.principal.tenantId, req.name));
      return { user: userToProto(row, ctx.principal.tenantName) };
    }),

    listUsers: unaryRpc(deps, 'ListUsers', 'viewer', async (req: pb.ListUsersRequest, ctx) => {
      const page = await ctx.store.read((repos) => repos.users.list(ctx.principal.tenantId, req.pageSize, req.pageToken));
      return { users: page.rows.map((r) => userToProto(r, ctx.principal.tenantName)), nextPageToken: page.next };
    }),

    updateUser: unaryRpc(deps, 'UpdateUser', 'admin', async (req: pb.UpdateUserRequest, ctx) => {
      const role = requireRole(req.role);
      const row = await ctx.store.write(async (repos) => {
        const user = await repos.users.get(ctx.principal.tenantId, req.name);
        if (role !== 'admin') await ensureAnotherAdmin(repos, ctx.principal.tenantId, user);
        return repos.users.setRole(user, role);
      });
      ctx.log.info({ updated: req.name, role }, 'user role changed');
      return { user: userToProto(row, ctx.principal.tenantName) };
    }),

    deleteUser: unaryRpc(deps, 'DeleteUser', 'admin', async (req: pb.DeleteUserRequest, ctx) => {
      await ctx.store.write(async (repos) => {
        const user = await repos.users.get(ctx.principal.tenantId, req.name);
        await ensureAnotherAdmin(repos, ctx.principal.tenantId, user);
        await repos.users.remove(user);
      });
      ctx.log.info({ deleted: req.name }, 'user deleted');
      return {};
    }),
  };
}
