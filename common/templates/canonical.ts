/**
 * The canonical form of a template: one fixed key order, map keys sorted,
 * empty optional fields removed, so that equal content is byte-equal JSON and
 * has one hash (a save that changes nothing reports `unchanged`).
 */
import { createHash } from 'node:crypto';
import type { TemplateSpec } from './types.js';

function sorted<V>(map: Record<string, V>): Record<string, V> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The spec in canonical form: maps sorted by key, list order kept (tags and
 * keys keep the order given, without repeats), empty optional text removed,
 * `scalable` only when true.
 */
export function canonicalTemplate(spec: TemplateSpec): TemplateSpec {
  return {
    name: spec.name,
    module: spec.module,
    ...(spec.description ? { description: spec.description } : {}),
    ...(spec.defaultCloud ? { defaultCloud: spec.defaultCloud } : {}),
    nodeClouds: sorted(spec.nodeClouds),
    parameters: sorted(spec.parameters),
    multiplicities: sorted(spec.multiplicities),
    tags: [...new Set(spec.tags)],
    ...(spec.keepRunning ? { keepRunning: spec.keepRunning } : {}),
    scalable: spec.scalable,
    ...(spec.timeoutMinutes ? { timeoutMinutes: spec.timeoutMinutes } : {}),
    sshPublicKeys: [...new Set(spec.sshPublicKeys)],
  };
}

/** sha256 (hex) of the canonical content. */
export function templateContentHash(spec: TemplateSpec): string {
  return createHash('sha256').update(JSON.stringify(canonicalTemplate(spec))).digest('hex');
}
