/**
 * A deployment template as a YAML file (one document), so that a team keeps
 * its launches in git beside its modules: TemplateSpec's fields with the
 * names module files use (camelCase), parsed and checked for shape here; the
 * controller checks the content when the template is saved.
 */
import { parseDocument, stringify } from 'yaml';
import type { FieldViolation } from '../../common/errors.js';
import { KEEP_RUNNING, type KeepRunning } from '../../common/runs/states.js';
import { canonicalTemplate } from '../../common/templates/canonical.js';
import type { TemplateSpec } from '../../common/templates/types.js';

/** What a template file may hold: any of the spec's fields. */
export type TemplateFileContent = Partial<TemplateSpec>;

/** The keys of a template file, in the order `templateToYaml` writes them. */
export const TEMPLATE_FILE_KEYS = [
  'name',
  'module',
  'description',
  'defaultCloud',
  'nodeClouds',
  'parameters',
  'multiplicities',
  'tags',
  'keepRunning',
  'scalable',
  'timeoutMinutes',
  'sshPublicKeys',
] as const;

const isPlain = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Parses the text of a template file; every problem at once, each with the key it is about. */
export function parseTemplateFile(text: string): { content?: TemplateFileContent; violations: FieldViolation[] } {
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    const [first] = document.errors;
    const at = first?.linePos?.[0];
    return { violations: [{ field: '', description: `not YAML${at ? ` (line ${at.line}, column ${at.col})` : ''}: ${first?.message ?? ''}` }] };
  }
  const raw: unknown = document.toJS();
  if (!isPlain(raw)) return { violations: [{ field: '', description: `must be a mapping of ${TEMPLATE_FILE_KEYS.join(', ')}` }] };
  const violations: FieldViolation[] = [];
  const bad = (field: string, description: string) => violations.push({ field, description });
  const content: TemplateFileContent = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === null || value === undefined) continue;
    switch (key) {
      case 'name':
      case 'module':
      case 'description':
      case 'defaultCloud':
        if (typeof value === 'string') content[key] = value;
        else bad(key, 'must be text');
        break;
      case 'nodeClouds':
      case 'parameters':
        content[key] = stringMap(key, value, key === 'parameters', bad);
        break;
      case 'multiplicities':
        content.multiplicities = countMap(value, bad);
        break;
      case 'tags':
      case 'sshPublicKeys':
        if (Array.isArray(value) && value.every((v) => typeof v === 'string')) content[key] = value as string[];
        else bad(key, 'must be a list of text');
        break;
      case 'keepRunning':
        if (typeof value === 'string' && (KEEP_RUNNING as readonly string[]).includes(value)) content.keepRunning = value as KeepRunning;
        else bad(key, `must be one of ${KEEP_RUNNING.join(', ')}`);
        break;
      case 'scalable':
        if (typeof value === 'boolean') content.scalable = value;
        else bad(key, 'must be true or false');
        break;
      case 'timeoutMinutes':
        if (Number.isSafeInteger(value) && (value as number) > 0) content.timeoutMinutes = value as number;
        else bad(key, 'must be a whole number of minutes >= 1');
        break;
      default:
        bad(key, `is not a template field (${TEMPLATE_FILE_KEYS.join(', ')})`);
    }
  }
  return violations.length > 0 ? { violations } : { content, violations };
}

/** A map of text values; parameter values may be written as numbers or booleans (`db:port: 5432`). */
function stringMap(field: string, value: unknown, scalars: boolean, bad: (field: string, description: string) => void): Record<string, string> {
  if (!isPlain(value)) {
    bad(field, 'must be a mapping');
    return {};
  }
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string' || (scalars && (typeof v === 'number' || typeof v === 'boolean'))) out[key] = String(v);
    else bad(`${field}.${key}`, scalars ? 'must be text, a number or true/false' : 'must be text');
  }
  return out;
}

function countMap(value: unknown, bad: (field: string, description: string) => void): Record<string, number> {
  if (!isPlain(value)) {
    bad('multiplicities', 'must be a mapping of node to instance count');
    return {};
  }
  const out: Record<string, number> = {};
  for (const [node, n] of Object.entries(value)) {
    if (Number.isSafeInteger(n) && (n as number) >= 0) out[node] = n as number;
    else bad(`multiplicities.${node}`, 'must be a whole number >= 0');
  }
  return out;
}

/** The template as its file: canonical content, keys in TEMPLATE_FILE_KEYS order, empty fields left out. */
export function templateToYaml(spec: TemplateSpec): string {
  const canonical: Record<string, unknown> = { ...canonicalTemplate(spec) };
  const out: Record<string, unknown> = {};
  for (const key of TEMPLATE_FILE_KEYS) {
    const value = canonical[key];
    const empty = value === undefined || value === false || (Array.isArray(value) && value.length === 0) || (isPlain(value) && Object.keys(value).length === 0);
    if (!empty) out[key] = value;
  }
  return stringify(out, { lineWidth: 0 });
}
