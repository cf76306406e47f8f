import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import { AlreadyExistsError, NotFoundError } from '../../../common/errors.js';
import type { Role } from '../../../common/roles.js';
import { ApiTokenEntity } from '../entities/api-token.js';
import { UserEntity, type UserRow } from '../entities/user.js';
import { decodePageToken, encodePageToken, pageSize } from './paging.js';

/** Users of a tenant; every query is scoped by tenant id. */
export class UserRepository {
  constructor(private readonly em: EntityManager) {}

  /** Inserts a user; AlreadyExistsError when the name is taken in the tenant. */
  async create(tenantId: string, name: string, role: Role): Promise<UserRow> {
    const row = this.em.create(UserEntity, { id: randomUUID(), tenant: tenantId, name, role, createdAt: new Date() });
    try {
      await this.em.flush();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) throw new AlreadyExistsError('user', name);
      throw err;
    }
    return row;
  }

  findById(id: string): Promise<UserRow | null> {
    return this.em.findOne(UserEntity, { id });
  }

  /** The named user of the tenant; NotFoundError otherwise. */
  async get(tenantId: string, name: string): Promise<UserRow> {
    const row = await this.em.findOne(UserEntity, { tenant: tenantId, name });
    if (!row) throw new NotFoundError('user', name);
    return row;
  }

  /** A page of the tenant's users ordered by name. */
  async list(tenantId: string, size: number, token: string): Promise<{ rows: UserRow[]; next: string }> {
    const limit = pageSize(size);
    const after = decodePageToken(token);
    const rows = await this.em.find(
      UserEntity,
      after === undefined ? { tenant: tenantId } : { tenant: tenantId, name: { $gt: after } },
      { orderBy: { name: 'asc' }, limit: limit + 1 },
    );
    const page = rows.slice(0, limit);
    return { rows: page, next: rows.length > limit ? encodePageToken(page.at(-1)!.name) : '' };
  }

  /** How many admins the tenant has (a tenant must keep at least one). */
  countAdmins(tenantId: string): Promise<number> {
    return this.em.count(UserEntity, { tenant: tenantId, role: 'admin' });
  }

  async setRole(row: UserRow, role: Role): Promise<UserRow> {
    row.role = role;
    await this.em.flush();
    return row;
  }

  /** Deletes the user and their tokens. */
  async remove(row: UserRow): Promise<void> {
    await this.em.nativeDelete(ApiTokenEntity, { user: row.id });
    this.em.remove(row);
    await this.em.flush();
  }
}
