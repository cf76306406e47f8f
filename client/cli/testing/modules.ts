/**
 * Module versions, listings and resolved plans as the modules service returns
 * them, for the tests of the `module` verbs.
 */
import { parse } from 'yaml';
import * as pb from '../../../proto/gen/slipstream/v1/modules.js';
import { moduleKindToProto, moduleToProto, resolvedPlanToProto } from '../../../common/convert/modules.js';
import { parseModuleDocument } from '../../../common/modules/parse.js';
import type { ModuleKind, ModuleVersionInfo, ResolvedPlan, StoredModule } from '../../../common/modules/types.js';
import type { FetchedModule, ModuleListing, ResolvedModule, SaveModuleResult } from '../../services/modules.js';
import { T0 } from './runs.js';

/** Version metadata: version 1 by alice at T0, with `fields` over it. */
export function aVersion(fields: Partial<ModuleVersionInfo> = {}): ModuleVersionInfo {
  return { version: 1, author: 'alice', createdAt: T0, message: '', contentHash: '0123456789abcdef0123', ...fields };
}

/** A module version from its YAML text (which must be valid), as `modules.get` returns it. */
export function aFetchedModule(yaml: string, info: Partial<ModuleVersionInfo> = {}, extra: Partial<StoredModule> = {}): FetchedModule {
  const { document, violations } = parseModuleDocument(parse(yaml));
  if (document === undefined) throw new Error(`fixture module is invalid: ${JSON.stringify(violations)}`);
  const version = aVersion(info);
  const stored: StoredModule = { document, info: version, latestVersion: version.version, deleted: false, ...extra };
  return { ...stored, raw: moduleToProto(stored) };
}

/** What `modules.save` returns for `module` (created, or unchanged). */
export function aSaveResult(module: FetchedModule, created: boolean): SaveModuleResult {
  return { module, created, raw: pb.SaveModuleResponse.fromPartial({ module: module.raw, created }) };
}

/** A row of `modules.list`. */
export function aListing(path: string, kind: ModuleKind, fields: Partial<ModuleVersionInfo> = {}, description = ''): ModuleListing {
  const latest = aVersion(fields);
  return {
    path,
    kind,
    description,
    latest,
    raw: pb.ModuleSummary.fromPartial({ path, kind: moduleKindToProto(kind), description, latest }),
  };
}

/** What `modules.resolve` returns for `plan`. */
export function aResolvedModule(plan: ResolvedPlan): ResolvedModule {
  return { plan, raw: resolvedPlanToProto(plan) };
}
