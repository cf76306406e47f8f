/**
 * Two versions' YAML as a unified diff (what `diff -u` prints): hunks of changed lines with three lines of context,
 * each line marked ' ', '-' or '+' and numbered in the version it belongs to.
 */
import { structuredPatch } from 'diff';

export type LineChange = 'context' | 'removed' | 'added';

export interface DiffLine {
  change: LineChange;
  /** The line's text without its marker. */
  text: string;
  /** Its number in the old text (context and removed lines). */
  oldNumber?: number;
  /** Its number in the new text (context and added lines). */
  newNumber?: number;
}

export interface DiffHunk {
  /** `@@ -3,7 +3,8 @@` */
  header: string;
  lines: DiffLine[];
}

export const CONTEXT_LINES = 3;

const MARKERS: Record<string, LineChange> = { ' ': 'context', '-': 'removed', '+': 'added' };

/** The hunks from `before` to `after`; none when the texts are equal. */
export function unifiedDiff(before: string, after: string): DiffHunk[] {
  const patch = structuredPatch('before', 'after', before, after, undefined, undefined, { context: CONTEXT_LINES });
  return patch.hunks.map((hunk) => {
    let oldNumber = hunk.oldStart;
    let newNumber = hunk.newStart;
    const lines: DiffLine[] = [];
    for (const raw of hunk.lines) {
      const change = MARKERS[raw[0] ?? ''];
      // '\ No newline at end of file' belongs to the line before; the YAML always ends with one.
      if (!change) continue;
      const line: DiffLine = { change, text: raw.slice(1) };
      if (change !== 'added') line.oldNumber = oldNumber++;
      if (change !== 'removed') line.newNumber = newNumber++;
      lines.push(line);
    }
    return { header: `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`, lines };
  });
}

/** The sign a unified diff writes before the line. */
export const markerOf = (change: LineChange): string => (change === 'added' ? '+' : change === 'removed' ? '-' : ' ');
