import { ServerInterceptingCall, status as GrpcStatus, type ServerInterceptor } from '@grpc/grpc-js';
import type { Counter } from 'prom-client';

/** Status names by code ('OK', 'NOT_FOUND', ...), as Prometheus labels read best. */
const CODE_NAMES = new Map<number, string>(
  Object.entries(GrpcStatus)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
    .map(([name, code]) => [code, name]),
);

/**
 * A server interceptor counting every call when it ends, by method and
 * status: its answered status, or CANCELLED when the client (or the server's
 * forced shutdown) cancelled it. grpc-js runs interceptors only for
 * registered methods, so the method label is one of the served methods.
 */
export function grpcCallCounter(calls: Counter<'method' | 'code'>): ServerInterceptor {
  return (method, call) => {
    let counted = false;
    const count = (code: number) => {
      if (counted) return;
      counted = true;
      calls.inc({ method: method.path, code: CODE_NAMES.get(code) ?? String(code) });
    };
    return new ServerInterceptingCall(call, {
      start: (next) => next({ onCancel: () => count(GrpcStatus.CANCELLED) }),
      sendStatus: (sent, next) => {
        count(sent.code);
        next(sent);
      },
    });
  };
}
