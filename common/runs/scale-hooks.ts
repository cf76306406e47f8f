/** The recipes an instance that existed before a scale action runs in its states instead of its phases, as modules name them. */
export const SCALE_HOOKS = ['onVmAdd', 'onVmRemove', 'preScale', 'postScale'] as const;
export type ScaleHookName = (typeof SCALE_HOOKS)[number];

export function isScaleHook(value: string): value is ScaleHookName {
  return (SCALE_HOOKS as readonly string[]).includes(value);
}
