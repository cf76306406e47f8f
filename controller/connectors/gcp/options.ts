/** What `createGcpDriver` takes, compiled once (defaults, validation, frozen). */
import type { AuthClient } from 'google-auth-library';
import { serviceAccountAuthClient } from './auth.js';

/** Options of the `gcp` driver (not of one cloud: those are its settings). */
export interface GcpDriverOptions {
  /**
   * Makes the auth client for a tenant's credentials. Default: a JWT client
   * for the `serviceAccountJson` credential. Tests give a static client
   * (an OAuth2Client holding a fixed access token) so that no token endpoint
   * is contacted.
   */
  authClient?: (credentials: Record<string, string>) => AuthClient | Promise<AuthClient>;
  /** How long provision and terminate wait for their zone operation. Default 10 minutes. */
  operationTimeoutMs?: number;
  /** Longest pause between polls of an operation or a VM still being created. Default 5 s. */
  maxPollIntervalMs?: number;
}

/** Validated, defaulted, frozen options. */
export interface CompiledGcpDriverOptions {
  readonly authClient: (credentials: Record<string, string>) => AuthClient | Promise<AuthClient>;
  readonly operationTimeoutMs: number;
  readonly maxPollIntervalMs: number;
}

/** Applies defaults and validates once; throws with a message naming the option. */
export function compileGcpDriverOptions(input: GcpDriverOptions = {}): CompiledGcpDriverOptions {
  const authClient = input.authClient ?? serviceAccountAuthClient;
  if (typeof authClient !== 'function') throw new TypeError('gcp driver: authClient must be a function of the credentials');
  const operationTimeoutMs = positive(input.operationTimeoutMs ?? 600_000, 'operationTimeoutMs');
  const maxPollIntervalMs = positive(input.maxPollIntervalMs ?? 5_000, 'maxPollIntervalMs');
  return Object.freeze({ authClient, operationTimeoutMs, maxPollIntervalMs });
}

function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) throw new TypeError(`gcp driver: ${name} must be a positive integer of milliseconds`);
  return value;
}
