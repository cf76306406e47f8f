/**
 * The report quota counts an instance's stored reports and its uploads in
 * flight: a report uploaded again counts once, two uploads streaming at once
 * share the byte quota, and a third one waits its turn.
 */
import { describe, expect, it } from 'vitest';
import { UnavailableError } from '../../../common/errors.js';
import { ReportQuotaExceededError, ReportQuotas, type StoredReport } from './report-quota.js';

const stored = (...reports: StoredReport[]) => () => Promise.resolve(reports);

describe('ReportQuotas', () => {
  it('refuses a name past the count, not a report uploaded again under its name', async () => {
    const quotas = new ReportQuotas({ maxCount: 2, maxBytes: 1_000 });
    const two = stored({ name: 'a', sizeBytes: 1 }, { name: 'b', sizeBytes: 1 });
    (await quotas.begin('run', 'web.1', 'a', two)).end();
    const refused = await quotas.begin('run', 'web.1', 'c', two).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ReportQuotaExceededError);
    expect(refused).toMatchObject({ limit: 'report-max-count', metadata: { limit: 'report-max-count', max: '2' } });
    // Another instance has its own quota.
    (await quotas.begin('run', 'web.2', 'c', stored())).end();
  });

  it('counts the bytes of the other stored reports and of every upload in flight', async () => {
    const quotas = new ReportQuotas({ maxCount: 10, maxBytes: 1_000 });
    const reports = stored({ name: 'old', sizeBytes: 400 }, { name: 'same', sizeBytes: 500 });
    // Replacing `same`: its 500 stored bytes do not count.
    const replacing = await quotas.begin('run', 'web.1', 'same', reports);
    replacing.add(300);
    const other = await quotas.begin('run', 'web.1', 'new', reports);
    other.add(300);
    expect(() => other.add(1)).toThrow(ReportQuotaExceededError);
    other.end();
    // Its share given back, the first one may grow into it.
    replacing.add(300);
    expect(replacing.bytes).toBe(600);
    expect(() => replacing.add(1)).toThrow(/report-max-bytes/);
    replacing.end();
  });

  it('lets two uploads of an instance stream at once; the third is asked to retry', async () => {
    const quotas = new ReportQuotas({ maxCount: 10, maxBytes: 1_000 });
    const first = await quotas.begin('run', 'web.1', 'a', stored());
    const second = await quotas.begin('run', 'web.1', 'a', stored());
    const third = await quotas.begin('run', 'web.1', 'a', stored()).catch((err: unknown) => err);
    expect(third).toBeInstanceOf(UnavailableError);
    expect((third as UnavailableError).retryAfterMs).toBeGreaterThan(0);
    await first.store(() => Promise.resolve());
    second.end();
    (await quotas.begin('run', 'web.1', 'a', stored())).end();
  });
});
