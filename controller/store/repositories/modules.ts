import { randomUUID } from 'node:crypto';
import { raw, UniqueConstraintViolationException, type EntityManager, type FilterQuery } from '@mikro-orm/core';
import type { CredentialCipher } from '../../auth/credential-cipher.js';
import { ConflictError, NotFoundError } from '../../../common/errors.js';
import type { ModuleDocument, ModuleKind, ModuleVersionInfo, StoredModule } from '../../../common/modules/types.js';
import { ModuleVersionEntity, type ModuleVersionRow } from '../entities/module-version.js';
import { ModuleEntity, type ModuleRow } from '../entities/module.js';
import { openDocument, sealDocument } from '../sealed-values.js';
import { decodePageToken, encodePageToken, pageSize } from './paging.js';

export interface NewModuleVersion {
  tenantId: string;
  document: ModuleDocument;
  contentHash: string;
  author: string;
  message: string;
}

/** A listing row: a live module with its latest version's metadata. */
export interface ModuleListing {
  path: string;
  kind: ModuleKind;
  description: string;
  latest: ModuleVersionInfo;
}

/**
 * The version-controlled catalog; every query is scoped by tenant id. A
 * version's password defaults are stored sealed under the credential key;
 * readers get the document as it was saved.
 */
export class ModuleRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly cipher: CredentialCipher,
  ) {}

  /** The module row, deleted or not. */
  findRow(tenantId: string, path: string): Promise<ModuleRow | null> {
    return this.em.findOne(ModuleEntity, { tenant: tenantId, path });
  }

  /** The module row of a live (not deleted) module; NotFoundError otherwise. */
  async getLiveRow(tenantId: string, path: string): Promise<ModuleRow> {
    const row = await this.em.findOne(ModuleEntity, { tenant: tenantId, path, deletedAt: null });
    if (!row) throw new NotFoundError('module', path);
    return row;
  }

  /**
   * One version: the latest of a live module, or any pinned version (pinned
   * versions stay readable after delete). Undefined when there is none.
   */
  async findVersion(tenantId: string, path: string, version?: number): Promise<StoredModule | undefined> {
    const module = await this.findRow(tenantId, path);
    if (!module) return undefined;
    if (version === undefined && module.deletedAt) return undefined;
    const wanted = version ?? module.latestVersion;
    const row = await this.em.findOne(ModuleVersionEntity, { module: module.id, version: wanted });
    return row ? this.toStored(module, row) : undefined;
  }

  /** The latest version's content hash of a module, live or deleted. */
  async latestHash(module: ModuleRow): Promise<string | undefined> {
    const row = await this.em.findOne(
      ModuleVersionEntity,
      { module: module.id, version: module.latestVersion },
      { fields: ['contentHash'] },
    );
    return row?.contentHash;
  }

  /**
   * Appends the next version (creating the module on first save, reviving it
   * after a delete). Two concurrent saves of one module cannot both win: the
   * loser gets ConflictError from the (module, version) unique key.
   */
  async appendVersion(module: ModuleRow | null, input: NewModuleVersion): Promise<StoredModule> {
    const now = new Date();
    const doc = input.document;
    const target =
      module ??
      this.em.create(ModuleEntity, {
        id: randomUUID(),
        tenant: input.tenantId,
        path: doc.path,
        kind: doc.kind,
        description: '',
        latestVersion: 0,
        createdAt: now,
        updatedAt: now,
        deletedAt: null,
      });
    target.latestVersion += 1;
    target.kind = doc.kind;
    target.description = doc.description ?? '';
    target.updatedAt = now;
    target.deletedAt = null;
    const versionId = randomUUID();
    const version = this.em.create(ModuleVersionEntity, {
      id: versionId,
      module: target.id,
      version: target.latestVersion,
      content: JSON.stringify(sealDocument(this.cipher, versionId, doc)),
      contentHash: input.contentHash,
      author: input.author,
      message: input.message,
      createdAt: now,
    });
    try {
      await this.em.flush();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) {
        throw new ConflictError(`module '${doc.path}' was saved concurrently; read it again and retry`);
      }
      throw err;
    }
    return this.toStored(target, version);
  }

  /** A page of live modules under a folder prefix, ordered by path. */
  async list(
    tenantId: string,
    filter: { prefix: string; kind?: ModuleKind },
    size: number,
    token: string,
  ): Promise<{ rows: ModuleListing[]; next: string }> {
    const limit = pageSize(size);
    const after = decodePageToken(token);
    const where: FilterQuery<ModuleRow>[] = [{ tenant: tenantId, deletedAt: null }];
    if (filter.prefix !== '') {
      // substr instead of LIKE: '_' is legal in paths and a LIKE wildcard.
      const folder = `${filter.prefix}/`;
      where.push({ $or: [{ path: filter.prefix }, { [raw('substr(path, 1, ?)', [folder.length])]: folder }] });
    }
    if (filter.kind) where.push({ kind: filter.kind });
    if (after !== undefined) where.push({ path: { $gt: after } });
    const modules = await this.em.find(ModuleEntity, { $and: where }, { orderBy: { path: 'asc' }, limit: limit + 1 });
    const page = modules.slice(0, limit);
    const versions = page.length
      ? await this.em.find(ModuleVersionEntity, { $or: page.map((m) => ({ module: m.id, version: m.latestVersion })) }, {
          fields: ['module', 'version', 'author', 'createdAt', 'message', 'contentHash'],
        })
      : [];
    const byModule = new Map(versions.map((v) => [v.module, v]));
    const rows = page.map((m) => {
      const v = byModule.get(m.id);
      return {
        path: m.path,
        kind: m.kind as ModuleKind,
        description: m.description,
        latest: v ? versionInfo(v) : { version: m.latestVersion, author: '', createdAt: m.updatedAt, message: '', contentHash: '' },
      };
    });
    return { rows, next: modules.length > limit ? encodePageToken(page.at(-1)!.path) : '' };
  }

  /** A page of one module's versions, newest first. */
  async listVersions(module: ModuleRow, size: number, token: string): Promise<{ rows: ModuleVersionInfo[]; next: string }> {
    const limit = pageSize(size);
    const after = decodePageToken(token);
    const below = after === undefined ? undefined : Number(after);
    const rows = await this.em.find(
      ModuleVersionEntity,
      below === undefined ? { module: module.id } : { module: module.id, version: { $lt: below } },
      { orderBy: { version: 'desc' }, limit: limit + 1, fields: ['version', 'author', 'createdAt', 'message', 'contentHash'] },
    );
    const page = rows.slice(0, limit);
    return { rows: page.map(versionInfo), next: rows.length > limit ? encodePageToken(String(page.at(-1)!.version)) : '' };
  }

  /** Hides the module from listings and unpinned reads. */
  async markDeleted(module: ModuleRow, at: Date): Promise<void> {
    module.deletedAt = at;
    await this.em.flush();
  }

  private toStored(module: ModuleRow, row: ModuleVersionRow): StoredModule {
    return {
      document: openDocument(this.cipher, row.id, JSON.parse(row.content) as ModuleDocument),
      info: versionInfo(row),
      latestVersion: module.latestVersion,
      deleted: module.deletedAt !== null && module.deletedAt !== undefined,
    };
  }
}

function versionInfo(row: Pick<ModuleVersionRow, 'version' | 'author' | 'createdAt' | 'message' | 'contentHash'>): ModuleVersionInfo {
  return { version: row.version, author: row.author, createdAt: row.createdAt, message: row.message, contentHash: row.contentHash };
}
