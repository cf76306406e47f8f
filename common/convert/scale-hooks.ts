/**
 * The scale hook of a ScaleCommand between its domain name and the wire. The
 * wire carries a ScaleHook and, for agents older than it, the same hook as
 * text in the deprecated `hook` field: the controller fills both, the agent
 * reads the enum first.
 */
import { ScaleHook } from '../../proto/gen/slipstream/v1/agent.js';
import type { ScaleHookName } from '../runs/scale-hooks.js';

const TO_PROTO: Record<ScaleHookName, ScaleHook> = {
  onVmAdd: ScaleHook.SCALE_HOOK_ON_VM_ADD,
  onVmRemove: ScaleHook.SCALE_HOOK_ON_VM_REMOVE,
  preScale: ScaleHook.SCALE_HOOK_PRE_SCALE,
  postScale: ScaleHook.SCALE_HOOK_POST_SCALE,
};
const FROM_PROTO = new Map(Object.entries(TO_PROTO).map(([name, hook]) => [hook, name as ScaleHookName]));

/** The hook fields of a ScaleCommand. */
export interface ScaleHookFields {
  scaleHook: ScaleHook;
  hook: string;
}

/** The fields that send `hook` ('' for none). */
export function scaleHookToProto(hook: ScaleHookName | ''): ScaleHookFields {
  return { scaleHook: hook === '' ? ScaleHook.SCALE_HOOK_UNSPECIFIED : TO_PROTO[hook], hook };
}

/**
 * The hook a ScaleCommand names: the enum when set, else the text an older
 * controller sent; '' for none. A value this agent does not know (a newer
 * controller's) comes back as that controller's text or `unknown`, which no
 * recipe has: the agent reports it and runs nothing.
 */
export function scaleHookFromProto(scale: ScaleHookFields): string {
  if (scale.scaleHook === ScaleHook.SCALE_HOOK_UNSPECIFIED) return scale.hook;
  return FROM_PROTO.get(scale.scaleHook) ?? (scale.hook || 'unknown');
}
