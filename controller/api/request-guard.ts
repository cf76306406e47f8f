/**
 * The request guard: every request message of every served service is
 * checked before its handler sees it, whatever the method's kind (unary,
 * either streaming direction) and whoever wrote the handler. The bytes are
 * scanned against request-limits.ts (request-scan.ts) and then decoded; a
 * message that does not decode, is too big in a field, or (on user-facing
 * services) holds a NUL character is answered INVALID_ARGUMENT naming the
 * field, and the call ends there.
 *
 * grpc-js answers INTERNAL itself when a deserializer throws, so the guarded
 * deserializer never throws: it returns a {@link RejectedRequest} in place of
 * the message, and {@link RequestGuard.interceptor} answers it.
 */
import type { ServerInterceptingCall, ServerInterceptingCallInterface, ServerInterceptor, ServiceDefinition } from '@grpc/grpc-js';
import type { DescMessage, FileRegistry } from '@bufbuild/protobuf';
import type { Logger } from 'pino';
import { InvalidArgumentError } from '../../common/errors.js';
import { toStatus } from './errors.js';
import { AGENT_SERVICES, AGENT_STRING_BYTES, DEFAULT_STRING_BYTES, ENTRY_LIMITS, STRING_BYTE_LIMITS } from './request-limits.js';
import { RequestScanner } from './request-scan.js';

/** What a guarded deserializer returns for a request the handler must not see. */
export class RejectedRequest {
  constructor(readonly error: InvalidArgumentError) {}
}

type Listener = Parameters<ServerInterceptingCallInterface['start']>[0];
type Status = Parameters<ServerInterceptingCallInterface['sendStatus']>[0];

/** Guards the services of one server; see the file comment. */
export class RequestGuard {
  private readonly userScanner = new RequestScanner({
    entryLimits: ENTRY_LIMITS,
    stringLimits: STRING_BYTE_LIMITS,
    defaultStringBytes: DEFAULT_STRING_BYTES,
    refuseNul: true,
  });
  private readonly agentScanner = new RequestScanner({
    entryLimits: ENTRY_LIMITS,
    stringLimits: {},
    defaultStringBytes: AGENT_STRING_BYTES,
    refuseNul: false,
  });

  /**
   * @param registry - the descriptors of every service that will be guarded (proto/gen/descriptor.binpb).
   */
  constructor(
    private readonly registry: FileRegistry,
    private readonly log: Logger,
  ) {}

  /**
   * A copy of `definition` whose request deserializers refuse bad requests.
   *
   * @throws Error when a repeated or map field of a request has no entry limit.
   */
  guard<T extends ServiceDefinition>(definition: T): T {
    const guarded: Record<string, unknown> = {};
    for (const [key, method] of Object.entries(definition)) {
      guarded[key] = { ...method, requestDeserialize: this.deserializer(method.path, method.requestDeserialize) };
    }
    return guarded as T;
  }

  private deserializer(path: string, decode: (bytes: Buffer) => unknown): (bytes: Buffer) => unknown {
    const described = this.describe(path);
    const typeName = described?.input.typeName ?? `request of ${path}`;
    const decoded = (bytes: Buffer) => {
      try {
        return decode(bytes);
      } catch (err) {
        return malformed(typeName, err instanceof Error ? err.message : String(err));
      }
    };
    // A method of a library's service that our descriptors lack (grpc-health-check's Health/List, whose request is
    // empty): decoded safely, nothing more to check.
    if (!described) return decoded;
    const scanner = AGENT_SERVICES.has(described.service) ? this.agentScanner : this.userScanner;
    const plan = scanner.plan(described.input);
    return (bytes: Buffer) => {
      const outcome = scanner.scan(bytes, plan);
      if ('malformed' in outcome) return malformed(typeName, outcome.malformed);
      if (outcome.violations.length > 0) return new RejectedRequest(new InvalidArgumentError(outcome.violations));
      return decoded(bytes);
    };
  }

  /**
   * The server interceptor that answers a {@link RejectedRequest} with its
   * status instead of passing it to the handler. It wraps only the incoming
   * side (grpc-js's own ServerInterceptingCall would add a layer to every
   * message an agent's session sends too).
   */
  readonly interceptor: ServerInterceptor = (method, call) => {
    const guarded: ServerInterceptingCallInterface = {
      start: (listener: Listener) =>
        call.start({
          onReceiveMetadata: (metadata) => listener.onReceiveMetadata(metadata),
          onReceiveMessage: (message: unknown) => {
            if (!(message instanceof RejectedRequest)) return listener.onReceiveMessage(message);
            const log = this.log.child({ method: method.path });
            log.debug({ violations: message.error.violations.length, first: message.error.violations[0] }, 'request refused');
            const status = toStatus(message.error, log);
            call.sendStatus({ code: status.code!, details: status.details ?? '', metadata: status.metadata ?? null } satisfies Status);
          },
          onReceiveHalfClose: () => listener.onReceiveHalfClose(),
          onCancel: () => listener.onCancel(),
        }),
      sendMetadata: (metadata) => call.sendMetadata(metadata),
      sendMessage: (message, callback) => call.sendMessage(message, callback),
      sendStatus: (status) => call.sendStatus(status),
      startRead: () => call.startRead(),
      getPeer: () => call.getPeer(),
      getDeadline: () => call.getDeadline(),
      getHost: () => call.getHost(),
      getAuthContext: () => call.getAuthContext(),
      getConnectionInfo: () => call.getConnectionInfo(),
      getMetricsRecorder: () => call.getMetricsRecorder(),
    };
    // grpc-js types the result as its class; it only calls the interface's methods.
    return guarded as ServerInterceptingCall;
  };

  private describe(path: string): { service: string; input: DescMessage } | undefined {
    const [, service, name] = /^\/([^/]+)\/([^/]+)$/.exec(path) ?? [];
    const method = service === undefined ? undefined : this.registry.getService(service)?.methods.find((m) => m.name === name);
    return method && { service: service!, input: method.input };
  }
}

function malformed(typeName: string, reason: string): RejectedRequest {
  return new RejectedRequest(new InvalidArgumentError([{ field: '', description: `is not a valid ${typeName} message: ${reason}` }]));
}
