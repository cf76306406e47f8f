/** The roles an admin can give, each including the ones before it. */
import { Role } from '../../../proto/gen/es/slipstream/v1/users_pb.js';
import { roleName } from '../api/caller.js';

export const ASSIGNABLE_ROLES: readonly Role[] = [Role.VIEWER, Role.DEPLOYER, Role.EDITOR, Role.ADMIN];

const WHAT_EACH_ADDS: Record<number, string> = {
  [Role.VIEWER]: 'reads everything',
  [Role.DEPLOYER]: '+ launches and terminates runs',
  [Role.EDITOR]: '+ writes modules',
  [Role.ADMIN]: '+ users, tokens, clouds, quotas',
};

/** <option>s of every role; `detailed` adds what each role allows (a form has room for it, a table row not). */
export function RoleOptions({ detailed = false }: { detailed?: boolean }) {
  return (
    <>
      {ASSIGNABLE_ROLES.map((role) => (
        <option key={role} value={String(role)}>
          {detailed ? `${roleName(role)} (${WHAT_EACH_ADDS[role]})` : roleName(role)}
        </option>
      ))}
    </>
  );
}

export function roleOf(value: string): Role {
  const role = Number(value) as Role;
  return ASSIGNABLE_ROLES.includes(role) ? role : Role.UNSPECIFIED;
}
