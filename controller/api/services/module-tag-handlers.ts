/**
 * The promotion-tag calls of slipstream.v1.ModuleService: SetModuleTag and
 * DeleteModuleTag (editor and up), ListModuleTags and ListModuleTagHistory
 * (viewer and up). Each move locks the module's row, so that concurrent
 * moves of one module's tags take turns and the history stays a chain.
 */
import type * as pb from '../../../proto/gen/slipstream/v1/modules.js';
import { InvalidArgumentError, NotFoundError, throwIfViolations, type FieldViolation } from '../../../common/errors.js';
import { moduleTagChangeToProto, moduleTagToProto } from '../../../common/convert/module-tags.js';
import { modulePathProblem, moduleTagProblem } from '../../../common/modules/refs.js';
import type { Repositories } from '../../store/repositories/index.js';
import { unaryRpc, type ApiDeps, type RpcContext } from '../rpc.js';
import { writablePath } from './shared-module-reads.js';

type TagHandlers = Pick<pb.ModuleServiceServer, 'setModuleTag' | 'deleteModuleTag' | 'listModuleTags' | 'listModuleTagHistory'>;

function pathViolation(path: string): FieldViolation[] {
  const problem = modulePathProblem(path);
  return problem === undefined ? [] : [{ field: 'path', description: `is not a valid module path: ${problem}` }];
}

function tagViolation(tag: string): FieldViolation[] {
  const problem = moduleTagProblem(tag);
  return problem === undefined ? [] : [{ field: 'tag', description: problem }];
}

/** The module row (deleted or not), or NOT_FOUND (also another tenant's). */
async function moduleRow(repos: Repositories, ctx: RpcContext, path: string) {
  const row = await repos.modules.findRow(ctx.principal.tenantId, path);
  if (!row) throw new NotFoundError('module', path);
  return row;
}

/** Another tenant's module (`@TENANT/path`) is read-only: INVALID_ARGUMENT when the caller sees it, NOT_FOUND otherwise. */
async function refuseTagOfShared(ctx: RpcContext, path: string): Promise<void> {
  await writablePath(ctx, path, 'path');
}

/** Handlers of the ModuleService's tag calls. */
export function moduleTagHandlers(deps: ApiDeps): TagHandlers {
  return {
    setModuleTag: unaryRpc(deps, 'SetModuleTag', 'editor', async (req: pb.SetModuleTagRequest, ctx) => {
      await refuseTagOfShared(ctx, req.path);
      const violations = [...pathViolation(req.path), ...tagViolation(req.tag)];
      if (!Number.isInteger(req.version) || req.version < 1) {
        violations.push({ field: 'version', description: 'must be a version of the module (1 or more)' });
      }
      throwIfViolations(violations);
      const result = await ctx.store.write(async (repos) => {
        const module = await repos.moduleTags.lockLiveModule(ctx.principal.tenantId, req.path);
        if (req.version > module.latestVersion) {
          throw new InvalidArgumentError([
            { field: 'version', description: `module '${req.path}' has no version ${req.version}; its latest is ${module.latestVersion}` },
          ]);
        }
        return repos.moduleTags.set({ module, tag: req.tag, actor: ctx.principal.userName, message: req.message }, req.version);
      });
      if (result.previous !== req.version) {
        ctx.log.info({ path: req.path, tag: req.tag, version: req.version, previous: result.previous }, 'module tag set');
      }
      return { tag: moduleTagToProto(result.tag), previousVersion: result.previous ?? 0 };
    }),

    deleteModuleTag: unaryRpc(deps, 'DeleteModuleTag', 'editor', async (req: pb.DeleteModuleTagRequest, ctx) => {
      await refuseTagOfShared(ctx, req.path);
      throwIfViolations([...pathViolation(req.path), ...tagViolation(req.tag)]);
      const previous = await ctx.store.write(async (repos) => {
        const module = await repos.moduleTags.lockLiveModule(ctx.principal.tenantId, req.path);
        return repos.moduleTags.remove({ module, tag: req.tag, actor: ctx.principal.userName, message: req.message });
      });
      ctx.log.info({ path: req.path, tag: req.tag, previous }, 'module tag deleted');
      return { previousVersion: previous };
    }),

    listModuleTags: unaryRpc(deps, 'ListModuleTags', 'viewer', async (req: pb.ListModuleTagsRequest, ctx) => {
      throwIfViolations(pathViolation(req.path));
      const tags = await ctx.store.read(async (repos) => repos.moduleTags.list((await moduleRow(repos, ctx, req.path)).id));
      return { tags: tags.map(moduleTagToProto) };
    }),

    listModuleTagHistory: unaryRpc(deps, 'ListModuleTagHistory', 'viewer', async (req: pb.ListModuleTagHistoryRequest, ctx) => {
      throwIfViolations([...pathViolation(req.path), ...(req.tag === '' ? [] : tagViolation(req.tag))]);
      const page = await ctx.store.read(async (repos) => {
        const row = await moduleRow(repos, ctx, req.path);
        return repos.moduleTags.history(row.id, req.tag === '' ? undefined : req.tag, req.pageSize, req.pageToken);
      });
      return { changes: page.rows.map(moduleTagChangeToProto), nextPageToken: page.next };
    }),
  };
}
