/**
 * Paired conversions of the catalog's promotion tags between the wire
 * (slipstream.v1) and the domain; version 0 on the wire means "none".
 */
import type * as pb from '../../proto/gen/slipstream/v1/modules.js';
import type { ModuleTag, ModuleTagChange } from '../modules/tags.js';

/** A tag -> wire. */
export function moduleTagToProto(tag: ModuleTag): pb.ModuleTag {
  return { name: tag.name, version: tag.version, setBy: tag.setBy, setAt: tag.setAt };
}

/** Wire tag -> domain. */
export function moduleTagFromProto(tag: pb.ModuleTag): ModuleTag {
  return { name: tag.name, version: tag.version, setBy: tag.setBy, setAt: tag.setAt ?? new Date(0) };
}

/** A move of a tag -> wire. */
export function moduleTagChangeToProto(change: ModuleTagChange): pb.ModuleTagChange {
  return {
    tag: change.tag,
    oldVersion: change.oldVersion ?? 0,
    newVersion: change.newVersion ?? 0,
    actor: change.actor,
    time: change.time,
    message: change.message,
  };
}

/** Wire move of a tag -> domain. */
export function moduleTagChangeFromProto(change: pb.ModuleTagChange): ModuleTagChange {
  return {
    tag: change.tag,
    ...(change.oldVersion > 0 && { oldVersion: change.oldVersion }),
    ...(change.newVersion > 0 && { newVersion: change.newVersion }),
    actor: change.actor,
    time: change.time ?? new Date(0),
    message: change.message,
  };
}
