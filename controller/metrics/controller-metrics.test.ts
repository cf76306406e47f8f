/**
 * The parameter counts the hot paths tally in plain numbers: each origin's
 * and outcome's series exists from the start at 0, and a scrape shows the
 * sums of what was reported, with the waits in progress as started - ended.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore } from '../../test/helpers/store.js';
import type { Store } from '../store/store.js';
import { ControllerMetrics } from './controller-metrics.js';

/** The value of one series in a Prometheus text exposition (undefined when it has none). */
function seriesValue(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('ControllerMetrics parameter counts', () => {
  let store: Store;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await openTestStore('sqlite'));
  });
  afterAll(async () => {
    await dispose?.();
  });

  it('has every origin and outcome at 0 before anything happened', async () => {
    const { body } = await new ControllerMetrics(store, pino({ level: 'silent' })).render();
    expect(seriesValue(body, 'slipstream_parameter_sets_total{origin="agent"}')).toBe(0);
    expect(seriesValue(body, 'slipstream_parameter_sets_total{origin="operator"}')).toBe(0);
    for (const outcome of ['satisfied', 'timeout', 'aborted']) {
      expect(seriesValue(body, `slipstream_parameter_waits_ended_total{outcome="${outcome}"}`)).toBe(0);
    }
    expect(seriesValue(body, 'slipstream_parameter_waits_started_total')).toBe(0);
    expect(seriesValue(body, 'slipstream_parameter_waits_in_progress')).toBe(0);
  });

  it('shows the sums reported, the same at every scrape', async () => {
    const metrics = new ControllerMetrics(store, pino({ level: 'silent' }));
    metrics.parameterSets('agent', 3);
    metrics.parameterSets('agent', 1);
    metrics.parameterSets('operator', 2);
    for (let i = 0; i < 4; i++) metrics.waitStarted();
    metrics.waitEnded('satisfied');
    metrics.waitEnded('satisfied');
    metrics.waitEnded('timeout');
    for (let scrape = 0; scrape < 2; scrape++) {
      const { body } = await metrics.render();
      expect(seriesValue(body, 'slipstream_parameter_sets_total{origin="agent"}')).toBe(4);
      expect(seriesValue(body, 'slipstream_parameter_sets_total{origin="operator"}')).toBe(2);
      expect(seriesValue(body, 'slipstream_parameter_waits_started_total')).toBe(4);
      expect(seriesValue(body, 'slipstream_parameter_waits_ended_total{outcome="satisfied"}')).toBe(2);
      expect(seriesValue(body, 'slipstream_parameter_waits_ended_total{outcome="timeout"}')).toBe(1);
      expect(seriesValue(body, 'slipstream_parameter_waits_ended_total{outcome="aborted"}')).toBe(0);
      expect(seriesValue(body, 'slipstream_parameter_waits_in_progress')).toBe(1);
    }
  });
});
