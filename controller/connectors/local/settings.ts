/** The `local` driver's cloud settings and component options: validated and parsed. */
import type { FieldViolation } from '../../../common/errors.js';

/** Parsed settings of a `local` cloud. */
export interface LocalSettings {
  /** How many provision calls may run at once (capabilities). */
  maxParallel: number;
}

const DEFAULT_MAX_PARALLEL = 8;
const POSITIVE_INTEGER = /^[1-9]\d{0,5}$/;

/** Violations of a `local` cloud's settings: only an optional `maxParallel` is known. */
export function validateLocalSettings(settings: Record<string, string>): FieldViolation[] {
  const violations: FieldViolation[] = [];
  for (const [key, value] of Object.entries(settings)) {
    if (key === 'maxParallel') {
      if (!POSITIVE_INTEGER.test(value)) violations.push({ field: 'settings.maxParallel', description: 'must be a positive integer (at most 999999)' });
    } else {
      violations.push({ field: `settings.${key}`, description: 'is not a setting of the local driver (known: maxParallel)' });
    }
  }
  return violations;
}

/** Violations of a component's options for `local`: it has none. */
export function validateLocalOptions(options: Record<string, string>): FieldViolation[] {
  return Object.keys(options).map((key) => ({ field: `options.${key}`, description: 'is not an option of the local driver (it has none)' }));
}

/** Settings that passed {@link validateLocalSettings}, with defaults. */
export function parseLocalSettings(settings: Record<string, string>): LocalSettings {
  const maxParallel = settings.maxParallel;
  return { maxParallel: maxParallel === undefined ? DEFAULT_MAX_PARALLEL : Number(maxParallel) };
}
