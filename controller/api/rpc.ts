import type {
  Metadata,
  handleServerStreamingCall,
  handleUnaryCall,
  sendUnaryData,
  ServerUnaryCall,
  ServerWritableStream,
} from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Authenticator } from '../auth/authenticator.js';
import type { Principal } from '../auth/principal.js';
import { roleAllows, type Role } from '../../common/roles.js';
import { PermissionDeniedError } from '../../common/errors.js';
import type { Store } from '../store/store.js';
import { toStatus } from './errors.js';
import type { CallLimits } from './guards/call-limits.js';

/** What every handler gets. */
export interface ApiDeps {
  store: Store;
  authenticator: Authenticator;
  log: Logger;
  /** Streams and mutating calls per token and tenant. */
  limits: CallLimits;
}

/** One call's context: the authenticated caller and a logger that names the call. */
export interface RpcContext {
  principal: Principal;
  log: Logger;
  store: Store;
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
 * Wraps a unary handler: authenticates the caller, enforces the minimum role
 * and the caller's rate of mutating calls, runs the handler and maps
 * whatever it throws to a gRPC status.
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
        const { principal, callLog } = await authorize(deps, call.metadata, method, requiredRole, log);
        deps.limits.admit(principal, method);
        const response = await handler(call.request, { principal, log: callLog, store: deps.store });
        callback(null, response);
      } catch (err) {
        callback(toStatus(err, log));
      }
    })();
  };
}

/**
 * Wraps a server-streaming handler like `unaryRpc`: authentication, role,
 * a stream slot of the caller's token and tenant (given back when the stream
 * ends, however it ends), and errors (before or during the stream) mapped to
 * a gRPC status. The handler gets a signal that aborts when the client cancels.
 */
export function streamRpc<Req, Res>(
  deps: ApiDeps,
  method: string,
  requiredRole: Role,
  handler: (request: Req, ctx: RpcContext & { write: (message: Res) => Promise<void>; signal: AbortSignal }) => Promise<void>,
): handleServerStreamingCall<Req, Res> {
  const log = deps.log.child({ method });
  return (call: ServerWritableStream<Req, Res>) => {
    const controller = new AbortController();
    call.on('cancelled', () => controller.abort());
    call.on('close', () => controller.abort());
    const write = (message: Res) =>
      new Promise<void>((resolve) => {
        if (controller.signal.aborted) return resolve();
        if (call.write(message)) resolve();
        else call.once('drain', () => resolve());
      });
    void (async () => {
      let release: (() => void) | undefined;
      try {
        const { principal, callLog } = await authorize(deps, call.metadata, method, requiredRole, log);
        if (controller.signal.aborted) return;
        release = deps.limits.openStream(principal);
        controller.signal.addEventListener('abort', release, { once: true });
        await handler(call.request, { principal, log: callLog, store: deps.store, write, signal: controller.signal });
        if (!controller.signal.aborted) call.end();
      } catch (err) {
        if (!controller.signal.aborted) call.emit('error', toStatus(err, log));
      } finally {
        release?.();
      }
    })();
  };
}
