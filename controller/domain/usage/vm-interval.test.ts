import { describe, expect, it } from 'vitest';
import { vmClock } from '../../store/repositories/run-instances.js';
import { launchedDuring, ranDuring, secondsDuring, type VmInterval } from './vm-interval.js';

const t = (iso: string) => new Date(`2026-12-${iso}Z`);
const period = { from: t('01T00:00:00'), to: t('08T00:00:00') };
const now = t('10T00:00:00');
const vm = (started: string, stopped?: string): VmInterval => ({ startedAt: t(started), stoppedAt: stopped ? t(stopped) : null });
const HOUR = 3600;

describe('secondsDuring', () => {
  it('counts a VM wholly inside the period from its start to its stop', () => {
    expect(secondsDuring(vm('02T10:00:00', '02T13:30:00'), period, now)).toBe(3.5 * HOUR);
  });

  it('clips a VM that started before the period at its start, and one that stopped after it at its end', () => {
    expect(secondsDuring(vm('01T00:30:00', '01T02:00:00'), { from: t('01T01:00:00'), to: period.to }, now)).toBe(HOUR);
    expect(secondsDuring(vm('07T23:00:00', '09T00:00:00'), period, now)).toBe(HOUR);
    expect(secondsDuring({ startedAt: new Date('2026-11-30T00:00:00Z'), stoppedAt: t('01T06:00:00') }, period, now)).toBe(6 * HOUR);
  });

  it('counts a VM still running up to now, or to the end of a period that is over', () => {
    expect(secondsDuring(vm('07T00:00:00'), period, now)).toBe(24 * HOUR);
    expect(secondsDuring(vm('09T00:00:00'), { from: t('08T00:00:00'), to: t('15T00:00:00') }, now)).toBe(24 * HOUR);
    // A period in the future meters nothing yet.
    expect(secondsDuring(vm('09T00:00:00'), { from: t('11T00:00:00'), to: t('12T00:00:00') }, now)).toBe(0);
  });

  it('gives 0 for a VM that stopped before the period or started after it, the boundaries excluded', () => {
    expect(secondsDuring({ startedAt: new Date('2026-11-30T00:00:00Z'), stoppedAt: period.from }, period, now)).toBe(0);
    expect(secondsDuring(vm('08T00:00:00', '09T00:00:00'), period, now)).toBe(0);
    expect(ranDuring({ startedAt: new Date('2026-11-30T00:00:00Z'), stoppedAt: period.from }, period, now)).toBe(false);
    expect(ranDuring(vm('08T00:00:00'), period, now)).toBe(false);
    expect(ranDuring(vm('07T23:59:59'), period, now)).toBe(true);
  });

  it('adds up to the whole life of a VM across adjacent periods (no gap, no double count)', () => {
    const life = vm('03T05:00:00', '05T17:45:00');
    const days = Array.from({ length: 7 }, (_, d) => ({ from: t(`0${d + 1}T00:00:00`), to: t(`0${d + 2}T00:00:00`) }));
    const sum = days.reduce((s, p) => s + secondsDuring(life, p, now), 0);
    expect(sum).toBe(secondsDuring(life, period, now));
    expect(sum).toBe((2 * 24 + 12.75) * HOUR);
  });
});

describe('launchedDuring', () => {
  it('includes the period start and excludes its end', () => {
    expect(launchedDuring(period.from, period)).toBe(true);
    expect(launchedDuring(period.to, period)).toBe(false);
    expect(launchedDuring(new Date(period.to.getTime() - 1), period)).toBe(true);
  });
});

describe('vmClock (the store records the interval with the VM state)', () => {
  const at = t('02T00:00:00');
  it('starts when the VM turns running, stops when it leaves running, and changes nothing else', () => {
    expect(vmClock('pending', 'running', at)).toEqual({ vmStartedAt: at });
    expect(vmClock('running', 'terminated', at)).toEqual({ vmStoppedAt: at });
    expect(vmClock('running', 'failed', at)).toEqual({ vmStoppedAt: at });
    // No VM was ever known running: nothing to meter.
    expect(vmClock('pending', 'terminated', at)).toEqual({});
    expect(vmClock('pending', 'failed', at)).toEqual({});
    // A restarted controller reloads the instance as running; an input seen again leaves the start where it was.
    expect(vmClock('running', 'running', at)).toEqual({});
    expect(vmClock('terminated', 'terminated', at)).toEqual({});
  });
});
