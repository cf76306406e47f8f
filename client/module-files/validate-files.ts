/**
 * Offline validation of a set of module files with the server's own rules:
 * references between the files are checked against each other; references to
 * modules outside the set are left to the server.
 */
import type { FieldViolation } from '../../common/errors.js';
import type { ModuleDocument, ModuleLookup, StoredModule } from '../../common/modules/types.js';
import { validateModule } from '../../common/modules/validate.js';
import type { ModuleFile, YamlSyntaxError } from './read.js';

/** The verdict on one file: a document when valid, else its violations or syntax error. */
export interface ValidatedFile {
  file: string;
  document?: ModuleDocument;
  violations: FieldViolation[];
  syntaxError?: YamlSyntaxError;
}

/** True when the file parsed and has no violations. */
export function isValidFile(result: ValidatedFile): result is ValidatedFile & { document: ModuleDocument } {
  return result.document !== undefined && result.violations.length === 0 && result.syntaxError === undefined;
}

const offlineNothing: ModuleLookup = () => Promise.resolve(undefined);

/**
 * A lookup answering unpinned references from the given documents. A pinned
 * `path@N` is not answered: a file is the next version, not version N; nor is
 * `path:TAG`, which only the catalog knows.
 */
export function fileLookup(documents: readonly ModuleDocument[]): ModuleLookup {
  const byPath = new Map(documents.map((d) => [d.path, d]));
  return (ref) => {
    const document = ref.version === undefined && ref.tag === undefined ? byPath.get(ref.path) : undefined;
    if (document === undefined) return Promise.resolve(undefined);
    const stored: StoredModule = {
      document,
      info: { version: 1, author: '', createdAt: new Date(0), message: '', contentHash: '' },
      latestVersion: 1,
      deleted: false,
    };
    return Promise.resolve(stored);
  };
}

/**
 * Validates every file. Two passes: the first finds each file's document on its
 * own, the second validates again with the valid documents visible to each
 * other (so a node's mappings are checked against a component in another file).
 */
export async function validateModuleFiles(files: readonly ModuleFile[]): Promise<ValidatedFile[]> {
  const alone = await Promise.all(files.map((f) => validateOne(f, offlineNothing)));
  const known = alone.filter(isValidFile).map((r) => r.document);
  const lookup = fileLookup(uniqueByPath(known));
  const results = await Promise.all(files.map((f) => validateOne(f, lookup)));
  reportDuplicatePaths(results);
  return results;
}

async function validateOne(file: ModuleFile, lookup: ModuleLookup): Promise<ValidatedFile> {
  if (file.error) return { file: file.file, violations: [], syntaxError: file.error };
  const { document, violations } = await validateModule(file.raw, lookup, { offline: true });
  return { file: file.file, document, violations: [...violations] };
}

function uniqueByPath(documents: ModuleDocument[]): ModuleDocument[] {
  const counts = new Map<string, number>();
  for (const d of documents) counts.set(d.path, (counts.get(d.path) ?? 0) + 1);
  return documents.filter((d) => counts.get(d.path) === 1);
}

function reportDuplicatePaths(results: ValidatedFile[]): void {
  const files = new Map<string, string[]>();
  for (const r of results) if (r.document) files.set(r.document.path, [...(files.get(r.document.path) ?? []), r.file]);
  for (const r of results) {
    const others = r.document ? (files.get(r.document.path) ?? []).filter((f) => f !== r.file) : [];
    if (others.length > 0) r.violations.push({ field: 'path', description: `also defined in ${others.join(', ')}` });
  }
}
