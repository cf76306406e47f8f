import type * as pb from '../../../proto/gen/slipstream/v1/controllers.js';
import { PermissionDeniedError } from '../../../common/errors.js';
import { replicaToProto } from '../convert/replicas.js';
import { unaryRpc, type ApiDeps } from '../rpc.js';

export interface ControllerServiceDeps extends ApiDeps {
  /**
   * The id this process registered as in controller_replicas, so that its
   * own row is marked `self`; undefined while it registers none (nothing
   * is marked).
   */
  replicaId?: string | undefined;
}

/**
 * Handlers of slipstream.v1.ControllerService. The replicas are the
 * operator's cluster, not a tenant's: admins of the operator tenant only.
 */
export function controllerService(deps: ControllerServiceDeps): pb.ControllerServiceServer {
  return {
    listControllers: unaryRpc(deps, 'ListControllers', 'admin', async (_req: pb.ListControllersRequest, ctx) => {
      if (!ctx.principal.operatorTenant) throw new PermissionDeniedError('ListControllers is reserved to admins of the operator tenant');
      const rows = await ctx.store.read((repos) => repos.replicas.list());
      return { controllers: rows.map((row) => replicaToProto(row, row.id === deps.replicaId)) };
    }),
  };
}
