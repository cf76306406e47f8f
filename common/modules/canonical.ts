/**
 * The canonical form of a module document: one fixed key order, map keys
 * sorted, empty optional fields removed. Two documents with the same content
 * are byte-equal once canonical and JSON-stringified, which is what the
 * content hash (and "a push creates versions only where content changed")
 * relies on.
 */
import { createHash } from 'node:crypto';

import {
  RECIPE_NAMES,
  type ModuleDocument,
  type NodeDefinition,
  type ParameterDefinition,
  type Recipes,
  type Resources,
} from './types.js';

/**
 * Returns a new document in canonical form: fields in declaration order, map
 * keys sorted by code unit, list order kept (it is content), and empty
 * optional text, lists and maps removed (`required: false` too). Required
 * containers (`images`, `parameters`, `mappings`, ...) stay, empty or not.
 */
export function canonicalModuleDocument(doc: ModuleDocument): ModuleDocument {
  const header = { path: doc.path, kind: doc.kind, ...text('description', doc.description) };
  switch (doc.kind) {
    case 'project':
      return { ...header, kind: 'project' };
    case 'component':
      return {
        ...header,
        kind: 'component',
        ...text('parent', doc.parent),
        images: sortedMap(doc.images),
        resources: canonicalResources(doc.resources),
        recipes: canonicalRecipes(doc.recipes),
        parameters: doc.parameters.map(canonicalParameter),
      };
    case 'application':
      return { ...header, kind: 'application', nodes: doc.nodes.map(canonicalNode) };
  }
}

/** SHA-256 (hex) of the canonical JSON of `doc`: equal content, equal hash. */
export function moduleContentHash(doc: ModuleDocument): string {
  return createHash('sha256').update(JSON.stringify(canonicalModuleDocument(doc)), 'utf8').digest('hex');
}

function canonicalResources(resources: Resources): Resources {
  const out: Resources = {};
  if (resources.cpu !== undefined) out.cpu = resources.cpu;
  if (resources.ramGB !== undefined) out.ramGB = resources.ramGB;
  if (resources.diskGB !== undefined) out.diskGB = resources.diskGB;
  const clouds: Record<string, Record<string, string>> = {};
  for (const cloud of Object.keys(resources.clouds ?? {}).sort()) {
    const options = sortedMap(resources.clouds?.[cloud] ?? {}, true);
    if (Object.keys(options).length > 0) clouds[cloud] = options;
  }
  if (Object.keys(clouds).length > 0) out.clouds = clouds;
  return out;
}

function canonicalRecipes(recipes: Recipes): Recipes {
  const out: Recipes = {};
  for (const name of RECIPE_NAMES) {
    const script = recipes[name];
    if (script) out[name] = script;
  }
  if (recipes.packages && recipes.packages.length > 0) out.packages = [...recipes.packages];
  return out;
}

function canonicalParameter(p: ParameterDefinition): ParameterDefinition {
  return {
    name: p.name,
    category: p.category,
    type: p.type,
    ...(p.values && p.values.length > 0 && { values: [...p.values] }),
    ...text('default', p.default),
    ...text('description', p.description),
    ...(p.required === true && { required: true }),
  };
}

function canonicalNode(n: NodeDefinition): NodeDefinition {
  return {
    name: n.name,
    component: n.component,
    multiplicity: n.multiplicity,
    ...text('cloud', n.cloud),
    maxProvisioningFailures: n.maxProvisioningFailures,
    mappings: sortedMap(n.mappings),
  };
}

/** `{ [key]: value }` when value is a non-empty string, else nothing to spread. */
function text<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return value ? ({ [key]: value } as { [P in K]: string }) : {};
}

function sortedMap(map: Record<string, string>, dropEmpty = false): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(map).sort()) {
    const value = map[key]!;
    if (!dropEmpty || value !== '') out[key] = value;
  }
  return out;
}
