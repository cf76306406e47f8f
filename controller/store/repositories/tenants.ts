import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import { AlreadyExistsError } from '../../../common/errors.js';
import { TenantEntity, type TenantRow } from '../entities/tenant.js';
import { decodePageToken, encodePageToken, pageSize } from './paging.js';

export interface NewTenant {
  name: string;
  displayName: string;
  operator: boolean;
}

/** Tenants. */
export class TenantRepository {
  constructor(private readonly em: EntityManager) {}

  /** Inserts a tenant; AlreadyExistsError when the name is taken. */
  async create(input: NewTenant): Promise<TenantRow> {
    const row = this.em.create(TenantEntity, { id: randomUUID(), createdAt: new Date(), ...input });
    try {
      await this.em.flush();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) throw new AlreadyExistsError('tenant', input.name);
      throw err;
    }
    return row;
  }

  findById(id: string): Promise<TenantRow | null> {
    return this.em.findOne(TenantEntity, { id });
  }

  findByName(name: string): Promise<TenantRow | null> {
    return this.em.findOne(TenantEntity, { name });
  }

  /** Ids of every tenant. */
  async ids(): Promise<string[]> {
    return (await this.em.find(TenantEntity, {}, { fields: ['id'] })).map((t) => t.id);
  }

  async count(): Promise<number> {
    return this.em.count(TenantEntity, {});
  }

  /** A page of tenants ordered by name. */
  async list(size: number, token: string): Promise<{ rows: TenantRow[]; next: string }> {
    const limit = pageSize(size);
    const after = decodePageToken(token);
    const rows = await this.em.find(TenantEntity, after === undefined ? {} : { name: { $gt: after } }, {
      orderBy: { name: 'asc' },
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    return { rows: page, next: rows.length > limit ? encodePageToken(page.at(-1)!.name) : '' };
  }
}
