/**
 * Options of the `azure` driver: what the composition root (or a test)
 * injects, compiled once with defaults. Cloud settings are per cloud; these
 * are per controller.
 */
import type { TokenCredential } from '@azure/identity';

/** What a caller of `createAzureDriver` may set; everything has a default. */
export interface AzureDriverOptions {
  /**
   * The credential every connector uses instead of a client-secret credential
   * made from the tenant's credentials (tests: a static token).
   */
  credential?: TokenCredential;
  /**
   * PEM certificates that are the only trusted roots for ARM and the authority
   * host (a local test server's CA). Default: the system's usual roots.
   */
  trustedCaPem?: string;
  /** Polling interval of long-running operations. Default: what ARM asks for, else the SDK's 2 s. */
  pollIntervalMs?: number;
  /** How often a throttled (429) or failed (5xx, network) request is retried by the SDK. Default 3. */
  maxRetries?: number;
  /** The SDK's first retry delay (exponential after). Default 800 ms. */
  retryDelayMs?: number;
  /** How long provision waits for a VM an earlier attempt is still creating or deleting. Default 30 min. */
  settleTimeoutMs?: number;
}

/** Validated, defaulted, frozen options. */
export interface CompiledAzureDriverOptions {
  readonly credential: TokenCredential | undefined;
  readonly trustedCaPem: string | undefined;
  readonly pollIntervalMs: number | undefined;
  readonly maxRetries: number;
  readonly retryDelayMs: number;
  readonly settleTimeoutMs: number;
  /** Interval of this driver's own polling (a VM another attempt is creating). */
  readonly settleIntervalMs: number;
}

const DEFAULT_SETTLE_INTERVAL_MS = 5_000;

/** Applies defaults and validates once; throws with a message naming the option. */
export function compileAzureDriverOptions(input: AzureDriverOptions = {}): CompiledAzureDriverOptions {
  const integer = (name: keyof AzureDriverOptions, value: number | undefined, fallback: number, min: number): number => {
    const result = value ?? fallback;
    if (!Number.isInteger(result) || result < min) throw new TypeError(`azure driver: ${name} must be an integer >= ${min}`);
    return result;
  };
  if (input.credential !== undefined && typeof input.credential.getToken !== 'function') {
    throw new TypeError('azure driver: credential must be a TokenCredential (with getToken)');
  }
  if (input.trustedCaPem !== undefined && !input.trustedCaPem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new TypeError('azure driver: trustedCaPem must hold PEM certificates');
  }
  const pollIntervalMs = input.pollIntervalMs === undefined ? undefined : integer('pollIntervalMs', input.pollIntervalMs, 0, 1);
  return Object.freeze({
    credential: input.credential,
    trustedCaPem: input.trustedCaPem,
    pollIntervalMs,
    maxRetries: integer('maxRetries', input.maxRetries, 3, 0),
    retryDelayMs: integer('retryDelayMs', input.retryDelayMs, 800, 1),
    settleTimeoutMs: integer('settleTimeoutMs', input.settleTimeoutMs, 30 * 60_000, 1),
    settleIntervalMs: pollIntervalMs ?? DEFAULT_SETTLE_INTERVAL_MS,
  });
}
