/**
 * Launches boot built images (ImageService): each node whose component
 * version, sources (imageSourceDigest) and cloud match an available built
 * image of the tenant boots that image instead of its base image, and its
 * agents skip preinstall, packages and postinstall. The plan records which
 * image (ResolvedNode.builtImages) and the launch's events say so.
 */
import type { ResolvedPlan } from '../../../common/modules/types.js';
import { imageSourceDigest } from '../../domain/images/source-digest.js';
import type { Repositories } from '../../store/repositories/index.js';

/** The plan with the built images its nodes boot, and one event text per node and cloud that boots one. */
export async function withBuiltImages(
  repos: Repositories,
  tenantId: string,
  plan: ResolvedPlan,
  instances: readonly { node: string; cloud: string }[],
): Promise<{ plan: ResolvedPlan; events: string[] }> {
  // A module another tenant shares: its components were never built into this tenant's images.
  if (plan.tenant) return { plan, events: [] };
  const events: string[] = [];
  const nodes = [];
  for (const node of plan.nodes) {
    const clouds = [...new Set(instances.filter((i) => i.node === node.name).map((i) => i.cloud))];
    const builtImages: NonNullable<typeof node.builtImages> = {};
    for (const cloud of clouds) {
      const found = await repos.builtImages.findAvailable({
        tenantId,
        modulePath: node.component.path,
        moduleVersion: node.component.version,
        cloud,
        sourceDigest: imageSourceDigest(node, cloud),
      });
      if (!found?.imageId) continue;
      builtImages[cloud] = { imageId: found.imageId, build: found.id };
      events.push(
        `node ${node.name} boots image ${found.imageId} on cloud ${cloud}, built from ${node.component.path}@${node.component.version} (build ${found.id}): preinstall, packages and postinstall skipped`,
      );
    }
    nodes.push(Object.keys(builtImages).length > 0 ? { ...node, builtImages } : node);
  }
  return { plan: events.length > 0 ? { ...plan, nodes } : plan, events };
}
