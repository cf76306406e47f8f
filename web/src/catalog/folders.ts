/**
 * One level of the catalog as a folder tree: module paths (`shop/app`) are folders joined by `/`. ListModules returns
 * everything below a prefix; this keeps what sits directly in the folder and folds the rest into subfolders. A project
 * module is a folder that carries a description, so it is listed as a folder, not as a module.
 */
import { ModuleKind, type ModuleSummary } from '../../../proto/gen/es/slipstream/v1/modules_pb.js';

export interface Subfolder {
  name: string;
  /** The folder's full path, for its link. */
  path: string;
  /** The project's description when the folder is a project. */
  description: string;
  /** Modules anywhere below it (projects not counted). */
  moduleCount: number;
}

export interface FolderListing {
  /** The project module whose path is the folder itself, if any. */
  project?: ModuleSummary;
  subfolders: Subfolder[];
  /** Components and applications directly in the folder, by name. */
  modules: ModuleSummary[];
}

/** `a/b/` and `/a/b` mean `a/b`. */
export function normalizeFolder(folder: string): string {
  return folder.split('/').filter((part) => part !== '').join('/');
}

/** The last segment of a path: `app` for `shop/app`. */
export const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/** The folder a module sits in: `shop` for `shop/app`, '' for `shop`. */
export const folderOf = (path: string): string => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');

export function folderListing(folder: string, summaries: readonly ModuleSummary[]): FolderListing {
  const base = normalizeFolder(folder);
  const start = base === '' ? '' : `${base}/`;
  const subfolders = new Map<string, Subfolder>();
  const subfolder = (name: string): Subfolder => {
    let entry = subfolders.get(name);
    if (!entry) {
      entry = { name, path: start + name, description: '', moduleCount: 0 };
      subfolders.set(name, entry);
    }
    return entry;
  };
  const listing: FolderListing = { subfolders: [], modules: [] };
  for (const summary of summaries) {
    if (summary.path === base) {
      if (summary.kind === ModuleKind.PROJECT) listing.project = summary;
      continue;
    }
    if (!summary.path.startsWith(start)) continue;
    const rest = summary.path.slice(start.length);
    const slash = rest.indexOf('/');
    if (slash >= 0) {
      const entry = subfolder(rest.slice(0, slash));
      if (summary.kind !== ModuleKind.PROJECT) entry.moduleCount++;
    } else if (summary.kind === ModuleKind.PROJECT) {
      subfolder(rest).description = summary.description;
    } else {
      listing.modules.push(summary);
    }
  }
  const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  listing.subfolders = [...subfolders.values()].sort(byName);
  listing.modules.sort((a, b) => byName({ name: a.path }, { name: b.path }));
  return listing;
}

export interface Crumb {
  name: string;
  folder: string;
}

/** `Catalog > shop > web` for `shop/web`: every ancestor folder, the root first. */
export function breadcrumbOf(folder: string): Crumb[] {
  const parts = normalizeFolder(folder).split('/').filter((part) => part !== '');
  return [{ name: 'Catalog', folder: '' }, ...parts.map((name, i) => ({ name, folder: parts.slice(0, i + 1).join('/') }))];
}
