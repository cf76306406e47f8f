import { describe, expect, it } from 'vitest';
import { ScaleHook } from '../../../proto/gen/slipstream/v1/agent.js';
import { ScaleAction } from '../../../proto/gen/slipstream/v1/runs.js';
import { agentCommandToProto, scaleCommandToProto } from './agent-command-proto.js';

describe('a scale command on the wire', () => {
  it('names its hook by the enum and, for agents older than it, by the text', () => {
    expect(scaleCommandToProto({ action: 'add', node: 'web', instances: ['web.3'], hook: 'onVmAdd' })).toEqual({
      action: ScaleAction.SCALE_ACTION_ADD,
      node: 'web',
      instances: ['web.3'],
      scaleHook: ScaleHook.SCALE_HOOK_ON_VM_ADD,
      hook: 'onVmAdd',
    });
    expect(scaleCommandToProto({ action: 'remove', node: 'web', instances: ['web.1'], hook: '' })).toMatchObject({
      action: ScaleAction.SCALE_ACTION_REMOVE,
      scaleHook: ScaleHook.SCALE_HOOK_UNSPECIFIED,
      hook: '',
    });
  });
});

describe('a redirect on the wire', () => {
  it("names the owner's address and why", () => {
    expect(agentCommandToProto({ type: 'redirect', address: '10.0.0.2:7443', reason: 'moved' })).toEqual({
      message: { $case: 'redirect', value: { address: '10.0.0.2:7443', reason: 'moved' } },
    });
  });
});
