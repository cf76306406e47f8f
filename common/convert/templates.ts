/**
 * Paired conversions between the deployment templates' wire messages
 * (templates.proto) and their domain types, used by the controller's handlers
 * and the client library alike.
 */
import { KeepRunning } from '../../proto/gen/slipstream/v1/runs.js';
import type * as pb from '../../proto/gen/slipstream/v1/templates.js';
import type { FieldViolation } from '../errors.js';
import type { StoredTemplate, TemplateListing, TemplateSpec, TemplateVersionInfo } from '../templates/types.js';
import { keepRunningFromProto, keepRunningToProto } from './runs.js';

/** The wire spec as the domain's, or the fields it cannot convert (an unknown keep_running). */
export function templateSpecFromProto(spec: pb.TemplateSpec): { spec?: TemplateSpec; violations: FieldViolation[] } {
  const keepRunning = keepRunningFromProto(spec.keepRunning);
  if (spec.keepRunning !== KeepRunning.KEEP_RUNNING_UNSPECIFIED && !keepRunning) return { violations: [{ field: 'keep_running', description: 'is not a known value' }] };
  return {
    spec: {
      name: spec.name,
      module: spec.module,
      ...(spec.description ? { description: spec.description } : {}),
      ...(spec.defaultCloud ? { defaultCloud: spec.defaultCloud } : {}),
      nodeClouds: { ...spec.nodeClouds },
      parameters: { ...spec.parameters },
      multiplicities: { ...spec.multiplicities },
      tags: [...spec.tags],
      ...(keepRunning ? { keepRunning } : {}),
      scalable: spec.scalable,
      ...(spec.timeoutMinutes ? { timeoutMinutes: spec.timeoutMinutes } : {}),
      sshPublicKeys: [...spec.sshPublicKeys],
    },
    violations: [],
  };
}

export function templateSpecToProto(spec: TemplateSpec): pb.TemplateSpec {
  return {
    name: spec.name,
    module: spec.module,
    description: spec.description ?? '',
    defaultCloud: spec.defaultCloud ?? '',
    nodeClouds: { ...spec.nodeClouds },
    parameters: { ...spec.parameters },
    multiplicities: { ...spec.multiplicities },
    tags: [...spec.tags],
    keepRunning: spec.keepRunning ? keepRunningToProto(spec.keepRunning) : KeepRunning.KEEP_RUNNING_UNSPECIFIED,
    scalable: spec.scalable,
    timeoutMinutes: spec.timeoutMinutes ?? 0,
    sshPublicKeys: [...spec.sshPublicKeys],
  };
}

export function templateVersionToProto(info: TemplateVersionInfo): pb.TemplateVersion {
  return { version: info.version, author: info.author, createdAt: info.createdAt, message: info.message, contentHash: info.contentHash };
}

export function templateVersionFromProto(version: pb.TemplateVersion | undefined): TemplateVersionInfo {
  return {
    version: version?.version ?? 0,
    author: version?.author ?? '',
    createdAt: version?.createdAt ?? new Date(0),
    message: version?.message ?? '',
    contentHash: version?.contentHash ?? '',
  };
}

export function templateToProto(stored: StoredTemplate): pb.Template {
  return { spec: templateSpecToProto(stored.spec), version: templateVersionToProto(stored.info), latestVersion: stored.latestVersion, deleted: stored.deleted };
}

/** A stored template as the client reads it; a spec the controller sent is always convertible. */
export function templateFromProto(template: pb.Template): StoredTemplate {
  const converted = template.spec ? templateSpecFromProto(template.spec).spec : undefined;
  return {
    spec: converted ?? { name: '', module: '', nodeClouds: {}, parameters: {}, multiplicities: {}, tags: [], scalable: false, sshPublicKeys: [] },
    info: templateVersionFromProto(template.version),
    latestVersion: template.latestVersion,
    deleted: template.deleted,
  };
}

export function templateSummaryToProto(row: TemplateListing): pb.TemplateSummary {
  return { name: row.name, module: row.module, description: row.description, latest: templateVersionToProto(row.latest) };
}

export function templateSummaryFromProto(row: pb.TemplateSummary): TemplateListing {
  return { name: row.name, module: row.module, description: row.description, latest: templateVersionFromProto(row.latest) };
}
