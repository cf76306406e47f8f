/**
 * Resolution: turns a module reference into the fully pinned plan a run
 * executes, with every component's lineage flattened (images, resources,
 * packages, recipes, parameters) the way inheritance defines it.
 */
import { FailedPreconditionError, InvalidArgumentError, summarizeViolations, type FieldViolation } from '../../../common/errors.js';
import { MAX_MULTIPLICITY } from '../../../common/modules/limits.js';
import {
  checkNodeWiring,
  describeLineageProblem,
  lineageConflicts,
  loadComponentLineage,
  memoizeLookup,
  mergeLineageImages,
  mergeLineageParameters,
  nodeComponentOf,
  pinnedRef,
  type StoredComponent,
} from '../../../common/modules/references.js';
import { formatModuleReference, moduleReferenceProblem, parseModuleReference } from '../../../common/modules/refs.js';
import {
  RECIPE_NAMES,
  SINGLE_COMPONENT_NODE,
  type ComponentDocument,
  type ModuleLookup,
  type NodeDefinition,
  type ResolvedNode,
  type ResolvedPlan,
  type ResolvedRecipes,
  type Resources,
} from '../../../common/modules/types.js';
import { referenceNotFound } from './reference-not-found.js';

/** Launch-time changes to the stored module that resolution applies. */
export interface ResolveOverrides {
  /** Node name -> number of instances (for a component launched alone: `SINGLE_COMPONENT_NODE`). */
  multiplicities?: Record<string, number>;
}

/**
 * Resolves `ref` (`path`, `path@N` or `path:TAG`) into a pinned plan: every reference
 * pinned to the version found; a component becomes one node named
 * {@link SINGLE_COMPONENT_NODE} with multiplicity 1. Multiplicity overrides
 * apply per node (maxProvisioningFailures is capped at the new multiplicity).
 * Required inputs are not checked here: values supplied at launch may fill them.
 *
 * @throws NotFoundError for an unknown or deleted module (pinned or not), or
 *   an unknown tag (naming it).
 * @throws FailedPreconditionError `NOT_LAUNCHABLE` for a project.
 * @throws InvalidArgumentError when `ref` or an override is malformed, or the
 *   stored module's references no longer resolve consistently (missing or
 *   deleted components, cycles, broken wiring), with every violation.
 */
export async function resolveModule(ref: string, lookup: ModuleLookup, overrides: ResolveOverrides = {}): Promise<ResolvedPlan> {
  const parsed = parseModuleReference(ref);
  if (parsed === undefined) {
    throw new InvalidArgumentError([{ field: 'ref', description: moduleReferenceProblem(ref) ?? 'must be a module reference' }]);
  }
  const cached = memoizeLookup(lookup);
  const stored = await cached(parsed);
  if (stored === undefined || stored.deleted) throw referenceNotFound(ref, parsed);
  const doc = stored.document;
  if (doc.kind === 'project') {
    throw new FailedPreconditionError('NOT_LAUNCHABLE', ref, `module '${ref}' is a project; only applications and components can be launched`);
  }
  const module = pinnedRef(stored);
  const declared: NodeDefinition[] =
    doc.kind === 'application'
      ? doc.nodes
      : [{ name: SINGLE_COMPONENT_NODE, component: formatModuleReference(module), multiplicity: 1, maxProvisioningFailures: 0, mappings: {} }];

  const violations: FieldViolation[] = [];
  const nodes = applyMultiplicities(declared, overrides.multiplicities ?? {}, violations);
  const referenceField = (i: number) => (doc.kind === 'application' ? `nodes[${i}].component` : 'parent');
  const lineages = await Promise.all(nodes.map((node) => loadComponentLineage(node.component, cached)));
  const found = lineages.map((result, i) => {
    if ('problem' in result) {
      violations.push({ field: referenceField(i), description: describeLineageProblem(result.problem) });
      return undefined;
    }
    for (const description of lineageConflicts(result.lineage)) violations.push({ field: referenceField(i), description });
    return result.lineage;
  });
  const components = found.map((lineage) => lineage && nodeComponentOf(lineage));
  violations.push(...checkNodeWiring(nodes, components, { requireInputs: false }));
  if (violations.length > 0) {
    throw new InvalidArgumentError(violations, `module '${ref}' cannot be resolved: ${summarizeViolations(violations)}`);
  }
  return {
    module,
    kind: doc.kind,
    nodes: nodes.map((node, i) => resolveNode(node, found[i]!)),
  };
}

/** Flattens one node's component lineage (root first) into what its instances run. */
export function resolveNode(node: NodeDefinition, lineage: readonly StoredComponent[]): ResolvedNode {
  const docs = lineage.map((s) => s.document);
  const refs = lineage.map(pinnedRef);
  return {
    name: node.name,
    component: refs[refs.length - 1]!,
    lineage: refs,
    multiplicity: node.multiplicity,
    ...(node.cloud !== undefined && { cloud: node.cloud }),
    maxProvisioningFailures: node.maxProvisioningFailures,
    images: mergeLineageImages(docs),
    resources: mergeLineageResources(docs),
    packages: mergeLineagePackages(docs),
    recipes: mergeLineageRecipes(lineage),
    parameters: mergeLineageParameters(docs).map((p) => ({ ...p, ...(p.values && { values: [...p.values] }) })),
    mappings: { ...node.mappings },
  };
}

/** Resources of a lineage (root first): a child's cpu/ramGB/diskGB replace its ancestor's; cloud options merge per key. */
export function mergeLineageResources(lineage: readonly ComponentDocument[]): Resources {
  const merged: Resources = {};
  const clouds = new Map<string, Map<string, string>>();
  for (const { resources } of lineage) {
    if (resources.cpu !== undefined) merged.cpu = resources.cpu;
    if (resources.ramGB !== undefined) merged.ramGB = resources.ramGB;
    if (resources.diskGB !== undefined) merged.diskGB = resources.diskGB;
    for (const [cloud, options] of Object.entries(resources.clouds ?? {})) {
      const into = clouds.get(cloud) ?? new Map<string, string>();
      for (const [key, value] of Object.entries(options)) into.set(key, value);
      clouds.set(cloud, into);
    }
  }
  if (clouds.size > 0) merged.clouds = Object.fromEntries([...clouds].map(([cloud, options]) => [cloud, Object.fromEntries(options)]));
  return merged;
}

/** Packages of a lineage (root first), accumulated in order, each once. */
export function mergeLineagePackages(lineage: readonly ComponentDocument[]): string[] {
  return [...new Set(lineage.flatMap((doc) => doc.recipes.packages ?? []))];
}

/** Every recipe of a lineage as steps, root ancestor first; an empty list where no component has one. */
export function mergeLineageRecipes(lineage: readonly StoredComponent[]): ResolvedRecipes {
  const entries = RECIPE_NAMES.map((name) => [
    name,
    lineage.flatMap((stored) => {
      const script = stored.document.recipes[name];
      return script ? [{ module: pinnedRef(stored), script }] : [];
    }),
  ]);
  return Object.fromEntries(entries) as ResolvedRecipes;
}

function applyMultiplicities(nodes: readonly NodeDefinition[], multiplicities: Record<string, number>, violations: FieldViolation[]): NodeDefinition[] {
  const names = new Set(nodes.map((n) => n.name));
  for (const [name, value] of Object.entries(multiplicities)) {
    const field = `multiplicities.${name}`;
    if (!names.has(name)) violations.push({ field, description: `unknown node '${name}'` });
    else if (!Number.isInteger(value) || value < 0 || value > MAX_MULTIPLICITY) {
      violations.push({ field, description: `must be an integer from 0 to ${MAX_MULTIPLICITY}` });
    }
  }
  return nodes.map((node) => {
    const value = Object.hasOwn(multiplicities, node.name) ? multiplicities[node.name] : undefined;
    if (value === undefined || !Number.isInteger(value) || value < 0 || value > MAX_MULTIPLICITY) return node;
    return { ...node, multiplicity: value, maxProvisioningFailures: Math.min(node.maxProvisioningFailures, value) };
  });
}
