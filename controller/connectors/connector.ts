/**
 * The contract between the controller and a cloud: a driver validates its
 * settings and creates connectors; a connector provisions, describes,
 * terminates and lists the VMs it tagged. Optional abilities are separate
 * small interfaces. Every failure crosses this boundary as a ConnectorError.
 */
import type { Logger } from 'pino';
import type { AgentConfig } from '../../agent/config.js';
import type { FieldViolation } from '../../common/errors.js';

/** Why a cloud call failed; drives retries and the message users see. */
export type ConnectorErrorKind = 'auth' | 'quota' | 'capacity' | 'not_found' | 'invalid' | 'transient';

/** A cloud call failed. `retryable` says whether the same call may succeed later. */
export class ConnectorError extends Error {
  readonly kind: ConnectorErrorKind;
  readonly retryable: boolean;
  /** The cloud's own hint (Retry-After), when it gave one. */
  readonly retryAfterMs: number | undefined;

  constructor(kind: ConnectorErrorKind, message: string, options: { retryable?: boolean; retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConnectorError';
    this.kind = kind;
    this.retryable = options.retryable ?? (kind === 'transient' || kind === 'capacity');
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Tags every VM carries, so reconciliation can find what this controller made. */
export interface VmTags {
  controllerId: string;
  tenant: string;
  runId: string;
  /** `node.N` */
  instance: string;
}

/** Everything needed to create one VM. */
export interface VmSpec {
  tags: VmTags;
  /** The cloud's native image id. */
  image: string;
  cpu?: number;
  ramGB?: number;
  diskGB?: number;
  /** The component's per-cloud options for this cloud (instance type, subnet, ...). */
  options: Record<string, string>;
  /** The agent's boot configuration (the `local` driver writes it as the agent's config file). */
  agentConfig: AgentConfig;
  /**
   * The VM's `#cloud-config` user-data, which installs Node, downloads and checks
   * the agent bundle and writes `agentConfig`; cloud drivers pass it to the cloud as is.
   */
  userData: string;
  /** Stable for one instance: a retried provision with the same key never makes a second VM. */
  idempotencyKey: string;
}

export type VmState = 'pending' | 'running' | 'stopping' | 'stopped' | 'terminated' | 'unknown';

/** What the cloud says about one VM. */
export interface VmInfo {
  /** The cloud's id of the VM (EC2 instance id, Azure VM name, `local-<run>-<instance>` for `local`). */
  vmId: string;
  state: VmState;
  ip?: string;
  hostname?: string;
  tags: VmTags;
  /** Why the VM is in its state, for a human, when the cloud can tell (`local`: what a stopped VM's agent said last). */
  detail?: string;
}

export interface ConnectorCapabilities {
  /** Can build an image from a running VM (ImageBuilder). */
  buildImage: boolean;
  /** Installs SSH public keys at boot. */
  sshKeys: boolean;
  /** How many provision calls may run at once against this cloud. */
  maxParallelProvisioning: number;
}

/** One configured cloud, bound to one tenant's credentials. */
export interface CloudConnector {
  readonly driver: string;
  capabilities(): ConnectorCapabilities;
  /** Creates the VM, or returns the one already made for `spec.idempotencyKey`. */
  provision(spec: VmSpec, signal?: AbortSignal): Promise<VmInfo>;
  /** The VM, or undefined when the cloud does not know it (any more). */
  describe(vmId: string): Promise<VmInfo | undefined>;
  /** Destroys the VM; succeeds when it is already gone. */
  terminate(vmId: string): Promise<void>;
  /** Every VM tagged with this controller id (optionally one run's). */
  listTagged(filter: { controllerId: string; runId?: string }): Promise<VmInfo[]>;
  /** Releases clients and child processes. */
  close(): Promise<void>;
}

/**
 * Optional ability of a driver: what a connector made with these (valid)
 * settings can do, known without a tenant's credentials or any client of the
 * cloud (GetCloud and ListClouds show it to tenants without credentials).
 */
export interface CapabilitiesReporter {
  capabilitiesOf(settings: Record<string, string>): ConnectorCapabilities;
}

/** True when the driver tells its connectors' capabilities from settings alone. */
export function reportsCapabilities(driver: ConnectorDriver): driver is ConnectorDriver & CapabilitiesReporter {
  return typeof (driver as Partial<CapabilitiesReporter>).capabilitiesOf === 'function';
}

/** Optional ability of a driver: tell a malformed native image id before anything is created. */
export interface ImageValidator {
  /** Why `image` cannot be an image of this cloud, or undefined when it can. */
  imageProblem(image: string): string | undefined;
}

/** True when the driver can check image ids. */
export function validatesImages(driver: ConnectorDriver): driver is ConnectorDriver & ImageValidator {
  return typeof (driver as Partial<ImageValidator>).imageProblem === 'function';
}

/**
 * Optional trait of a driver: its VMs are processes on the controller's own
 * host (the `local` driver, a `fake` in front of it), so their recipes share
 * the controller's machine. Tenants other than the operator's use such clouds
 * only with a quota an operator admin set (controller/api/services/quotas.ts).
 */
export interface ControllerHostDriver {
  readonly runsOnControllerHost: true;
}

/** True when the driver's VMs run on the controller's own host. */
export function runsOnControllerHost(driver: ConnectorDriver): driver is ConnectorDriver & ControllerHostDriver {
  return (driver as Partial<ControllerHostDriver>).runsOnControllerHost === true;
}

/** Where a built image is: `pending` while the cloud makes it, then `available` (VMs can boot it) or `failed`. */
export type ImageState = 'pending' | 'available' | 'failed';

/** What the cloud says about one built image. */
export interface ImageStatus {
  state: ImageState;
  /** Why the image failed (or, for a human, what a pending one waits for), when the cloud tells. */
  message?: string;
}

/**
 * Optional ability of a connector (capabilities().buildImage): build an image
 * from a VM it made. The build may stop, reboot or generalize the VM (Azure
 * deallocates and generalizes it, which leaves it unable to start again), so
 * the caller terminates the VM once the image is no longer `pending`.
 */
export interface ImageBuilder {
  /**
   * Starts an image of the VM named `name` and returns the cloud's native image
   * id (what VmSpec.image takes) at once, usually while still `pending`.
   * ConnectorError `not_found` when the VM does not exist (any more),
   * `invalid` when the name or the VM cannot make an image on this cloud.
   */
  buildImage(vmId: string, name: string): Promise<string>;
  /**
   * The image's state; an image the cloud does not know (deleted, never made,
   * not an id of this cloud) is `failed` with a message, never an exception.
   * Throws ConnectorError only when the cloud could not be asked (auth, transient).
   */
  imageStatus(imageId: string): Promise<ImageStatus>;
  /** Deletes the image (and what only it used, such as EC2 snapshots); succeeds when it is already gone. */
  deleteImage(imageId: string): Promise<void>;
}

/**
 * Optional ability of an image-building connector whose VMs' disks hold the
 * agent's identity (its state with the node's credential, its boot config
 * with the bootstrap token, cloud-init's cached user-data), which the cloud's
 * imaging cannot leave out (cloud VMs; `local` and `sim` leave those files
 * out themselves). The image build's VM runs the script on itself (its agent,
 * once its reports are sent) before the controller requests the snapshot.
 */
export interface ImagePreparer {
  /** The bash script the VM runs before it is imaged, or undefined when this connector's VMs need none. */
  imagePreparationScript(): string | undefined;
}

/** What a build's VM on this connector runs before it is imaged (ImagePreparer), or undefined for none. */
export function imagePreparationOf(connector: CloudConnector): string | undefined {
  const preparer = connector as Partial<ImagePreparer>;
  return typeof preparer.imagePreparationScript === 'function' ? preparer.imagePreparationScript() : undefined;
}

/** True when the connector can build images (its capabilities say so and it has the methods). */
export function buildsImages(connector: CloudConnector): connector is CloudConnector & ImageBuilder {
  const builder = connector as Partial<ImageBuilder>;
  return (
    connector.capabilities().buildImage &&
    typeof builder.buildImage === 'function' &&
    typeof builder.imageStatus === 'function' &&
    typeof builder.deleteImage === 'function'
  );
}

/** What a driver gets to build a connector. */
export interface ConnectorContext {
  /** Controller-wide folder the driver may use (the `local` driver keeps its VMs there). */
  dataDir: string;
  log: Logger;
  /** The tenant's decrypted credential fields for this cloud (empty when none). */
  credentials: Record<string, string>;
}

/** A driver: validates its settings and makes connectors. */
export interface ConnectorDriver {
  readonly name: string;
  /** Violations of the cloud's settings (`settings.region`, ...), empty when valid. */
  validateSettings(settings: Record<string, string>): FieldViolation[];
  /** Violations of a component's per-cloud options for this driver (`options.instanceType`, ...). */
  validateOptions(options: Record<string, string>): FieldViolation[];
  create(settings: Record<string, string>, context: ConnectorContext): CloudConnector;
}
