/**
 * How a failed command ends: one clear message on stderr and the exit code
 * that says what kind of failure it was.
 */
import {
  InvalidArgumentError,
  PermissionDeniedError,
  RetryableError,
  SlipstreamError,
  UnauthenticatedError,
  UnavailableError,
} from '../errors.js';
import type { FieldViolation } from '../../common/errors.js';
import type { CliIo } from './deps.js';
import { ExitCode } from './exit-codes.js';

/** A mistake in the command line or the configuration; exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Writes violations the CLI way: one `  field: description` line each. */
export function formatViolations(violations: readonly FieldViolation[]): string {
  return violations.map((v) => `  ${v.field || '(document)'}: ${v.description}\n`).join('');
}

/** Prints `error` to stderr and returns the exit code for it. */
export function reportError(io: Pick<CliIo, 'stderr'>, error: unknown): ExitCode {
  const write = (text: string): void => void io.stderr.write(text);
  if (error instanceof UsageError) {
    write(`error: ${error.message}\n`);
    return ExitCode.usage;
  }
  if (error instanceof InvalidArgumentError && error.violations.length > 0) {
    write(`error: invalid argument (${error.violationCount} violation${error.violationCount === 1 ? '' : 's'}):\n`);
    write(formatViolations(error.violations));
    return ExitCode.failed;
  }
  if (error instanceof UnauthenticatedError) {
    write(`error: not authenticated: ${error.message} (check the token: slipstream context show)\n`);
    return ExitCode.auth;
  }
  if (error instanceof PermissionDeniedError) {
    write(`error: permission denied: ${error.message}\n`);
    return ExitCode.auth;
  }
  if (error instanceof UnavailableError) {
    write(`error: controller unavailable: ${error.message}${retryHint(error)}\n`);
    return ExitCode.failed;
  }
  if (error instanceof RetryableError) {
    write(`error: ${error.message}${retryHint(error)}\n`);
    return ExitCode.failed;
  }
  if (error instanceof SlipstreamError) {
    write(`error: ${error.message}\n`);
    return ExitCode.failed;
  }
  write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  return ExitCode.failed;
}

/** ` (retry after Ns)` when the server said how long to wait. */
function retryHint(error: RetryableError): string {
  return error.retryDelayMs === undefined ? '' : ` (retry after ${Math.max(1, Math.ceil(error.retryDelayMs / 1000))}s)`;
}
