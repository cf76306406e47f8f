/**
 * Writes a module as its YAML file: the canonical document, fields in a
 * fixed reading order, multi-line text as block literals. The output is a
 * function of the content alone, so pull -> push saves nothing and a second
 * pull is byte-identical.
 */
import { Document, isScalar, visit } from 'yaml';
import { canonicalModuleDocument } from '../../common/modules/canonical.js';
import { RECIPE_NAMES, type ModuleDocument } from '../../common/modules/types.js';

const MODULE_KEYS = ['path', 'kind', 'description', 'parent', 'images', 'resources', 'recipes', 'parameters', 'nodes'];
const RESOURCE_KEYS = ['cpu', 'ramGB', 'diskGB', 'clouds'];
const RECIPE_KEYS = ['preinstall', 'packages', ...RECIPE_NAMES.filter((n) => n !== 'preinstall')];
const PARAMETER_KEYS = ['name', 'category', 'type', 'values', 'default', 'description', 'required'];
const NODE_KEYS = ['name', 'component', 'multiplicity', 'cloud', 'maxProvisioningFailures', 'mappings'];

type Plain = Record<string, unknown>;

const isPlain = (value: unknown): value is Plain =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isEmpty = (value: unknown): boolean =>
  value === undefined || (Array.isArray(value) && value.length === 0) || (isPlain(value) && Object.keys(value).length === 0);

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Known keys in `order`, then any others sorted; empty collections and undefined are left out. */
function ordered(value: Plain, order: readonly string[], child: (key: string, v: unknown) => unknown = (_k, v) => v): Plain {
  const keys = [...order.filter((k) => k in value), ...Object.keys(value).filter((k) => !order.includes(k)).sort(byCodePoint)];
  const out: Plain = {};
  for (const key of keys) {
    const v = child(key, value[key]);
    if (!isEmpty(v)) out[key] = v;
  }
  return out;
}

/** A name -> value map (images, options, mappings) with sorted keys. */
function sortedMap(value: unknown): unknown {
  if (!isPlain(value)) return value;
  return Object.fromEntries(Object.keys(value).sort(byCodePoint).map((k) => [k, sortedMap(value[k])]));
}

const arrangeEach = (value: unknown, order: readonly string[], child?: (key: string, v: unknown) => unknown): unknown =>
  Array.isArray(value) ? value.map((item) => (isPlain(item) ? ordered(item, order, child) : item)) : value;

function arrangeModule(document: ModuleDocument): Plain {
  return ordered(document as unknown as Plain, MODULE_KEYS, (key, v) => {
    switch (key) {
      case 'images':
        return sortedMap(v);
      case 'resources':
        return isPlain(v) ? ordered(v, RESOURCE_KEYS, (k, x) => (k === 'clouds' ? sortedMap(x) : x)) : v;
      case 'recipes':
        return isPlain(v) ? ordered(v, RECIPE_KEYS) : v;
      case 'parameters':
        return arrangeEach(v, PARAMETER_KEYS);
      case 'nodes':
        return arrangeEach(v, NODE_KEYS, (k, x) => (k === 'mappings' ? sortedMap(x) : x));
      default:
        return v;
    }
  });
}

/**
 * Any plain value as readable YAML: multi-line strings as block literals (`|`),
 * no line folding, so scripts read as they were written.
 */
export function toReadableYaml(value: unknown): string {
  const yaml = new Document(value);
  visit(yaml, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'string' && node.value.includes('\n')) node.type = 'BLOCK_LITERAL';
    },
  });
  return yaml.toString({ lineWidth: 0 });
}

/** The YAML file of a module; parsing it back yields the same canonical document. */
export function moduleToYaml(document: ModuleDocument): string {
  const arranged = arrangeModule(canonicalModuleDocument(document));
  // An application always shows its nodes, even none, so the mistake is visible.
  if (document.kind === 'application' && !('nodes' in arranged)) arranged.nodes = [];
  return toReadableYaml(arranged);
}
