/** Who is signed in, and what their role lets them do (each role includes the ones before it, as the API's). */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { Role, type WhoAmIResponse } from '../../../proto/gen/es/slipstream/v1/users_pb.js';

export interface Caller {
  user: string;
  role: Role;
  tenant: string;
  tokenName: string;
  operatorTenant: boolean;
}

export function callerOf(res: WhoAmIResponse): Caller {
  return {
    user: res.user?.name ?? '',
    role: res.user?.role ?? Role.UNSPECIFIED,
    tenant: res.user?.tenant ?? '',
    tokenName: res.tokenName,
    operatorTenant: res.operatorTenant,
  };
}

export const roleName = (role: Role): string => (Role[role] ?? 'UNSPECIFIED').toLowerCase();

/** Launch, terminate, abort, scale, set parameters. */
export const canDeploy = (caller: Caller): boolean => caller.role >= Role.DEPLOYER;
/** Save and delete modules. */
export const canEdit = (caller: Caller): boolean => caller.role >= Role.EDITOR;
/** Users, tokens, clouds, quotas. */
export const isAdmin = (caller: Caller): boolean => caller.role >= Role.ADMIN;

export const CallerContext = createContext<Caller | undefined>(undefined);

/** The signed-in caller; only pages shown after sign-in use it. */
export function useCaller(): Caller {
  const caller = useContext(CallerContext);
  if (!caller) throw new Error('useCaller outside a signed-in page');
  return caller;
}
