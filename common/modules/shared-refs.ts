/**
 * The grammar of references to modules another tenant shares:
 * `@TENANT/path`, `@TENANT/path@N`, `@TENANT/path:TAG`. Module paths never
 * start with '@', so the prefix is unambiguous. Only calls that read or
 * launch take these; module documents (parents, node components) never do:
 * their references always lie in the catalog the document belongs to.
 */
import { DNS_LABEL, DNS_LABEL_RULE } from '../names.js';
import { formatModuleReference, moduleReferenceProblem, parseModuleReference } from './refs.js';
import type { ModuleReference } from './types.js';

/** The first character of a shared reference. */
export const SHARED_REFERENCE_PREFIX = '@';

/** True when `text` is written as another tenant's module (`@TENANT/...`), valid or not. */
export function isSharedReference(text: string): boolean {
  return text.startsWith(SHARED_REFERENCE_PREFIX);
}

/** Splits `@TENANT/rest` into its tenant and rest; undefined when there is no '/'. */
function splitShared(text: string): { tenant: string; rest: string } | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  return { tenant: text.slice(1, slash), rest: text.slice(slash + 1) };
}

/**
 * Why `text` is not a reference a caller may read or launch (`path`,
 * `path@N`, `path:TAG`, each optionally prefixed by `@TENANT/`), or undefined
 * when it is one.
 */
export function catalogReferenceProblem(text: string): string | undefined {
  if (!isSharedReference(text)) return moduleReferenceProblem(text);
  const split = splitShared(text);
  if (split === undefined) return "a shared module is written @TENANT/path, for example @acme/shop/shop";
  if (!DNS_LABEL.test(split.tenant)) return `tenant '${split.tenant}' ${DNS_LABEL_RULE}`;
  return moduleReferenceProblem(split.rest);
}

/** Parses a reference with its optional `@TENANT/` prefix; undefined when invalid. */
export function parseCatalogReference(text: string): ModuleReference | undefined {
  if (catalogReferenceProblem(text) !== undefined) return undefined;
  if (!isSharedReference(text)) return parseModuleReference(text);
  const { tenant, rest } = splitShared(text)!;
  const ref = parseModuleReference(rest);
  return ref && { ...ref, tenant };
}

/** Writes a reference as users do, with `@TENANT/` when it names another tenant's module. */
export function formatCatalogReference(ref: ModuleReference): string {
  const local = formatModuleReference(ref);
  return ref.tenant === undefined ? local : `${SHARED_REFERENCE_PREFIX}${ref.tenant}/${local}`;
}
