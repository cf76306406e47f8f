/** The catalog by folder: the subfolders of a folder and the modules in it, with their latest version. */
import { useEffect, useState } from 'preact/hooks';
import type { ModuleSummary } from '../../../proto/gen/es/slipstream/v1/modules_pb.js';
import { api } from '../api/clients.js';
import { problemOf, type ApiProblem } from '../api/errors.js';
import { formatTime } from '../components/format.js';
import { ProblemBanner } from '../components/problem.js';
import { href } from '../router.js';
import { allPages, PAGE_SIZE } from '../catalog/all-pages.js';
import { Breadcrumb } from '../catalog/breadcrumb.js';
import { baseName, folderListing, normalizeFolder, type FolderListing } from '../catalog/folders.js';
import { kindName } from '../catalog/module-kind.js';
import '../catalog/catalog.css';

type Loaded = { state: 'loading' } | { state: 'failed'; problem: ApiProblem } | { state: 'loaded'; listing: FolderListing };

export function Catalog({ folder }: { folder: string }) {
  const path = normalizeFolder(folder);
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  useEffect(() => {
    let current = true;
    setLoaded({ state: 'loading' });
    allPages(async (pageToken) => {
      const page = await api.modules.listModules({ prefix: path, pageSize: PAGE_SIZE, pageToken });
      return { items: page.modules, nextPageToken: page.nextPageToken };
    }).then(
      (summaries) => current && setLoaded({ state: 'loaded', listing: folderListing(path, summaries) }),
      (err: unknown) => current && setLoaded({ state: 'failed', problem: problemOf(err) }),
    );
    return () => {
      current = false;
    };
  }, [path]);

  return (
    <section class="catalog" aria-labelledby="catalog-title" aria-busy={loaded.state === 'loading'}>
      <Breadcrumb folder={path} current />
      <h1 id="catalog-title">{path === '' ? 'Catalog' : path}</h1>
      {loaded.state === 'loading' && <p class="loading">Loading the catalog…</p>}
      {loaded.state === 'failed' && <ProblemBanner problem={loaded.problem} />}
      {loaded.state === 'loaded' && <FolderContents folder={path} listing={loaded.listing} />}
    </section>
  );
}

function FolderContents({ folder, listing }: { folder: string; listing: FolderListing }) {
  const empty = listing.subfolders.length === 0 && listing.modules.length === 0;
  return (
    <>
      {listing.project?.description && <p class="description">{listing.project.description}</p>}
      {empty && (
        <p class="muted">
          {folder === '' ? 'The catalog is empty.' : `Nothing in ${folder}.`} Modules are saved with <code>slipstream module push DIR</code>.
        </p>
      )}
      {listing.subfolders.length > 0 && (
        <section aria-labelledby="folders-title">
          <h2 id="folders-title">Folders</h2>
          <ul class="folders">
            {listing.subfolders.map((sub) => (
              <li key={sub.path}>
                <a href={href({ page: 'catalog', folder: sub.path })}>
                  <span aria-hidden="true" class="folder-icon">▸</span>
                  {sub.name}/
                </a>
                <span class="muted"> {sub.moduleCount === 1 ? '1 module' : `${sub.moduleCount} modules`}</span>
                {sub.description && <p class="description">{sub.description}</p>}
              </li>
            ))}
          </ul>
        </section>
      )}
      {listing.modules.length > 0 && (
        <section aria-labelledby="modules-title">
          <h2 id="modules-title">Modules</h2>
          <table class="modules">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Latest</th>
                <th scope="col">Saved</th>
                <th scope="col">Description</th>
              </tr>
            </thead>
            <tbody>
              {listing.modules.map((module) => (
                <ModuleRow key={module.path} module={module} />
              ))}
            </tbody>
          </table>
        </section>
      )}
    </>
  );
}

function ModuleRow({ module }: { module: ModuleSummary }) {
  const kind = kindName(module.kind) ?? 'unknown';
  return (
    <tr>
      <td>
        <a href={href({ page: 'module', path: module.path })}>{baseName(module.path)}</a>
      </td>
      <td>
        <span class="kind" data-kind={kind}>
          {kind}
        </span>
      </td>
      <td class="mono">v{module.latest?.version ?? '?'}</td>
      <td>
        {formatTime(module.latest?.createdAt)}
        {module.latest?.author && <span class="muted"> by {module.latest.author}</span>}
      </td>
      <td class="description-cell">{module.description}</td>
    </tr>
  );
}
