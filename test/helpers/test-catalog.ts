/**
 * An in-memory catalog for tests of the module rules: versions per path, soft
 * deletes, and a {@link ModuleLookup} over them. Its lookup is deliberately
 * the least helpful one the contract allows: it returns deleted modules
 * (flagged) for pinned and unpinned references alike, so the code under test
 * must apply the "deleted and unpinned is not found" rule itself.
 */
import { moduleContentHash } from '../../common/modules/canonical.js';
import type {
  ApplicationDocument,
  ComponentDocument,
  ModuleDocument,
  ModuleLookup,
  NodeDefinition,
  ParameterDefinition,
  ParameterType,
  PinnedModuleRef,
  ProjectDocument,
  StoredModule,
} from '../../common/modules/types.js';

interface Entry {
  versions: ModuleDocument[];
  deleted: boolean;
}

/** A catalog held in a Map; save appends a version, delete hides the module. */
export class TestCatalog {
  private readonly modules = new Map<string, Entry>();
  /** How many times the lookup was called (to prove memoization). */
  lookups = 0;

  /** Appends the next version of `doc.path` (reviving a deleted module) and returns its pinned reference. */
  save(...docs: ModuleDocument[]): PinnedModuleRef {
    let last: PinnedModuleRef = { path: '', version: 0 };
    for (const doc of docs) {
      const entry = this.modules.get(doc.path) ?? { versions: [], deleted: false };
      entry.versions.push(structuredClone(doc));
      entry.deleted = false;
      this.modules.set(doc.path, entry);
      last = { path: doc.path, version: entry.versions.length };
    }
    return last;
  }

  /** Marks a module deleted; its versions stay readable. */
  delete(path: string): void {
    const entry = this.modules.get(path);
    if (entry) entry.deleted = true;
  }

  /** The catalog's lookup: latest for `path`, that version for `path@N`. */
  readonly lookup: ModuleLookup = (ref) => {
    this.lookups++;
    const entry = this.modules.get(ref.path);
    const version = ref.version ?? entry?.versions.length ?? 0;
    const document = entry?.versions[version - 1];
    if (entry === undefined || document === undefined) return Promise.resolve(undefined);
    const stored: StoredModule = {
      document: structuredClone(document),
      info: { version, author: 'test', createdAt: new Date(0), message: `version ${version}`, contentHash: moduleContentHash(document) },
      latestVersion: entry.versions.length,
      deleted: entry.deleted,
    };
    return Promise.resolve(stored);
  };
}

/** A catalog holding one version of each document. */
export function catalogOf(...docs: ModuleDocument[]): TestCatalog {
  const catalog = new TestCatalog();
  for (const doc of docs) catalog.save(doc);
  return catalog;
}

/** A project document. */
export function project(path: string): ProjectDocument {
  return { path, kind: 'project' };
}

/** A component document with empty containers unless given. */
export function component(path: string, fields: Partial<Omit<ComponentDocument, 'path' | 'kind'>> = {}): ComponentDocument {
  return { path, kind: 'component', images: {}, resources: {}, recipes: {}, parameters: [], ...fields };
}

/** An application document. */
export function application(path: string, nodes: NodeDefinition[]): ApplicationDocument {
  return { path, kind: 'application', nodes };
}

/** A node with multiplicity 1, no failures allowed and no mappings unless given. */
export function node(name: string, componentRef: string, fields: Partial<Omit<NodeDefinition, 'name' | 'component'>> = {}): NodeDefinition {
  return { name, component: componentRef, multiplicity: 1, maxProvisioningFailures: 0, mappings: {}, ...fields };
}

/** An input parameter definition. */
export function input(name: string, type: ParameterType = 'string', fields: Partial<ParameterDefinition> = {}): ParameterDefinition {
  return { name, category: 'input', type, ...fields };
}

/** An output parameter definition. */
export function output(name: string, type: ParameterType = 'string', fields: Partial<ParameterDefinition> = {}): ParameterDefinition {
  return { name, category: 'output', type, ...fields };
}
