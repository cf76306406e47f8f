/**
 * Group work per key: requests that arrive while a batch for the same key is
 * being handled wait and go together in the next batch (one transaction for
 * many, instead of one each). Batches of different keys run concurrently.
 */
export class Batcher<Request, Result> {
  private readonly queues = new Map<string, { request: Request; resolve: (r: Result) => void; reject: (e: unknown) => void }[]>();

  /** `handle` gets a key's queued requests and returns one result per request, in order. */
  constructor(
    private readonly handle: (key: string, requests: Request[]) => Promise<Result[]>,
    private readonly maxBatch = 1_000,
  ) {}

  submit(key: string, request: Request): Promise<Result> {
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(key);
      if (queue) return void queue.push({ request, resolve, reject });
      const fresh = [{ request, resolve, reject }];
      this.queues.set(key, fresh);
      void this.drain(key, fresh);
    });
  }

  private async drain(key: string, queue: { request: Request; resolve: (r: Result) => void; reject: (e: unknown) => void }[]): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, this.maxBatch);
      try {
        const results = await this.handle(key, batch.map((b) => b.request));
        batch.forEach((b, i) => b.resolve(results[i]!));
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    this.queues.delete(key);
  }
}
