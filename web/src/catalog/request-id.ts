/**
 * A launch's request_id: made once per form, so that a double click, or a retry after a lost answer, returns the
 * first run instead of starting a second one. crypto.getRandomValues, not randomUUID: the latter exists only in
 * secure contexts, and a controller may serve the dashboard over plain HTTP on a private network.
 */
export function newRequestId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return 'web-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
