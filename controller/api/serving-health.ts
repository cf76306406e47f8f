import { HealthImplementation } from 'grpc-health-check';
import type { Server } from '@grpc/grpc-js';

/**
 * The standard gRPC health service of one API server, with one switch for
 * the whole server ('' and each of our services): load balancers and probes
 * send traffic only to a replica that says SERVING. Once `stop` is called it
 * stays NOT_SERVING, so a `setServing(true)` that races a shutdown cannot
 * bring traffic back to a replica on its way out.
 */
export class ServingHealth {
  private readonly health: HealthImplementation;
  private serving: boolean;
  private stopped = false;

  constructor(
    private readonly services: readonly string[],
    serving: boolean,
  ) {
    this.serving = serving;
    const status = serving ? 'SERVING' : 'NOT_SERVING';
    this.health = new HealthImplementation({ '': status, ...Object.fromEntries(services.map((s) => [s, status])) });
  }

  addToServer(server: Server): void {
    this.health.addToServer(server);
  }

  /** SERVING or NOT_SERVING for '' and every service; ignored once stopped when asked to serve. */
  setServing(serving: boolean): void {
    if (serving && this.stopped) return;
    if (serving === this.serving) return;
    this.serving = serving;
    const status = serving ? 'SERVING' : 'NOT_SERVING';
    this.health.setStatus('', status);
    for (const s of this.services) this.health.setStatus(s, status);
  }

  /** NOT_SERVING for good: the server is shutting down. */
  stop(): void {
    this.stopped = true;
    this.setServing(false);
  }
}
