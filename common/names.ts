/**
 * Generic name rules: a pattern and the rule sentence a violation quotes, so
 * that every place checking the same kind of name says the same thing.
 */
import type { FieldViolation } from './errors.js';

/**
 * Tenant and node names: a DNS label (RFC 1035) starting with a letter.
 * Cloud names differ: they may start with a digit (see `CLOUD_NAME_PATTERN`
 * in modules/limits.ts).
 */
export const DNS_LABEL = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** What a name failing {@link DNS_LABEL} is told. */
export const DNS_LABEL_RULE = "must be a DNS label: lowercase letters, digits and '-', starting with a letter, at most 63 characters";

/** User names. */
export const USER_NAME = /^[a-z][a-z0-9._-]{0,62}$/;
/** What a name failing {@link USER_NAME} is told. */
export const USER_NAME_RULE = "must start with a lowercase letter and use only lowercase letters, digits, '.', '_' and '-' (at most 63)";

/** Token names: free text, short. */
export const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._@:-]{0,127}$/;
/** What a name failing {@link TOKEN_NAME} is told. */
export const TOKEN_NAME_RULE = "must be 1 to 128 characters: letters, digits, space, '.', '_', '@', ':' and '-'";

/** A violation when `value` does not match `pattern`, else nothing. */
export function checkName(field: string, value: string, pattern: RegExp, rule: string): FieldViolation[] {
  if (value === '') return [{ field, description: 'is required' }];
  return pattern.test(value) ? [] : [{ field, description: rule }];
}
