import { describe, expect, it } from 'vitest';
import { ScaleHook } from '../../proto/gen/slipstream/v1/agent.js';
import { SCALE_HOOKS } from '../runs/scale-hooks.js';
import { scaleHookFromProto, scaleHookToProto } from './scale-hooks.js';

describe('scale hooks on the wire', () => {
  it('are sent as the enum and, for older agents, as the same text; none as neither', () => {
    expect(scaleHookToProto('onVmAdd')).toEqual({ scaleHook: ScaleHook.SCALE_HOOK_ON_VM_ADD, hook: 'onVmAdd' });
    expect(scaleHookToProto('')).toEqual({ scaleHook: ScaleHook.SCALE_HOOK_UNSPECIFIED, hook: '' });
    const codes = SCALE_HOOKS.map((h) => scaleHookToProto(h).scaleHook);
    expect(new Set(codes).size).toBe(SCALE_HOOKS.length);
    expect(codes).not.toContain(ScaleHook.SCALE_HOOK_UNSPECIFIED);
  });

  it('are read from the enum first, whatever the text says', () => {
    for (const h of SCALE_HOOKS) expect(scaleHookFromProto({ scaleHook: scaleHookToProto(h).scaleHook, hook: '' })).toBe(h);
    expect(scaleHookFromProto({ scaleHook: ScaleHook.SCALE_HOOK_PRE_SCALE, hook: 'postScale' })).toBe('preScale');
  });

  it("fall back to an older controller's text when the enum is unset; neither set is none", () => {
    expect(scaleHookFromProto({ scaleHook: ScaleHook.SCALE_HOOK_UNSPECIFIED, hook: 'onVmRemove' })).toBe('onVmRemove');
    expect(scaleHookFromProto({ scaleHook: ScaleHook.SCALE_HOOK_UNSPECIFIED, hook: '' })).toBe('');
  });

  it("name a newer controller's unknown hook by its text, or `unknown`, which no recipe has", () => {
    expect(scaleHookFromProto({ scaleHook: 99 as ScaleHook, hook: 'onVmMove' })).toBe('onVmMove');
    expect(scaleHookFromProto({ scaleHook: 99 as ScaleHook, hook: '' })).toBe('unknown');
  });
});
