/**
 * Reads the file of `credential set --from-file`: a JSON object of fields, a
 * file of `KEY=VALUE` lines, or a GCP service account key, which is stored
 * whole as one field. Errors name the flag, the file and a line or field
 * name, never a value: the file holds secrets.
 */
import { readFile } from 'node:fs/promises';
import { InvalidArgumentError } from 'commander';
import { UsageError } from './errors.js';
import { parseKeyValue } from './flags.js';

/**
 * The credential field the `gcp` driver reads a service account key from
 * (SERVICE_ACCOUNT_JSON in controller/connectors/gcp/auth.ts; not imported,
 * as that module loads the Google auth library).
 */
export const SERVICE_ACCOUNT_FIELD = 'serviceAccountJson';

/** The fields of a JSON object: strings as they are, numbers and booleans as text. */
function jsonFields(text: string, fail: (problem: string) => never): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text around the error, which may be a secret.
    return fail('is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail('is not a JSON object');
  const object = parsed as Record<string, unknown>;
  if (object.type === 'service_account') return { [SERVICE_ACCOUNT_FIELD]: text };
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(object)) {
    if (typeof value === 'string') fields[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') fields[key] = String(value);
    else fail(`field '${key}' must be a string`);
  }
  return fields;
}

/** `KEY=VALUE` lines; blank lines and `#` comments are skipped, a later key wins. */
function lineFields(text: string, fail: (problem: string) => never): Record<string, string> {
  let fields: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    try {
      fields = parseKeyValue(line, fields);
    } catch (error) {
      if (error instanceof InvalidArgumentError) fail(`line ${index + 1} is not KEY=VALUE`);
      throw error;
    }
  });
  return fields;
}

/**
 * The credential fields in a file's text: a JSON object (`{` first) or
 * `KEY=VALUE` lines. A service account key (`"type": "service_account"`)
 * becomes the one field `serviceAccountJson` holding the whole text.
 * Throws UsageError naming `--from-file` and `label`.
 */
export function parseCredentialFile(text: string, label: string): Record<string, string> {
  const fail = (problem: string): never => {
    throw new UsageError(`--from-file ${label}: ${problem}`);
  };
  return text.trimStart().startsWith('{') ? jsonFields(text, fail) : lineFields(text, fail);
}

/** Reads and parses a credential file; UsageError when it cannot be read or parsed. */
export async function readCredentialFile(file: string): Promise<Record<string, string>> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`--from-file ${file}: cannot read it (${error.code ?? error.message})`);
  });
  return parseCredentialFile(text, file);
}
