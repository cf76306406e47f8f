/**
 * The run list as WatchRuns pushes it: the current runs, `synced`, then each change. A reconnect (follow() reopening
 * the stream after a controller restart) starts over with the current runs; they are gathered aside and replace the
 * shown list at `synced`, so that the list neither doubles nor blanks while the stream catches up.
 */
import type { Run, WatchRunsResponse } from '../../../proto/gen/es/slipstream/v1/runs_pb.js';

export class WatchedRuns {
  private shown = new Map<string, Run>();
  private gathering: Map<string, Run> | undefined;
  private everSynced = false;

  /** A new stream opened: what it sends until `synced` is the whole list. */
  startOver(): void {
    this.gathering = new Map();
  }

  /** Applies one update; true when the shown list changed. */
  apply(message: WatchRunsResponse): boolean {
    const update = message.update;
    const target = this.gathering ?? this.shown;
    switch (update.case) {
      case 'run':
        target.set(update.value.id, update.value);
        return target === this.shown;
      case 'removed':
        return target.delete(update.value) && target === this.shown;
      case 'synced':
        if (this.gathering) this.shown = this.gathering;
        this.gathering = undefined;
        this.everSynced = true;
        return true;
      default:
        return false;
    }
  }

  /** True once a stream has sent its current runs: an empty list then means there are none. */
  get synced(): boolean {
    return this.everSynced;
  }

  /** True while a new stream's current runs are gathered: the shown list may be out of date until `synced`. */
  get catchingUp(): boolean {
    return this.gathering !== undefined;
  }

  /** The shown runs, newest first. */
  runs(): Run[] {
    return [...this.shown.values()].sort((a, b) => seconds(b) - seconds(a) || b.id.localeCompare(a.id));
  }
}

function seconds(run: Run): number {
  return Number(run.createdAt?.seconds ?? 0n) + (run.createdAt?.nanos ?? 0) / 1e9;
}
