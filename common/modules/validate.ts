/**
 * The single entry point of module validation, shared by the server (save,
 * validate) and the CLI's offline `validate`, so both report the same
 * violations with the same words.
 */
import type { FieldViolation } from '../errors.js';
import { parseModuleDocument } from './parse.js';
import { checkModuleReferences, type ReferenceCheckOptions } from './references.js';
import type { ModuleDocument, ModuleLookup } from './types.js';

/** The outcome of {@link validateModule}: the normalized document only when there is no violation. */
export interface ModuleValidation {
  document?: ModuleDocument;
  violations: FieldViolation[];
}

/**
 * Parses `raw` (a YAML document or a converted wire spec) and, when it parses
 * cleanly, checks its references through `lookup`. Offline, references the
 * lookup cannot find are skipped instead of reported.
 */
export async function validateModule(raw: unknown, lookup: ModuleLookup, options: ReferenceCheckOptions = {}): Promise<ModuleValidation> {
  const parsed = parseModuleDocument(raw);
  if (parsed.document === undefined || parsed.violations.length > 0) return { violations: parsed.violations };
  const violations = await checkModuleReferences(parsed.document, lookup, options);
  return violations.length > 0 ? { violations } : { document: parsed.document, violations: [] };
}
