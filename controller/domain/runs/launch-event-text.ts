import { parseCatalogReference } from '../../../common/modules/shared-refs.js';
import type { PinnedModuleRef } from '../../../common/modules/types.js';

/**
 * The text of a run's launch event: the version it pinned, and for a launch
 * by tag the tag too, so that the run's history shows what was promoted
 * (`launched shop/shop:production (@7)`); the tag may move on later, the run
 * keeps the version. A module another tenant shares names its owner
 * (`owner`: the plan's tenant): `launched @acme/shop/shop@7 (shared by tenant acme)`.
 */
export function launchEventText(requested: string, pinned: PinnedModuleRef, owner?: string): string {
  const ref = parseCatalogReference(requested);
  const prefix = owner === undefined ? '' : `@${owner}/`;
  const shared = owner === undefined ? '' : ` (shared by tenant ${owner})`;
  if (ref?.tag === undefined) return `launched ${prefix}${pinned.path}@${pinned.version}${shared}`;
  return `launched ${prefix}${ref.path}:${ref.tag} (@${pinned.version})${shared}`;
}
