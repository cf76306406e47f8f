import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import type { CredentialCipher } from '../../auth/credential-cipher.js';
import { ConflictError, NotFoundError } from '../../../common/errors.js';
import type { StoredTemplate, TemplateListing, TemplateSpec, TemplateVersionInfo } from '../../../common/templates/types.js';
import { TemplateVersionEntity, type TemplateVersionRow } from '../entities/template-version.js';
import { TemplateEntity, type TemplateRow } from '../entities/template.js';
import { openStored } from '../sealed-values.js';
import { decodePageToken, encodePageToken, pageSize } from './paging.js';

export interface NewTemplateVersion {
  tenantId: string;
  /** Canonical (canonicalTemplate). */
  spec: TemplateSpec;
  contentHash: string;
  author: string;
  message: string;
}

/** The context a template version's parameter value is sealed for: a value copied to another version or key does not open. */
function parameterContext(versionId: string, key: string): string {
  return `template-version/${versionId}/parameter/${key}`;
}

/**
 * Deployment templates and their immutable versions; every query is scoped by
 * tenant id. A version's parameter values are stored sealed under the
 * credential key (a template may carry a password for its launches); readers
 * get the spec as it was saved.
 */
export class TemplateRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly cipher: CredentialCipher,
  ) {}

  /** The template row, deleted or not. */
  findRow(tenantId: string, name: string): Promise<TemplateRow | null> {
    return this.em.findOne(TemplateEntity, { tenant: tenantId, name });
  }

  /** The row of a live (not deleted) template; NotFoundError otherwise. */
  async getLiveRow(tenantId: string, name: string): Promise<TemplateRow> {
    const row = await this.em.findOne(TemplateEntity, { tenant: tenantId, name, deletedAt: null });
    if (!row) throw new NotFoundError('template', name);
    return row;
  }

  /**
   * One version: the latest of a live template, or any pinned version (pinned
   * versions stay readable after delete). Undefined when there is none.
   */
  async findVersion(tenantId: string, name: string, version?: number): Promise<StoredTemplate | undefined> {
    const template = await this.findRow(tenantId, name);
    if (!template) return undefined;
    if (version === undefined && template.deletedAt) return undefined;
    const row = await this.em.findOne(TemplateVersionEntity, { template: template.id, version: version ?? template.latestVersion });
    return row ? this.toStored(template, row) : undefined;
  }

  /** The latest version's content hash. */
  async latestHash(template: TemplateRow): Promise<string | undefined> {
    const row = await this.em.findOne(TemplateVersionEntity, { template: template.id, version: template.latestVersion }, { fields: ['contentHash'] });
    return row?.contentHash;
  }

  /**
   * Appends the next version (creating the template on first save, reviving
   * it after a delete). Of two concurrent saves of one template the loser gets
   * ConflictError from the (template, version) unique key.
   */
  async appendVersion(template: TemplateRow | null, input: NewTemplateVersion): Promise<StoredTemplate> {
    const now = new Date();
    const target =
      template ??
      this.em.create(TemplateEntity, {
        id: randomUUID(),
        tenant: input.tenantId,
        name: input.spec.name,
        latestVersion: 0,
        createdAt: now,
        updatedAt: now,
        deletedAt: null,
      });
    target.latestVersion += 1;
    target.updatedAt = now;
    target.deletedAt = null;
    const id = randomUUID();
    const parameters = Object.fromEntries(Object.entries(input.spec.parameters).map(([k, v]) => [k, this.cipher.seal(v, parameterContext(id, k))]));
    const version = this.em.create(TemplateVersionEntity, {
      id,
      template: target.id,
      version: target.latestVersion,
      content: JSON.stringify({ ...input.spec, parameters }),
      contentHash: input.contentHash,
      author: input.author,
      message: input.message,
      createdAt: now,
    });
    try {
      await this.em.flush();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) {
        throw new ConflictError(`template '${input.spec.name}' was saved concurrently; read it again and retry`);
      }
      throw err;
    }
    return this.toStored(target, version);
  }

  /** A page of live templates, ordered by name, each with its latest version's module and metadata. */
  async list(tenantId: string, size: number, token: string): Promise<{ rows: TemplateListing[]; next: string }> {
    const limit = pageSize(size);
    const after = decodePageToken(token);
    const templates = await this.em.find(
      TemplateEntity,
      after === undefined ? { tenant: tenantId, deletedAt: null } : { tenant: tenantId, deletedAt: null, name: { $gt: after } },
      { orderBy: { name: 'asc' }, limit: limit + 1 },
    );
    const page = templates.slice(0, limit);
    const versions = page.length ? await this.em.find(TemplateVersionEntity, { $or: page.map((t) => ({ template: t.id, version: t.latestVersion })) }) : [];
    const byTemplate = new Map(versions.map((v) => [v.template, v]));
    const rows = page.flatMap((t) => {
      const v = byTemplate.get(t.id);
      if (!v) return [];
      // Only the listing's fields: the parameters stay sealed.
      const spec = JSON.parse(v.content) as TemplateSpec;
      return [{ name: t.name, module: spec.module, description: spec.description ?? '', latest: versionInfo(v) }];
    });
    return { rows, next: templates.length > limit ? encodePageToken(page.at(-1)!.name) : '' };
  }

  /** A page of one template's versions, newest first. */
  async listVersions(template: TemplateRow, size: number, token: string): Promise<{ rows: TemplateVersionInfo[]; next: string }> {
    const limit = pageSize(size);
    const after = decodePageToken(token);
    const below = after === undefined ? undefined : Number(after);
    const rows = await this.em.find(
      TemplateVersionEntity,
      below === undefined ? { template: template.id } : { template: template.id, version: { $lt: below } },
      { orderBy: { version: 'desc' }, limit: limit + 1, fields: ['version', 'author', 'createdAt', 'message', 'contentHash'] },
    );
    const page = rows.slice(0, limit);
    return { rows: page.map(versionInfo), next: rows.length > limit ? encodePageToken(String(page.at(-1)!.version)) : '' };
  }

  /** Hides the template from listings and launches. */
  async markDeleted(template: TemplateRow, at: Date): Promise<void> {
    template.deletedAt = at;
    await this.em.flush();
  }

  private toStored(template: TemplateRow, row: TemplateVersionRow): StoredTemplate {
    const spec = JSON.parse(row.content) as TemplateSpec;
    const parameters = Object.fromEntries(Object.entries(spec.parameters).map(([k, v]) => [k, openStored(this.cipher, v, parameterContext(row.id, k))]));
    return { spec: { ...spec, parameters }, info: versionInfo(row), latestVersion: template.latestVersion, deleted: template.deletedAt !== null && template.deletedAt !== undefined };
  }
}

function versionInfo(row: Pick<TemplateVersionRow, 'version' | 'author' | 'createdAt' | 'message' | 'contentHash'>): TemplateVersionInfo {
  return { version: row.version, author: row.author, createdAt: row.createdAt, message: row.message, contentHash: row.contentHash };
}
