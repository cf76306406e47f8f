import { describe, expect, it, vi } from 'vitest';
import { AgentHub, type AgentSessionHandle } from './agent-hub.js';

const handle = () => ({ send: vi.fn<AgentSessionHandle['send']>(), close: vi.fn<AgentSessionHandle['close']>() });

describe('AgentHub', () => {
  it('counts one connected session per instance: a replacement closes the old one and counts once', () => {
    const hub = new AgentHub();
    const first = handle();
    const unregisterFirst = hub.register('run-1', 'web.1', first);
    hub.register('run-1', 'web.2', handle());
    hub.register('run-2', 'web.1', handle());
    expect(hub.connected).toBe(3);
    const again = handle();
    const unregisterAgain = hub.register('run-1', 'web.1', again);
    expect(first.close).toHaveBeenCalledOnce();
    expect(hub.connected).toBe(3);
    // The replaced session's unregister (run when it closes) leaves its successor registered.
    unregisterFirst();
    expect(hub.connected).toBe(3);
    expect(hub.isConnected('run-1', 'web.1')).toBe(true);
    unregisterAgain();
    unregisterAgain();
    expect(hub.connected).toBe(2);
    expect(hub.isConnected('run-1', 'web.1')).toBe(false);
  });

  it('closeAll closes every session and counts none, also when they unregister afterwards', () => {
    const hub = new AgentHub();
    const sessions = [handle(), handle()];
    const unregisters = sessions.map((s, i) => hub.register('run-1', `web.${i + 1}`, s));
    hub.closeAll();
    for (const s of sessions) expect(s.close).toHaveBeenCalledOnce();
    for (const unregister of unregisters) unregister();
    expect(hub.connected).toBe(0);
    expect(hub.forRun('run-1')).toEqual([]);
    // A run that connects again afterwards is counted afresh.
    hub.register('run-1', 'web.1', handle());
    expect(hub.connected).toBe(1);
  });
});
