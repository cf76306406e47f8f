import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { NotFoundError } from '../../../common/errors.js';
import { isUuid } from './ids.js';
import { ApiTokenEntity, type ApiTokenRow } from '../entities/api-token.js';

export interface NewToken {
  tenantId: string;
  userId: string;
  name: string;
  secretHash: string;
  expiresAt: Date | null;
}

/** API tokens; only hashes are stored. */
export class TokenRepository {
  constructor(private readonly em: EntityManager) {}

  async create(input: NewToken): Promise<ApiTokenRow> {
    const row = this.em.create(ApiTokenEntity, {
      id: randomUUID(),
      tenant: input.tenantId,
      user: input.userId,
      name: input.name,
      secretHash: input.secretHash,
      createdAt: new Date(),
      expiresAt: input.expiresAt,
      revokedAt: null,
      lastUsedAt: null,
    });
    await this.em.flush();
    return row;
  }

  findByHash(secretHash: string): Promise<ApiTokenRow | null> {
    return this.em.findOne(ApiTokenEntity, { secretHash });
  }

  /** The tenant's token with this id; NotFoundError otherwise (also for other tenants' ids). */
  async get(tenantId: string, id: string): Promise<ApiTokenRow> {
    const row = isUuid(id) ? await this.em.findOne(ApiTokenEntity, { id, tenant: tenantId }) : null;
    if (!row) throw new NotFoundError('token', id);
    return row;
  }

  /** Tokens of one user, or of the whole tenant when userId is undefined, newest first. */
  list(tenantId: string, userId: string | undefined, includeRevoked: boolean): Promise<ApiTokenRow[]> {
    return this.em.find(
      ApiTokenEntity,
      {
        tenant: tenantId,
        ...(userId === undefined ? {} : { user: userId }),
        ...(includeRevoked ? {} : { revokedAt: null }),
      },
      { orderBy: { createdAt: 'desc', id: 'asc' }, limit: 1000 },
    );
  }

  async revoke(row: ApiTokenRow, at: Date): Promise<ApiTokenRow> {
    row.revokedAt ??= at;
    await this.em.flush();
    return row;
  }

  /** Records use without loading the row; cheap enough for every call. */
  async touch(id: string, at: Date): Promise<void> {
    await this.em.nativeUpdate(ApiTokenEntity, { id }, { lastUsedAt: at });
  }
}
