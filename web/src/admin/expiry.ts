/** A token's lifetimes to choose from (CreateToken's ttl_seconds; 0 = never expires). */
const DAY = 24 * 3600;

export const TOKEN_LIFETIMES: readonly { label: string; seconds: number }[] = [
  { label: 'Never expires', seconds: 0 },
  { label: '1 day', seconds: DAY },
  { label: '7 days', seconds: 7 * DAY },
  { label: '30 days', seconds: 30 * DAY },
  { label: '90 days', seconds: 90 * DAY },
  { label: '1 year', seconds: 365 * DAY },
];
