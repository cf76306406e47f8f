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

/** Saves retried after losing a race to a concurrent save of the same module. */
const SAVE_ATTEMPTS = 3;

/** The catalog as seen by one tenant. */
function catalogLookup(repos: Repositories, tenantId: string): ModuleLookup {
  return (ref) => repos.modules.findVersion(tenantId, ref.path, ref.version);
}

async function validated(repos: Repositories, tenantId: string, spec: pb.ModuleSpec | undefined) {
  if (!spec) throw new InvalidArgumentError([{ field: 'spec', description: 'is required' }]);
  const { document, violations } = await validateModule(moduleSpecToRaw(spec), catalogLookup(repos, tenantId));
  if (violations.length > 0 || !document) throw new InvalidArgumentError(violations);
  return document;
}

function requireReference(ref: string) {
  const parsed = parseModuleReference(ref);
  if (!parsed) throw new InvalidArgumentError([{ field: 'ref', description: 'must be PATH or PATH@VERSION, for example apps/web@3' }]);
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

    getModule: unaryRpc(deps, 'GetModule', 'viewer', async (req: pb.GetModuleRequest, ctx) => {
      const ref = requireReference(req.ref);
      const found: StoredModule | undefined = await ctx.store.read((repos) =>
        repos.modules.findVersion(ctx.principal.tenantId, ref.path, ref.version),
      );
      if (!found) throw new NotFoundError('module', req.ref);
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

    listModuleVersions: unaryRpc(deps, 'ListModuleVersions', 'viewer', async (req: pb.ListModuleVersionsRequest, ctx) => {
      const path = requirePath(req.path);
      const page = await ctx.store.read(async (repos) => {
        const row = await repos.modules.findRow(ctx.principal.tenantId, path);
        if (!row) throw new NotFoundError('module', path);
        return repos.modules.listVersions(row, req.pageSize, req.pageToken);
      });
      return { versions: page.rows.map(moduleVersionToProto), nextPageToken: page.next };
    }),

    deleteModule: unaryRpc(deps, 'DeleteModule', 'editor', async (req: pb.DeleteModuleRequest, ctx) => {
      const path = requirePath(req.path);
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
      requireReference(req.ref);
      const plan = await ctx.store.read((repos) => resolveModule(req.ref, catalogLookup(repos, ctx.principal.tenantId)));
      return { plan: resolvedPlanToProto(plan) };
    }),
  };
}
