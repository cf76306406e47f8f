/**
 * A write of a run carried a lease epoch older than the run's: another
 * controller replica took the run over, and this one's write did not commit.
 */
export class LeaseLostError extends Error {
  constructor(readonly runId: string) {
    super(`run ${runId} is now driven by another controller replica`);
    this.name = 'LeaseLostError';
  }
}
