import type { Metadata, handleServerStreamingCall, handleUnaryCall } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Authenticator } from '../auth/authenticator.js';
import type { Principal } from '../auth/principal.js';
import { roleAllows, type Role } from '../../common/roles.js';
import { PermissionDeniedError } from '../../common/errors.js';
import type { Store } from '../store/store.js';
import { serverStreamHandler, unaryHandler } from './call-handlers.js';
import type { CallLimits } from './guards/call-limits.js';

/** What every handler gets. */
export interface ApiDeps {
  store: Store;
  authenticator: Authenticator;
  log: Logger;
  /** Streams and mutating calls per token and tenant. */
  limits: CallLimits;
}

/** One call's context: the authenticated caller, a logger that names the call, and the call's abort signal (call-handlers.ts). */
export interface RpcContext {
  principal: Principal;
  log: Logger;
  store: Store;
  signal: AbortSignal;
}

/** Authenticates the caller and enforces the method's minimum role. */
async function authorize(deps: ApiDeps, metadata: Metadata, method: string, requiredRole: Role, log: Logger) {
  const principal = await deps.authenticator.authenticate(metadata);
  if (!roleAllows(principal.role, requiredRole)) {
    throw new PermissionDeniedError(`${method} needs the ${requiredRole} role; user '${principal.userName}' is ${principal.role}`);
  }
  return { principal, callLog: log.child({ tenant: principal.tenantName, user: principal.userName }) };
}

/**
 * A unary handler of a user method (through call-handlers.ts, which gives it
 * the call's abort signal and maps what it throws to a gRPC status):
 * authenticates the caller, enforces the minimum role and the caller's rate
 * of mutating calls, then runs the handler.
 */
export function unaryRpc<Req, Res>(
  deps: ApiDeps,
  method: string,
  requiredRole: Role,
  handler: (request: Req, ctx: RpcContext) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  const log = deps.log.child({ method });
  return unaryHandler(log, async (request: Req, { metadata, signal }) => {
    const { principal, callLog } = await authorize(deps, metadata, method, requiredRole, log);
    deps.limits.admit(principal, method);
    return handler(request, { principal, log: callLog, store: deps.store, signal });
  });
}

/**
 * A server-streaming handler of a user method, like `unaryRpc`:
 * authentication, role, and a stream slot of the caller's token and tenant,
 * given back when the stream ends, however it ends.
 */
export function streamRpc<Req, Res>(
  deps: ApiDeps,
  method: string,
  requiredRole: Role,
  handler: (request: Req, ctx: RpcContext & { write: (message: Res) => Promise<void> }) => Promise<void>,
): handleServerStreamingCall<Req, Res> {
  const log = deps.log.child({ method });
  return serverStreamHandler(log, async (request: Req, { metadata, signal, write }) => {
    const { principal, callLog } = await authorize(deps, metadata, method, requiredRole, log);
    if (signal.aborted) return;
    const release = deps.limits.openStream(principal);
    signal.addEventListener('abort', release, { once: true });
    try {
      await handler(request, { principal, log: callLog, store: deps.store, write, signal });
    } finally {
      release();
    }
  });
}
