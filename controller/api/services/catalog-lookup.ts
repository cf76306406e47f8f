import type { ModuleLookup } from '../../../common/modules/types.js';
import type { Repositories } from '../../store/repositories/index.js';

/**
 * One tenant's catalog as validation and resolution read it: `path` (latest
 * of a live module), `path@N` (pinned, readable after delete) and `path:TAG`
 * (the version the tag of the live module points at now; a deleted module's
 * tags do not resolve). Whoever resolves a tag pins the version it found.
 */
export function tenantCatalogLookup(repos: Repositories, tenantId: string): ModuleLookup {
  return async (ref) => {
    if (ref.tag === undefined) return repos.modules.findVersion(tenantId, ref.path, ref.version);
    const version = await repos.moduleTags.resolve(tenantId, ref.path, ref.tag);
    return version === undefined ? undefined : repos.modules.findVersion(tenantId, ref.path, version);
  };
}
