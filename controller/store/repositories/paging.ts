import { InvalidArgumentError } from '../../../common/errors.js';

/** Largest page any listing returns. */
export const MAX_PAGE_SIZE = 500;
const DEFAULT_PAGE_SIZE = 100;

/** The page size to use: the default for 0, an error for negatives, capped at MAX_PAGE_SIZE. */
export function pageSize(requested: number): number {
  if (!Number.isInteger(requested) || requested < 0) {
    throw new InvalidArgumentError([{ field: 'page_size', description: 'must be a non-negative integer' }]);
  }
  return requested === 0 ? DEFAULT_PAGE_SIZE : Math.min(requested, MAX_PAGE_SIZE);
}

/** An opaque token holding the sort key of the last row returned. */
export function encodePageToken(after: string): string {
  return Buffer.from(JSON.stringify({ after }), 'utf8').toString('base64url');
}

/** Decodes a token from `encodePageToken`; empty = first page. */
export function decodePageToken(token: string): string | undefined {
  if (token === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (parsed && typeof parsed === 'object' && typeof (parsed as { after?: unknown }).after === 'string') {
      return (parsed as { after: string }).after;
    }
  } catch {
    // fall through to the error below
  }
  throw new InvalidArgumentError([{ field: 'page_token', description: 'is not a token returned by this listing' }]);
}
