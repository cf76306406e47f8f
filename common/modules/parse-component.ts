/**
 * The body of a component document: parent, images, resources (with
 * per-cloud options), recipes (with packages) and parameters.
 */
import {
  entriesOf,
  integerIn,
  isAbsent,
  isFields,
  itemsOf,
  nulProblem,
  optionalText,
  report,
  reportUnknownFields,
  scalarText,
  utf8Length,
  type Fields,
  type Sink,
} from './field-readers.js';
import {
  CLOUD_OPTION_KEY_PATTERN,
  MAX_CLOUD_OPTION_VALUE_LENGTH,
  MAX_CPU,
  MAX_DISK_GB,
  MAX_IMAGE_ID_LENGTH,
  MAX_PACKAGES,
  MAX_RAM_GB,
  MAX_RECIPE_BYTES,
  MIN_CPU,
  MIN_DISK_GB,
  PACKAGE_NAME_PATTERN,
} from './limits.js';
import { cloudNameProblem } from './module-names.js';
import { parseParameters } from './parse-parameters.js';
import { moduleReferenceProblem, parseModuleReference } from './refs.js';
import { RECIPE_NAMES, type ComponentDocument, type Recipes, type Resources } from './types.js';

/** The fields of a component document besides the header (path, kind, description). */
export type ComponentBody = Omit<ComponentDocument, 'path' | 'kind' | 'description'>;

const RESOURCE_FIELDS = ['cpu', 'ramGB', 'diskGB', 'clouds'];
const RECIPE_FIELDS = [...RECIPE_NAMES, 'packages'];
/** SlipStream's recipe names, so that a module carried over gets a pointed hint. */
const SLIPSTREAM_RECIPES: ReadonlyMap<string, string> = new Map([
  ['prerecipe', 'preinstall'],
  ['recipe', 'postinstall'],
  ['execute', 'deployment'],
  ['report', 'reporting'],
]);

/**
 * Parses the body of the component at `path` (undefined when the path itself
 * is invalid), reporting into `sink`; a component may not be its own parent.
 */
export function parseComponent(raw: Fields, path: string | undefined, sink: Sink): ComponentBody {
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
    else if (!report(sink, field, nulProblem(id))) images[cloud] = id;
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
      } else if (!report(sink, field, nulProblem(text)) && text !== '') parsed[key] = text;
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
    } else if (!report(sink, field, nulProblem(script))) recipes[name] = script;
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
