/** What VMs are told: the public address first, then --agent-address, then the listen hosts; a wildcard is no address. */
import { describe, expect, it } from 'vitest';
import { advertisedAddresses, isUnspecifiedHost, localDialAddress, portOfUrl, publicAddressProblem, type AdvertisedAddressOptions } from './advertised-address.js';

const BASE: AdvertisedAddressOptions = {
  publicAddress: undefined,
  agentAddress: undefined,
  listen: { host: '0.0.0.0', port: 50051 },
  httpListen: { host: '0.0.0.0', port: 50052 },
  insecure: false,
};

describe('advertisedAddresses', () => {
  it('gives the public address for both the dial address and the bundle download, on the bound ports', () => {
    const advertised = advertisedAddresses({ ...BASE, publicAddress: 'deploy.example.com' });
    expect(advertised.unreachable).toBeUndefined();
    expect(advertised.agentAddress(50051)).toBe('deploy.example.com:50051');
    expect(advertised.bundleUrl(50052)).toBe('https://deploy.example.com:50052/agent/agent.mjs');
  });

  it('downloads over http with --insecure and brackets an IPv6 public address', () => {
    const advertised = advertisedAddresses({ ...BASE, publicAddress: '2001:db8::7', insecure: true });
    expect(advertised.agentAddress(443)).toBe('[2001:db8::7]:443');
    expect(advertised.bundleUrl(8080)).toBe('http://[2001:db8::7]:8080/agent/agent.mjs');
  });

  it('lets --agent-address override the dial address, the download keeping the public host', () => {
    const advertised = advertisedAddresses({ ...BASE, publicAddress: '203.0.113.9', agentAddress: 'grpc.example.com:443' });
    expect(advertised.agentAddress(50051)).toBe('grpc.example.com:443');
    expect(advertised.bundleUrl(50052)).toBe('https://203.0.113.9:50052/agent/agent.mjs');
    expect(advertised.unreachable).toBeUndefined();
  });

  it('without a public address, downloads from the host of --agent-address', () => {
    const advertised = advertisedAddresses({ ...BASE, agentAddress: '[2001:db8::1]:7000' });
    expect(advertised.agentAddress(50051)).toBe('[2001:db8::1]:7000');
    expect(advertised.bundleUrl(50052)).toBe('https://[2001:db8::1]:50052/agent/agent.mjs');
    expect(advertised.unreachable).toBeUndefined();
  });

  it('falls back to the listen hosts, the gRPC one when the bundle server listens everywhere', () => {
    const same = advertisedAddresses({ ...BASE, listen: { host: '10.1.2.3', port: 50051 }, httpListen: { host: '10.1.2.3', port: 50052 } });
    expect([same.agentAddress(50051), same.bundleUrl(50052)]).toEqual(['10.1.2.3:50051', 'https://10.1.2.3:50052/agent/agent.mjs']);
    const everywhere = advertisedAddresses({ ...BASE, listen: { host: '10.1.2.3', port: 50051 } });
    expect(everywhere.bundleUrl(50052)).toBe('https://10.1.2.3:50052/agent/agent.mjs');
    expect(everywhere.unreachable).toBeUndefined();
    const ownHttp = advertisedAddresses({ ...BASE, listen: { host: '10.1.2.3', port: 50051 }, httpListen: { host: '10.9.9.9', port: 8080 } });
    expect(ownHttp.bundleUrl(8080)).toBe('https://10.9.9.9:8080/agent/agent.mjs');
  });

  it.each([
    ['a wildcard listen host', {}, '0.0.0.0 (--listen 0.0.0.0:50051)'],
    ['an IPv6 wildcard listen host', { listen: { host: '::', port: 50051 } }, ':: (--listen [::]:50051)'],
    ['a wildcard --agent-address', { listen: { host: '10.1.2.3', port: 50051 }, agentAddress: '0.0.0.0:50051' }, '0.0.0.0 (--agent-address 0.0.0.0:50051)'],
  ])('is unreachable from other machines with %s, telling local VMs the loopback', (_case, change: Partial<AdvertisedAddressOptions>, named) => {
    const advertised = advertisedAddresses({ ...BASE, ...change });
    expect(advertised.unreachable).toBe(`VMs would be told to reach this controller at ${named}, which names no machine`);
    if (!change.agentAddress) expect(advertised.agentAddress(41000)).toBe('127.0.0.1:41000');
    expect(advertised.bundleUrl(41001)).toBe('https://127.0.0.1:41001/agent/agent.mjs');
  });
});

describe('publicAddressProblem', () => {
  it.each(['deploy.example.com', 'deploy.example.com.', 'controller', '203.0.113.9', '2001:db8::7', '[2001:db8::7]', 'xn--bcher-kva.example'])('accepts %s', (host) => {
    expect(publicAddressProblem(host)).toBeUndefined();
  });

  it.each([
    ['0.0.0.0', /every interface/],
    ['::', /every interface/],
    ['[::]', /every interface/],
    ['0:0:0:0:0:0:0:0', /every interface/],
    ['https://deploy.example.com', /without a scheme or port/],
    ['deploy.example.com:50051', /without a scheme or port/],
    ['deploy example', /host name or an IP address/],
    ['-bad.example.com', /host name or an IP address/],
    ['[deploy.example.com]', /brackets are for an IPv6 address/],
    ['fe80::1%eth0', /zone id|host name/],
  ])('refuses %s', (host, problem) => {
    expect(publicAddressProblem(host)).toMatch(problem);
  });

  it('counts every spelling of "every interface" as no host', () => {
    for (const host of ['', '0.0.0.0', '::', '[::]', '::0', '0']) expect(isUnspecifiedHost(host), host).toBe(true);
    for (const host of ['127.0.0.1', '::1', 'localhost', '10.0.0.0']) expect(isUnspecifiedHost(host), host).toBe(false);
  });
});

describe('portOfUrl', () => {
  it('reads the port of a server URL, the default of its scheme when it names none', () => {
    expect(portOfUrl('https://127.0.0.1:40123')).toBe(40123);
    expect(portOfUrl('https://[::1]')).toBe(443);
    expect(portOfUrl('http://localhost')).toBe(80);
  });
});

describe('localDialAddress', () => {
  it('dials a wildcard listen address on the loopback and any other as it is', () => {
    expect(localDialAddress('0.0.0.0:50051')).toBe('127.0.0.1:50051');
    expect(localDialAddress('[::]:50051')).toBe('127.0.0.1:50051');
    expect(localDialAddress(':50051')).toBe('127.0.0.1:50051');
    expect(localDialAddress('127.0.0.1:50051')).toBe('127.0.0.1:50051');
    expect(localDialAddress('[::1]:50051')).toBe('[::1]:50051');
    expect(localDialAddress('controller.example.com:7070')).toBe('controller.example.com:7070');
  });
});
