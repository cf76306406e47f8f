/**
 * Paired conversions of publications and shared modules between the wire
 * (slipstream.v1) and the domain; version 0 and an empty tenant on the wire
 * mean "every version" and "every tenant".
 */
import * as pb from '../../proto/gen/slipstream/v1/modules.js';
import type { ModulePublication, SharedModule } from '../modules/sharing.js';
import { moduleKindFromProto, moduleKindToProto } from './modules.js';

/** A publication -> wire. */
export function modulePublicationToProto(p: ModulePublication): pb.ModulePublication {
  return { path: p.path, version: p.version ?? 0, tenant: p.tenant ?? '', publishedBy: p.publishedBy, publishedAt: p.publishedAt };
}

/** Wire publication -> domain. */
export function modulePublicationFromProto(p: pb.ModulePublication): ModulePublication {
  return {
    path: p.path,
    ...(p.version > 0 && { version: p.version }),
    ...(p.tenant !== '' && { tenant: p.tenant }),
    publishedBy: p.publishedBy,
    publishedAt: p.publishedAt ?? new Date(0),
  };
}

/** A shared module -> wire. */
export function sharedModuleToProto(m: SharedModule): pb.SharedModule {
  return {
    tenant: m.tenant,
    path: m.path,
    kind: m.kind === undefined ? pb.ModuleKind.MODULE_KIND_UNSPECIFIED : moduleKindToProto(m.kind),
    description: m.description,
    allVersions: m.allVersions,
    versions: [...m.versions],
  };
}

/** Wire shared module -> domain. */
export function sharedModuleFromProto(m: pb.SharedModule): SharedModule {
  return {
    tenant: m.tenant,
    path: m.path,
    kind: moduleKindFromProto(m.kind),
    description: m.description,
    allVersions: m.allVersions,
    versions: [...m.versions],
  };
}
