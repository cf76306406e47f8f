import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { isTransient, problemOf } from './errors.js';

describe('isTransient', () => {
  it('retries what a restart or hand-over answers', () => {
    for (const code of [Code.Unavailable, Code.DeadlineExceeded, Code.ResourceExhausted, Code.Aborted]) {
      expect(isTransient(new ConnectError('later', code)), Code[code]).toBe(true);
    }
  });

  it('retries when no answer came at all: fetch failed or the body broke off (connect-web: UNKNOWN caused by a TypeError)', () => {
    expect(isTransient(ConnectError.from(new TypeError('Failed to fetch')))).toBe(true);
    expect(isTransient(new TypeError('network error'))).toBe(true);
    expect(problemOf(new TypeError('Failed to fetch')).message).toContain('not reachable');
  });

  it('does not retry what the controller decided', () => {
    for (const code of [Code.Unauthenticated, Code.PermissionDenied, Code.InvalidArgument, Code.NotFound, Code.Internal, Code.Unknown]) {
      expect(isTransient(new ConnectError('no', code)), Code[code]).toBe(false);
    }
  });
});
