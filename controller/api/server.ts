import {
  Server,
  ServerCredentials,
  type ServerInterceptor,
  type ServerOptions,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { ControllerPki } from '../auth/pki.js';
import { AgentServiceService } from '../../proto/gen/slipstream/v1/agent.js';
import { CloudServiceService } from '../../proto/gen/slipstream/v1/clouds.js';
import { ControllerServiceService } from '../../proto/gen/slipstream/v1/controllers.js';
import { ModuleServiceService } from '../../proto/gen/slipstream/v1/modules.js';
import { RunServiceService } from '../../proto/gen/slipstream/v1/runs.js';
import { TemplateServiceService } from '../../proto/gen/slipstream/v1/templates.js';
import { ImageServiceService } from '../../proto/gen/slipstream/v1/images.js';
import { TenantServiceService } from '../../proto/gen/slipstream/v1/tenants.js';
import { TokenServiceService } from '../../proto/gen/slipstream/v1/tokens.js';
import { UsageServiceService } from '../../proto/gen/slipstream/v1/usage.js';
import { UserServiceService } from '../../proto/gen/slipstream/v1/users.js';
import { AgentSessionSlots } from './guards/agent-session-slots.js';
import { CallLimits, DEFAULT_CALL_LIMITS, type CallLimitOptions } from './guards/call-limits.js';
import { InflightCalls } from './inflight-calls.js';
import { acceptQueueLimit, holdOnHost, type HeldListeners } from './listener.js';
import { contractRegistry } from './contract-descriptors.js';
import { addReflectionService } from './reflection.js';
import { RequestGuard } from './request-guard.js';
import { MAX_REQUEST_BYTES } from './request-limits.js';
import { ServingHealth } from './serving-health.js';
import { agentService, type AgentServiceDeps } from './services/agent-service.js';
import { cloudService, type CloudServiceDeps } from './services/cloud-service.js';
import { controllerService, type ControllerServiceDeps } from './services/controller-service.js';
import { moduleService } from './services/module-service.js';
import { runService, type RunServiceDeps } from './services/run-service.js';
import { imageService } from './services/image-service.js';
import { templateService } from './services/template-service.js';
import { tenantService } from './services/tenant-service.js';
import { tokenService } from './services/token-service.js';
import { usageService } from './services/usage-service.js';
import { userService } from './services/user-service.js';

/** Our services, by their full name (the health service reports each). */
export const SERVED = [
  'slipstream.v1.ModuleService',
  'slipstream.v1.TenantService',
  'slipstream.v1.UserService',
  'slipstream.v1.TokenService',
  'slipstream.v1.RunService',
  'slipstream.v1.AgentService',
  'slipstream.v1.CloudService',
  'slipstream.v1.ControllerService',
  'slipstream.v1.TemplateService',
  'slipstream.v1.UsageService',
  'slipstream.v1.ImageService',
] as const;

/** The services libraries add beside ours. */
export const LIBRARY_SERVICES = ['grpc.health.v1.Health', 'grpc.reflection.v1.ServerReflection'] as const;

/** A started gRPC server and how to stop it. */
export interface ApiServer {
  /** `host:port` actually bound (port 0 resolved). */
  address: string;
  port: number;
  /**
   * What the health service says for '' and every service: SERVING once
   * the controller is ready (its replica registered, its runs adopted),
   * NOT_SERVING when it starts stopping. `shutdown` sets NOT_SERVING for good.
   */
  setServing(serving: boolean): void;
  /**
   * Stops accepting calls, lets in-flight unary and client-streaming calls
   * finish for up to graceMs, then closes every connection (cancelling
   * what is left: sessions, watches, calls that outlived the grace).
   */
  shutdown(graceMs: number): Promise<void>;
}

/** How the API server starts. */
export interface ApiServerOptions {
  /**
   * Health says NOT_SERVING until `setServing(true)`: for a replica that must
   * register and adopt its runs before load balancers send it traffic.
   * Default false: SERVING from the start.
   */
  startNotServing?: boolean;
  /**
   * Wrap every call nearest the wire (grpc-js nests each interceptor inside the next): they see every status sent,
   * the request guard's refusals too (the metrics' call counter).
   */
  interceptors?: ServerInterceptor[];
  /**
   * Listeners opened before the server was built (holdOnHost): it serves the connections they hold and
   * accepts on them, instead of listening on `host` and `port` itself.
   */
  listeners?: HeldListeners;
}

/**
 * Builds the gRPC server with every service, health and reflection, and binds
 * it. Every request is checked by the request guard before its handler;
 * callers are held to `callLimits`.
 */
export async function startApiServer(
  services: Omit<RunServiceDeps & AgentServiceDeps & CloudServiceDeps & ControllerServiceDeps, 'limits'>,
  host: string,
  port: number,
  pki: ControllerPki | undefined,
  callLimits: CallLimitOptions = DEFAULT_CALL_LIMITS,
  options: ApiServerOptions = {},
): Promise<ApiServer> {
  const deps = { ...services, limits: new CallLimits(callLimits) };
  const inflight = new InflightCalls();
  const registry = contractRegistry();
  const guard = new RequestGuard(registry, deps.log.child({ part: 'requests' }));
  const server = new GuardedServer(guard, {
    interceptors: [...(options.interceptors ?? []), inflight.interceptor, guard.interceptor],
    'grpc.max_receive_message_length': MAX_REQUEST_BYTES,
    // Agents hold one stream for hours: answer their keepalive pings.
    'grpc.keepalive_permit_without_calls': 1,
    // Channelz (grpc-js's live introspection, which nothing here serves) keeps counters and traces for every call
    // and connection.
    'grpc.enable_channelz': 0,
    'grpc.http2.min_ping_interval_without_data_ms': 10_000,
  });
  server.addService(ModuleServiceService, moduleService(deps));
  server.addService(TenantServiceService, tenantService(deps));
  server.addService(UserServiceService, userService(deps));
  server.addService(TokenServiceService, tokenService(deps));
  server.addService(RunServiceService, runService(deps));
  const agents = agentService(deps);
  const sessions = new AgentSessionSlots(callLimits.sessionsPerAgent, deps.log.child({ part: 'agents' }));
  server.addService(AgentServiceService, { ...agents, session: sessions.limit(agents.session) });
  server.addService(CloudServiceService, cloudService(deps));
  server.addService(ControllerServiceService, controllerService(deps));
  server.addService(TemplateServiceService, templateService(deps));
  server.addService(UsageServiceService, usageService(deps));
  server.addService(ImageServiceService, imageService(deps));

  const health = new ServingHealth(SERVED, !options.startNotServing);
  health.addToServer(server);
  addReflectionService(server, registry, [...SERVED, 'grpc.health.v1.Health'], deps.log.child({ part: 'reflection' }));

  const log = deps.log.child({ part: 'grpc' });
  // Our own listeners hand their sockets to grpc-js, because its bind cannot set the accept queue (listener.ts).
  const injector = server.createConnectionInjector(credentialsOf(pki));
  const listeners = options.listeners ?? (await holdOnHost(host, port, (err) => log.warn({ err }, 'accepting a connection failed')));
  listeners.serve((socket) => injector.injectConnection(socket));
  const boundPort = listeners.port;
  log.info({ host, port: boundPort, acceptQueue: acceptQueueLimit() }, 'listening');
  return {
    address: `${host.includes(':') ? `[${host}]` : host}:${boundPort}`,
    port: boundPort,
    setServing: (serving) => health.setServing(serving),
    shutdown: async (graceMs) => {
      // Resolves once every accepted connection is destroyed: grpc-js closes its sessions below, we the rest.
      const listenersClosed = listeners.close();
      const stackTraceLimit = Error.stackTraceLimit;
      await new Promise<void>((resolve) => {
        health.stop();
        let done = false;
        const closeConnections = (why: 'grace' | 'calls done' | 'closed') => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          if (why === 'grace') log.warn({ graceMs, calls: inflight.size }, 'grace period over; cancelling remaining calls');
          else if (why === 'calls done') log.info('no call in flight; closing the remaining connections');
          if (why !== 'closed') {
            // Each connection cancelled builds an error whose stack Node formats (through source maps) and nobody
            // reads: with 10,000 agents connected, a third of the forced close. Until the connections are gone and
            // their sessions torn down (their 'close' handlers build one more error each), no stacks.
            Error.stackTraceLimit = 0;
            server.forceShutdown();
          }
          resolve();
        };
        const timer = setTimeout(() => closeConnections('grace'), graceMs);
        server.tryShutdown(() => closeConnections('closed'));
        void inflight.drained().then(() => closeConnections('calls done'));
      });
      listeners.destroyConnections();
      try {
        await listenersClosed;
        await listeners.connectionsClosed();
      } finally {
        Error.stackTraceLimit = stackTraceLimit;
      }
    },
  };
}

/**
 * A grpc-js Server whose every service is added guarded (request-guard.ts):
 * also those that libraries add themselves (health, reflection).
 */
class GuardedServer extends Server {
  constructor(
    private readonly guard: RequestGuard,
    options: ServerOptions,
  ) {
    super(options);
  }

  override addService(service: ServiceDefinition, implementation: UntypedServiceImplementation): void {
    super.addService(this.guard.guard(service), implementation);
  }
}

/** TLS with the controller's certificate (clients pin its CA), or plaintext with --insecure. */
function credentialsOf(pki: ControllerPki | undefined): ServerCredentials {
  if (!pki) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(pki.serverCertPem), private_key: Buffer.from(pki.serverKeyPem) }], false);
}
