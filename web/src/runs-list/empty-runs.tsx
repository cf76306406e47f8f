/** What an empty list says: nothing matches the filters, or how to launch a first run. */
import { href } from '../router.js';

export function EmptyRuns({ filtered }: { filtered: boolean }) {
  if (filtered) return <p class="empty-runs">No run matches these filters.</p>;
  return (
    <div class="empty-runs">
      <p>No runs yet in this tenant.</p>
      <p>
        Launch one from the <a href={href({ page: 'catalog', folder: '' })}>catalog</a> (open a module, then Launch), or with the CLI:{' '}
        <code>slipstream run launch PATH --wait</code>
      </p>
    </div>
  );
}
