import { markerOf, type DiffHunk } from './unified-diff.js';

const SPOKEN: Record<string, string> = { added: 'added', removed: 'removed', context: 'unchanged' };

/**
 * A unified diff as a table: each line numbered in the old and the new version and marked with its sign, as `diff -u`
 * prints it, so that a change reads without its colour; added lines are <ins>, removed ones <del>.
 */
export function DiffView({ hunks, caption }: { hunks: DiffHunk[]; caption: string }) {
  return (
    <table class="diff" aria-label={caption}>
      <thead class="visually-hidden">
        <tr>
          <th scope="col">Old line</th>
          <th scope="col">New line</th>
          <th scope="col">Change</th>
          <th scope="col">Text</th>
        </tr>
      </thead>
      {hunks.map((hunk, h) => (
        <tbody key={h}>
          <tr class="hunk">
            <td colSpan={4}>{hunk.header}</td>
          </tr>
          {hunk.lines.map((line, i) => (
            <tr key={i} data-change={line.change}>
              <td class="number">{line.oldNumber ?? ''}</td>
              <td class="number">{line.newNumber ?? ''}</td>
              <td class="marker">
                <span aria-hidden="true">{markerOf(line.change)}</span>
                <span class="visually-hidden">{SPOKEN[line.change]}</span>
              </td>
              <td class="text">{line.change === 'added' ? <ins>{line.text}</ins> : line.change === 'removed' ? <del>{line.text}</del> : line.text}</td>
            </tr>
          ))}
        </tbody>
      ))}
    </table>
  );
}
