/**
 * What an image built from a component holds, as one digest: the component's
 * lineage (every ancestor pinned), the base image it boots from on that cloud,
 * its packages, preinstall and postinstall. A launch boots a built image only
 * when its own node has the same digest on that cloud, so a newer version, a
 * parent resolved to a newer version or a changed base image never boots an
 * image built from something else.
 */
import { createHash } from 'node:crypto';
import type { ResolvedNode } from '../../../common/modules/types.js';

/** The digest (sha256, hex) of what an image built from `node` on `cloud` holds. */
export function imageSourceDigest(node: ResolvedNode, cloud: string): string {
  const source = {
    lineage: node.lineage.map((m) => `${m.path}@${m.version}`),
    baseImage: node.images[cloud] ?? '',
    packages: node.packages,
    preinstall: node.recipes.preinstall.map((s) => s.script),
    postinstall: node.recipes.postinstall.map((s) => s.script),
  };
  return createHash('sha256').update(JSON.stringify(source)).digest('hex');
}
