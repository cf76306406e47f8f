/**
 * Pages are addressed by the URL's fragment (`#/runs/ID`): links can be shared and bookmarked, the back button works,
 * and the controller serves one index.html for every page. The token is never part of it.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';

export type Route =
  | { page: 'runs' }
  | { page: 'run'; id: string }
  | { page: 'catalog'; folder: string }
  | { page: 'module'; path: string }
  | { page: 'launch'; ref: string }
  | { page: 'admin'; section: string }
  | { page: 'not-found'; hash: string };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const [first = '', ...rest] = parts;
  switch (first) {
    case '':
    case 'runs':
      return rest[0] ? { page: 'run', id: rest[0] } : { page: 'runs' };
    case 'catalog':
      return { page: 'catalog', folder: rest.join('/') };
    case 'module':
      return { page: 'module', path: rest.join('/') };
    case 'launch':
      return { page: 'launch', ref: rest.join('/') };
    case 'admin':
      return { page: 'admin', section: rest[0] ?? 'users' };
    default:
      return { page: 'not-found', hash };
  }
}

/** The fragment of a route, each part encoded (module paths keep their slashes). */
export function href(route: Exclude<Route, { page: 'not-found' }>): string {
  const enc = (path: string) => path.split('/').map(encodeURIComponent).join('/');
  switch (route.page) {
    case 'runs':
      return '#/runs';
    case 'run':
      return `#/runs/${encodeURIComponent(route.id)}`;
    case 'catalog':
      return route.folder ? `#/catalog/${enc(route.folder)}` : '#/catalog';
    case 'module':
      return `#/module/${enc(route.path)}`;
    case 'launch':
      return `#/launch/${enc(route.ref)}`;
    case 'admin':
      return `#/admin/${encodeURIComponent(route.section)}`;
  }
}

export function navigate(route: Exclude<Route, { page: 'not-found' }>): void {
  location.hash = href(route);
}

export function useRoute(): Route {
  const [hash, setHash] = useState(() => location.hash);
  useEffect(() => {
    const onChange = () => setHash(location.hash);
    addEventListener('hashchange', onChange);
    // Effects run after the first paint: a hash changed before then (a link followed right after signing in, on a
    // loaded machine) fired its event before anyone listened, and the page stayed on the route of the first render.
    onChange();
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return useMemo(() => parseRoute(hash), [hash]);
}
