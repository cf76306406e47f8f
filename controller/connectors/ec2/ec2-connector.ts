/**
 * An `ec2` cloud: one region (or endpoint) with one tenant's credentials.
 * Provisioning is idempotent twice over: RunInstances carries a ClientToken
 * derived from the spec (EC2's own guarantee, also across controller
 * replicas), and before it the connector looks for an instance already
 * tagged with the spec's idempotency key (for emulators that ignore
 * ClientToken, such as moto, and for tokens EC2 has forgotten).
 */
import type { _InstanceType, EC2Client, EC2ClientConfig, Filter, Image, Instance, RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import type { Logger } from 'pino';
import { MAX_USER_DATA_BYTES } from '../boot/cloud-init.js';
import { ConnectorError, type CloudConnector, type ConnectorCapabilities, type ImageBuilder, type ImagePreparer, type ImageStatus, type VmInfo, type VmSpec } from '../connector.js';
import { KeyedLock } from '../../concurrency/keyed-lock.js';
import { errorCodeOf, isNotFound, toConnectorError } from './errors.js';
import { amiStatus, isImageId } from './images.js';
import { defaultInstanceType } from './instance-types.js';
import { clientToken, EC2_TAG, idempotencyTagValue, isInstanceId, specTags, toVmInfo } from './instances.js';
import { loadEc2Sdk, type Ec2Sdk } from './sdk.js';
import { parseEc2Options, validateEc2Options, type Ec2Settings } from './settings.js';
import { imagePreparationScript } from '../boot/image-preparation.js';

/** The loaded SDK and the one client a connector sends through. */
interface Ec2Api {
  sdk: Ec2Sdk;
  client: EC2Client;
}

/** What an Ec2Connector is made of (see `createEc2Driver`). */
export interface Ec2ConnectorConfig {
  /** The SDK client's configuration; the client is made on the first call (see `Ec2Connector.api`). */
  clientConfig: EC2ClientConfig;
  settings: Ec2Settings;
  /** DescribeInstances page size (MaxResults, 5 to 1000). */
  listPageSize: number;
  /** The tenant's credential values, blanked out of every error message. */
  secrets: readonly string[];
  log: Logger;
}

/** AMI names: 3 to 128 of letters, digits and ( ) [ ] space . / ' @ _ - */
const IMAGE_NAME = /^[a-zA-Z0-9()[\] ./'@_-]{3,128}$/;

/** An `ec2` cloud (see the file comment); made by the `ec2` driver. */
export class Ec2Connector implements CloudConnector, ImageBuilder, ImagePreparer {
  readonly driver = 'ec2';
  private readonly clientConfig: EC2ClientConfig;
  private apiLoading: Promise<Ec2Api> | undefined;
  private readonly settings: Ec2Settings;
  private readonly listPageSize: number;
  private readonly secrets: readonly string[];
  private readonly log: Logger;
  /** Serializes provisions of one key in this process, so the tag lookup cannot race itself. */
  private readonly provisions = new KeyedLock();
  /** Root device names of images (they never change). */
  private readonly rootDevices = new Map<string, string>();

  constructor(config: Ec2ConnectorConfig) {
    this.clientConfig = config.clientConfig;
    this.settings = config.settings;
    this.listPageSize = config.listPageSize;
    this.secrets = config.secrets;
    this.log = config.log;
  }

  capabilities(): ConnectorCapabilities {
    return ec2Capabilities(this.settings);
  }

  /** The VM's disk holds the agent's state and boot config and cloud-init's user-data: it strips them before it is imaged. */
  imagePreparationScript(): string {
    return imagePreparationScript();
  }

  async provision(spec: VmSpec, signal?: AbortSignal): Promise<VmInfo> {
    const violations = validateEc2Options(spec.options);
    if (violations.length > 0) {
      throw new ConnectorError('invalid', `ec2: ${violations.map((v) => `${v.field} ${v.description}`).join('; ')}`);
    }
    return this.provisions.run(clientToken(spec), async () => {
      try {
        signal?.throwIfAborted();
        const existing = await this.findByKey(spec, signal);
        if (existing) {
          this.log.debug({ vmId: existing.InstanceId, runId: spec.tags.runId, instance: spec.tags.instance }, 'ec2 instance already made for this key');
          return toVmInfo(existing, spec.tags);
        }
        const input = await this.runInstancesInput(spec, signal);
        signal?.throwIfAborted();
        // Not abortable from here on: an instance EC2 makes anyway must reach the
        // caller, which records its id (and destroys it when it was cancelled).
        const { sdk, client } = await this.api();
        const output = await client.send(new sdk.RunInstancesCommand(input));
        const instance = output.Instances?.[0];
        if (!instance?.InstanceId) throw new ConnectorError('transient', 'ec2: provision: RunInstances returned no instance');
        this.log.info({ vmId: instance.InstanceId, runId: spec.tags.runId, instance: spec.tags.instance, instanceType: input.InstanceType }, 'ec2 instance created');
        return toVmInfo(instance, spec.tags);
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        throw this.error(err, 'provision');
      }
    });
  }

  async describe(vmId: string): Promise<VmInfo | undefined> {
    if (!isInstanceId(vmId)) return undefined;
    try {
      const { sdk, client } = await this.api();
      const output = await client.send(new sdk.DescribeInstancesCommand({ InstanceIds: [vmId] }));
      const instance = output.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === vmId);
      return instance && toVmInfo(instance);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw this.error(err, 'describe');
    }
  }

  async terminate(vmId: string): Promise<void> {
    // Not an instance id: EC2 cannot know it, so it is already gone.
    if (!isInstanceId(vmId)) return;
    try {
      const { sdk, client } = await this.api();
      const output = await client.send(new sdk.TerminateInstancesCommand({ InstanceIds: [vmId] }));
      const change = output.TerminatingInstances?.find((i) => i.InstanceId === vmId);
      this.log.info({ vmId, from: change?.PreviousState?.Name, to: change?.CurrentState?.Name }, 'ec2 instance terminated');
    } catch (err) {
      if (isNotFound(err)) return;
      throw this.error(err, 'terminate');
    }
  }

  async listTagged(filter: { controllerId: string; runId?: string }): Promise<VmInfo[]> {
    const filters: Filter[] = [{ Name: `tag:${EC2_TAG.controller}`, Values: [filter.controllerId] }];
    if (filter.runId !== undefined) filters.push({ Name: `tag:${EC2_TAG.run}`, Values: [filter.runId] });
    try {
      return (await this.describeAll(filters)).map((instance) => toVmInfo(instance));
    } catch (err) {
      throw this.error(err, 'list tagged instances');
    }
  }

  /**
   * Starts an AMI of the VM (CreateImage; EC2 reboots the VM for a consistent
   * file system) and returns its id at once: the image becomes `available` later.
   */
  async buildImage(vmId: string, name: string): Promise<string> {
    if (!IMAGE_NAME.test(name)) {
      throw new ConnectorError('invalid', "ec2: build image: the name must be 3 to 128 letters, digits, spaces and ( ) [ ] . / ' @ _ -");
    }
    const vm = await this.describe(vmId);
    if (!vm || vm.state === 'terminated') throw new ConnectorError('not_found', `ec2: build image: instance ${vmId} does not exist`);
    const tags = [
      { Key: 'Name', Value: name },
      { Key: EC2_TAG.controller, Value: vm.tags.controllerId },
      { Key: EC2_TAG.tenant, Value: vm.tags.tenant },
      { Key: 'slipstream:source-vm', Value: vmId },
    ];
    try {
      // A repeated build (the first call's answer was lost, or the controller restarted): the AMI it made.
      const earlier = await this.imageNamed(name, vmId);
      if (earlier) return earlier;
      const { sdk, client } = await this.api();
      const output = await client.send(
        new sdk.CreateImageCommand({
          InstanceId: vmId,
          Name: name,
          // Only the image: moto cannot tag the snapshots at CreateImage.
          TagSpecifications: [{ ResourceType: 'image', Tags: tags }],
        }),
      );
      if (!output.ImageId) throw new ConnectorError('transient', 'ec2: build image: CreateImage returned no image id');
      this.log.info({ vmId, imageId: output.ImageId }, 'ec2 image creation started');
      return output.ImageId;
    } catch (err) {
      // Two calls at once: the other one's AMI, when it is of this instance (EC2 keeps AMI names unique per account and region).
      if (errorCodeOf(err) === 'InvalidAMIName.Duplicate') {
        const earlier = await this.imageNamed(name, vmId).catch(() => undefined);
        if (earlier) return earlier;
      }
      throw this.error(err, 'build image');
    }
  }

  /** DescribeImages: EC2 keeps a deregistered AMI out of it, which is `failed` here like one never made. */
  async imageStatus(imageId: string): Promise<ImageStatus> {
    if (!isImageId(imageId)) return { state: 'failed', message: `ec2: ${imageId} is not an AMI id` };
    try {
      const image = await this.findImage(imageId);
      return image ? amiStatus(image) : { state: 'failed', message: `ec2: image ${imageId} does not exist` };
    } catch (err) {
      if (isNotFound(err)) return { state: 'failed', message: `ec2: image ${imageId} does not exist` };
      throw this.error(err, 'image status');
    }
  }

  /** Deregisters the AMI, then deletes the EBS snapshots it was made of (EC2 keeps, and bills, them otherwise). */
  async deleteImage(imageId: string): Promise<void> {
    if (!isImageId(imageId)) return;
    try {
      const image = await this.findImage(imageId);
      if (!image) return;
      const { sdk, client } = await this.api();
      await client.send(new sdk.DeregisterImageCommand({ ImageId: imageId }));
      const snapshots = (image.BlockDeviceMappings ?? []).flatMap((m) => (m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : []));
      for (const snapshotId of snapshots) {
        try {
          await client.send(new sdk.DeleteSnapshotCommand({ SnapshotId: snapshotId }));
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      this.log.info({ imageId, snapshots }, 'ec2 image deregistered');
    } catch (err) {
      if (isNotFound(err)) return;
      throw this.error(err, 'delete image');
    }
  }

  async close(): Promise<void> {
    await this.provisions.idle();
    const api = await this.apiLoading?.catch(() => undefined);
    api?.client.destroy();
  }

  /**
   * The SDK and this connector's client, made on the first call: see sdk.ts.
   * A failed load is tried again by the next call.
   */
  private api(): Promise<Ec2Api> {
    this.apiLoading ??= loadEc2Sdk().then((sdk) => ({ sdk, client: new sdk.EC2Client(this.clientConfig) }));
    this.apiLoading.catch(() => (this.apiLoading = undefined));
    return this.apiLoading;
  }

  /** The instance already made for the spec's idempotency key: a live one first, the oldest first. */
  private async findByKey(spec: VmSpec, signal: AbortSignal | undefined): Promise<Instance | undefined> {
    const found = await this.describeAll(
      [
        { Name: `tag:${EC2_TAG.idempotency}`, Values: [idempotencyTagValue(spec.idempotencyKey)] },
        { Name: `tag:${EC2_TAG.controller}`, Values: [spec.tags.controllerId] },
      ],
      signal,
    );
    const rank = (i: Instance) => (['shutting-down', 'terminated'].includes(i.State?.Name ?? '') ? 1 : 0);
    const launched = (i: Instance) => i.LaunchTime?.getTime() ?? 0;
    return found.sort((a, b) => rank(a) - rank(b) || launched(a) - launched(b))[0];
  }

  private async runInstancesInput(spec: VmSpec, signal: AbortSignal | undefined): Promise<RunInstancesCommandInput> {
    const options = parseEc2Options(spec.options);
    const instanceType = options.instanceType ?? this.settings.instanceType ?? defaultInstanceType(spec.cpu, spec.ramGB);
    if (!instanceType) {
      throw new ConnectorError('invalid', `ec2: no default instance type has ${spec.cpu ?? 1} vCPUs and ${spec.ramGB ?? 1} GB of memory: set options.instanceType`);
    }
    const userData = Buffer.from(spec.userData, 'utf8');
    if (userData.length > MAX_USER_DATA_BYTES) {
      throw new ConnectorError('invalid', `ec2: user-data is ${userData.length} bytes, EC2 takes at most ${MAX_USER_DATA_BYTES}`);
    }
    const volumeSizeGB = options.volumeSizeGB ?? (spec.diskGB === undefined ? undefined : Math.ceil(spec.diskGB));
    if (volumeSizeGB !== undefined && !(volumeSizeGB >= 1 && volumeSizeGB <= 16_384)) {
      throw new ConnectorError('invalid', `ec2: a root volume of ${volumeSizeGB} GB is outside 1 to 16384 GB`);
    }
    const subnetId = options.subnetId ?? this.settings.subnetId;
    const securityGroupIds = options.securityGroupIds ?? this.settings.securityGroupIds;
    const keyName = options.keyName ?? this.settings.keyName;
    const tags = specTags(spec);
    return {
      ImageId: spec.image,
      InstanceType: instanceType as _InstanceType,
      MinCount: 1,
      MaxCount: 1,
      ClientToken: clientToken(spec),
      UserData: userData.toString('base64'),
      TagSpecifications: [
        { ResourceType: 'instance', Tags: tags },
        { ResourceType: 'volume', Tags: tags },
      ],
      ...(volumeSizeGB !== undefined
        ? {
            BlockDeviceMappings: [
              { DeviceName: await this.rootDevice(spec.image, signal), Ebs: { VolumeSize: volumeSizeGB, VolumeType: 'gp3', DeleteOnTermination: true } },
            ],
          }
        : {}),
      ...(subnetId !== undefined ? { SubnetId: subnetId } : {}),
      ...(securityGroupIds.length > 0 ? { SecurityGroupIds: securityGroupIds } : {}),
      ...(keyName !== undefined ? { KeyName: keyName } : {}),
    };
  }

  /** The image's root device name (`/dev/xvda`, `/dev/sda1`), which a root volume size must name. */
  private async rootDevice(image: string, signal: AbortSignal | undefined): Promise<string> {
    const known = this.rootDevices.get(image);
    if (known) return known;
    const { sdk, client } = await this.api();
    const output = await client.send(new sdk.DescribeImagesCommand({ ImageIds: [image] }), { abortSignal: signal });
    const device = output.Images?.find((i) => i.ImageId === image)?.RootDeviceName;
    if (!device) throw new ConnectorError('not_found', `ec2: image ${image} does not exist or has no root device`);
    this.rootDevices.set(image, device);
    return device;
  }

  /** This account's AMI named `name` that was made from instance `vmId` (by its tag), if any. */
  private async imageNamed(name: string, vmId: string): Promise<string | undefined> {
    const { sdk, client } = await this.api();
    const output = await client.send(
      new sdk.DescribeImagesCommand({
        Owners: ['self'],
        Filters: [
          { Name: 'name', Values: [name] },
          { Name: 'tag:slipstream:source-vm', Values: [vmId] },
        ],
      }),
    );
    return output.Images?.find((i) => i.Name === name && i.State !== 'deregistered')?.ImageId;
  }

  /** The AMI, or undefined when EC2 does not list it. */
  private async findImage(imageId: string): Promise<Image | undefined> {
    const { sdk, client } = await this.api();
    const output = await client.send(new sdk.DescribeImagesCommand({ ImageIds: [imageId] }));
    return output.Images?.find((i) => i.ImageId === imageId);
  }

  /** Every instance matching `filters`, all pages. */
  private async describeAll(filters: Filter[], signal?: AbortSignal): Promise<Instance[]> {
    const instances: Instance[] = [];
    let token: string | undefined;
    const { sdk, client } = await this.api();
    do {
      const page = await client.send(new sdk.DescribeInstancesCommand({ Filters: filters, MaxResults: this.listPageSize, NextToken: token }), {
        abortSignal: signal,
      });
      for (const reservation of page.Reservations ?? []) instances.push(...(reservation.Instances ?? []));
      token = page.NextToken === token ? undefined : page.NextToken || undefined;
    } while (token !== undefined);
    return instances;
  }

  private error(err: unknown, action: string): ConnectorError {
    return toConnectorError(err, action, { secrets: this.secrets });
  }
}

/** What a EC2 connector with these settings can do (its driver tells it without credentials: capabilitiesOf). */
export function ec2Capabilities(settings: Ec2Settings): ConnectorCapabilities {
  return { buildImage: true, sshKeys: true, maxParallelProvisioning: settings.maxParallel };
}
