/**
 * Reads module files: one YAML document per `.yaml` / `.yml` file, from a file
 * or a directory tree, in a stable order. Parsing only; validation is
 * validateModule's job.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';

/** Where and why a file is not YAML (line and column count from 1). */
export interface YamlSyntaxError {
  message: string;
  line: number;
  column: number;
}

/** One file: its parsed content, or why it could not be parsed. */
export type ModuleFile =
  | { file: string; raw: unknown; error?: undefined }
  | { file: string; raw?: undefined; error: YamlSyntaxError };

const MODULE_FILE = /\.ya?ml$/;

/** True for the names module files have. */
export function isModuleFileName(name: string): boolean {
  return MODULE_FILE.test(name);
}

/**
 * Reads one file (whatever its name) or every module file below a directory,
 * sorted by path. Hidden entries (`.git`, ...) are skipped and symlinked
 * directories not followed. Throws when the path does not exist.
 */
export async function readModuleFiles(fileOrDir: string): Promise<ModuleFile[]> {
  const files = (await stat(fileOrDir)).isDirectory() ? await listModuleFiles(fileOrDir) : [fileOrDir];
  return Promise.all(files.map(async (file) => parseModuleFile(file, await readFile(file, 'utf8'))));
}

async function listModuleFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (current: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const path = join(current, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (isModuleFileName(entry.name) && (entry.isFile() || (await stat(path)).isFile())) found.push(path);
    }
  };
  await walk(dir);
  // Code-point order, not locale order: the same on every machine.
  return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Parses the text of one module file; `file` is only carried along for reports. */
export function parseModuleFile(file: string, text: string): ModuleFile {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const at = (offset: number, message: string): ModuleFile => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, error: { message, line, column: col } };
  };
  if (!Array.isArray(documents)) return { file, raw: null };
  for (const document of documents) {
    const error = document.errors[0];
    if (error) return at(error.pos[0], error.message);
  }
  const [first, second] = documents;
  if (second) return at(second.range[0], `a module file holds one YAML document; found ${documents.length}`);
  return { file, raw: first ? first.toJS({ maxAliasCount: 100 }) : null };
}
