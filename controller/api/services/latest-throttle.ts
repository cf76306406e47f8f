/**
 * Coalesces bursts of changes per key: a key marked changed is due at once
 * when it was not sent in the last `intervalMs`, else when that interval
 * ends; marks in between fold into one (the sender reads the latest version
 * when the key falls due). A 1,000-instance run that changes many times a
 * second is sent about four times a second, while a quiet run's change goes
 * out at once.
 */
export class LatestThrottle {
  private readonly changed = new Set<string>();
  /** When each key was last taken, kept only while that is within the interval. */
  private readonly lastTaken = new Map<string, number>();

  constructor(private readonly intervalMs: number) {}

  /** Notes that the key changed. */
  mark(key: string): void {
    this.changed.add(key);
  }

  /** Keys marked and not yet taken. */
  get size(): number {
    return this.changed.size;
  }

  /** Takes the keys due at `now` (recording them as sent then), and says when the next of the others falls due. */
  take(now: number): { due: string[]; nextAt: number | undefined } {
    for (const [key, at] of this.lastTaken) if (now - at >= this.intervalMs) this.lastTaken.delete(key);
    const due: string[] = [];
    let nextAt: number | undefined;
    for (const key of this.changed) {
      const at = this.lastTaken.get(key);
      if (at === undefined) {
        due.push(key);
      } else {
        nextAt = Math.min(nextAt ?? Infinity, at + this.intervalMs);
      }
    }
    for (const key of due) {
      this.changed.delete(key);
      this.lastTaken.set(key, now);
    }
    return { due, nextAt };
  }
}
