import { parseModuleReference } from '../../../common/modules/refs.js';
import type { PinnedModuleRef } from '../../../common/modules/types.js';

/**
 * The text of a run's launch event: the version it pinned, and for a launch
 * by tag the tag too, so that the run's history shows what was promoted
 * (`launched shop/shop:production (@7)`); the tag may move on later, the run
 * keeps the version.
 */
export function launchEventText(requested: string, pinned: PinnedModuleRef): string {
  const ref = parseModuleReference(requested);
  if (ref?.tag === undefined) return `launched ${pinned.path}@${pinned.version}`;
  return `launched ${ref.path}:${ref.tag} (@${pinned.version})`;
}
