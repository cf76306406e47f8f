/**
 * CloudService in client terms: clouds (controller-wide driver instances that
 * operator admins manage), the caller's tenant's write-only credentials for
 * them, and per-tenant quotas. Results are plain objects; clouds keep the
 * wire message as `raw`.
 */
import * as pb from '../../proto/gen/slipstream/v1/clouds.js';
import type { CallOptions } from '../options.js';
import { bound, type Rpc } from '../rpc.js';

/** What a cloud's driver can do. */
export interface CloudCapabilities {
  buildImage: boolean;
  sshKeys: boolean;
  /** 0 = the driver sets no limit. */
  maxParallelProvisioning: number;
}

/** A cloud as the caller sees it. */
export interface Cloud {
  /** `aws-eu`, `local`, ... */
  name: string;
  /** `local`, `ec2`, `azure`, `gcp`, `fake`. */
  driver: string;
  /** Driver settings (region, endpoint, ...); never secrets. */
  settings: Record<string, string>;
  /** Whether the caller's tenant has stored credentials for this cloud. */
  hasCredential: boolean;
  /** Undefined when the controller does not know the cloud's driver. */
  capabilities: CloudCapabilities | undefined;
  /** Undefined for built-in clouds (configured, not stored). */
  createdAt: Date | undefined;
  /** The wire message, for fields this type does not cover. */
  raw: pb.Cloud;
}

/** Outcome of `test`: whether a cheap read-only call with the tenant's credentials worked, and what it said. */
export interface CloudTestResult {
  ok: boolean;
  message: string;
}

/** A quota's limit: a count of concurrent instances (0 = none allowed), or no limit at all. */
export type QuotaLimit = number | 'unlimited';

/** One tenant's quota on one cloud. */
export interface Quota {
  tenant: string;
  cloud: string;
  maxInstances: QuotaLimit;
  /** Instances currently counted against the quota. */
  usedInstances: number;
}

/** Wire Cloud -> client Cloud (an absent message reads as an empty cloud). */
export function cloudFromProto(message: pb.Cloud | undefined): Cloud {
  const raw = message ?? pb.Cloud.create();
  return {
    name: raw.name,
    driver: raw.driver,
    settings: { ...raw.settings },
    hasCredential: raw.hasCredential,
    capabilities: raw.capabilities && { ...raw.capabilities },
    createdAt: raw.createdAt,
    raw,
  };
}

/** Wire Quota -> client Quota; the server reports "no limit" as a negative maximum. */
export function quotaFromProto(message: pb.Quota | undefined): Quota {
  const raw = message ?? pb.Quota.create();
  return {
    tenant: raw.tenant,
    cloud: raw.cloud,
    maxInstances: raw.maxInstances < 0 ? 'unlimited' : raw.maxInstances,
    usedInstances: raw.usedInstances,
  };
}

/** Clouds, the caller's tenant's credentials for them, and quotas. */
export class CloudsClient {
  constructor(
    private readonly rpc: Rpc,
    /** The generated client, for calls this wrapper does not cover. */
    readonly raw: pb.CloudServiceClient,
  ) {}

  /**
   * Adds a cloud (operator admins). Rejects with InvalidArgumentError naming
   * `name`, `driver` or `settings.<key>`, PermissionDeniedError for others.
   */
  async create(name: string, driver: string, settings: Record<string, string> = {}, call?: CallOptions): Promise<Cloud> {
    const request = { name, driver, settings: { ...settings } };
    return cloudFromProto((await this.rpc.unary(bound(this.raw, 'createCloud'), request, call)).cloud);
  }

  /** One cloud; NotFoundError for unknown names. */
  async get(name: string, call?: CallOptions): Promise<Cloud> {
    return cloudFromProto((await this.rpc.unary(bound(this.raw, 'getCloud'), { name }, call)).cloud);
  }

  /** Every cloud, built-in ones first. */
  async list(call?: CallOptions): Promise<Cloud[]> {
    return (await this.rpc.unary(bound(this.raw, 'listClouds'), {}, call)).clouds.map(cloudFromProto);
  }

  /** Replaces a stored cloud's settings (operator admins); built-in clouds fail with FailedPreconditionError. */
  async update(name: string, settings: Record<string, string>, call?: CallOptions): Promise<Cloud> {
    const request = { name, settings: { ...settings } };
    return cloudFromProto((await this.rpc.unary(bound(this.raw, 'updateCloud'), request, call)).cloud);
  }

  /** Deletes a stored cloud (operator admins); FailedPreconditionError while live runs have VMs on it. */
  async remove(name: string, call?: CallOptions): Promise<void> {
    await this.rpc.unary(bound(this.raw, 'deleteCloud'), { name }, call);
  }

  /** Proves the caller's tenant's credentials work with a cheap read-only call; a failure there is `ok: false`, not a rejection. */
  async test(name: string, call?: CallOptions): Promise<CloudTestResult> {
    const response = await this.rpc.unary(bound(this.raw, 'testCloud'), { name }, call);
    return { ok: response.ok, message: response.message };
  }

  /**
   * Stores the caller's tenant's credentials for a cloud (tenant admins),
   * replacing any before. They are write-only: no call returns them.
   * Resolves to when they were stored.
   */
  async setCredential(cloud: string, fields: Record<string, string>, call?: CallOptions): Promise<Date | undefined> {
    const response = await this.rpc.unary(bound(this.raw, 'setCredential'), { cloud, fields: { ...fields } }, call);
    return response.updatedAt;
  }

  /** Deletes the caller's tenant's credentials for a cloud; NotFoundError when there are none. */
  async deleteCredential(cloud: string, call?: CallOptions): Promise<void> {
    await this.rpc.unary(bound(this.raw, 'deleteCredential'), { cloud }, call);
  }

  /**
   * Sets a tenant's quota on a cloud (operator admins); `tenant` undefined or
   * empty means the caller's. `'unlimited'` removes the quota.
   */
  async setQuota(tenant: string | undefined, cloud: string, max: QuotaLimit, call?: CallOptions): Promise<Quota> {
    const unlimited = max === 'unlimited';
    const request = { tenant: tenant ?? '', cloud, maxInstances: unlimited ? 0 : max, unlimited };
    return quotaFromProto((await this.rpc.unary(bound(this.raw, 'setQuota'), request, call)).quota);
  }

  /** A tenant's quotas (clouds without one are unlimited); the caller's without a tenant (others: operator admins). */
  async listQuotas(tenant?: string, call?: CallOptions): Promise<Quota[]> {
    return (await this.rpc.unary(bound(this.raw, 'listQuotas'), { tenant: tenant ?? '' }, call)).quotas.map(quotaFromProto);
  }
}
