import { randomUUID } from 'node:crypto';
import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import { ModuleEntity, type ModuleRow } from '../entities/module.js';
import { ModulePublicationEntity, type ModulePublicationRow } from '../entities/module-publication.js';
import { decodePageToken, encodePageToken, pageSize } from './paging.js';
import { execute } from './raw-sql.js';

/** A publication with its module's path. */
export interface Publication {
  path: string;
  /** Null: every version. */
  version: number | null;
  /** Null: every tenant. */
  audience: string | null;
  publishedBy: string;
  publishedAt: Date;
}

/** What one reader may see of one module: every version, or these. */
export interface Visibility {
  all: boolean;
  /** The published versions (with `all`, possibly some too), ascending. */
  versions: number[];
}

/** A module some other tenant shares with a reader, and the versions the reader may see. */
export interface SharedListing {
  ownerName: string;
  ownerId: string;
  module: ModuleRow;
  /** The readable versions that exist, newest first. */
  versions: number[];
  all: boolean;
}

/** The separator of the two parts of a page token's sort key (neither names nor paths contain it). */
const KEY_SEPARATOR = '\n';

/**
 * Publications of modules to other tenants (sharing). The owner's side is
 * scoped by owner tenant id; the reader's side by the reader's tenant name
 * (the audience) and never returns the reader's own modules.
 */
export class PublicationRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Publishes `module` at `version` (null: all) to each audience (null:
   * every tenant). A publication that exists already is renewed (who, when),
   * not doubled.
   */
  async publish(
    module: ModuleRow,
    version: number | null,
    audiences: readonly (string | null)[],
    by: string,
    at: Date,
  ): Promise<Publication[]> {
    const existing = await this.em.find(ModulePublicationEntity, { module: module.id, version });
    const published: Publication[] = [];
    for (const audience of audiences) {
      const row =
        existing.find((e) => e.audience === audience) ??
        this.em.create(ModulePublicationEntity, {
          id: randomUUID(),
          owner: module.tenant,
          module: module.id,
          version,
          audience,
          publishedBy: by,
          publishedAt: at,
        });
      row.publishedBy = by;
      row.publishedAt = at;
      published.push(toPublication(module.path, row));
    }
    await this.em.flush();
    return published;
  }

  /**
   * Withdraws the module's publications: to the given audiences only
   * (undefined: to anyone, every tenant included), of one version only
   * (undefined: of any version, the all-versions one included). Returns how
   * many were withdrawn.
   */
  async unpublish(module: ModuleRow, filter: { audiences?: readonly string[]; version?: number }): Promise<number> {
    const where: FilterQuery<ModulePublicationRow> = { module: module.id };
    if (filter.audiences !== undefined) where.audience = { $in: [...filter.audiences] };
    if (filter.version !== undefined) where.version = filter.version;
    return this.em.nativeDelete(ModulePublicationEntity, where);
  }

  /** What the tenant named `reader` may see of `module`; undefined when nothing. */
  async visibility(module: ModuleRow, reader: string): Promise<Visibility | undefined> {
    const rows = await this.em.find(
      ModulePublicationEntity,
      { module: module.id, $or: [{ audience: null }, { audience: reader }] },
      { fields: ['version'] },
    );
    if (rows.length === 0) return undefined;
    const versions = [...new Set(rows.flatMap((r) => (r.version == null ? [] : [r.version])))].sort((a, b) => a - b);
    return { all: rows.some((r) => r.version == null), versions };
  }

  /** A page of the owner's publications (of one module path, when given), by path. */
  async listByOwner(ownerId: string, path: string | undefined, size: number, token: string): Promise<{ rows: Publication[]; next: string }> {
    const limit = pageSize(size);
    const after = decodePageToken(token);
    const params: unknown[] = [ownerId];
    let sql = 'select p."id", m."path" from "module_publications" p join "modules" m on m."id" = p."module_id" where p."owner_id" = ?';
    if (path !== undefined) {
      sql += ' and m."path" = ?';
      params.push(path);
    }
    if (after !== undefined) {
      const [afterPath = '', afterId = ''] = after.split(KEY_SEPARATOR);
      sql += ' and (m."path" > ? or (m."path" = ? and p."id" > ?))';
      params.push(afterPath, afterPath, afterId);
    }
    sql += ' order by m."path", p."id" limit ?';
    params.push(limit + 1);
    const keys = await execute<{ id: string; path: string }[]>(this.em, sql, params, 'all');
    const page = keys.slice(0, limit);
    const rows = page.length ? await this.em.find(ModulePublicationEntity, { id: { $in: page.map((k) => k.id) } }) : [];
    const byId = new Map(rows.map((r) => [r.id, r]));
    const last = page.at(-1);
    return {
      rows: page.flatMap((k) => {
        const row = byId.get(k.id);
        return row ? [toPublication(k.path, row)] : [];
      }),
      next: keys.length > limit && last ? encodePageToken(`${last.path}${KEY_SEPARATOR}${last.id}`) : '',
    };
  }

  /**
   * A page of the live modules other tenants share with the tenant named
   * `reader` (id `readerId`), by owner name then path, each with the
   * versions the reader may see.
   */
  async sharedWith(readerId: string, reader: string, size: number, token: string): Promise<{ rows: SharedListing[]; next: string }> {
    const limit = pageSize(size);
    const after = decodePageToken(token);
    const params: unknown[] = [readerId, reader];
    let sql = `select t."id" as "owner_id", t."name" as "owner_name", m."id" as "module_id", m."path" as "path"
      from "module_publications" p join "modules" m on m."id" = p."module_id" join "tenants" t on t."id" = p."owner_id"
      where p."owner_id" <> ? and (p."audience" is null or p."audience" = ?) and m."deleted_at" is null`;
    if (after !== undefined) {
      const [owner = '', path = ''] = after.split(KEY_SEPARATOR);
      sql += ' and (t."name" > ? or (t."name" = ? and m."path" > ?))';
      params.push(owner, owner, path);
    }
    sql += ' group by t."id", t."name", m."id", m."path" order by t."name", m."path" limit ?';
    params.push(limit + 1);
    const keys = await execute<{ owner_id: string; owner_name: string; module_id: string; path: string }[]>(this.em, sql, params, 'all');
    const page = keys.slice(0, limit);
    if (page.length === 0) return { rows: [], next: '' };
    const ids = page.map((k) => k.module_id);
    const modules = new Map((await this.em.find(ModuleEntity, { id: { $in: ids } })).map((m) => [m.id, m]));
    const publications = await this.em.find(
      ModulePublicationEntity,
      { module: { $in: ids }, $or: [{ audience: null }, { audience: reader }] },
      { fields: ['module', 'version'] },
    );
    const rows = page.flatMap((k): SharedListing[] => {
      const module = modules.get(k.module_id);
      if (!module) return [];
      const mine = publications.filter((p) => p.module === k.module_id);
      const all = mine.some((p) => p.version == null);
      const versions = all
        ? Array.from({ length: module.latestVersion }, (_, i) => module.latestVersion - i)
        : [...new Set(mine.flatMap((p) => (p.version == null ? [] : [p.version])))].filter((v) => v <= module.latestVersion).sort((a, b) => b - a);
      return versions.length === 0 ? [] : [{ ownerName: k.owner_name, ownerId: k.owner_id, module, versions, all }];
    });
    const last = page.at(-1)!;
    return { rows, next: keys.length > limit ? encodePageToken(`${last.owner_name}${KEY_SEPARATOR}${last.path}`) : '' };
  }
}

function toPublication(path: string, row: ModulePublicationRow): Publication {
  return { path, version: row.version ?? null, audience: row.audience ?? null, publishedBy: row.publishedBy, publishedAt: row.publishedAt };
}
