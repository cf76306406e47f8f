/**
 * Token buckets by key (an API token, a tenant): each holds up to `burst`
 * tokens and refills at `perSecond`; a call takes one. Written here rather
 * than taken from rate-limiter-flexible, whose in-memory limiter counts fixed
 * windows (twice the limit passes across a window's edge) and arms a timer
 * per key: a bucket is two numbers, refilled when it is looked at, and the
 * wait it reports is exact.
 */

/** How fast a bucket refills and how many calls it lets through at once. */
export interface BucketRule {
  /** Tokens a full bucket holds: the calls let through at once after a quiet spell. */
  burst: number;
  /** Tokens added per second; 0 means no limit. */
  perSecond: number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date, in milliseconds (`now`'s clock). */
  at: number;
}

/** Buckets left untouched this long are full again and forgotten (checked at most this often). */
const SWEEP_INTERVAL_MS = 60_000;

/** One bucket per key, all with the same rule. */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep: number;

  constructor(
    readonly rule: BucketRule,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastSweep = now();
  }

  /** Whether the rule limits anything at all. */
  get limited(): boolean {
    return this.rule.perSecond > 0;
  }

  /** Milliseconds until `key`'s bucket holds a token (0: it holds one now). */
  waitMs(key: string): number {
    if (!this.limited) return 0;
    const tokens = this.refill(key).tokens;
    // Less a hair, so that float dust (0.998 tokens at 2/s: 1.0000000000000009 ms) does not round a wait up.
    return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) / this.rule.perSecond) * 1000 - 1e-6);
  }

  /** Takes a token from `key`'s bucket; call after {@link waitMs} said 0. */
  take(key: string): void {
    if (!this.limited) return;
    this.refill(key).tokens -= 1;
  }

  /** Keys with a bucket that is not full (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  private refill(key: string): Bucket {
    const now = this.now();
    this.sweep(now);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: this.rule.burst, at: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    bucket.tokens = Math.min(this.rule.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.rule.perSecond);
    bucket.at = now;
    return bucket;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.rule.perSecond >= this.rule.burst) this.buckets.delete(key);
    }
  }
}
