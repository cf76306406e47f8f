import * as pb from '../../../proto/gen/slipstream/v1/modules.js';
import { canonicalModuleDocument, moduleContentHash } from '../../../common/modules/canonical.js';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../../../common/errors.js';
import { isValidModulePath, parseModuleReference } from '../../../common/modules/refs.js';
import { resolveModule } from '../../domain/modules/resolve.js';
import type { ModuleLookup, StoredModule } from '../../../common/modules/types.js';
import { validateModule } from '../../../common/modules/validate.js';
import type { Repositories } from '../../store/repositories/index.js';
import {
  moduleKindFromProto,
  moduleKindToProto,
  moduleSpecToRaw,
  moduleToProto,
  moduleVersionToProto,
  resolvedPlanToProto,
} from '../../../common/convert/modules.js';
import { unaryRpc, type ApiDeps } from '../rpc.js';
import { tenantCatalogLookup } from './catalog-lookup.js';
import { moduleTagHandlers } from './module-tag-handlers.js';
import { publicationHandlers } from './publication-handlers.js';
import { getSharedModule, listSharedVersions, resolveForCaller, sharedOrOwn, writablePath } from './shared-module-reads.js';
import { referenceNotFound } from '../../domain/modules/reference-not-found.js';

/** Saves retried after losing a race to a concurrent save of the same module. */
const SAVE_ATTEMPTS = 3;

/** The catalog as seen by one tenant. */
function catalogLookup(repos: Repositories, tenantId: string): ModuleLookup {
  return tenantCatalogLookup(repos, tenantId);
}

/** The version with the names of the tags pointing at it now (GetModule shows them). */
async function withTags(repos: Repositories, tenantId: string, stored: StoredModule): Promise<StoredModule> {
  const row = await repos.modules.findRow(tenantId, stored.document.path);
  const tags = row ? (await repos.moduleTags.namesByVersion(row.id, [stored.info.version])).get(stored.info.version) : undefined;
  return tags ? { ...stored, info: { ...stored.info, tags } } : stored;
}

async function validated(repos: Repositories, tenantId: string, spec: pb.ModuleSpec | undefined) {
  if (!spec) throw new InvalidArgumentError([{ field: 'spec', description: 'is required' }]);
  const { document, violations } = await validateModule(moduleSpecToRaw(spec), catalogLookup(repos, tenantId));
  if (violations.length > 0 || !document) throw new InvalidArgumentError(violations);
  return document;
}

function requireReference(ref: string) {
  const parsed = parseModuleReference(ref);
  if (!parsed) throw new InvalidArgumentError([{ field: 'ref', description: 'must be PATH, PATH@VERSION or PATH:TAG, for example apps/web@3 or apps/web:stable' }]);
  return parsed;
}

function requirePath(path: string, field = 'path'): string {
  if (!isValidModulePath(path)) throw new InvalidArgumentError([{ field, description: 'is not a valid module path' }]);
  return path;
}

/** Handlers of slipstream.v1.ModuleService. */
export function moduleService(deps: ApiDeps): pb.ModuleServiceServer {
  return {
    saveModule: unaryRpc(deps, 'SaveModule', 'editor', async (req: pb.SaveModuleRequest, ctx) => {
      // Another tenant's module (`@TENANT/path`) is read-only.
      await writablePath(ctx, req.spec?.path ?? '', 'path');
      for (let attempt = 1; ; attempt++) {
        try {
          return await ctx.store.write(async (repos) => {
            const document = canonicalModuleDocument(await validated(repos, ctx.principal.tenantId, req.spec));
            const existing = await repos.modules.findRow(ctx.principal.tenantId, document.path);
            const latest = existing?.latestVersion ?? 0;
            if (req.expectedLatestVersion !== undefined && req.expectedLatestVersion !== latest) {
              throw new ConflictError(
                `module '${document.path}' is at version ${latest}, not ${req.expectedLatestVersion}; read it again and retry`,
              );
            }
            if (existing && !existing.deletedAt && existing.kind !== document.kind) {
              throw new InvalidArgumentError([
                { field: 'kind', description: `module '${document.path}' is a ${existing.kind}; a new version cannot change its kind` },
              ]);
            }
            const contentHash = moduleContentHash(document);
            if (existing && !existing.deletedAt && (await repos.modules.latestHash(existing)) === contentHash) {
              const current = await repos.modules.findVersion(ctx.principal.tenantId, document.path);
              return { module: moduleToProto(current!), created: false };
            }
            const saved = await repos.modules.appendVersion(existing, {
              tenantId: ctx.principal.tenantId,
              document,
              contentHash,
              author: ctx.principal.userName,
              message: req.message,
            });
            ctx.log.info({ path: document.path, version: saved.info.version }, 'module version created');
            return { module: moduleToProto(saved), created: true };
          });
        } catch (err) {
          // Without an expected version the caller asked for "whatever is latest": retry the race.
          if (!(err instanceof ConflictError) || req.expectedLatestVersion !== undefined || attempt >= SAVE_ATTEMPTS) throw err;
        }
      }
    }),

    getModule: unaryRpc(deps, 'GetModule', 'viewer', async (request: pb.GetModuleRequest, ctx) => {
      const named = await sharedOrOwn(ctx, request.ref, 'ref');
      if ('shared' in named) return getSharedModule(ctx, named.shared, request.ref);
      const req = { ...request, ref: named.own };
      const ref = requireReference(req.ref);
      const found: StoredModule | undefined = await ctx.store.read(async (repos) => {
        const stored = await catalogLookup(repos, ctx.principal.tenantId)(ref);
        return stored && withTags(repos, ctx.principal.tenantId, stored);
      });
      if (!found) throw referenceNotFound(req.ref, ref);
      return { module: moduleToProto(found) };
    }),

    listModules: unaryRpc(deps, 'ListModules', 'viewer', async (req: pb.ListModulesRequest, ctx) => {
      const prefix = req.prefix.replace(/\/+$/, '');
      if (prefix !== '') requirePath(prefix, 'prefix');
      const kind = req.kind === pb.ModuleKind.MODULE_KIND_UNSPECIFIED ? undefined : moduleKindFromProto(req.kind);
      if (req.kind !== pb.ModuleKind.MODULE_KIND_UNSPECIFIED && !kind) {
        throw new InvalidArgumentError([{ field: 'kind', description: 'is not a known module kind' }]);
      }
      const page = await ctx.store.read((repos) =>
        repos.modules.list(ctx.principal.tenantId, { prefix, ...(kind ? { kind } : {}) }, req.pageSize, req.pageToken),
      );
      return {
        modules: page.rows.map((m) => ({
          path: m.path,
          kind: moduleKindToProto(m.kind),
          description: m.description,
          latest: moduleVersionToProto(m.latest),
        })),
        nextPageToken: page.next,
      };
    }),

    listModuleVersions: unaryRpc(deps, 'ListModuleVersions', 'viewer', async (request: pb.ListModuleVersionsRequest, ctx) => {
      const named = await sharedOrOwn(ctx, request.path, 'path');
      if ('shared' in named) return listSharedVersions(ctx, named.shared, request);
      const req = { ...request, path: named.own };
      const path = requirePath(req.path);
      const page = await ctx.store.read(async (repos) => {
        const row = await repos.modules.findRow(ctx.principal.tenantId, path);
        if (!row) throw new NotFoundError('module', path);
        const versions = await repos.modules.listVersions(row, req.pageSize, req.pageToken);
        const tags = await repos.moduleTags.namesByVersion(row.id, versions.rows.map((v) => v.version));
        return { ...versions, rows: versions.rows.map((v) => ({ ...v, ...(tags.has(v.version) && { tags: tags.get(v.version) }) })) };
      });
      return { versions: page.rows.map(moduleVersionToProto), nextPageToken: page.next };
    }),

    deleteModule: unaryRpc(deps, 'DeleteModule', 'editor', async (req: pb.DeleteModuleRequest, ctx) => {
      const path = requirePath(await writablePath(ctx, req.path, 'path'));
      await ctx.store.write(async (repos) => {
        const row = await repos.modules.getLiveRow(ctx.principal.tenantId, path);
        await repos.modules.markDeleted(row, new Date());
      });
      ctx.log.info({ path }, 'module deleted');
      return {};
    }),

    validateModule: unaryRpc(deps, 'ValidateModule', 'viewer', async (req: pb.ValidateModuleRequest, ctx) => {
      await ctx.store.read((repos) => validated(repos, ctx.principal.tenantId, req.spec));
      return {};
    }),

    resolveModule: unaryRpc(deps, 'ResolveModule', 'viewer', async (req: pb.ResolveModuleRequest, ctx) => {
      const named = await sharedOrOwn(ctx, req.ref, 'ref');
      if ('shared' in named) return resolveForCaller(ctx, req.ref);
      requireReference(named.own);
      const plan = await ctx.store.read((repos) => resolveModule(named.own, catalogLookup(repos, ctx.principal.tenantId)));
      return { plan: resolvedPlanToProto(plan) };
    }),

    ...moduleTagHandlers(deps),
    ...publicationHandlers(deps),
  };
}
