/** Parsers of flag values; they throw commander's InvalidArgumentError, which names the flag. */
import { InvalidArgumentError } from 'commander';

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** `30d`, `12h`, `90m`, `3600s` -> seconds (> 0). */
export function parseDurationSeconds(value: string): number {
  const match = /^([0-9]+)([smhd])$/.exec(value.trim());
  const amount = match ? Number(match[1]) : NaN;
  if (!match || !Number.isSafeInteger(amount) || amount <= 0) {
    throw new InvalidArgumentError('expected a positive duration with a unit: 30d, 12h, 90m or 3600s');
  }
  return amount * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
}
