import type { handleUnaryCall, sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Authenticator } from '../auth/authenticator.js';
import type { Principal } from '../auth/principal.js';
import { roleAllows, type Role } from '../auth/roles.js';
import { PermissionDeniedError } from '../domain/errors.js';
import type { Store } from '../store/store.js';
import { toStatus } from './errors.js';

/** What every handler gets. */
export interface ApiDeps {
  store: Store;
  authenticator: Authenticator;
  log: Logger;
}

/** One call's context: the authenticated caller and a logger that names the call. */
export interface RpcContext {
  principal: Principal;
  log: Logger;
  store: Store;
}

/**
 * Wraps a unary handler: authenticates the caller, enforces the minimum role,
 * runs the handler and maps whatever it throws to a gRPC status.
 */
export function unaryRpc<Req, Res>(
  deps: ApiDeps,
  method: string,
  requiredRole: Role,
  handler: (request: Req, ctx: RpcContext) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  const log = deps.log.child({ method });
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    void (async () => {
      try {
        const principal = await deps.authenticator.authenticate(call.metadata);
        if (!roleAllows(principal.role, requiredRole)) {
          throw new PermissionDeniedError(`${method} needs the ${requiredRole} role; user '${principal.userName}' is ${principal.role}`);
        }
        const callLog = log.child({ tenant: principal.tenantName, user: principal.userName });
        const response = await handler(call.request, { principal, log: callLog, store: deps.store });
        callback(null, response);
      } catch (err) {
        callback(toStatus(err, log));
      }
    })();
  };
}
