import { describe, expect, it } from 'vitest';
import { ControllerMode, ControllerState, type Controller } from '../../../../proto/gen/slipstream/v1/controllers.js';
import { fakeDeps } from '../../testing/fake-deps.js';
import { permissionDenied, unavailable } from '../../testing/service-errors.js';
import { formatAge } from '../../views/controllers.js';
import { run } from './list.js';

// Heartbeats this long ago show as "2s ago" and "1m ago" unless the test stalls for half a second.
const SECONDS_AGO = 2_500;
const MINUTE_AGO = 61_500;

function controllers(): Controller[] {
  const now = Date.now();
  return [
    {
      id: '0b1e4f2a-9c3d-4e5f-8a7b-1c2d3e4f5a6b',
      host: 'ctl-b',
      pid: 202,
      address: '10.0.0.2:7070',
      agentAddress: '10.0.0.2:7071',
      version: '0.2.0',
      mode: ControllerMode.CONTROLLER_MODE_HA,
      state: ControllerState.CONTROLLER_STATE_STARTING,
      runsOwned: 0,
      agentsConnected: 0,
      startedAt: new Date('2026-12-06T10:05:00Z'),
      heartbeatAt: new Date(now - SECONDS_AGO),
      leaseMs: 15_000,
      self: false,
    },
    {
      id: 'f7c2a9e0-1111-4222-8333-944455556666',
      host: 'ctl-a',
      pid: 101,
      address: '10.0.0.1:7070',
      agentAddress: '10.0.0.1:7071',
      version: '0.1.0',
      mode: ControllerMode.CONTROLLER_MODE_HA,
      state: ControllerState.CONTROLLER_STATE_SERVING,
      runsOwned: 12,
      agentsConnected: 340,
      startedAt: new Date('2026-12-06T09:00:00Z'),
      heartbeatAt: new Date(now - MINUTE_AGO),
      leaseMs: 15_000,
      self: true,
    },
  ];
}

describe('controller list', () => {
  it('lists the replicas as tab-separated lines: short id (* = the one answering), heartbeat as an age', async () => {
    const deps = fakeDeps({ controllers: { list: async () => ({ controllers: controllers() }) } });
    expect(await run(deps, { output: 'table' })).toBe(0);
    expect(deps.argsOf('controllers.list')).toEqual([[]]);
    expect(deps.out()).toBe(
      'ID\tADDRESS\tVERSION\tMODE\tSTATE\tRUNS\tAGENTS\tHEARTBEAT\n' +
        '0b1e4f2a\t10.0.0.2:7070\t0.2.0\tha\tstarting\t0\t0\t2s ago\n' +
        'f7c2a9e0 *\t10.0.0.1:7070\t0.1.0\tha\tserving\t12\t340\t1m ago\n',
    );
  });

  it('prints a table on a terminal', async () => {
    const deps = fakeDeps({ controllers: { list: async () => ({ controllers: controllers() }) } }, { isTTY: true });
    expect(await run(deps, { output: 'table' })).toBe(0);
    expect(deps.out().split('\n')).toEqual([
      'ID          ADDRESS        VERSION  MODE  STATE     RUNS  AGENTS  HEARTBEAT',
      '0b1e4f2a    10.0.0.2:7070  0.2.0    ha    starting  0     0       2s ago',
      'f7c2a9e0 *  10.0.0.1:7070  0.1.0    ha    serving   12    340     1m ago',
      '',
    ]);
  });

  it('prints JSON with full ids, self, and times instead of ages', async () => {
    const listed = controllers();
    const deps = fakeDeps({ controllers: { list: async () => ({ controllers: listed }) } });
    expect(await run(deps, { output: 'json' })).toBe(0);
    const printed = JSON.parse(deps.out()) as Record<string, unknown>[];
    expect(printed).toHaveLength(2);
    expect(printed[1]).toEqual({
      id: 'f7c2a9e0-1111-4222-8333-944455556666',
      self: true,
      host: 'ctl-a',
      pid: 101,
      address: '10.0.0.1:7070',
      agentAddress: '10.0.0.1:7071',
      version: '0.1.0',
      mode: 'ha',
      state: 'serving',
      runsOwned: 12,
      agentsConnected: 340,
      leaseMs: 15_000,
      startedAt: '2026-12-06T09:00:00Z',
      heartbeatAt: listed[1]!.heartbeatAt!.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
  });

  it("names a newer controller's unknown mode and state `unknown`", async () => {
    const [first] = controllers();
    const deps = fakeDeps({ controllers: { list: async () => ({ controllers: [{ ...first!, mode: 9 as ControllerMode, state: 9 as ControllerState }] }) } });
    expect(await run(deps, { output: 'table' })).toBe(0);
    expect(deps.out().split('\n')[1]).toBe('0b1e4f2a\t10.0.0.2:7070\t0.2.0\tunknown\tunknown\t0\t0\t2s ago');
  });

  it('prints only the header when no replica registered', async () => {
    const deps = fakeDeps({ controllers: { list: async () => ({ controllers: [] }) } });
    expect(await run(deps, { output: 'table' })).toBe(0);
    expect(deps.out()).toBe('ID\tADDRESS\tVERSION\tMODE\tSTATE\tRUNS\tAGENTS\tHEARTBEAT\n');
  });

  it('exits 4 for a caller who is no operator admin', async () => {
    const deps = fakeDeps({ controllers: { list: () => Promise.reject(permissionDenied('ListControllers is reserved to admins of the operator tenant')) } });
    expect(await run(deps, { output: 'table' })).toBe(4);
    expect(deps.err()).toBe('error: permission denied: ListControllers is reserved to admins of the operator tenant\n');
    expect(deps.out()).toBe('');
  });

  it('exits 1 when the controller is unavailable', async () => {
    const deps = fakeDeps({ controllers: { list: () => Promise.reject(unavailable('connection refused')) } });
    expect(await run(deps, { output: 'table' })).toBe(1);
    expect(deps.err()).toBe('error: controller unavailable: connection refused\n');
  });
});

describe('heartbeat ages', () => {
  it.each([
    [-5_000, '0s ago'],
    [999, '0s ago'],
    [59_999, '59s ago'],
    [60_000, '1m ago'],
    [3_599_999, '59m ago'],
    [3_600_000, '1h ago'],
    [86_400_000 * 3 + 5, '3d ago'],
  ])('%i ms is %s', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });
});
