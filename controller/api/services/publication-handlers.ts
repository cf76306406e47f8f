/**
 * The sharing calls of slipstream.v1.ModuleService: PublishModule and
 * UnpublishModule (editor and up, the caller's own modules), ListPublications
 * (viewer and up: what the caller's tenant shares) and ListSharedModules
 * (viewer and up: what other tenants share with it). Audiences are tenant
 * names checked for syntax only: telling a publisher whether a tenant exists
 * would leak it.
 */
import type * as pb from '../../../proto/gen/slipstream/v1/modules.js';
import { InvalidArgumentError, NotFoundError, throwIfViolations, type FieldViolation } from '../../../common/errors.js';
import { modulePublicationToProto, sharedModuleToProto } from '../../../common/convert/sharing.js';
import { modulePathProblem } from '../../../common/modules/refs.js';
import { MAX_PUBLICATION_TENANTS, type ModulePublication } from '../../../common/modules/sharing.js';
import type { ModuleKind } from '../../../common/modules/types.js';
import { DNS_LABEL, DNS_LABEL_RULE } from '../../../common/names.js';
import type { Publication } from '../../store/repositories/publications.js';
import type { Repositories } from '../../store/repositories/index.js';
import { unaryRpc, type ApiDeps } from '../rpc.js';
import { writablePath } from './shared-module-reads.js';

type PublicationHandlers = Pick<pb.ModuleServiceServer, 'publishModule' | 'unpublishModule' | 'listPublications' | 'listSharedModules'>;

function pathViolations(path: string): FieldViolation[] {
  const problem = modulePathProblem(path);
  return problem === undefined ? [] : [{ field: 'path', description: `is not a valid module path: ${problem}` }];
}

function versionViolations(version: number): FieldViolation[] {
  return Number.isInteger(version) && version >= 0 ? [] : [{ field: 'version', description: 'must be a version of the module (1 or more), or 0 for every version' }];
}

/** Each named tenant: a tenant name, named once, not the caller's own. */
function tenantViolations(tenants: readonly string[], own: string): FieldViolation[] {
  const violations: FieldViolation[] = [];
  if (tenants.length > MAX_PUBLICATION_TENANTS) {
    violations.push({ field: 'tenants', description: `at most ${MAX_PUBLICATION_TENANTS} tenants per call (got ${tenants.length})` });
  }
  const seen = new Set<string>();
  tenants.forEach((tenant, i) => {
    const field = `tenants[${i}]`;
    if (!DNS_LABEL.test(tenant)) violations.push({ field, description: `'${tenant}' ${DNS_LABEL_RULE}` });
    else if (tenant === own) violations.push({ field, description: `'${tenant}' is the caller's own tenant, which reads its modules without publishing` });
    else if (seen.has(tenant)) violations.push({ field, description: `'${tenant}' is named twice` });
    seen.add(tenant);
  });
  return violations;
}

function toDomain(p: Publication): ModulePublication {
  return {
    path: p.path,
    ...(p.version !== null && { version: p.version }),
    ...(p.audience !== null && { tenant: p.audience }),
    publishedBy: p.publishedBy,
    publishedAt: p.publishedAt,
  };
}

/** The description of the newest version the reader may see (the module row holds the latest's). */
async function visibleDescription(repos: Repositories, ownerId: string, path: string, latest: number, newest: number, rowDescription: string): Promise<string> {
  if (newest === latest) return rowDescription;
  const stored = await repos.modules.findVersion(ownerId, path, newest);
  return stored?.document.description ?? '';
}

/** Handlers of the ModuleService's sharing calls. */
export function publicationHandlers(deps: ApiDeps): PublicationHandlers {
  return {
    publishModule: unaryRpc(deps, 'PublishModule', 'editor', async (req: pb.PublishModuleRequest, ctx) => {
      const path = await writablePath(ctx, req.path, 'path');
      throwIfViolations([...pathViolations(path), ...versionViolations(req.version), ...tenantViolations(req.tenants, ctx.principal.tenantName)]);
      const published = await ctx.store.write(async (repos) => {
        const module = await repos.modules.getLiveRow(ctx.principal.tenantId, path);
        if (module.kind === 'project') {
          throw new InvalidArgumentError([{ field: 'path', description: `module '${path}' is a project; only components and applications can be published` }]);
        }
        if (req.version > module.latestVersion) {
          throw new InvalidArgumentError([{ field: 'version', description: `module '${path}' has no version ${req.version}; its latest is ${module.latestVersion}` }]);
        }
        const audiences = req.tenants.length > 0 ? req.tenants : [null];
        return repos.publications.publish(module, req.version === 0 ? null : req.version, audiences, ctx.principal.userName, new Date());
      });
      ctx.log.info({ path, version: req.version, tenants: req.tenants }, 'module published');
      return { publications: published.map((p) => modulePublicationToProto(toDomain(p))) };
    }),

    unpublishModule: unaryRpc(deps, 'UnpublishModule', 'editor', async (req: pb.UnpublishModuleRequest, ctx) => {
      const path = await writablePath(ctx, req.path, 'path');
      throwIfViolations([...pathViolations(path), ...versionViolations(req.version), ...tenantViolations(req.tenants, ctx.principal.tenantName)]);
      const removed = await ctx.store.write(async (repos) => {
        // Deleted modules too: their publications no longer show, but withdrawing them must stay possible.
        const module = await repos.modules.findRow(ctx.principal.tenantId, path);
        if (!module) throw new NotFoundError('module', path);
        return repos.publications.unpublish(module, {
          ...(req.tenants.length > 0 && { audiences: req.tenants }),
          ...(req.version > 0 && { version: req.version }),
        });
      });
      ctx.log.info({ path, version: req.version, tenants: req.tenants, removed }, 'module unpublished');
      return { removed };
    }),

    listPublications: unaryRpc(deps, 'ListPublications', 'viewer', async (req: pb.ListPublicationsRequest, ctx) => {
      if (req.path !== '') throwIfViolations(pathViolations(req.path));
      const page = await ctx.store.read((repos) =>
        repos.publications.listByOwner(ctx.principal.tenantId, req.path === '' ? undefined : req.path, req.pageSize, req.pageToken),
      );
      return { publications: page.rows.map((p) => modulePublicationToProto(toDomain(p))), nextPageToken: page.next };
    }),

    listSharedModules: unaryRpc(deps, 'ListSharedModules', 'viewer', async (req: pb.ListSharedModulesRequest, ctx) => {
      const modules = await ctx.store.read(async (repos) => {
        const page = await repos.publications.sharedWith(ctx.principal.tenantId, ctx.principal.tenantName, req.pageSize, req.pageToken);
        const rows: pb.SharedModule[] = [];
        // One after the other: the unit of work's queries share one connection.
        for (const s of page.rows) {
          const description = await visibleDescription(repos, s.ownerId, s.module.path, s.module.latestVersion, s.versions[0]!, s.module.description);
          rows.push(sharedModuleToProto({ tenant: s.ownerName, path: s.module.path, kind: s.module.kind as ModuleKind, description, allVersions: s.all, versions: s.versions }));
        }
        return { modules: rows, nextPageToken: page.next };
      });
      return modules;
    }),
  };
}
