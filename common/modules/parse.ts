/**
 * Turns a raw module document (parsed YAML, or a wire spec converted to the
 * same shape) into a normalized {@link ModuleDocument}, reporting every
 * violation at once with its exact field path. Syntax and local consistency
 * only: what the document references in the catalog is checked by
 * references.ts. The kinds' bodies are parsed by parse-component.ts and
 * parse-application.ts with the readers of field-readers.ts.
 */
import type { FieldViolation } from '../errors.js';
import { isFields, oneOf, optionalText, report, reportUnknownFields, requiredText, type Sink } from './field-readers.js';
import { MAX_DESCRIPTION_LENGTH } from './limits.js';
import { parseApplication } from './parse-application.js';
import { parseComponent } from './parse-component.js';
import { modulePathProblem } from './refs.js';
import { MODULE_KINDS, type ModuleDocument, type ModuleKind } from './types.js';

export { parameterValueProblem } from './parse-parameters.js';

/** What {@link parseModuleDocument} returns: the document only when there is no violation. */
export interface ParsedModule {
  document?: ModuleDocument;
  violations: FieldViolation[];
}

const HEADER_FIELDS = ['path', 'kind', 'description'];
const KIND_FIELDS: Record<ModuleKind, readonly string[]> = {
  project: [],
  component: ['parent', 'images', 'resources', 'recipes', 'parameters'],
  application: ['nodes'],
};

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

function kindHint(key: string): string | undefined {
  const owner = (Object.keys(KIND_FIELDS) as ModuleKind[]).find((kind) => KIND_FIELDS[kind].includes(key));
  return owner && `only ${owner === 'application' ? 'an' : 'a'} ${owner} has '${key}'`;
}
