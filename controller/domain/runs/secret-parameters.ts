/**
 * Which runtime parameters of a run are secrets (domain.md: passwords are
 * masked in listings), told from its plan alone: a view that has only a key
 * and a masked journal entry (WatchRun) still says the value is a secret.
 */
import type { ResolvedPlan } from '../../../common/modules/types.js';
import { parseParameterKey } from './parameter-keys.js';

/** True for a key that names a password parameter of its node's component; built-in, node and `ss:` keys never are. */
export type SecretKeyTest = (key: string) => boolean;

/** The secret test of a run's keys; the plan's password parameters are collected once. */
export function secretKeyTest(plan: ResolvedPlan): SecretKeyTest {
  const secrets = new Set(plan.nodes.flatMap((node) => node.parameters.filter((p) => p.type === 'password').map((p) => `${node.name}:${p.name}`)));
  return (key) => {
    const parsed = parseParameterKey(key);
    return parsed?.scope === 'instance' && secrets.has(`${parsed.node}:${parsed.name}`);
  };
}
