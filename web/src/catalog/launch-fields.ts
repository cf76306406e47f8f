/** Which input of the launch form answers for each field the controller may refuse. */
import type { ResolvedPlan } from '../../../proto/gen/es/slipstream/v1/modules_pb.js';
import { mapField, type FieldResolver } from './field-paths.js';
import { inputsOf, splitTags, type LaunchDraft } from './launch-model.js';

export const TAGS_FIELD = 'tags';
export const SSH_KEYS_FIELD = 'ssh_public_keys';

export function launchFieldResolver(plan: ResolvedPlan, draft: LaunchDraft): FieldResolver {
  const nodes = new Set(plan.nodes.map((n) => n.name));
  const inputs = new Set(plan.nodes.flatMap((n) => inputsOf(n).map((i) => i.key)));
  const tags = splitTags(draft.tags);
  return (field) => {
    if (field === 'default_cloud' || field === 'timeout_minutes' || field === 'keep_running' || field === TAGS_FIELD || field === SSH_KEYS_FIELD) return { field };
    const element = /^(tags|ssh_public_keys)\[(\d+)\]$/.exec(field);
    if (element) {
      const index = Number(element[2]);
      return element[1] === 'tags' ? { field: TAGS_FIELD, about: `'${tags[index] ?? ''}'` } : { field: SSH_KEYS_FIELD, about: `key ${index + 1}` };
    }
    const entry = /^(node_clouds|multiplicities|parameters|nodes)\.([^.]+)(\..*)?$/.exec(field);
    if (!entry) return undefined;
    const [, map, key = ''] = entry;
    if (map === 'parameters') return inputs.has(key) ? { field: mapField('parameters', key) } : undefined;
    if (!nodes.has(key)) return undefined;
    if (map === 'multiplicities') return { field: mapField('multiplicities', key) };
    // A node's image or cloud options on the cloud it would run on: shown at the node's cloud choice.
    return { field: mapField('node_clouds', key) };
  };
}
