/**
 * A module version as the YAML file the CLI prints (`module get`, `module pull`): the same fields, order, omissions
 * and block literals as client/module-files/to-yaml.ts, so that what the dashboard shows can be pasted into a file and
 * pushed unchanged. The CLI's converter works on the ts-proto messages and sits in client/, which the browser may not
 * import; this one reads the protobuf-es message. test/e2e/dashboard-catalog.test.ts checks the two agree.
 */
import { Document, isScalar, visit } from 'yaml';
import type { ComponentSpec, ModuleSpec, NodeSpec, ParameterDefinition, Resources } from '../../../proto/gen/es/slipstream/v1/modules_pb.js';
import { categoryName, parameterTypeName } from './module-kind.js';

type Plain = Record<string, unknown>;

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Drops undefined, empty strings are kept only where the CLI keeps them (it never writes an empty optional text). */
function compact(fields: Plain): Plain {
  const out: Plain = {};
  for (const [key, value] of Object.entries(fields)) {
    const empty =
      value === undefined ||
      (Array.isArray(value) && value.length === 0) ||
      (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0);
    if (!empty) out[key] = value;
  }
  return out;
}

/** A name -> value map with sorted keys; `dropEmpty` leaves out empty values (cloud options, as the CLI does). */
function sortedMap<V>(map: Record<string, V>, dropEmpty = false): Record<string, V> {
  const out: Record<string, V> = {};
  for (const key of Object.keys(map).sort(byCodeUnit)) {
    const value = map[key]!;
    if (!dropEmpty || value !== '') out[key] = value;
  }
  return out;
}

const text = (value: string | undefined): string | undefined => (value ? value : undefined);

function resources(res: Resources | undefined): Plain {
  const clouds: Record<string, Record<string, string>> = {};
  for (const cloud of Object.keys(res?.clouds ?? {}).sort(byCodeUnit)) {
    const options = sortedMap(res?.clouds[cloud]?.options ?? {}, true);
    if (Object.keys(options).length > 0) clouds[cloud] = options;
  }
  return compact({ cpu: res?.cpu, ramGB: res?.ramGb, diskGB: res?.diskGb, clouds });
}

const RECIPE_ORDER = ['preinstall', 'packages', 'postinstall', 'deployment', 'reporting', 'onVmAdd', 'onVmRemove', 'preScale', 'postScale'] as const;

function recipes(spec: ComponentSpec): Plain {
  const out: Plain = {};
  for (const name of RECIPE_ORDER) {
    const value = spec.recipes?.[name];
    if (name === 'packages') {
      if (Array.isArray(value) && value.length > 0) out.packages = [...value];
    } else if (typeof value === 'string' && value !== '') {
      out[name] = value;
    }
  }
  return out;
}

function parameter(p: ParameterDefinition): Plain {
  return compact({
    name: p.name,
    category: categoryName(p.category),
    type: parameterTypeName(p.type) ?? '',
    values: [...p.values],
    default: text(p.defaultValue),
    description: text(p.description),
    required: p.required ? true : undefined,
  });
}

function node(n: NodeSpec): Plain {
  return compact({
    name: n.name,
    component: n.component,
    multiplicity: n.multiplicity,
    cloud: text(n.cloud),
    maxProvisioningFailures: n.maxProvisioningFailures,
    mappings: sortedMap(n.mappings),
  });
}

/** The document in the CLI's reading order. */
export function moduleDocument(spec: ModuleSpec): Plain {
  const header = { path: spec.path, kind: spec.kind.case, description: text(spec.description) };
  switch (spec.kind.case) {
    case 'component': {
      const c = spec.kind.value;
      return compact({
        ...header,
        parent: text(c.parent),
        images: sortedMap(c.images),
        resources: resources(c.resources),
        recipes: recipes(c),
        parameters: c.parameters.map(parameter),
      });
    }
    case 'application':
      // An application always shows its nodes, even none, so the mistake is visible.
      return { ...compact(header), nodes: spec.kind.value.nodes.map(node) };
    default:
      return compact(header);
  }
}

/** Any plain value as readable YAML: multi-line strings as block literals (`|`), no folding, as the CLI writes it. */
export function readableYaml(value: unknown): string {
  const yaml = new Document(value);
  visit(yaml, {
    Scalar(_key, scalar) {
      if (isScalar(scalar) && typeof scalar.value === 'string' && scalar.value.includes('\n')) scalar.type = 'BLOCK_LITERAL';
    },
  });
  return yaml.toString({ lineWidth: 0 });
}

export const moduleYaml = (spec: ModuleSpec): string => readableYaml(moduleDocument(spec));
