/**
 * A VM's `ip` and `instanceid` come from the cloud, with its `vm-running`
 * (the provisioner reports what the create call returned), not from the VM.
 */
import { describe, expect, it } from 'vitest';
import { buildRun, Sim } from '../../../test/helpers/test-run-builder.js';

describe('vm-running', () => {
  it('publishes the cloud-reported instance id and ip with the vmstate, once', () => {
    const sim = new Sim(buildRun());
    sim.send({ type: 'launch' });
    expect(sim.send({ type: 'vm-running', instance: 'web.1', vmId: 'i-0abc', ip: '10.0.0.7' })).toEqual([
      { type: 'set-parameter', key: 'web.1:vmstate', value: 'running' },
      { type: 'set-parameter', key: 'web.1:instanceid', value: 'i-0abc' },
      { type: 'set-parameter', key: 'web.1:ip', value: '10.0.0.7' },
    ]);
    // A repeated report (a resumed provisioning) changes nothing.
    expect(sim.send({ type: 'vm-running', instance: 'web.1', vmId: 'i-other', ip: '6.6.6.6' })).toEqual([]);
  });

  it('leaves ip unset when the cloud reported none', () => {
    const sim = new Sim(buildRun());
    sim.send({ type: 'launch' });
    expect(sim.send({ type: 'vm-running', instance: 'web.2', vmId: 'i-0def' })).toEqual([
      { type: 'set-parameter', key: 'web.2:vmstate', value: 'running' },
      { type: 'set-parameter', key: 'web.2:instanceid', value: 'i-0def' },
    ]);
  });
});
