/**
 * The interval arithmetic of usage metering, stated once in TypeScript: the
 * store's SQL (UsageRepository) computes the same sums in the database, and
 * its tests compare the two.
 */

/** A VM's life as the controller recorded it. */
export interface VmInterval {
  /** When the VM was known running. */
  startedAt: Date;
  /** When it was known gone; null while it may still run. */
  stoppedAt: Date | null;
}

/** A metering period: [from, to). */
export interface UsagePeriod {
  from: Date;
  to: Date;
}

/**
 * The end of a VM's interval as of `now`: its stop, or `now` for a VM still
 * running (a VM cannot be metered into the future).
 */
function endOf(vm: VmInterval, now: Date): number {
  return (vm.stoppedAt ?? now).getTime();
}

/** Whether the VM ran some time inside the period (as of `now`). */
export function ranDuring(vm: VmInterval, period: UsagePeriod, now: Date): boolean {
  return vm.startedAt.getTime() < period.to.getTime() && endOf(vm, now) > period.from.getTime() && endOf(vm, now) > vm.startedAt.getTime();
}

/** Seconds of the VM's interval inside the period: [startedAt, stoppedAt ?? now) ∩ [from, to), 0 when they do not meet. */
export function secondsDuring(vm: VmInterval, period: UsagePeriod, now: Date): number {
  const start = Math.max(vm.startedAt.getTime(), period.from.getTime());
  const end = Math.min(endOf(vm, now), period.to.getTime());
  return Math.max(0, end - start) / 1000;
}

/** Whether a run launched at `launchedAt` counts in the period. */
export function launchedDuring(launchedAt: Date, period: UsagePeriod): boolean {
  return launchedAt.getTime() >= period.from.getTime() && launchedAt.getTime() < period.to.getTime();
}
