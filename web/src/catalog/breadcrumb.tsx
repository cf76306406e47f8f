import { href } from '../router.js';
import { breadcrumbOf } from './folders.js';

/** The folders from the catalog's root down to `folder`; `current` marks the last one as this page. */
export function Breadcrumb({ folder, current }: { folder: string; current: boolean }) {
  const crumbs = breadcrumbOf(folder);
  return (
    <nav class="breadcrumb" aria-label="Breadcrumb">
      <ol>
        {crumbs.map((crumb, i) => {
          const here = current && i === crumbs.length - 1;
          return (
            <li key={crumb.folder}>
              <a href={href({ page: 'catalog', folder: crumb.folder })} aria-current={here ? 'page' : undefined}>
                {crumb.name}
              </a>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
