/** Where the timeline's time axis puts its ticks: a round step that leaves room for each label. */
const STEPS_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 21_600, 43_200, 86_400].map((s) => s * 1000);

/** Tick offsets from the start (ms), at most about `width / minGapPx` of them. */
export function axisTicks(spanMs: number, width: number, minGapPx = 80): number[] {
  const most = Math.max(1, Math.floor(width / minGapPx));
  const step = STEPS_MS.find((s) => spanMs / s <= most) ?? Math.ceil(spanMs / most / 86_400_000) * 86_400_000;
  const ticks: number[] = [];
  for (let t = 0; t <= spanMs; t += step) ticks.push(t);
  return ticks;
}
