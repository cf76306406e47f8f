/** UserService as promises of its own message types. */
import * as pb from '../../proto/gen/slipstream/v1/users.js';
import type { CallOptions } from '../options.js';
import { collectPages } from '../pagination.js';
import { bound, unaryCaller, type Rpc, type UnaryCaller } from '../rpc.js';

/** The users of the caller's tenant. */
export interface UsersClient {
  readonly raw: pb.UserServiceClient;
  /** The caller: user, tenant, role and the token's name. */
  whoAmI: UnaryCaller<pb.WhoAmIRequest, pb.WhoAmIResponse>;
  create: UnaryCaller<pb.CreateUserRequest, pb.CreateUserResponse>;
  get: UnaryCaller<pb.GetUserRequest, pb.GetUserResponse>;
  /** One page of users. */
  list: UnaryCaller<pb.ListUsersRequest, pb.ListUsersResponse>;
  /** Every user of the tenant, all pages. */
  listAll(call?: CallOptions): Promise<pb.User[]>;
  /** Changes a user's role. */
  update: UnaryCaller<pb.UpdateUserRequest, pb.UpdateUserResponse>;
  /** Deletes the user and revokes all of their tokens. */
  delete: UnaryCaller<pb.DeleteUserRequest, pb.DeleteUserResponse>;
}

/** Builds the users sub-client over a raw client sharing the channel. */
export function createUsersClient(rpc: Rpc, raw: pb.UserServiceClient): UsersClient {
  const list = unaryCaller(rpc, bound(raw, 'listUsers'), pb.ListUsersRequest.create());
  return {
    raw,
    whoAmI: unaryCaller(rpc, bound(raw, 'whoAmI'), pb.WhoAmIRequest.create()),
    create: unaryCaller(rpc, bound(raw, 'createUser'), pb.CreateUserRequest.create()),
    get: unaryCaller(rpc, bound(raw, 'getUser'), pb.GetUserRequest.create()),
    list,
    listAll: (call) =>
      collectPages(async (pageToken) => {
        const page = await list({ pageToken }, call);
        return { items: page.users, nextPageToken: page.nextPageToken };
      }),
    update: unaryCaller(rpc, bound(raw, 'updateUser'), pb.UpdateUserRequest.create()),
    delete: unaryCaller(rpc, bound(raw, 'deleteUser'), pb.DeleteUserRequest.create()),
  };
}
