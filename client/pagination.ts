/** Walks a paged List call to the end. */

/** One page as the List RPCs return it. */
export interface Page<T> {
  items: T[];
  nextPageToken: string;
}

/**
 * Fetches page after page until the server returns no next token. Stops on a
 * repeated token, so a server bug cannot loop the client forever.
 */
export async function collectPages<T>(fetchPage: (pageToken: string) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let token = '';
  do {
    seen.add(token);
    const page = await fetchPage(token);
    items.push(...page.items);
    token = page.nextPageToken;
  } while (token !== '' && !seen.has(token));
  return items;
}
