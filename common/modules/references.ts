/**
 * The catalog rules that need other modules: a component's parent chain, the
 * components an application's nodes run, and the wiring of its mappings. The
 * lineage helpers here are shared with resolve.ts.
 */
import type { FieldViolation } from '../errors.js';
import { MAX_LINEAGE_DEPTH } from './limits.js';
import { parameterValueProblem } from './parse.js';
import { formatModuleReference, isBuiltinParameter, parseMappingSource, parseModuleReference } from './refs.js';
import type {
  ComponentDocument,
  ModuleDocument,
  ModuleKind,
  ModuleLookup,
  NodeDefinition,
  ParameterDefinition,
  PinnedModuleRef,
  StoredModule,
} from './types.js';

/** A stored module version that is a component. */
export type StoredComponent = StoredModule & { document: ComponentDocument };

/** Why a component's inheritance chain cannot be resolved. */
export interface LineageProblem {
  kind: 'not-found' | 'deleted' | 'not-component' | 'cycle' | 'too-deep' | 'invalid-reference';
  /** The reference that failed, as written. */
  ref: string;
  /** `path@N` of the component whose `parent` is `ref`; absent when `ref` is the starting reference. */
  referrer?: string;
  /** What `ref` is instead, for `not-component`. */
  foundKind?: ModuleKind;
  /** The references walked, as written, ending with `ref`. */
  chain: string[];
}

/** A component's versions, root ancestor first, or why they cannot be found. */
export type LineageResult = { lineage: StoredComponent[] } | { problem: LineageProblem };

/** What a node's component offers to the wiring checks: its merged parameters and images. */
export interface NodeComponent {
  /** `path@N` of the component version, for messages. */
  label: string;
  parameters: ReadonlyMap<string, ParameterDefinition>;
  images: Readonly<Record<string, string>>;
}

/** Options of {@link checkModuleReferences}. */
export interface ReferenceCheckOptions {
  /** Validating a set of files without a controller: references the lookup cannot find are skipped, not reported. */
  offline?: boolean;
}

/** True for a stored version whose document is a component. */
export function isStoredComponent(stored: StoredModule): stored is StoredComponent {
  return stored.document.kind === 'component';
}

/** The exact version of a stored module. */
export function pinnedRef(stored: StoredModule): PinnedModuleRef {
  return { path: stored.document.path, version: stored.info.version };
}

/**
 * Wraps a lookup so that each reference is looked up once (concurrent callers
 * share the pending promise). Use one per validation or resolution.
 */
export function memoizeLookup(lookup: ModuleLookup): ModuleLookup {
  const cache = new Map<string, Promise<StoredModule | undefined>>();
  return (ref) => {
    const key = formatModuleReference(ref);
    let pending = cache.get(key);
    if (pending === undefined) {
      pending = lookup(ref);
      cache.set(key, pending);
    }
    return pending;
  };
}

/**
 * Walks the parent chain from component reference `ref` and returns it root
 * first. A deleted module counts as missing unless pinned. `self` is the path
 * of a component being saved whose parent is `ref`: an unpinned reference back
 * to it closes a cycle (the new version would be its own ancestor), and it
 * counts towards {@link MAX_LINEAGE_DEPTH}.
 */
export async function loadComponentLineage(ref: string, lookup: ModuleLookup, self?: string): Promise<LineageResult> {
  const chain: string[] = self === undefined ? [] : [self];
  const seen = new Set<string>();
  const found: StoredComponent[] = [];
  let text = ref;
  let referrer: string | undefined;
  for (;;) {
    chain.push(text);
    const fail = (kind: LineageProblem['kind'], foundKind?: ModuleKind): LineageResult => ({
      problem: { kind, ref: text, chain, ...(referrer !== undefined && { referrer }), ...(foundKind && { foundKind }) },
    });
    const parsed = parseModuleReference(text);
    if (parsed === undefined) return fail('invalid-reference');
    if (self !== undefined && parsed.path === self && parsed.version === undefined) return fail('cycle');
    if (chain.length > MAX_LINEAGE_DEPTH) return fail('too-deep');
    const stored = await lookup(parsed);
    if (stored === undefined) return fail('not-found');
    if (stored.deleted && parsed.version === undefined) return fail('deleted');
    if (!isStoredComponent(stored)) return fail('not-component', stored.document.kind);
    const key = formatModuleReference(pinnedRef(stored));
    if (seen.has(key)) return fail('cycle');
    seen.add(key);
    found.push(stored);
    if (stored.document.parent === undefined) return { lineage: found.reverse() };
    referrer = key;
    text = stored.document.parent;
  }
}

/** True when the problem is only that something is missing (offline validation skips those). */
export function isMissingReference(problem: LineageProblem): boolean {
  return problem.kind === 'not-found' || problem.kind === 'deleted';
}

/** A lineage problem as a violation description. */
export function describeLineageProblem(problem: LineageProblem): string {
  const of = problem.referrer === undefined ? '' : ` (parent of '${problem.referrer}')`;
  switch (problem.kind) {
    case 'not-found':
      return `unknown component '${problem.ref}'${of}`;
    case 'deleted':
      return `component '${problem.ref}' is deleted${of}; only a pinned version (path@N) of a deleted module can be used`;
    case 'not-component':
      return `'${problem.ref}' is ${problem.foundKind === 'application' ? 'an' : 'a'} ${problem.foundKind}, not a component${of}`;
    case 'cycle':
      return `inheritance cycle: ${problem.chain.join(' -> ')}`;
    case 'too-deep':
      return `inheritance chain is deeper than ${MAX_LINEAGE_DEPTH} components: ${problem.chain.slice(0, 3).join(' -> ')} -> ...`;
    case 'invalid-reference':
      return `invalid module reference '${problem.ref}'${of}`;
  }
}

/**
 * The parameters of a lineage (root first): accumulated along it, a child's
 * definition replacing its ancestor's of the same name in the ancestor's position.
 */
export function mergeLineageParameters(lineage: readonly ComponentDocument[]): ParameterDefinition[] {
  const merged = new Map<string, ParameterDefinition>();
  for (const doc of lineage) for (const p of doc.parameters) merged.set(p.name, p);
  return [...merged.values()];
}

/** The images of a lineage (root first): a child's image for a cloud replaces its ancestor's. */
export function mergeLineageImages(lineage: readonly ComponentDocument[]): Record<string, string> {
  const merged = new Map<string, string>();
  for (const doc of lineage) for (const [cloud, image] of Object.entries(doc.images)) merged.set(cloud, image);
  return Object.fromEntries(merged);
}

/** One way a child's parameter illegally redefines an inherited one. */
export interface OverrideConflict {
  /** Index in the child's own `parameters`. */
  index: number;
  field: 'type' | 'category';
  description: string;
}

/** Where the child's parameters change the type or category of inherited ones (default, description, required may change). */
export function overrideConflicts(inherited: readonly ParameterDefinition[], own: readonly ParameterDefinition[]): OverrideConflict[] {
  const byName = new Map(inherited.map((p) => [p.name, p]));
  const conflicts: OverrideConflict[] = [];
  own.forEach((p, index) => {
    const base = byName.get(p.name);
    if (base === undefined) return;
    for (const field of ['type', 'category'] as const) {
      if (p[field] !== base[field]) {
        conflicts.push({
          index,
          field,
          description: `cannot change the ${field} of inherited parameter '${p.name}' from ${base[field]} to ${p[field]}; only default, description and required may be overridden`,
        });
      }
    }
  });
  return conflicts;
}

/** Conflicting overrides inside a stored lineage (an ancestor changed after its children were saved). */
export function lineageConflicts(lineage: readonly StoredComponent[]): string[] {
  const problems: string[] = [];
  lineage.forEach((stored, k) => {
    const inherited = mergeLineageParameters(lineage.slice(0, k).map((s) => s.document));
    for (const c of overrideConflicts(inherited, stored.document.parameters)) {
      problems.push(`component '${formatModuleReference(pinnedRef(stored))}' ${c.description}`);
    }
  });
  return problems;
}

/** What the wiring checks need to know about a lineage. */
export function nodeComponentOf(lineage: readonly StoredComponent[]): NodeComponent {
  const docs = lineage.map((s) => s.document);
  const last = lineage[lineage.length - 1];
  return {
    label: last === undefined ? '' : formatModuleReference(pinnedRef(last)),
    parameters: new Map(mergeLineageParameters(docs).map((p) => [p.name, p])),
    images: mergeLineageImages(docs),
  };
}

/** Required inputs with no default that `mappings` does not map (they must be supplied at launch). */
export function unsatisfiedRequiredInputs(parameters: Iterable<ParameterDefinition>, mappings: Readonly<Record<string, string>>): string[] {
  const missing: string[] = [];
  for (const p of parameters) {
    if (p.category === 'input' && p.required && p.default === undefined && !Object.hasOwn(mappings, p.name)) missing.push(p.name);
  }
  return missing;
}

/**
 * Checks an application's wiring: node clouds against images, mapping targets
 * (inputs of the node's component), sources (outputs or built-ins of an
 * existing instance), literals against the input's type, and, with
 * `requireInputs`, that every required input is mapped or defaulted.
 * `components[i]` is node i's component, undefined when unknown (its checks
 * are skipped). Field paths are those of the application document.
 */
export function checkNodeWiring(
  nodes: readonly NodeDefinition[],
  components: readonly (NodeComponent | undefined)[],
  options: { requireInputs: boolean },
): FieldViolation[] {
  const violations: FieldViolation[] = [];
  const report = (field: string, description: string) => violations.push({ field, description });
  const indexOf = new Map(nodes.map((n, i) => [n.name, i]));
  nodes.forEach((node, i) => {
    const component = components[i];
    const base = `nodes[${i}]`;
    if (component && node.cloud !== undefined && !Object.hasOwn(component.images, node.cloud)) {
      report(`${base}.cloud`, `component '${component.label}' has no image for cloud '${node.cloud}'`);
    }
    for (const [input, text] of Object.entries(node.mappings)) {
      const field = `${base}.mappings.${input}`;
      const target = component?.parameters.get(input);
      if (component && target === undefined) report(field, `unknown input '${input}' of component '${component.label}'`);
      else if (target?.category === 'output') report(field, `'${input}' is an output; only inputs can be mapped`);
      const parsed = parseMappingSource(text);
      if (!parsed.ok) continue; // reported by the parser
      const source = parsed.source;
      if (source.kind === 'literal') {
        const problem = target?.category === 'input' ? parameterValueProblem(target.type, target.values, source.value) : undefined;
        if (problem) report(field, `literal does not fit ${target!.type} input '${input}': ${problem}`);
        continue;
      }
      if (source.kind !== 'instance') continue;
      const j = indexOf.get(source.node);
      if (j === undefined) continue; // reported by the parser
      const from = nodes[j]!;
      if (source.instance > from.multiplicity) {
        report(field, `instance ${source.node}.${source.instance} does not exist: node '${source.node}' has multiplicity ${from.multiplicity}`);
      }
      const sourceComponent = components[j];
      if (isBuiltinParameter(source.parameter) || sourceComponent === undefined) continue;
      const p = sourceComponent.parameters.get(source.parameter);
      if (p === undefined) report(field, `unknown output '${source.parameter}' of node '${source.node}'`);
      else if (p.category !== 'output') {
        report(field, `'${source.parameter}' of node '${source.node}' is an input; a mapping source must be an output or a built-in parameter`);
      }
    }
    if (component && options.requireInputs) {
      for (const name of unsatisfiedRequiredInputs(component.parameters.values(), node.mappings)) {
        report(`${base}.mappings.${name}`, `required input '${name}' is neither mapped nor defaulted`);
      }
    }
  });
  return violations;
}

/**
 * Checks what a parsed document references in the catalog: a component's
 * parent (exists, is a component, no cycle, no type or category change of an
 * inherited parameter); an application's node components and wiring. Offline,
 * references the lookup cannot find are skipped.
 */
export async function checkModuleReferences(doc: ModuleDocument, lookup: ModuleLookup, options: ReferenceCheckOptions = {}): Promise<FieldViolation[]> {
  const cached = memoizeLookup(lookup);
  if (doc.kind === 'component') return checkParent(doc, cached, options.offline === true);
  if (doc.kind !== 'application') return [];
  const checked = await Promise.all(
    doc.nodes.map(async (node, i): Promise<{ violations: FieldViolation[]; component?: NodeComponent }> => {
      const result = await loadComponentLineage(node.component, cached);
      const field = `nodes[${i}].component`;
      if ('problem' in result) {
        const skip = options.offline === true && isMissingReference(result.problem);
        return { violations: skip ? [] : [{ field, description: describeLineageProblem(result.problem) }] };
      }
      const violations = lineageConflicts(result.lineage).map((description) => ({ field, description }));
      return { violations, component: nodeComponentOf(result.lineage) };
    }),
  );
  const wiring = checkNodeWiring(doc.nodes, checked.map((c) => c.component), { requireInputs: true });
  return [...checked.flatMap((c) => c.violations), ...wiring];
}

async function checkParent(doc: ComponentDocument, lookup: ModuleLookup, offline: boolean): Promise<FieldViolation[]> {
  if (doc.parent === undefined) return [];
  const result = await loadComponentLineage(doc.parent, lookup, doc.path);
  if ('problem' in result) {
    return offline && isMissingReference(result.problem) ? [] : [{ field: 'parent', description: describeLineageProblem(result.problem) }];
  }
  const violations = lineageConflicts(result.lineage).map((description) => ({ field: 'parent', description }));
  const inherited = mergeLineageParameters(result.lineage.map((s) => s.document));
  for (const c of overrideConflicts(inherited, doc.parameters)) {
    violations.push({ field: `parameters[${c.index}].${c.field}`, description: c.description });
  }
  return violations;
}
