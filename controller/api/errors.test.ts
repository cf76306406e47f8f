import { status } from '@grpc/grpc-js';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { statusFromMetadata, unpackStatusDetails } from '../../client/status-details.js';
import { InvalidArgumentError, NotFoundError, ResourceExhaustedError } from '../../common/errors.js';
import { MAX_REPORTED_VIOLATIONS, MAX_STATUS_MESSAGE_CHARS, reportedViolations, toStatus, VIOLATION_TEXT_BUDGET } from './errors.js';

const log = pino({ level: 'silent' });
const violations = (n: number, description = 'unknown parameter') => Array.from({ length: n }, (_, i) => ({ field: `parameters.p${i}`, description }));
const detailsOf = (err: unknown) => {
  const s = toStatus(err, log);
  return { status: s, details: unpackStatusDetails(statusFromMetadata(s.metadata)!.details) };
};

describe('reportedViolations', () => {
  it('sends every violation of a short list as it is', () => {
    expect(reportedViolations(violations(3))).toEqual(violations(3));
  });

  it('sends the first 100 and one entry that counts the rest', () => {
    const sent = reportedViolations(violations(1000));
    expect(sent).toHaveLength(MAX_REPORTED_VIOLATIONS + 1);
    expect(sent.slice(0, MAX_REPORTED_VIOLATIONS)).toEqual(violations(MAX_REPORTED_VIOLATIONS));
    expect(sent.at(-1)).toEqual({ field: '', description: 'and 900 more violations not listed (1000 in all)' });
  });

  it('keeps the text within its budget however long each violation is', () => {
    const sent = reportedViolations(violations(100, 'x'.repeat(10_000)));
    const text = sent.reduce((sum, v) => sum + v.field.length + v.description.length, 0);
    expect(text).toBeLessThan(VIOLATION_TEXT_BUDGET + 200);
    expect(sent.at(-1)!.description).toMatch(/more violations not listed \(100 in all\)/);
  });
});

describe('toStatus', () => {
  it('carries the count of every violation beside the ones it lists', () => {
    const { status: s, details } = detailsOf(new InvalidArgumentError(violations(5000)));
    expect(s.code).toBe(status.INVALID_ARGUMENT);
    expect(details.errorInfo?.metadata.violations).toBe('5000');
    expect(details.fieldViolations).toHaveLength(MAX_REPORTED_VIOLATIONS + 1);
    expect(s.details!.length).toBeLessThan(MAX_STATUS_MESSAGE_CHARS);
  });

  it('clips a message that quotes a huge argument', () => {
    const { status: s, details } = detailsOf(new NotFoundError('run', 'x'.repeat(1_000_000)));
    expect(s.details!.length).toBe(MAX_STATUS_MESSAGE_CHARS);
    expect(details.resourceInfo!.resourceName.length).toBeLessThanOrEqual(256);
  });

  it('tells when to retry a limit that waiting frees, and names the limit', () => {
    const err = new ResourceExhaustedError('slow down', { limit: 'mutations_per_token' }, { reason: 'RATE_LIMITED', retryAfterMs: 1250 });
    const { status: s, details } = detailsOf(err);
    expect(s.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(details.retryDelayMs).toBe(1250);
    expect(details.errorInfo).toMatchObject({ reason: 'RATE_LIMITED', metadata: { limit: 'mutations_per_token' } });
    expect(detailsOf(new ResourceExhaustedError('quota exceeded', { cloud: 'aws' })).details.retryDelayMs).toBeUndefined();
  });
});
