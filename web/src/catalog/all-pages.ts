/** Reads every page of a paged List call (the controller caps a page at 500 rows). */
export const PAGE_SIZE = 500;

export interface Page<T> {
  items: T[];
  nextPageToken: string;
}

export async function allPages<T>(fetchPage: (pageToken: string) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let pageToken = '';
  do {
    const page = await fetchPage(pageToken);
    items.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken !== '');
  return items;
}
