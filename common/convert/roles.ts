/** Paired conversions of roles between wire and domain. */
import { Role as PbRole } from '../../proto/gen/slipstream/v1/users.js';
import type { Role } from '../roles.js';

const ROLE_TO_PROTO: Record<Role, PbRole> = {
  viewer: PbRole.ROLE_VIEWER,
  deployer: PbRole.ROLE_DEPLOYER,
  editor: PbRole.ROLE_EDITOR,
  admin: PbRole.ROLE_ADMIN,
};
const ROLE_FROM_PROTO = new Map(Object.entries(ROLE_TO_PROTO).map(([k, v]) => [v, k as Role]));

export function roleToProto(role: Role): PbRole {
  return ROLE_TO_PROTO[role];
}

/** Undefined for UNSPECIFIED and unknown numbers. */
export function roleFromProto(role: PbRole): Role | undefined {
  return ROLE_FROM_PROTO.get(role);
}
