import { randomUUID } from 'node:crypto';
import { LockMode, type EntityManager } from '@mikro-orm/core';
import { InvalidArgumentError, NotFoundError } from '../../../common/errors.js';
import type { ModuleTag, ModuleTagChange } from '../../../common/modules/tags.js';
import { ModuleTagHistoryEntity, type ModuleTagHistoryRow } from '../entities/module-tag-history.js';
import { ModuleTagEntity, type ModuleTagRow } from '../entities/module-tag.js';
import { ModuleEntity, type ModuleRow } from '../entities/module.js';
import { decodePageToken, encodePageToken, pageSize } from './paging.js';
import { isPostgres } from './raw-sql.js';

/** A move to make: the module row (locked with lockLiveModule), the tag, who and why. */
export interface TagMove {
  module: ModuleRow;
  tag: string;
  actor: string;
  message: string;
}

/**
 * The promotion tags of a tenant's modules: where each points now, and their
 * history. Moves run in a write unit of work after lockLiveModule, so that
 * concurrent moves of one module's tags take turns (on PostgreSQL the module
 * row is locked; SQLite has one writer at a time anyway).
 */
export class ModuleTagRepository {
  constructor(private readonly em: EntityManager) {}

  /** The live module at `path`, locked for the rest of the transaction on PostgreSQL; NotFoundError otherwise. */
  async lockLiveModule(tenantId: string, path: string): Promise<ModuleRow> {
    const lock = isPostgres(this.em) ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {};
    // refresh: a row this unit of work read before the lock may be stale.
    const row = await this.em.findOne(ModuleEntity, { tenant: tenantId, path, deletedAt: null }, { ...lock, refresh: true });
    if (!row) throw new NotFoundError('module', path);
    return row;
  }

  /**
   * Points the tag at `version` (which the caller checked exists), recording
   * the move. Setting it where it already points changes and records nothing.
   * Returns the tag and where it pointed before (undefined when it is new).
   */
  async set(move: TagMove, version: number): Promise<{ tag: ModuleTag; previous?: number }> {
    const now = new Date();
    const existing = await this.em.findOne(ModuleTagEntity, { module: move.module.id, name: move.tag });
    if (existing?.version === version) return { tag: tagInfo(existing), previous: version };
    const previous = existing?.version;
    const row =
      existing ??
      this.em.create(ModuleTagEntity, { id: randomUUID(), module: move.module.id, name: move.tag, version, setBy: move.actor, setAt: now });
    Object.assign(row, { version, setBy: move.actor, setAt: now });
    await this.record(move, previous, version, now);
    await this.em.flush();
    return { tag: tagInfo(row), ...(previous !== undefined && { previous }) };
  }

  /** Removes the tag, recording it; returns where it pointed. NotFoundError when the module has no such tag. */
  async remove(move: TagMove): Promise<number> {
    const existing = await this.em.findOne(ModuleTagEntity, { module: move.module.id, name: move.tag });
    if (!existing) throw new NotFoundError('tag', move.tag, `module '${move.module.path}' has no tag '${move.tag}'`);
    await this.record(move, existing.version, undefined, new Date());
    this.em.remove(existing);
    await this.em.flush();
    return existing.version;
  }

  /**
   * The version `tag` of the live module at `path` points at; undefined when
   * the module is missing or deleted (a deleted module's tags do not resolve)
   * or has no such tag.
   */
  async resolve(tenantId: string, path: string, tag: string): Promise<number | undefined> {
    const module = await this.em.findOne(ModuleEntity, { tenant: tenantId, path, deletedAt: null }, { fields: ['id'] });
    if (!module) return undefined;
    const row = await this.em.findOne(ModuleTagEntity, { module: module.id, name: tag }, { fields: ['version'] });
    return row?.version;
  }

  /** The module's current tags, by name. */
  async list(moduleId: string): Promise<ModuleTag[]> {
    const rows = await this.em.find(ModuleTagEntity, { module: moduleId }, { orderBy: { name: 'asc' } });
    return rows.map(tagInfo);
  }

  /** Version -> the names of the tags pointing at it, for the given versions of the module. */
  async namesByVersion(moduleId: string, versions: readonly number[]): Promise<Map<number, string[]>> {
    const byVersion = new Map<number, string[]>();
    if (versions.length === 0) return byVersion;
    const rows = await this.em.find(
      ModuleTagEntity,
      { module: moduleId, version: { $in: [...versions] } },
      { orderBy: { name: 'asc' }, fields: ['name', 'version'] },
    );
    for (const row of rows) byVersion.set(row.version, [...(byVersion.get(row.version) ?? []), row.name]);
    return byVersion;
  }

  /** A page of the module's tag moves (of one tag, when given), newest first. */
  async history(moduleId: string, tag: string | undefined, size: number, token: string): Promise<{ rows: ModuleTagChange[]; next: string }> {
    const limit = pageSize(size);
    const after = decodePageToken(token);
    // A token of another listing decodes too: only a sequence number is one of this listing's.
    if (after !== undefined && !/^[1-9][0-9]{0,9}$/.test(after)) {
      throw new InvalidArgumentError([{ field: 'page_token', description: 'is not a token returned by this listing' }]);
    }
    const rows = await this.em.find(
      ModuleTagHistoryEntity,
      {
        module: moduleId,
        ...(tag !== undefined && { tag }),
        ...(after !== undefined && { sequence: { $lt: Number(after) } }),
      },
      { orderBy: { sequence: 'desc' }, limit: limit + 1 },
    );
    const page = rows.slice(0, limit);
    return { rows: page.map(change), next: rows.length > limit ? encodePageToken(String(page.at(-1)!.sequence)) : '' };
  }

  /** Appends one history entry, numbered after the module's last one (the module row is locked). */
  private async record(move: TagMove, oldVersion: number | undefined, newVersion: number | undefined, at: Date): Promise<void> {
    const [last] = await this.em.find(ModuleTagHistoryEntity, { module: move.module.id }, { orderBy: { sequence: 'desc' }, limit: 1, fields: ['sequence'] });
    this.em.create(ModuleTagHistoryEntity, {
      id: randomUUID(),
      module: move.module.id,
      sequence: (last?.sequence ?? 0) + 1,
      tag: move.tag,
      oldVersion: oldVersion ?? null,
      newVersion: newVersion ?? null,
      actor: move.actor,
      at,
      message: move.message,
    });
  }
}

function tagInfo(row: Pick<ModuleTagRow, 'name' | 'version' | 'setBy' | 'setAt'>): ModuleTag {
  return { name: row.name, version: row.version, setBy: row.setBy, setAt: row.setAt };
}

function change(row: ModuleTagHistoryRow): ModuleTagChange {
  return {
    tag: row.tag,
    ...(row.oldVersion !== null && row.oldVersion !== undefined && { oldVersion: row.oldVersion }),
    ...(row.newVersion !== null && row.newVersion !== undefined && { newVersion: row.newVersion }),
    actor: row.actor,
    time: row.at,
    message: row.message,
  };
}
