/** Module references as the API and the CLI write them: `path` (the latest version) or `path@N` (pinned). */
export interface ModuleRefParts {
  path: string;
  /** Undefined for the latest version. */
  version?: number;
}

/** `shop/app@2` -> { path: 'shop/app', version: 2 }; a path never contains '@', so the last one splits. */
export function parseModuleRef(ref: string): ModuleRefParts {
  const at = ref.lastIndexOf('@');
  if (at < 0) return { path: ref };
  const version = /^[1-9][0-9]*$/.test(ref.slice(at + 1)) ? Number(ref.slice(at + 1)) : undefined;
  return version === undefined ? { path: ref } : { path: ref.slice(0, at), version };
}

export const formatModuleRef = (path: string, version?: number): string => (version === undefined ? path : `${path}@${version}`);
