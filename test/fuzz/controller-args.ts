/**
 * Flags of the controller a fuzz campaign attacks: the mutation rate limits
 * off, so that random calls reach the handlers instead of the token buckets
 * (the limits have tests of their own, test/integration/call-limits.test.ts).
 */
export const FUZZ_CONTROLLER_ARGS: string[] = ['--mutation-rate-per-token', '0', '--mutation-rate-per-tenant', '0'];
