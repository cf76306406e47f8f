/**
 * Test helper: the spec of a VM a test provisions on a fake cloud directly (not through a run's provisioning):
 * tagged for a controller, run and instance, with an image the fake accepts and an agent configuration no agent
 * reads.
 */
import type { VmSpec, VmTags } from '../../controller/connectors/connector.js';

export function directVmSpec(tags: VmTags): VmSpec {
  return {
    tags,
    image: 'base',
    options: {},
    agentConfig: { controller: '127.0.0.1:1', runId: tags.runId, instance: tags.instance, bootstrapToken: 'x' },
    userData: '',
    idempotencyKey: `${tags.runId}/${tags.instance}`,
  };
}
