/**
 * The Slipstream client library: one object per controller connection, with a
 * promise-based sub-client per service and typed errors.
 *
 * ```ts
 * const client = createSlipstreamClient({ address: 'localhost:7070', token });
 * const { document } = await client.modules.get('web/nginx@2');
 * client.close();
 * ```
 */
import { Channel, credentials } from '@grpc/grpc-js';
import { SSL_TARGET_NAME_OVERRIDE, tlsTargetSettings } from '../common/tls-server-name.js';
import { CloudServiceClient } from '../proto/gen/slipstream/v1/clouds.js';
import { ControllerServiceClient } from '../proto/gen/slipstream/v1/controllers.js';
import { ModuleServiceClient } from '../proto/gen/slipstream/v1/modules.js';
import { RunServiceClient } from '../proto/gen/slipstream/v1/runs.js';
import { TenantServiceClient } from '../proto/gen/slipstream/v1/tenants.js';
import { TokenServiceClient } from '../proto/gen/slipstream/v1/tokens.js';
import { TemplateServiceClient } from '../proto/gen/slipstream/v1/templates.js';
import { UsageServiceClient } from '../proto/gen/slipstream/v1/usage.js';
import { ImageServiceClient } from '../proto/gen/slipstream/v1/images.js';
import { UserServiceClient } from '../proto/gen/slipstream/v1/users.js';
import { compileClientOptions, type CompiledClientOptions, type SlipstreamClientOptions } from './options.js';
import { ReplicaChannel } from './replica-channel.js';
import { Rpc } from './rpc.js';
import { CloudsClient } from './services/clouds.js';
import { createControllersClient, type ControllersClient } from './services/controllers.js';
import { ModulesClient } from './services/modules.js';
import { RunsClient } from './services/runs.js';
import { createTenantsClient, type TenantsClient } from './services/tenants.js';
import { createTokensClient, type TokensClient } from './services/tokens.js';
import { TemplatesClient } from './services/templates.js';
import { UsageClient } from './services/usage.js';
import { createImagesClient, type ImagesClient } from './services/images.js';
import { createUsersClient, type UsersClient } from './services/users.js';

export * from './errors.js';
export type { CallOptions, CompiledClientOptions, SlipstreamClientOptions } from './options.js';
export type { Rpc, ServerStreamMethod, UnaryCaller, UnaryMethod } from './rpc.js';
export type { Cloud, CloudCapabilities, CloudTestResult, Quota, QuotaLimit } from './services/clouds.js';
export { CloudsClient } from './services/clouds.js';
export type { ControllersClient } from './services/controllers.js';
export type {
  FetchedModule,
  ListModulesFilter,
  ModuleListing,
  ResolvedModule,
  SaveModuleOptions,
  SaveModuleResult,
  PublishOptions,
  TagMoveOptions,
} from './services/modules.js';
export { ModulesClient } from './services/modules.js';
export type { ModulePublication, SharedModule } from '../common/modules/sharing.js';
export type { ModuleTag, ModuleTagChange } from '../common/modules/tags.js';
export type {
  KeepRunning,
  NodeInstance,
  Run,
  RunEvent,
  RunListUpdate,
  RunLogLine,
  RunNode,
  RunParameter,
  RunReport,
  RunState,
  RunUpdate,
  ScaleResult,
} from './services/run-types.js';
export type { GetParameterOptions, LaunchRunOptions, ListRunsFilter, RunLogs, RunLogsOptions, WatchRunOptions, WatchRunsOptions } from './services/runs.js';
export { RunsClient } from './services/runs.js';
export { REPORT_CORRUPT } from './services/report-download.js';
export type { TenantsClient } from './services/tenants.js';
export type { TokensClient } from './services/tokens.js';
export type { UsersClient } from './services/users.js';
export type { Usage, UsageQuery, UsageRow } from './services/usage.js';
export { UsageClient } from './services/usage.js';
export type { ImagesClient } from './services/images.js';
export type { FetchedTemplate, SaveTemplateOptions, SaveTemplateResult } from './services/templates.js';
export { TemplatesClient } from './services/templates.js';
export type { StoredTemplate, TemplateListing, TemplateSpec, TemplateVersionInfo } from '../common/templates/types.js';
export { readModuleFiles, parseModuleFile, type ModuleFile, type YamlSyntaxError } from './module-files/read.js';
export { moduleToYaml } from './module-files/to-yaml.js';
export { validateModuleFiles, isValidFile, type ValidatedFile } from './module-files/validate-files.js';
export { pushOrder } from './module-files/push-order.js';

/** A connection to one controller as one caller. */
export interface SlipstreamClient {
  readonly options: CompiledClientOptions;
  readonly modules: ModulesClient;
  readonly tenants: TenantsClient;
  readonly users: UsersClient;
  readonly tokens: TokensClient;
  readonly runs: RunsClient;
  readonly clouds: CloudsClient;
  /** The controller replicas (operator admins). */
  readonly controllers: ControllersClient;
  /** Usage metering (admins). */
  readonly usage: UsageClient;
  /** Deployment templates: saved launches (`runs.launch({ template })` launches one). */
  readonly templates: TemplatesClient;
  /** Images built from components: build (a run of kind image build), list, delete. */
  readonly images: ImagesClient;
  /** Auth metadata, deadlines, cancellation and error mapping, for calls on the raw clients. */
  readonly rpc: Rpc;
  /** Closes the shared channel; in-flight calls fail with CANCELLED / UNAVAILABLE. */
  close(): void;
}

/** The channel of one replica: over TLS, with the server name of its address (never an IP as SNI, see tlsTargetSettings). */
function replicaChannel(options: CompiledClientOptions, address: string): Channel {
  if (options.tls === undefined) return new Channel(address, credentials.createInsecure(), options.channelOptions);
  const configuredName = options.tls.serverName ?? (options.channelOptions[SSL_TARGET_NAME_OVERRIDE] as string | undefined);
  const tls = tlsTargetSettings(address, configuredName);
  const creds = credentials.createSsl(options.tls.ca ?? null, null, null, tls.verifyOptions);
  return new Channel(address, creds, { ...options.channelOptions, ...tls.channelOptions });
}

/**
 * Connects (lazily, on the first call) to a controller. Every call carries
 * `authorization: Bearer <token>` and the default deadline unless it sets one.
 * Given several replicas, calls go to one at a time and move on to the next
 * when it cannot be reached (Rpc.unary says which calls are repeated there).
 * Throws TypeError for invalid options.
 */
export function createSlipstreamClient(options: SlipstreamClientOptions): SlipstreamClient {
  const compiled = compileClientOptions(options);
  // One channel for all services: one TCP connection (per replica), one close().
  const channel = new ReplicaChannel(compiled.addresses, (address) => replicaChannel(compiled, address));
  const clientOptions = { channelOverride: channel };
  // Unused: grpc-js takes a client's credentials from its channel (channelOverride).
  const creds = credentials.createInsecure();
  const rpc = new Rpc(compiled, channel);
  return {
    options: compiled,
    modules: new ModulesClient(rpc, new ModuleServiceClient(compiled.address, creds, clientOptions)),
    tenants: createTenantsClient(rpc, new TenantServiceClient(compiled.address, creds, clientOptions)),
    users: createUsersClient(rpc, new UserServiceClient(compiled.address, creds, clientOptions)),
    tokens: createTokensClient(rpc, new TokenServiceClient(compiled.address, creds, clientOptions)),
    runs: new RunsClient(rpc, new RunServiceClient(compiled.address, creds, clientOptions)),
    clouds: new CloudsClient(rpc, new CloudServiceClient(compiled.address, creds, clientOptions)),
    controllers: createControllersClient(rpc, new ControllerServiceClient(compiled.address, creds, clientOptions)),
    usage: new UsageClient(rpc, new UsageServiceClient(compiled.address, creds, clientOptions)),
    templates: new TemplatesClient(rpc, new TemplateServiceClient(compiled.address, creds, clientOptions)),
    images: createImagesClient(rpc, new ImageServiceClient(compiled.address, creds, clientOptions)),
    rpc,
    close: () => channel.close(),
  };
}
