/**
 * Which runtime parameters a run has, their initial values, and which inputs
 * each output feeds (mappings are pushed on the controller when set).
 */
import { BUILTIN_INSTANCE_PARAMETERS, type ResolvedNode, type ResolvedPlan } from '../../../common/modules/types.js';
import { formatParameterKey, parseParameterKey } from './parameter-keys.js';

export interface ParameterSeed {
  key: string;
  value: string | null;
  secret: boolean;
  description: string;
}

/** Run-level parameters every run has. */
export const RUN_PARAMETERS = ['state', 'abort', 'tags', 'url.service'] as const;

/** Where a mapping takes its value from: a literal, or another parameter's key. */
export type MappingSource = { literal: string } | { key: string };

/** Parses a mapping source as written in an application (`'x'`, `db:port`, `db.2:port`, `ss:name`). */
export function parseMappingSource(source: string): MappingSource | undefined {
  if (source.length >= 2 && source.startsWith("'") && source.endsWith("'")) return { literal: source.slice(1, -1) };
  const parsed = parseParameterKey(source);
  return parsed ? { key: formatParameterKey(parsed) } : undefined;
}

/** The parameters of one new instance, with defaults, launch overrides and literal mappings applied. */
export function instanceParameterSeeds(
  node: ResolvedNode,
  instance: string,
  cloud: string,
  overrides: Readonly<Record<string, string>>,
): ParameterSeed[] {
  const seeds = new Map<string, ParameterSeed>();
  for (const name of BUILTIN_INSTANCE_PARAMETERS) {
    seeds.set(name, { key: `${instance}:${name}`, value: null, secret: false, description: 'built-in' });
  }
  seeds.get('cloud')!.value = cloud;
  seeds.get('vmstate')!.value = 'pending';
  seeds.get('scale.state')!.value = '';
  seeds.get('abort')!.value = '';
  for (const p of node.parameters) {
    seeds.set(p.name, {
      key: `${instance}:${p.name}`,
      value: p.default ?? null,
      secret: p.type === 'password',
      description: p.description ?? '',
    });
  }
  for (const [input, source] of Object.entries(node.mappings)) {
    const parsed = parseMappingSource(source);
    const seed = seeds.get(input);
    if (seed && parsed && 'literal' in parsed) seed.value = parsed.literal;
  }
  for (const [name, value] of Object.entries(overrides)) {
    const seed = seeds.get(name);
    if (seed) seed.value = value;
  }
  return [...seeds.values()];
}

/** `ss:*` parameters of a new run. */
export function runParameterSeeds(tags: readonly string[]): ParameterSeed[] {
  return [
    { key: 'ss:state', value: 'Initializing', secret: false, description: 'the run state' },
    { key: 'ss:abort', value: '', secret: false, description: 'the abort message, empty when not aborted' },
    { key: 'ss:tags', value: tags.join(','), secret: false, description: 'the run tags' },
    { key: 'ss:url.service', value: null, secret: false, description: 'the service URL of the deployment' },
  ];
}

/** `node:ids` and `node:multiplicity` of each node (values set by the state machine). */
export function nodeParameterSeeds(plan: ResolvedPlan): ParameterSeed[] {
  return plan.nodes.flatMap((n) => [
    { key: `${n.name}:ids`, value: '', secret: false, description: 'indices of the active instances' },
    { key: `${n.name}:multiplicity`, value: String(n.multiplicity), secret: false, description: 'number of active instances' },
  ]);
}

/**
 * For each source key, the input keys of the given instances it feeds:
 * `db:port` feeds `web.1:db_port`, `web.2:db_port`, ...
 */
export function mappingTargets(plan: ResolvedPlan, instances: readonly { name: string; node: string }[]): Map<string, string[]> {
  const targets = new Map<string, string[]>();
  for (const node of plan.nodes) {
    for (const [input, source] of Object.entries(node.mappings)) {
      const parsed = parseMappingSource(source);
      if (!parsed || !('key' in parsed)) continue;
      for (const instance of instances) {
        if (instance.node !== node.name) continue;
        const list = targets.get(parsed.key) ?? [];
        list.push(`${instance.name}:${input}`);
        targets.set(parsed.key, list);
      }
    }
  }
  return targets;
}
