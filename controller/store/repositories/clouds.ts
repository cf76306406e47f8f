import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import { AlreadyExistsError, NotFoundError } from '../../../common/errors.js';
import { CloudCredentialEntity, type CloudCredentialRow } from '../entities/cloud-credential.js';
import { CloudEntity, type CloudRow } from '../entities/cloud.js';
import { QuotaEntity, type QuotaRow } from '../entities/quota.js';
import { RunInstanceEntity } from '../entities/run-instance.js';
import { RunEntity } from '../entities/run.js';
import { FINAL_STATES } from '../../../common/runs/states.js';

/** Clouds (controller-wide), and each tenant's credentials and quotas on them. */
export class CloudRepository {
  constructor(private readonly em: EntityManager) {}

  list(): Promise<CloudRow[]> {
    return this.em.find(CloudEntity, {}, { orderBy: { name: 'asc' } });
  }

  find(name: string): Promise<CloudRow | null> {
    return this.em.findOne(CloudEntity, { name });
  }

  async get(name: string): Promise<CloudRow> {
    const row = await this.find(name);
    if (!row) throw new NotFoundError('cloud', name);
    return row;
  }

  async create(name: string, driver: string, settings: Record<string, string>): Promise<CloudRow> {
    const now = new Date();
    const row = this.em.create(CloudEntity, { id: randomUUID(), name, driver, settings: JSON.stringify(settings), createdAt: now, updatedAt: now });
    try {
      await this.em.flush();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) throw new AlreadyExistsError('cloud', name);
      throw err;
    }
    return row;
  }

  async update(row: CloudRow, settings: Record<string, string>): Promise<CloudRow> {
    row.settings = JSON.stringify(settings);
    row.updatedAt = new Date();
    await this.em.flush();
    return row;
  }

  /** Deletes the cloud with every tenant's credentials and quotas on it. */
  async remove(row: CloudRow): Promise<void> {
    await this.em.nativeDelete(CloudCredentialEntity, { cloud: row.name });
    await this.em.nativeDelete(QuotaEntity, { cloud: row.name });
    this.em.remove(row);
    await this.em.flush();
  }

  credential(tenantId: string, cloud: string): Promise<CloudCredentialRow | null> {
    return this.em.findOne(CloudCredentialEntity, { tenant: tenantId, cloud });
  }

  /** Every (tenant, cloud) with stored credentials. */
  async credentialPairs(): Promise<{ tenantId: string; cloud: string }[]> {
    const rows = await this.em.find(CloudCredentialEntity, {}, { fields: ['tenant', 'cloud'] });
    return rows.map((r) => ({ tenantId: r.tenant, cloud: r.cloud }));
  }

  async credentialClouds(tenantId: string): Promise<Set<string>> {
    const rows = await this.em.find(CloudCredentialEntity, { tenant: tenantId }, { fields: ['cloud'] });
    return new Set(rows.map((r) => r.cloud));
  }

  async setCredential(tenantId: string, cloud: string, ciphertext: string, keyId: string): Promise<CloudCredentialRow> {
    const now = new Date();
    const row =
      (await this.credential(tenantId, cloud)) ??
      this.em.create(CloudCredentialEntity, { id: randomUUID(), tenant: tenantId, cloud, ciphertext, keyId, updatedAt: now });
    Object.assign(row, { ciphertext, keyId, updatedAt: now });
    await this.em.flush();
    return row;
  }

  async deleteCredential(tenantId: string, cloud: string): Promise<boolean> {
    return (await this.em.nativeDelete(CloudCredentialEntity, { tenant: tenantId, cloud })) > 0;
  }

  quota(tenantId: string, cloud: string): Promise<QuotaRow | null> {
    return this.em.findOne(QuotaEntity, { tenant: tenantId, cloud });
  }

  quotas(tenantId: string): Promise<QuotaRow[]> {
    return this.em.find(QuotaEntity, { tenant: tenantId }, { orderBy: { cloud: 'asc' } });
  }

  async setQuota(tenantId: string, cloud: string, maxInstances: number | undefined): Promise<QuotaRow | undefined> {
    const existing = await this.quota(tenantId, cloud);
    if (maxInstances === undefined) {
      if (existing) {
        this.em.remove(existing);
        await this.em.flush();
      }
      return undefined;
    }
    const row = existing ?? this.em.create(QuotaEntity, { id: randomUUID(), tenant: tenantId, cloud, maxInstances, updatedAt: new Date() });
    Object.assign(row, { maxInstances, updatedAt: new Date() });
    await this.em.flush();
    return row;
  }

  /** Instances of the tenant on the cloud that hold (or may soon hold) a VM. */
  async usedInstances(tenantId: string, cloud: string): Promise<number> {
    const runs = await this.em.find(RunEntity, { tenant: tenantId, state: { $nin: [...FINAL_STATES] } }, { fields: ['id'] });
    if (runs.length === 0) return 0;
    return this.em.count(RunInstanceEntity, { run: { $in: runs.map((r) => r.id) }, cloud, vm: { $in: ['pending', 'running'] } });
  }

  /** Live runs with instances on the cloud (a cloud in use cannot be deleted). */
  async liveRunsOn(cloud: string): Promise<number> {
    const instances = await this.em.find(RunInstanceEntity, { cloud, vm: { $in: ['pending', 'running'] } }, { fields: ['run'], limit: 1 });
    return instances.length;
  }
}
