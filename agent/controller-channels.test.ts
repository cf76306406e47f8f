import { describe, expect, it } from 'vitest';
import type { AgentServiceClient } from '../proto/gen/slipstream/v1/agent.js';
import { ControllerChannels } from './controller-channels.js';

/** Channels whose clients only record that they were made and closed. */
function channels(addresses: string[]) {
  const made: string[] = [];
  const closed: string[] = [];
  const all = new ControllerChannels(addresses, (address) => {
    made.push(address);
    return { close: () => closed.push(address) } as unknown as AgentServiceClient;
  });
  return { all, made, closed };
}

describe('a route over the controller addresses', () => {
  it('goes round the list on failures, one channel per address shared by every route', () => {
    const { all, made } = channels(['a:1', 'b:1', 'c:1']);
    const session = all.route();
    const uploads = all.route();
    expect(session.hasAlternatives).toBe(true);
    const seen = [session.address];
    for (let i = 0; i < 3; i++) {
      session.failed();
      seen.push(session.address);
    }
    expect(seen).toEqual(['a:1', 'b:1', 'c:1', 'a:1']);
    expect(uploads.address).toBe('a:1');
    expect(session.client).toBe(uploads.client);
    expect(made).toEqual(['a:1']);
  });

  it('keeps to a redirect target until it fails, then goes back where the round robin stood; its channel is closed', () => {
    const { all, closed } = channels(['a:1', 'b:1']);
    const route = all.route();
    route.failed();
    route.prefer('owner:7');
    void route.client;
    expect(route.address).toBe('owner:7');
    route.failed();
    expect(route.address).toBe('b:1');
    expect(closed).toEqual(['owner:7']);
    // A configured address becomes where the round robin stands; its channel stays.
    route.prefer('a:1');
    route.failed();
    expect(route.address).toBe('b:1');
    expect(closed).toEqual(['owner:7']);
  });

  it('has no alternative with one address and no redirect target', () => {
    const route = channels(['a:1']).all.route();
    expect(route.hasAlternatives).toBe(false);
    route.failed();
    expect(route.address).toBe('a:1');
    route.prefer('owner:7');
    expect(route.hasAlternatives).toBe(true);
  });
});
