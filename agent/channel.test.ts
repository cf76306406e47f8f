import { describe, expect, it } from 'vitest';
import { channelTarget } from './channel.js';

describe('channelTarget', () => {
  it('sends IP addresses to the ipv4:/ipv6: resolvers and leaves names to DNS', () => {
    expect(channelTarget('127.0.0.1:7443')).toBe('ipv4:127.0.0.1:7443');
    expect(channelTarget('[::1]:7443')).toBe('ipv6:[::1]:7443');
    expect(channelTarget('controller.example.com:7443')).toBe('controller.example.com:7443');
    expect(channelTarget('localhost:7443')).toBe('localhost:7443');
    expect(channelTarget('300.1.1.1:7443')).toBe('300.1.1.1:7443');
  });
});
