/**
 * What a sim worker's agents logged, counted by level and message instead of
 * written out. A real agent writes its lines to its own VM's journal; the
 * thousands a worker hosts would all write to one pipe, synchronously: after
 * a controller restart at 5,000 agents, writing their 'session lost' lines
 * (one per agent) cost the two workers 0.4 s of CPU while the controller
 * stopped and started, and the lines buried the bench's own output.
 */
import type { SimLogKind } from './sim-protocol.js';

/** Distinct (level, message) pairs kept; further ones are counted under one catch-all kind. */
export const MAX_LOG_KINDS = 100;
/** The longest first line kept verbatim. */
const MAX_LINE_CHARS = 1_000;
const OTHER: Pick<SimLogKind, 'level' | 'msg'> = { level: 'mixed', msg: `(more than ${MAX_LOG_KINDS} kinds of line)` };

export class LogTally {
  private readonly kinds = new Map<string, SimLogKind>();
  /** Lines of kinds beyond MAX_LOG_KINDS, counted together. */
  private other: SimLogKind | undefined;

  /** Counts one line of the agent logger (a JSON object with `level` and `msg`; anything else counts as it is). */
  add(line: string): void {
    const text = line.trimEnd();
    const { level, msg } = levelAndMessage(text);
    const id = kindId({ level, msg });
    const known = this.kinds.get(id);
    if (known) {
      known.count++;
      return;
    }
    if (this.kinds.size < MAX_LOG_KINDS) {
      this.kinds.set(id, { level, msg, count: 1, first: text.slice(0, MAX_LINE_CHARS) });
      return;
    }
    this.other ??= { ...OTHER, count: 0, first: text.slice(0, MAX_LINE_CHARS) };
    this.other.count++;
  }

  /** The kinds seen, most frequent first. */
  list(): SimLogKind[] {
    const kinds = [...this.kinds.values(), ...(this.other ? [this.other] : [])];
    return sortedByCount(kinds.map((k) => ({ ...k })));
  }
}

/** Several workers' tallies as one: counts added, the first line of the first list that has the kind. */
export function mergeLogKinds(lists: readonly (readonly SimLogKind[])[]): SimLogKind[] {
  const merged = new Map<string, SimLogKind>();
  for (const list of lists) {
    for (const kind of list) {
      const id = kindId(kind);
      const known = merged.get(id);
      if (known) known.count += kind.count;
      else merged.set(id, { ...kind });
    }
  }
  return sortedByCount([...merged.values()]);
}

/** What tells kinds apart: their level and message. */
function kindId(kind: Pick<SimLogKind, 'level' | 'msg'>): string {
  return `${kind.level}\n${kind.msg}`;
}

function levelAndMessage(line: string): Pick<SimLogKind, 'level' | 'msg'> {
  try {
    const record = JSON.parse(line) as { level?: unknown; msg?: unknown } | null;
    if (record && typeof record.level === 'string' && typeof record.msg === 'string') return { level: record.level, msg: record.msg };
  } catch {
    // Not a logger line: counted under its own text.
  }
  return { level: 'unknown', msg: line.slice(0, 200) };
}

function sortedByCount(kinds: SimLogKind[]): SimLogKind[] {
  return kinds.sort((a, b) => b.count - a.count || a.msg.localeCompare(b.msg));
}
