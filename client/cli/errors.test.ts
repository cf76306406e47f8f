import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { errorFromStatus } from '../errors.js';
import { reportError } from './errors.js';
import { ExitCode } from './exit-codes.js';

function printed(error: unknown): { text: string; code: ExitCode } {
  let text = '';
  const code = reportError({ stderr: { write: (chunk: string) => ((text += chunk), true) } as never }, error);
  return { text, code };
}

describe('reportError', () => {
  it('says when to retry a call refused by a limit, as the server said', () => {
    const refused = errorFromStatus({
      code: status.RESOURCE_EXHAUSTED,
      message: "too many changes from token 'ci': at most 100 at once and 10 a second after that",
      details: { retryDelayMs: 1500, errorInfo: { reason: 'RATE_LIMITED', domain: 'slipstream.dev', metadata: {} } },
    });
    expect(printed(refused)).toEqual({ text: "error: too many changes from token 'ci': at most 100 at once and 10 a second after that (retry after 2s)\n", code: ExitCode.failed });
    const quota = errorFromStatus({ code: status.RESOURCE_EXHAUSTED, message: 'quota exceeded', details: {} });
    expect(printed(quota).text).toBe('error: quota exceeded\n');
  });

  it('counts every violation, also those the server did not list', () => {
    const invalid = errorFromStatus({
      code: status.INVALID_ARGUMENT,
      message: '1000 violations: ...',
      details: {
        fieldViolations: [
          { field: 'parameters.a', description: 'unknown parameter' },
          { field: '', description: 'and 999 more violations not listed (1000 in all)' },
        ],
        errorInfo: { reason: 'INVALID_ARGUMENT', domain: 'slipstream.dev', metadata: { violations: '1000' } },
      },
    });
    expect(printed(invalid).text).toBe('error: invalid argument (1000 violations):\n  parameters.a: unknown parameter\n  (document): and 999 more violations not listed (1000 in all)\n');
  });
});
