import type { PeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { SNI_FOR_IP_TARGETS, SSL_TARGET_NAME_OVERRIDE, targetHost, tlsTargetSettings } from './tls-server-name.js';

/** Just what tls.checkServerIdentity reads of a peer certificate. */
function certificate(subjectaltname: string): PeerCertificate {
  return { subject: { CN: 'slipstream-controller' }, subjectaltname } as unknown as PeerCertificate;
}

/** What grpc-js does with the settings: it calls checkServerIdentity with the override as the host. */
function verify(address: string, cert: PeerCertificate, serverName?: string): Error | undefined {
  const settings = tlsTargetSettings(address, serverName);
  const check = settings.verifyOptions.checkServerIdentity;
  expect(check, 'an IP target brings its own check').toBeDefined();
  return check!(settings.channelOptions[SSL_TARGET_NAME_OVERRIDE] as string, cert);
}

describe('tlsTargetSettings', () => {
  it('sends a DNS name as SNI for an IP address, never the IP', () => {
    for (const address of ['127.0.0.1:50051', '[::1]:50051', 'ipv4:127.0.0.1:50051', 'ipv6:[::1]:50051', '10.0.0.7']) {
      expect(tlsTargetSettings(address).channelOptions, address).toEqual({ [SSL_TARGET_NAME_OVERRIDE]: SNI_FOR_IP_TARGETS });
    }
  });

  it('checks the certificate against the IP dialled, not the name sent', () => {
    expect(verify('127.0.0.1:50051', certificate('DNS:localhost, IP Address:127.0.0.1'))).toBeUndefined();
    expect(verify('127.0.0.1:50051', certificate('IP Address:127.0.0.1'))).toBeUndefined();
    expect(verify('[::1]:50051', certificate('IP Address:0:0:0:0:0:0:0:1'))).toBeUndefined();
    // The SNI name alone is not enough, nor another IP.
    expect(verify('127.0.0.1:50051', certificate('DNS:localhost'))?.message).toMatch(/IP: 127\.0\.0\.1 is not in the cert's list/);
    expect(verify('127.0.0.1:50051', certificate('IP Address:127.0.0.2'))).toBeInstanceOf(Error);
    expect(verify('[::1]:50051', certificate('DNS:localhost, IP Address:127.0.0.1'))).toBeInstanceOf(Error);
  });

  it('leaves a DNS name to grpc-js: sent as SNI and checked as it is', () => {
    expect(tlsTargetSettings('controller.example.com:50051')).toEqual({ verifyOptions: {}, channelOptions: {} });
    expect(tlsTargetSettings('dns:///localhost:50051')).toEqual({ verifyOptions: {}, channelOptions: {} });
  });

  it('checks against a configured name instead of the address', () => {
    expect(tlsTargetSettings('127.0.0.1:50051', 'controller.example.com')).toEqual({
      verifyOptions: {},
      channelOptions: { [SSL_TARGET_NAME_OVERRIDE]: 'controller.example.com' },
    });
    expect(verify('controller.example.com:50051', certificate('IP Address:10.0.0.7'), '10.0.0.7')).toBeUndefined();
    expect(verify('10.0.0.7:50051', certificate('IP Address:10.0.0.7'), '[::1]')).toBeInstanceOf(Error);
  });
});

describe('targetHost', () => {
  it('is the host grpc-js takes the TLS name from', () => {
    expect(targetHost('127.0.0.1:50051')).toBe('127.0.0.1');
    expect(targetHost('[2001:db8::1]:50051')).toBe('2001:db8::1');
    expect(targetHost('2001:db8::1')).toBe('2001:db8::1');
    expect(targetHost('ipv4:10.0.0.1:1,10.0.0.2:1')).toBe('10.0.0.1');
    expect(targetHost('ipv6:[::1]:50051')).toBe('::1');
    expect(targetHost('dns:controller.example.com:443')).toBe('controller.example.com');
    expect(targetHost('dns://8.8.8.8/controller.example.com:443')).toBe('controller.example.com');
    expect(targetHost('controller.example.com')).toBe('controller.example.com');
  });
});
