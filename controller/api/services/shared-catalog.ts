/**
 * Reading modules other tenants share (issue 22, sharing): `@TENANT/path`,
 * `@TENANT/path@N`, `@TENANT/path:TAG`. A module, or a version of it, that
 * is not published to the caller's tenant is NOT_FOUND exactly as if it did
 * not exist. What a shared module references (node components, parents)
 * resolves in its OWNER's catalog, published or not: the owner published the
 * whole of it. The owner's password defaults never leave the owner's tenant:
 * readers and launches get none (a launch supplies its own).
 */
import { InvalidArgumentError, NotFoundError } from '../../../common/errors.js';
import { catalogReferenceProblem, isSharedReference, parseCatalogReference } from '../../../common/modules/shared-refs.js';
import type {
  ModuleDocument,
  ModuleLookup,
  ModuleReference,
  ParameterDefinition,
  ResolvedPlan,
  StoredModule,
} from '../../../common/modules/types.js';
import { referenceNotFound } from '../../domain/modules/reference-not-found.js';
import { resolveModule, type ResolveOverrides } from '../../domain/modules/resolve.js';
import type { ModuleRow } from '../../store/entities/module.js';
import type { TenantRow } from '../../store/entities/tenant.js';
import type { Visibility } from '../../store/repositories/publications.js';
import type { Repositories } from '../../store/repositories/index.js';
import { tenantCatalogLookup } from './catalog-lookup.js';

/** The description of every violation of a write through another tenant's module. */
export const READ_ONLY_SHARED = 'modules of another tenant are read-only';

/** A module another tenant shares with the reader, and what the reader may see of it. */
export interface SharedModuleAccess {
  owner: TenantRow;
  module: ModuleRow;
  visibility: Visibility;
}

/** A parsed reference to another tenant's module. */
export type SharedReference = ModuleReference & { tenant: string };

/**
 * How the caller's reference `text` reads: `own` (its own catalog; a
 * `@OWN_TENANT/` prefix is dropped) or `shared` (another tenant's module).
 * Throws InvalidArgumentError on `field` when `text` is not a reference.
 */
export async function classifyReference(
  repos: Repositories,
  readerTenantId: string,
  text: string,
  field: string,
): Promise<{ kind: 'own'; text: string; ref: ModuleReference } | { kind: 'shared'; ref: SharedReference }> {
  const ref = parseCatalogReference(text);
  if (ref === undefined) throw new InvalidArgumentError([{ field, description: catalogReferenceProblem(text) ?? 'must be a module reference' }]);
  if (ref.tenant === undefined) return { kind: 'own', text, ref };
  const reader = await repos.tenants.findById(readerTenantId);
  if (reader?.name === ref.tenant) {
    const local = text.slice(text.indexOf('/') + 1);
    const { tenant: _own, ...rest } = ref;
    return { kind: 'own', text: local, ref: rest };
  }
  return { kind: 'shared', ref: ref as SharedReference };
}

/**
 * The module `@ref.tenant/ref.path` when any of it is published to the
 * reader's tenant; NotFoundError (naming `text`) otherwise, whether the
 * tenant, the module or a publication is what is missing.
 */
export async function findSharedModule(repos: Repositories, readerTenantId: string, ref: SharedReference, text: string): Promise<SharedModuleAccess> {
  const [owner, reader] = await Promise.all([repos.tenants.findByName(ref.tenant), repos.tenants.findById(readerTenantId)]);
  const module = owner && reader && owner.id !== reader.id ? await repos.modules.findRow(owner.id, ref.path) : null;
  const visibility = module && reader ? await repos.publications.visibility(module, reader.name) : undefined;
  if (!owner || !module || !visibility) throw new NotFoundError('module', text);
  return { owner, module, visibility };
}

/** True when the reader may read `version` of the module. */
export function isVisible(access: SharedModuleAccess, version: number): boolean {
  const { module, visibility } = access;
  return version >= 1 && version <= module.latestVersion && (visibility.all || visibility.versions.includes(version));
}

/** The newest version the reader may read, deleted module or not; undefined when none exists. */
export function newestVisible(access: SharedModuleAccess): number | undefined {
  const { module, visibility } = access;
  if (visibility.all) return module.latestVersion;
  return visibility.versions.filter((v) => v <= module.latestVersion).at(-1);
}

/**
 * The version `ref` reads, as the reader sees the module: `@N` when
 * published, `:TAG` when the tag points at a published version, the newest
 * published version of a live module otherwise. NotFoundError naming `text`
 * when there is none.
 */
export async function sharedVersion(repos: Repositories, access: SharedModuleAccess, ref: SharedReference, text: string): Promise<number> {
  let version: number | undefined;
  if (ref.version !== undefined) version = ref.version;
  else if (ref.tag !== undefined) {
    version = await repos.moduleTags.resolve(access.owner.id, ref.path, ref.tag);
    if (version === undefined || !isVisible(access, version)) throw referenceNotFound(text, ref);
  } else if (!access.module.deletedAt) version = newestVisible(access);
  if (version === undefined || !isVisible(access, version)) throw new NotFoundError('module', text);
  return version;
}

/**
 * One version of a module shared with the reader, as the reader sees it:
 * its latest version is the newest the reader may read, its password
 * defaults are removed. NotFoundError as {@link sharedVersion}.
 */
export async function readSharedModule(repos: Repositories, readerTenantId: string, ref: SharedReference, text: string): Promise<{ access: SharedModuleAccess; stored: StoredModule }> {
  const access = await findSharedModule(repos, readerTenantId, ref, text);
  const version = await sharedVersion(repos, access, ref, text);
  const stored = await repos.modules.findVersion(access.owner.id, ref.path, version);
  if (!stored) throw new NotFoundError('module', text);
  return {
    access,
    stored: { ...stored, document: withoutPasswordDefaults(stored.document), latestVersion: newestVisible(access) ?? version },
  };
}

/**
 * Resolves the caller's reference `text` into a pinned plan: in the caller's
 * catalog (through `ownLookup`), or, for a module another tenant shares with
 * the caller, in the owner's catalog, with `tenant` set to the owner and the
 * owner's password defaults removed. InvalidArgumentError on `field` for a
 * malformed reference; otherwise as resolveModule.
 */
export async function resolveCallerReference(
  repos: Repositories,
  readerTenantId: string,
  text: string,
  field: string,
  ownLookup: ModuleLookup,
  overrides: ResolveOverrides = {},
): Promise<ResolvedPlan> {
  const classified = await classifyReference(repos, readerTenantId, text, field);
  if (classified.kind === 'own') return resolveModule(classified.text, ownLookup, overrides);
  const { ref } = classified;
  const access = await findSharedModule(repos, readerTenantId, ref, text);
  const version = await sharedVersion(repos, access, ref, text);
  const plan = await resolveModule(`${ref.path}@${version}`, tenantCatalogLookup(repos, access.owner.id), overrides);
  return {
    ...plan,
    tenant: access.owner.name,
    nodes: plan.nodes.map((node) => ({ ...node, parameters: node.parameters.map(withoutDefaultIfSecret) })),
  };
}

/**
 * Refuses a write (save, delete, tag, publish) through `@TENANT/...`: for
 * another tenant's module the caller can see, INVALID_ARGUMENT on `field`
 * ({@link READ_ONLY_SHARED}); for one it cannot, NOT_FOUND, as if it did not
 * exist. A reference to the caller's own tenant is returned without its
 * prefix; text without the prefix is returned as is.
 */
export async function refuseSharedWrite(repos: Repositories, writerTenantId: string, text: string, field: string): Promise<string> {
  if (!isSharedReference(text)) return text;
  const classified = await classifyReference(repos, writerTenantId, text, field);
  if (classified.kind === 'own') return classified.text;
  await findSharedModule(repos, writerTenantId, classified.ref, text);
  throw new InvalidArgumentError([{ field, description: READ_ONLY_SHARED }]);
}

function withoutDefaultIfSecret(parameter: ParameterDefinition): ParameterDefinition {
  if (parameter.type !== 'password' || parameter.default === undefined) return parameter;
  const { default: _secret, ...rest } = parameter;
  return rest;
}

/** The document with its password parameters' defaults removed (the owner's secrets). */
export function withoutPasswordDefaults(document: ModuleDocument): ModuleDocument {
  if (document.kind !== 'component') return document;
  return { ...document, parameters: document.parameters.map(withoutDefaultIfSecret) };
}
