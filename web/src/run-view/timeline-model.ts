/**
 * The timeline's geometry in time, without drawing: for each instance a bar per barrier phase, from the run entering
 * the state to the instance reporting it complete; the barriers (the run leaving a state); and the slowest instance
 * of each phase, which is what a person looks for and what the text alternative says.
 */
import type { Completion, PhaseSpan } from './run-store.js';
import { BARRIER_STATES, isFinalState, type StateName } from '../components/run-states.js';

export interface TimelineBar {
  state: StateName;
  start: number;
  end: number;
  /** Completed; false while the phase is still going on, or when the run left it without this instance completing it. */
  done: boolean;
}

export interface Barrier {
  time: number;
  left: StateName;
  entered: StateName | undefined;
}

export interface SlowestInPhase {
  state: StateName;
  instance: string;
  durationMs: number;
  done: boolean;
}

export interface TimelineModel {
  instances: string[];
  /** One list of bars per instance, in the order of `instances`. */
  bars: TimelineBar[][];
  barCount: number;
  barriers: Barrier[];
  start: number;
  end: number;
  /** One per barrier phase the run went through, in order. */
  slowest: SlowestInPhase[];
}

/**
 * `now` ends the bars of a phase still going on; a final run's timeline ends where it became final.
 * Each completion belongs to the latest phase of its state that started before it (a scalable run goes through the
 * barrier states again for each scale action).
 */
export function timelineModel(phases: readonly PhaseSpan[], completions: ReadonlyMap<string, readonly Completion[]>, instances: readonly string[], now: number): TimelineModel {
  const last = phases.at(-1);
  const final = isFinalState(last?.state);
  const start = phases[0]?.start ?? now;
  let end = final && last ? last.start : now;

  const completionOf = new Map<number, Map<string, Completion>>();
  for (const [instance, list] of completions) {
    for (const completion of list) {
      const phase = findLastIndex(phases, (p) => p.state === completion.state && p.startSequence < completion.sequence);
      if (phase < 0) continue;
      const byInstance = completionOf.get(phase) ?? new Map<string, Completion>();
      // The first completion counts: a repeated report of the same phase changes nothing.
      if (!byInstance.has(instance)) byInstance.set(instance, completion);
      completionOf.set(phase, byInstance);
    }
  }

  const bars: TimelineBar[][] = instances.map(() => []);
  const slowest: SlowestInPhase[] = [];
  let barCount = 0;
  phases.forEach((phase, index) => {
    if (!BARRIER_STATES.includes(phase.state)) return;
    const completed = completionOf.get(index);
    const unfinishedUntil = phase.end === undefined ? (final ? undefined : now) : leftUnfinished(phase) ? phase.end : undefined;
    let slow: SlowestInPhase | undefined;
    instances.forEach((instance, row) => {
      const completion = completed?.get(instance);
      const barEnd = completion?.time ?? unfinishedUntil;
      if (barEnd === undefined) return;
      const bar: TimelineBar = { state: phase.state, start: phase.start, end: Math.max(phase.start, barEnd), done: completion !== undefined };
      bars[row]!.push(bar);
      barCount++;
      end = Math.max(end, bar.end);
      const durationMs = bar.end - bar.start;
      if (!slow || durationMs > slow.durationMs) slow = { state: phase.state, instance, durationMs, done: bar.done };
    });
    if (slow) slowest.push(slow);
  });

  const barriers = phases.filter((p) => p.end !== undefined).map((p) => ({ time: p.end!, left: p.state, entered: p.next }));
  return { instances: [...instances], bars, barCount, barriers, start, end: Math.max(end, start + 1), slowest };
}

/** The run left the phase for good before every instance completed it: aborted, cancelled or terminated. */
function leftUnfinished(phase: PhaseSpan): boolean {
  return phase.next === 'Finalizing' || isFinalState(phase.next);
}

function findLastIndex<T>(items: readonly T[], test: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i]!)) return i;
  return -1;
}
