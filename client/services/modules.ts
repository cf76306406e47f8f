/**
 * ModuleService in domain terms: documents in, StoredModule / ResolvedPlan
 * out, each result keeping the wire message as `raw`.
 */
import * as pb from '../../proto/gen/slipstream/v1/modules.js';
import {
  moduleDocumentToSpec,
  moduleFromProto,
  moduleKindFromProto,
  moduleKindToProto,
  moduleVersionFromProto,
  resolvedPlanFromProto,
} from '../../common/convert/modules.js';
import type {
  ModuleDocument,
  ModuleKind,
  ModuleVersionInfo,
  ResolvedPlan,
  StoredModule,
} from '../../common/modules/types.js';
import { moduleTagChangeFromProto, moduleTagFromProto } from '../../common/convert/module-tags.js';
import type { ModuleTag, ModuleTagChange } from '../../common/modules/tags.js';
import { modulePublicationFromProto, sharedModuleFromProto } from '../../common/convert/sharing.js';
import type { ModulePublication, SharedModule } from '../../common/modules/sharing.js';
import type { CallOptions } from '../options.js';
import { collectPages } from '../pagination.js';
import { bound, type Rpc } from '../rpc.js';

/** A module version as read from the catalog, with its wire form. */
export interface FetchedModule extends StoredModule {
  raw: pb.Module;
}

/** A listing row: the latest version's metadata, no content. */
export interface ModuleListing {
  path: string;
  /** Undefined only if the server sent a kind this client does not know. */
  kind: ModuleKind | undefined;
  description: string;
  latest: ModuleVersionInfo;
  raw: pb.ModuleSummary;
}

/** Options of `save`. */
export interface SaveModuleOptions extends CallOptions {
  /** Commit message of the new version. */
  message?: string;
  /** Fail with ConflictError unless the latest version is this one (0 = must not exist). */
  expectedLatestVersion?: number;
}

/** Outcome of `save`: `created` is false when the content equals the latest version. */
export interface SaveModuleResult {
  module: FetchedModule;
  created: boolean;
  raw: pb.SaveModuleResponse;
}

/** Filter of `list`. */
export interface ListModulesFilter {
  /** Folder prefix: `a/b` lists `a/b` and everything below it. */
  prefix?: string;
  kind?: ModuleKind;
}

/** Options of `setTag` and `deleteTag`. */
export interface TagMoveOptions extends CallOptions {
  /** Why, kept in the tag's history. */
  message?: string;
}

/** A resolved plan with its wire form. */
export interface ResolvedModule {
  plan: ResolvedPlan;
  raw: pb.ResolvedPlan;
}

function fetched(raw: pb.Module | undefined): FetchedModule {
  const module = raw ?? pb.Module.create();
  return { ...moduleFromProto(module), raw: module };
}

/** The module catalog of the caller's tenant. */
export class ModulesClient {
  constructor(
    private readonly rpc: Rpc,
    /** The generated client, for calls this wrapper does not cover. */
    readonly raw: pb.ModuleServiceClient,
  ) {}

  /** Saves a new version (or nothing, if the content is unchanged). */
  async save(document: ModuleDocument, options: SaveModuleOptions = {}): Promise<SaveModuleResult> {
    const request: pb.SaveModuleRequest = {
      spec: moduleDocumentToSpec(document),
      message: options.message ?? '',
      expectedLatestVersion: options.expectedLatestVersion,
    };
    const raw = await this.rpc.unary(bound(this.raw, 'saveModule'), request, options);
    return { module: fetched(raw.module), created: raw.created, raw };
  }

  /** Reads `path` (latest) or `path@N` (pinned; still readable after delete). */
  async get(ref: string, call?: CallOptions): Promise<FetchedModule> {
    const raw = await this.rpc.unary(bound(this.raw, 'getModule'), { ref }, call);
    return fetched(raw.module);
  }

  /** Every live module under the prefix (all pages), optionally of one kind. */
  list(filter: ListModulesFilter = {}, call?: CallOptions): Promise<ModuleListing[]> {
    const kind = filter.kind === undefined ? pb.ModuleKind.MODULE_KIND_UNSPECIFIED : moduleKindToProto(filter.kind);
    return collectPages(async (pageToken) => {
      const request = { prefix: filter.prefix ?? '', kind, pageSize: 0, pageToken };
      const page = await this.rpc.unary(bound(this.raw, 'listModules'), request, call);
      return {
        items: page.modules.map((m) => ({
          path: m.path,
          kind: moduleKindFromProto(m.kind),
          description: m.description,
          latest: moduleVersionFromProto(m.latest),
          raw: m,
        })),
        nextPageToken: page.nextPageToken,
      };
    });
  }

  /** Every version of one module, newest first. */
  history(path: string, call?: CallOptions): Promise<ModuleVersionInfo[]> {
    return collectPages(async (pageToken) => {
      const request = { path, pageSize: 0, pageToken };
      const page = await this.rpc.unary(bound(this.raw, 'listModuleVersions'), request, call);
      return { items: page.versions.map(moduleVersionFromProto), nextPageToken: page.nextPageToken };
    });
  }

  /** Hides a module from listings and launches; pinned versions stay readable. */
  async delete(path: string, call?: CallOptions): Promise<void> {
    await this.rpc.unary(bound(this.raw, 'deleteModule'), { path }, call);
  }

  /** Validates against the catalog without saving; rejects with InvalidArgumentError listing every violation. */
  async validate(document: ModuleDocument, call?: CallOptions): Promise<void> {
    await this.rpc.unary(bound(this.raw, 'validateModule'), { spec: moduleDocumentToSpec(document) }, call);
  }

  /** The pinned plan a run of this application or component would execute. */
  async resolve(ref: string, call?: CallOptions): Promise<ResolvedModule> {
    const response = await this.rpc.unary(bound(this.raw, 'resolveModule'), { ref }, call);
    const raw = response.plan ?? pb.ResolvedPlan.create();
    return { plan: resolvedPlanFromProto(raw), raw };
  }

  /**
   * Points a tag of the module at one of its versions (creating or moving it;
   * editor and up). `previousVersion` is where it pointed before, undefined when new.
   */
  async setTag(path: string, tag: string, version: number, options: TagMoveOptions = {}): Promise<{ tag: ModuleTag; previousVersion?: number }> {
    const request = { path, tag, version, message: options.message ?? '' };
    const raw = await this.rpc.unary(bound(this.raw, 'setModuleTag'), request, options);
    const set = moduleTagFromProto(raw.tag ?? pb.ModuleTag.create());
    return raw.previousVersion > 0 ? { tag: set, previousVersion: raw.previousVersion } : { tag: set };
  }

  /** Removes a tag of the module (editor and up); returns the version it pointed at. */
  async deleteTag(path: string, tag: string, options: TagMoveOptions = {}): Promise<number> {
    const raw = await this.rpc.unary(bound(this.raw, 'deleteModuleTag'), { path, tag, message: options.message ?? '' }, options);
    return raw.previousVersion;
  }

  /** The module's current tags, by name. */
  async tags(path: string, call?: CallOptions): Promise<ModuleTag[]> {
    const raw = await this.rpc.unary(bound(this.raw, 'listModuleTags'), { path }, call);
    return raw.tags.map(moduleTagFromProto);
  }

  /** Every move of the module's tags (of `tag` only, when given), newest first (all pages). */
  tagHistory(path: string, tag?: string, call?: CallOptions): Promise<ModuleTagChange[]> {
    return collectPages(async (pageToken) => {
      const request = { path, tag: tag ?? '', pageSize: 0, pageToken };
      const page = await this.rpc.unary(bound(this.raw, 'listModuleTagHistory'), request, call);
      return { items: page.changes.map(moduleTagChangeFromProto), nextPageToken: page.nextPageToken };
    });
  }

  /**
   * Publishes a module of the caller's tenant, read-only, to other tenants
   * (editor and up): `version` (absent: every version) to `tenants` (absent
   * or empty: every tenant). Returns the publications made or renewed.
   */
  async publish(path: string, options: PublishOptions = {}, call?: CallOptions): Promise<ModulePublication[]> {
    const request = { path, version: options.version ?? 0, tenants: [...(options.tenants ?? [])] };
    const raw = await this.rpc.unary(bound(this.raw, 'publishModule'), request, call);
    return raw.publications.map(modulePublicationFromProto);
  }

  /**
   * Withdraws publications of the module (editor and up): to `tenants` only
   * (absent or empty: to anyone), of `version` only (absent: of any).
   * Returns how many were withdrawn; runs already launched go on.
   */
  async unpublish(path: string, options: PublishOptions = {}, call?: CallOptions): Promise<number> {
    const request = { path, version: options.version ?? 0, tenants: [...(options.tenants ?? [])] };
    return (await this.rpc.unary(bound(this.raw, 'unpublishModule'), request, call)).removed;
  }

  /** What the caller's tenant publishes (of `path` only, when given), all pages. */
  publications(path?: string, call?: CallOptions): Promise<ModulePublication[]> {
    return collectPages(async (pageToken) => {
      const page = await this.rpc.unary(bound(this.raw, 'listPublications'), { path: path ?? '', pageSize: 0, pageToken }, call);
      return { items: page.publications.map(modulePublicationFromProto), nextPageToken: page.nextPageToken };
    });
  }

  /** What other tenants share with the caller's tenant (read as `@tenant/path`), all pages. */
  shared(call?: CallOptions): Promise<SharedModule[]> {
    return collectPages(async (pageToken) => {
      const page = await this.rpc.unary(bound(this.raw, 'listSharedModules'), { pageSize: 0, pageToken }, call);
      return { items: page.modules.map(sharedModuleFromProto), nextPageToken: page.nextPageToken };
    });
  }
}

/** Options of `publish` and `unpublish`. */
export interface PublishOptions {
  /** One version; absent: every version (publish) or any version (unpublish). */
  version?: number;
  /** Named tenants; absent or empty: every tenant (publish) or anyone (unpublish). */
  tenants?: readonly string[];
}
