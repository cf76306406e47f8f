/**
 * A module's version list and the content of the versions a page asks for, each fetched once: the module page
 * shows one version and compares two, and switching between them must not fetch again.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { Code } from '@connectrpc/connect';
import type { Module, ModuleVersion } from '../../../proto/gen/es/slipstream/v1/modules_pb.js';
import { api } from '../api/clients.js';
import { problemOf, type ApiProblem } from '../api/errors.js';
import { allPages, PAGE_SIZE } from './all-pages.js';
import { formatModuleRef } from './module-ref.js';

export type Loaded<T> = { state: 'loading' } | { state: 'failed'; problem: ApiProblem } | { state: 'loaded'; value: T };

/** Every version of the module at `path`, newest first. */
export function useVersionList(path: string): Loaded<ModuleVersion[]> {
  const [versions, setVersions] = useState<Loaded<ModuleVersion[]>>({ state: 'loading' });
  useEffect(() => {
    let current = true;
    setVersions({ state: 'loading' });
    allPages(async (pageToken) => {
      const page = await api.modules.listModuleVersions({ path, pageSize: PAGE_SIZE, pageToken });
      return { items: page.versions, nextPageToken: page.nextPageToken };
    }).then(
      (value) => current && setVersions({ state: 'loaded', value }),
      (err: unknown) => current && setVersions({ state: 'failed', problem: problemOf(err) }),
    );
    return () => {
      current = false;
    };
  }, [path]);
  return versions;
}

/** The content of each wanted version of `path`, by version number; a version missing from the map is loading. */
export function useModuleContents(path: string, wanted: readonly number[]): ReadonlyMap<number, Loaded<Module>> {
  const [contents, setContents] = useState<{ path: string; byVersion: Map<number, Loaded<Module>> }>({ path, byVersion: new Map() });
  // An answer for a module the page no longer shows is dropped.
  const shownPath = useRef(path);
  shownPath.current = path;
  const byVersion = contents.path === path ? contents.byVersion : new Map<number, Loaded<Module>>();
  const missing = wanted.filter((version) => !byVersion.has(version));
  const key = missing.join(',');
  useEffect(() => {
    if (missing.length === 0) return;
    const store = (version: number, loaded: Loaded<Module>) =>
      setContents((before) => {
        if (shownPath.current !== path) return before;
        const next = new Map(before.path === path ? before.byVersion : []);
        next.set(version, loaded);
        return { path, byVersion: next };
      });
    for (const version of missing) {
      store(version, { state: 'loading' });
      api.modules.getModule({ ref: formatModuleRef(path, version) }).then(
        (res) => (res.module ? store(version, { state: 'loaded', value: res.module }) : store(version, { state: 'failed', problem: emptyAnswer(version) })),
        (err: unknown) => store(version, { state: 'failed', problem: problemOf(err) }),
      );
    }
    // `key` stands for `missing`, a new array on every render.
  }, [path, key]);
  return byVersion;
}

function emptyAnswer(version: number): ApiProblem {
  return { code: Code.Unknown, message: `The controller returned no content for version ${version}.`, fields: new Map() };
}
