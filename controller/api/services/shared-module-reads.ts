/**
 * The ModuleService reads that take `@TENANT/...` (GetModule,
 * ListModuleVersions, ResolveModule) when it names another tenant's module:
 * only what is published to the caller's tenant, the rest NOT_FOUND as if it
 * did not exist. A handler first asks {@link sharedOrOwn}; for the caller's
 * own catalog it answers as usual with the reference it gets back.
 */
import type * as pb from '../../../proto/gen/slipstream/v1/modules.js';
import { NotFoundError } from '../../../common/errors.js';
import { moduleToProto, moduleVersionToProto, resolvedPlanToProto } from '../../../common/convert/modules.js';
import { isSharedReference } from '../../../common/modules/shared-refs.js';
import type { RpcContext } from '../rpc.js';
import { tenantCatalogLookup } from './catalog-lookup.js';
import {
  classifyReference,
  findSharedModule,
  isVisible,
  readSharedModule,
  refuseSharedWrite,
  resolveCallerReference,
  type SharedReference,
} from './shared-catalog.js';

/**
 * `{ own }`: the reference in the caller's catalog (`text` itself, or
 * without the caller's own `@TENANT/` prefix); `{ shared }`: another
 * tenant's module. INVALID_ARGUMENT on `field` for a malformed `@...` reference.
 */
export async function sharedOrOwn(ctx: RpcContext, text: string, field: string): Promise<{ own: string } | { shared: SharedReference }> {
  if (!isSharedReference(text)) return { own: text };
  const classified = await ctx.store.read((repos) => classifyReference(repos, ctx.principal.tenantId, text, field));
  return classified.kind === 'own' ? { own: classified.text } : { shared: classified.ref };
}

/**
 * A write's module path (SaveModule, DeleteModule, tags, publishing): text
 * without `@` as is, the caller's own `@TENANT/` dropped; another tenant's
 * module is refused (read-only when the caller sees it, else NOT_FOUND).
 * Reads the store only for `@...`.
 */
export async function writablePath(ctx: RpcContext, text: string, field: string): Promise<string> {
  if (!isSharedReference(text)) return text;
  return ctx.store.read((repos) => refuseSharedWrite(repos, ctx.principal.tenantId, text, field));
}

/** GetModule of another tenant's module (`text` as the caller wrote it). */
export async function getSharedModule(ctx: RpcContext, ref: SharedReference, text: string): Promise<pb.GetModuleResponse> {
  const { stored, access } = await ctx.store.read((repos) => readSharedModule(repos, ctx.principal.tenantId, ref, text));
  return { module: { ...moduleToProto(stored), tenant: access.owner.name } };
}

/**
 * ListModuleVersions of another tenant's module: every version when all are
 * published (paged as usual), else the published ones, newest first, in one page.
 */
export async function listSharedVersions(ctx: RpcContext, ref: SharedReference, req: pb.ListModuleVersionsRequest): Promise<pb.ListModuleVersionsResponse> {
  return ctx.store.read(async (repos) => {
    // The request names a module, not a version of it.
    if (ref.version !== undefined || ref.tag !== undefined) throw new NotFoundError('module', req.path);
    const access = await findSharedModule(repos, ctx.principal.tenantId, ref, req.path);
    if (access.visibility.all) {
      const page = await repos.modules.listVersions(access.module, req.pageSize, req.pageToken);
      return { versions: page.rows.map(moduleVersionToProto), nextPageToken: page.next };
    }
    const versions = access.visibility.versions.filter((v) => isVisible(access, v)).reverse();
    const infos: pb.ModuleVersion[] = [];
    for (const version of versions) {
      const stored = await repos.modules.findVersion(access.owner.id, ref.path, version);
      if (stored) infos.push(moduleVersionToProto(stored.info));
    }
    return { versions: infos, nextPageToken: '' };
  });
}

/** ResolveModule of any reference the caller may read: its own, or one another tenant shares with it. */
export async function resolveForCaller(ctx: RpcContext, text: string): Promise<pb.ResolveModuleResponse> {
  const plan = await ctx.store.read((repos) =>
    resolveCallerReference(repos, ctx.principal.tenantId, text, 'ref', tenantCatalogLookup(repos, ctx.principal.tenantId)),
  );
  return { plan: resolvedPlanToProto(plan) };
}
