/** How module files' problems are reported by `module validate` and `module push`. */
import type { ValidatedFile } from '../../module-files/validate-files.js';
import { formatViolations } from '../errors.js';

/** One block per file: its syntax error, or a count line then `  field: description` lines. */
export function formatFileProblems(results: readonly ValidatedFile[]): string {
  return results
    .map((r) => {
      if (r.syntaxError) {
        const { line, column, message } = r.syntaxError;
        return `${r.file}:${line}:${column}: YAML syntax error: ${message}\n`;
      }
      const count = `${r.violations.length} violation${r.violations.length === 1 ? '' : 's'}`;
      return `${r.file}: ${count}\n${formatViolations(r.violations)}`;
    })
    .join('');
}
