/**
 * Whether a failed call says that retrying it later may succeed: the
 * controller answers a passing limit (too many uploads at once) with a
 * google.rpc.RetryInfo in the `grpc-status-details-bin` trailer, and a quota
 * (a report past the instance's byte quota) without one: sending the same
 * bytes again would only be refused again.
 */
import { Status } from '../proto/gen/google/rpc/status.js';

const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';

/** True when the call's error carries a google.rpc.RetryInfo. */
export function carriesRetryInfo(err: unknown): boolean {
  const metadata = (err as { metadata?: { get?(key: string): unknown[] } } | null)?.metadata;
  const value = metadata?.get?.('grpc-status-details-bin')[0];
  if (!(value instanceof Uint8Array)) return false;
  try {
    return Status.decode(value).details.some((d) => d.typeUrl === RETRY_INFO);
  } catch {
    return false;
  }
}
