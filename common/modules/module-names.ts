/**
 * The name rules a module document's own names follow (cloud names, node
 * names), as the short problem sentences the parse reports.
 */
import { DNS_LABEL_RULE } from '../names.js';
import { CLOUD_NAME_PATTERN, NODE_NAME_PATTERN, RUN_PARAMETER_PREFIX } from './limits.js';

/** Why `name` is not a valid cloud name (an image key, a per-cloud resource key, a node's cloud), or undefined. */
export function cloudNameProblem(name: string): string | undefined {
  return CLOUD_NAME_PATTERN.test(name)
    ? undefined
    : "cloud name must be a DNS label: lowercase letters, digits and '-', at most 63 characters";
}

/** Why `name` is not a valid node name (a DNS label, not the reserved `ss`), or undefined. */
export function nodeNameProblem(name: string): string | undefined {
  if (name === RUN_PARAMETER_PREFIX) return `'${name}' is reserved for the run's own parameters (ss:name)`;
  return NODE_NAME_PATTERN.test(name) ? undefined : DNS_LABEL_RULE;
}
