/**
 * Turns a raw module document (parsed YAML, or a wire spec converted to the
 * same shape) into a normalized {@link ModuleDocument}, reporting every
 * violation at once with its exact field path. Syntax and local consistency
 * only: what the document references in the catalog is checked by
 * references.ts.
 */
import type { FieldViolation } from '../errors.js';
import {
  CLOUD_NAME_PATTERN,
  CLOUD_OPTION_KEY_PATTERN,
  MAX_CLOUD_OPTION_VALUE_LENGTH,
  MAX_CPU,
  MAX_DESCRIPTION_LENGTH,
  MAX_DISK_GB,
  MAX_ENUM_VALUES,
  MAX_IMAGE_ID_LENGTH,
  MAX_MULTIPLICITY,
  MAX_NODES,
  MAX_PACKAGES,
  MAX_PARAMETER_VALUE_BYTES,
  MAX_PARAMETERS,
  MAX_RAM_GB,
  MAX_RECIPE_BYTES,
  MIN_CPU,
  MIN_DISK_GB,
  MIN_NODES,
  NODE_NAME_PATTERN,
  PACKAGE_NAME_PATTERN,
  RUN_PARAMETER_PREFIX,
} from './limits.js';
import { modulePathProblem, moduleReferenceProblem, parameterNameProblem, parseMappingSource, parseModuleReference } from './refs.js';
import {
  MODULE_KINDS,
  PARAMETER_CATEGORIES,
  PARAMETER_TYPES,
  RECIPE_NAMES,
  type ApplicationDocument,
  type ComponentDocument,
  type ModuleDocument,
  type ModuleKind,
  type NodeDefinition,
  type ParameterDefinition,
  type ParameterType,
  type Recipes,
  type Resources,
} from './types.js';

/** What {@link parseModuleDocument} returns: the document only when there is no violation. */
export interface ParsedModule {
  document?: ModuleDocument;
  violations: FieldViolation[];
}

type Fields = Record<string, unknown>;
type Sink = FieldViolation[];

const HEADER_FIELDS = ['path', 'kind', 'description'];
const KIND_FIELDS: Record<ModuleKind, readonly string[]> = {
  project: [],
  component: ['parent', 'images', 'resources', 'recipes', 'parameters'],
  application: ['nodes'],
};
const RESOURCE_FIELDS = ['cpu', 'ramGB', 'diskGB', 'clouds'];
const RECIPE_FIELDS = [...RECIPE_NAMES, 'packages'];
const PARAMETER_FIELDS = ['name', 'category', 'type', 'values', 'default', 'description', 'required'];
const NODE_FIELDS = ['name', 'component', 'multiplicity', 'cloud', 'maxProvisioningFailures', 'mappings'];
/** SlipStream's recipe names, so that a module carried over gets a pointed hint. */
const SLIPSTREAM_RECIPES: ReadonlyMap<string, string> = new Map([
  ['prerecipe', 'preinstall'],
  ['recipe', 'postinstall'],
  ['execute', 'deployment'],
  ['report', 'reporting'],
]);
const INT_PATTERN = /^-?\d+$/;

/**
 * Parses and normalizes one module document. Every violation is reported at
 * once; the document is returned only when there is none. Normalization:
 * `multiplicity` defaults to 1, `maxProvisioningFailures` to 0, missing maps
 * and lists become empty, empty optional text becomes absent, `required` is
 * kept only when true, and numbers or booleans given where text is expected
 * (a parameter default, an enum value, a cloud option) become their string form.
 */
export function parseModuleDocument(raw: unknown): ParsedModule {
  if (!isFields(raw)) {
    return { violations: [{ field: '', description: 'must be a mapping of module fields (path, kind, ...)' }] };
  }
  const sink: Sink = [];
  const path = requiredText(raw.path, 'path', sink);
  if (path !== undefined) report(sink, 'path', modulePathProblem(path));
  const kind = oneOf(raw.kind, MODULE_KINDS, 'kind', sink);
  const description = optionalText(raw.description, 'description', sink, MAX_DESCRIPTION_LENGTH);
  const allowed = kind === undefined ? [...HEADER_FIELDS, ...Object.values(KIND_FIELDS).flat()] : [...HEADER_FIELDS, ...KIND_FIELDS[kind]];
  reportUnknownFields(raw, allowed, '', sink, kindHint);

  const header = { path: path ?? '', ...(description !== undefined && { description }) };
  let document: ModuleDocument | undefined;
  if (kind === 'project') document = { ...header, kind };
  else if (kind === 'component') document = { ...header, kind, ...parseComponent(raw, path, sink) };
  else if (kind === 'application') document = { ...header, kind, ...parseApplication(raw, sink) };
  return sink.length === 0 && document !== undefined ? { document, violations: [] } : { violations: sink };
}

/**
 * Why `value` is not a valid value of a parameter of `type` (with `values` for
 * an enum), or undefined when it fits. Used for defaults and mapped literals.
 */
export function parameterValueProblem(type: ParameterType, values: readonly string[] | undefined, value: string): string | undefined {
  const bytes = utf8Length(value);
  if (bytes > MAX_PARAMETER_VALUE_BYTES) {
    return `is too large: ${bytes} bytes, at most ${MAX_PARAMETER_VALUE_BYTES} (64 KiB)`;
  }
  switch (type) {
    case 'int':
      return INT_PATTERN.test(value) && Number.isSafeInteger(Number(value))
        ? undefined
        : `${preview(value)} is not an int: must be an integer from -${Number.MAX_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}`;
    case 'boolean':
      return value === 'true' || value === 'false' ? undefined : `${preview(value)} is not a boolean: must be true or false`;
    case 'enum':
      return values?.includes(value) ? undefined : `${preview(value)} is not one of the enum values (${listPreview(values ?? [])})`;
    default:
      return undefined;
  }
}

// ---- component -------------------------------------------------------------

type ComponentBody = Omit<ComponentDocument, 'path' | 'kind' | 'description'>;

function parseComponent(raw: Fields, path: string | undefined, sink: Sink): ComponentBody {
  let parent = optionalText(raw.parent, 'parent', sink, Infinity);
  if (parent !== undefined) {
    if (report(sink, 'parent', moduleReferenceProblem(parent))) parent = undefined;
    else if (parseModuleReference(parent)?.path === path) {
      report(sink, 'parent', 'must not be the module itself: a component cannot inherit from itself');
    }
  }
  return {
    ...(parent !== undefined && { parent }),
    images: parseImages(raw.images, sink),
    resources: parseResources(raw.resources, sink),
    recipes: parseRecipes(raw.recipes, sink),
    parameters: parseParameters(raw.parameters, sink),
  };
}

function parseImages(value: unknown, sink: Sink): Record<string, string> {
  const images: Record<string, string> = {};
  for (const [cloud, id] of entriesOf(value, 'images', 'cloud name to image id', sink)) {
    const field = `images.${cloud}`;
    if (report(sink, field, cloudNameProblem(cloud))) continue;
    if (typeof id !== 'string' || id === '') report(sink, field, 'must be a non-empty image id');
    else if (id.length > MAX_IMAGE_ID_LENGTH) report(sink, field, `must be at most ${MAX_IMAGE_ID_LENGTH} characters (got ${id.length})`);
    else images[cloud] = id;
  }
  return images;
}

function parseResources(value: unknown, sink: Sink): Resources {
  if (isAbsent(value)) return {};
  if (!isFields(value)) {
    report(sink, 'resources', 'must be a mapping with cpu, ramGB, diskGB and clouds');
    return {};
  }
  reportUnknownFields(value, RESOURCE_FIELDS, 'resources', sink);
  const resources: Resources = {};
  const cpu = integerIn(value.cpu, 'resources.cpu', sink, MIN_CPU, MAX_CPU);
  if (cpu !== undefined) resources.cpu = cpu;
  const ram = value.ramGB;
  if (!isAbsent(ram)) {
    if (typeof ram !== 'number' || !Number.isFinite(ram) || ram <= 0 || ram > MAX_RAM_GB) {
      report(sink, 'resources.ramGB', `must be a number greater than 0 and at most ${MAX_RAM_GB}`);
    } else resources.ramGB = ram;
  }
  const disk = integerIn(value.diskGB, 'resources.diskGB', sink, MIN_DISK_GB, MAX_DISK_GB);
  if (disk !== undefined) resources.diskGB = disk;
  const clouds = parseCloudOptions(value.clouds, sink);
  if (Object.keys(clouds).length > 0) resources.clouds = clouds;
  return resources;
}

function parseCloudOptions(value: unknown, sink: Sink): Record<string, Record<string, string>> {
  const clouds: Record<string, Record<string, string>> = {};
  for (const [cloud, options] of entriesOf(value, 'resources.clouds', 'cloud name to options', sink)) {
    const base = `resources.clouds.${cloud}`;
    if (report(sink, base, cloudNameProblem(cloud))) continue;
    const parsed: Record<string, string> = {};
    for (const [key, option] of entriesOf(options, base, 'option name to value', sink)) {
      const field = `${base}.${key}`;
      if (!CLOUD_OPTION_KEY_PATTERN.test(key)) {
        report(sink, field, "option name must start with a letter, then letters, digits, '_', '.' or '-', at most 64 characters");
        continue;
      }
      if (isAbsent(option)) continue;
      const text = scalarText(option);
      if (text === undefined) report(sink, field, 'must be a string, number or boolean');
      else if (text.length > MAX_CLOUD_OPTION_VALUE_LENGTH) {
        report(sink, field, `must be at most ${MAX_CLOUD_OPTION_VALUE_LENGTH} characters (got ${text.length})`);
      } else if (text !== '') parsed[key] = text;
    }
    if (Object.keys(parsed).length > 0) clouds[cloud] = parsed;
  }
  return clouds;
}

function parseRecipes(value: unknown, sink: Sink): Recipes {
  if (isAbsent(value)) return {};
  if (!isFields(value)) {
    report(sink, 'recipes', 'must be a mapping of recipe name to script, plus packages');
    return {};
  }
  reportUnknownFields(value, RECIPE_FIELDS, 'recipes', sink, (key) => {
    const ours = SLIPSTREAM_RECIPES.get(key);
    return ours && `SlipStream's '${key}' recipe is called '${ours}' here`;
  });
  const recipes: Recipes = {};
  for (const name of RECIPE_NAMES) {
    const script = value[name];
    const field = `recipes.${name}`;
    if (isAbsent(script) || script === '') continue;
    if (typeof script !== 'string') report(sink, field, 'must be a string (a bash script)');
    else if (utf8Length(script) > MAX_RECIPE_BYTES) {
      report(sink, field, `is too large: ${utf8Length(script)} bytes, at most ${MAX_RECIPE_BYTES} (64 KiB)`);
    } else recipes[name] = script;
  }
  const packages = parsePackages(value.packages, sink);
  if (packages.length > 0) recipes.packages = packages;
  return recipes;
}

function parsePackages(value: unknown, sink: Sink): string[] {
  const items = itemsOf(value, 'recipes.packages', 'package names', sink) ?? [];
  if (items.length > MAX_PACKAGES) {
    report(sink, 'recipes.packages', `must have at most ${MAX_PACKAGES} packages (got ${items.length})`);
  }
  const first = new Map<string, number>();
  const packages: string[] = [];
  items.forEach((item, i) => {
    const field = `recipes.packages[${i}]`;
    if (typeof item !== 'string' || !PACKAGE_NAME_PATTERN.test(item)) {
      report(sink, field, "must be a package name: a letter or digit, then letters, digits or '+._:=~-', at most 128 characters");
      return;
    }
    const j = first.get(item);
    if (j !== undefined) return void report(sink, field, `duplicate package '${item}' (also at recipes.packages[${j}])`);
    first.set(item, i);
    packages.push(item);
  });
  return packages;
}

// ---- parameters ------------------------------------------------------------

function parseParameters(value: unknown, sink: Sink): ParameterDefinition[] {
  const items = itemsOf(value, 'parameters', 'parameter definitions', sink) ?? [];
  if (items.length > MAX_PARAMETERS) {
    report(sink, 'parameters', `must have at most ${MAX_PARAMETERS} parameters (got ${items.length})`);
  }
  const first = new Map<string, number>();
  return items.map((item, i) => {
    const parameter = parseParameter(item, `parameters[${i}]`, sink);
    if (parameter.name !== '') {
      const j = first.get(parameter.name);
      if (j !== undefined) report(sink, `parameters[${i}].name`, `duplicate parameter '${parameter.name}' (also at parameters[${j}])`);
      else first.set(parameter.name, i);
    }
    return parameter;
  });
}

function parseParameter(value: unknown, base: string, sink: Sink): ParameterDefinition {
  if (!isFields(value)) {
    report(sink, base, 'must be a mapping with name, category, type, values, default, description, required');
    return { name: '', category: 'input', type: 'string' };
  }
  reportUnknownFields(value, PARAMETER_FIELDS, base, sink);
  const name = requiredText(value.name, `${base}.name`, sink);
  const nameOk = name !== undefined && !report(sink, `${base}.name`, parameterNameProblem(name));
  const category = oneOf(value.category, PARAMETER_CATEGORIES, `${base}.category`, sink);
  const type = oneOf(value.type, PARAMETER_TYPES, `${base}.type`, sink);
  const values = parseEnumValues(value.values, type, `${base}.values`, sink);
  const fallback = parseDefault(value.default, type, values, `${base}.default`, sink);
  const description = optionalText(value.description, `${base}.description`, sink, MAX_DESCRIPTION_LENGTH);
  let required = false;
  if (!isAbsent(value.required)) {
    if (typeof value.required !== 'boolean') report(sink, `${base}.required`, 'must be true or false');
    else required = value.required;
  }
  if (category === 'output' && required) {
    report(sink, `${base}.required`, 'an output cannot be required; only inputs are supplied');
  }
  return {
    name: nameOk ? name : '',
    category: category ?? 'input',
    type: type ?? 'string',
    ...(values !== undefined && { values }),
    ...(fallback !== undefined && { default: fallback }),
    ...(description !== undefined && { description }),
    ...(required && { required }),
  };
}

/** The values of an enum (undefined for other types or when invalid). */
function parseEnumValues(value: unknown, type: ParameterType | undefined, field: string, sink: Sink): string[] | undefined {
  const items = itemsOf(value, field, 'values', sink);
  if (items === undefined || type === undefined) return undefined;
  if (type !== 'enum') {
    if (items.length > 0) report(sink, field, `only an enum parameter has values; a ${type} parameter must have none`);
    return undefined;
  }
  if (items.length === 0) return void report(sink, field, 'an enum parameter needs at least one value');
  if (items.length > MAX_ENUM_VALUES) report(sink, field, `must have at most ${MAX_ENUM_VALUES} values (got ${items.length})`);
  const values: string[] = [];
  let valid = true;
  items.forEach((item, i) => {
    const text = scalarText(item);
    const problem =
      text === undefined ? 'must be a string, number or boolean'
      : text === '' ? 'must not be empty'
      : values.includes(text) ? `duplicate value '${text}'`
      : parameterValueProblem('string', undefined, text);
    if (report(sink, `${field}[${i}]`, problem)) valid = false;
    else if (text !== undefined) values.push(text);
  });
  return valid ? values : undefined;
}

function parseDefault(value: unknown, type: ParameterType | undefined, values: string[] | undefined, field: string, sink: Sink): string | undefined {
  if (isAbsent(value)) return undefined;
  const text = scalarText(value);
  if (text === undefined) return void report(sink, field, 'must be a string, number or boolean');
  if (text === '') return undefined;
  // Without a valid type (or enum values) the fit cannot be judged; that field is reported already.
  if (type === undefined || (type === 'enum' && values === undefined)) return text;
  return report(sink, field, parameterValueProblem(type, values, text)) ? undefined : text;
}

// ---- application -----------------------------------------------------------

function parseApplication(raw: Fields, sink: Sink): Pick<ApplicationDocument, 'nodes'> {
  const items = itemsOf(raw.nodes, 'nodes', 'node definitions', sink);
  if (items !== undefined && items.length < MIN_NODES) report(sink, 'nodes', `must have at least ${MIN_NODES} node`);
  if (items !== undefined && items.length > MAX_NODES) report(sink, 'nodes', `must have at most ${MAX_NODES} nodes (got ${items.length})`);
  const list = items ?? [];
  const names = new Set(list.flatMap((item) => (isFields(item) && typeof item.name === 'string' ? [item.name] : [])));
  const first = new Map<string, number>();
  const nodes = list.map((item, i) => {
    const node = parseNode(item, `nodes[${i}]`, names, sink);
    if (node.name !== '') {
      const j = first.get(node.name);
      if (j !== undefined) report(sink, `nodes[${i}].name`, `duplicate node name '${node.name}' (also at nodes[${j}])`);
      else first.set(node.name, i);
    }
    return node;
  });
  return { nodes };
}

function parseNode(value: unknown, base: string, nodeNames: ReadonlySet<string>, sink: Sink): NodeDefinition {
  if (!isFields(value)) {
    report(sink, base, 'must be a mapping with name, component, multiplicity, cloud, maxProvisioningFailures, mappings');
    return { name: '', component: '', multiplicity: 1, maxProvisioningFailures: 0, mappings: {} };
  }
  reportUnknownFields(value, NODE_FIELDS, base, sink);
  const name = requiredText(value.name, `${base}.name`, sink);
  const nameOk = name !== undefined && !report(sink, `${base}.name`, nodeNameProblem(name));
  const component = requiredText(value.component, `${base}.component`, sink);
  if (component !== undefined) report(sink, `${base}.component`, moduleReferenceProblem(component));
  const multiplicity = integerIn(value.multiplicity, `${base}.multiplicity`, sink, 0, MAX_MULTIPLICITY, 1);
  const failures = integerIn(value.maxProvisioningFailures, `${base}.maxProvisioningFailures`, sink, 0, MAX_MULTIPLICITY, 0);
  if (failures !== undefined && multiplicity !== undefined && failures > multiplicity) {
    report(sink, `${base}.maxProvisioningFailures`, `must be at most the node's multiplicity (${multiplicity})`);
  }
  const cloud = optionalText(value.cloud, `${base}.cloud`, sink, Infinity);
  if (cloud !== undefined) report(sink, `${base}.cloud`, cloudNameProblem(cloud));
  return {
    name: nameOk ? name : '',
    component: component ?? '',
    multiplicity: multiplicity ?? 1,
    ...(cloud !== undefined && { cloud }),
    maxProvisioningFailures: failures ?? 0,
    mappings: parseMappings(value.mappings, `${base}.mappings`, nodeNames, sink),
  };
}

function parseMappings(value: unknown, base: string, nodeNames: ReadonlySet<string>, sink: Sink): Record<string, string> {
  const mappings: Record<string, string> = {};
  for (const [input, text] of entriesOf(value, base, 'input name to source', sink)) {
    const field = `${base}.${input}`;
    if (report(sink, field, parameterNameProblem(input))) continue;
    if (typeof text !== 'string') {
      const constant = typeof text === 'number' || typeof text === 'boolean' ? String(text) : undefined;
      report(sink, field, constant !== undefined
        ? `must be a string; to give the constant ${constant}, quote it: '${constant}'`
        : "must be a string: a quoted literal 'text', node:output, node.N:output or ss:name");
      continue;
    }
    const parsed = parseMappingSource(text);
    if (!parsed.ok) report(sink, field, parsed.problem);
    else if (parsed.source.kind === 'instance' && !nodeNames.has(parsed.source.node)) {
      report(sink, field, `unknown node '${parsed.source.node}'`);
    } else if (parsed.source.kind === 'literal') {
      const problem = parameterValueProblem('string', undefined, parsed.source.value);
      if (!report(sink, field, problem && `literal ${problem}`)) mappings[input] = text;
    } else mappings[input] = text;
  }
  return mappings;
}

// ---- names -----------------------------------------------------------------

function cloudNameProblem(name: string): string | undefined {
  return CLOUD_NAME_PATTERN.test(name)
    ? undefined
    : "cloud name must be a DNS label: lowercase letters, digits and '-', at most 63 characters";
}

function nodeNameProblem(name: string): string | undefined {
  if (name === RUN_PARAMETER_PREFIX) return `'${name}' is reserved for the run's own parameters (ss:name)`;
  return NODE_NAME_PATTERN.test(name)
    ? undefined
    : "must be a DNS label: lowercase letters, digits and '-', starting with a letter, at most 63 characters";
}

function kindHint(key: string): string | undefined {
  const owner = (Object.keys(KIND_FIELDS) as ModuleKind[]).find((kind) => KIND_FIELDS[kind].includes(key));
  return owner && `only ${owner === 'application' ? 'an' : 'a'} ${owner} has '${key}'`;
}

// ---- readers ---------------------------------------------------------------

/** Adds a violation when `problem` is set; returns whether it did. */
function report(sink: Sink, field: string, problem: string | undefined): boolean {
  if (problem === undefined) return false;
  sink.push({ field, description: problem });
  return true;
}

function isFields(value: unknown): value is Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** YAML writes an empty field as null; converted wire messages use undefined. */
function isAbsent(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}

function requiredText(value: unknown, field: string, sink: Sink): string | undefined {
  if (isAbsent(value) || value === '') return void report(sink, field, 'is required');
  if (typeof value !== 'string') return void report(sink, field, 'must be a string');
  return value;
}

function optionalText(value: unknown, field: string, sink: Sink, maxChars: number): string | undefined {
  if (isAbsent(value) || value === '') return undefined;
  if (typeof value !== 'string') return void report(sink, field, 'must be a string');
  const length = charLength(value);
  if (length > maxChars) return void report(sink, field, `must be at most ${maxChars} characters (got ${length})`);
  return value;
}

function oneOf<T extends string>(value: unknown, options: readonly T[], field: string, sink: Sink): T | undefined {
  const list = options.join(', ');
  if (isAbsent(value) || value === '') return void report(sink, field, `is required: one of ${list}`);
  if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
    return void report(sink, field, `must be one of ${list}`);
  }
  return value as T;
}

/** An integer in [min, max]; `fallback` when absent; undefined when absent without fallback or invalid. */
function integerIn(value: unknown, field: string, sink: Sink, min: number, max: number, fallback?: number): number | undefined {
  if (isAbsent(value)) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return void report(sink, field, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** Text, or the string form of a number or boolean (values are strings at run time). */
function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') return String(value);
  return undefined;
}

function entriesOf(value: unknown, field: string, what: string, sink: Sink): [string, unknown][] {
  if (isAbsent(value)) return [];
  if (isFields(value)) return Object.entries(value);
  report(sink, field, `must be a mapping of ${what}`);
  return [];
}

/** The items of a list; [] when absent; undefined (reported) when not a list. */
function itemsOf(value: unknown, field: string, what: string, sink: Sink): unknown[] | undefined {
  if (isAbsent(value)) return [];
  if (!Array.isArray(value)) return void report(sink, field, `must be a list of ${what}`);
  return value;
}

function reportUnknownFields(value: Fields, allowed: readonly string[], base: string, sink: Sink, hint?: (key: string) => string | undefined): void {
  for (const key of Object.keys(value)) {
    // A converted wire message carries absent fields as undefined; only present ones can be typos.
    if (allowed.includes(key) || value[key] === undefined) continue;
    const extra = hint?.(key) ?? suggestion(key, allowed);
    sink.push({ field: base === '' ? key : `${base}.${key}`, description: extra ? `unknown field; ${extra}` : 'unknown field' });
  }
}

function suggestion(key: string, allowed: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const match =
    allowed.find((a) => a.toLowerCase() === lower) ??
    (key.length >= 4 && key.length <= 64 ? allowed.find((a) => Math.abs(a.length - key.length) <= 2 && editDistance(lower, a.toLowerCase()) <= 2) : undefined);
  return match && `did you mean '${match}'?`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}

function charLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xdc00 || code > 0xdfff) count++; // low surrogates continue a character
  }
  return count;
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

function preview(value: string): string {
  return value.length > 40 ? `'${value.slice(0, 40)}...'` : `'${value}'`;
}

function listPreview(values: readonly string[]): string {
  return values.length > 10 ? `${values.slice(0, 10).join(', ')}, ...` : values.join(', ');
}
