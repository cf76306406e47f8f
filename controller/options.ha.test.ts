/** The replica options: --ha only with what replicas must share (PostgreSQL, the credential key, TLS), and the lease's bounds. */
import { describe, expect, it } from 'vitest';
import { compileControllerOptions, OptionsError, type ControllerOptions } from './options.js';

const KEY = Buffer.alloc(32, 7).toString('base64');
const HA: ControllerOptions = {
  dataDir: '/tmp/slipstream-options-test',
  ha: true,
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/slipstream',
  credentialKey: KEY,
  insecure: true,
};

describe('ha options', () => {
  it('default to a lone controller with a 10 s lease', () => {
    const compiled = compileControllerOptions({ dataDir: '/tmp/slipstream-options-test' });
    expect(compiled).toMatchObject({ ha: false, leaseMs: 10_000 });
  });

  it('accept a replica on PostgreSQL with the credential key and --insecure, or with the TLS files', () => {
    expect(compileControllerOptions(HA)).toMatchObject({ ha: true, leaseMs: 10_000, insecure: true });
    const tls = compileControllerOptions({ ...HA, insecure: false, tlsCaCertPath: '/etc/ss/ca.pem', tlsCertPath: '/etc/ss/cert.pem', tlsKeyPath: '/etc/ss/key.pem' });
    expect(tls).toMatchObject({ ha: true, insecure: false, tlsFiles: { caCertPath: '/etc/ss/ca.pem', certPath: '/etc/ss/cert.pem', keyPath: '/etc/ss/key.pem' } });
  });

  it.each([
    ['the default SQLite database', { databaseUrl: undefined }, 'ha: replicas share a PostgreSQL database; give --database postgres://...'],
    ['an SQLite file', { databaseUrl: 'sqlite:/tmp/slipstream-options-test/x.db' }, 'ha: replicas share a PostgreSQL database; give --database postgres://...'],
    [
      'no credential key',
      { credentialKey: undefined },
      'ha: every replica must get the same credential key in SLIPSTREAM_CREDENTIAL_KEY (openssl rand -base64 32), or they cannot read each other’s sealed values',
    ],
    // main.ts passes an unset variable as undefined, an empty one as ''.
    [
      'an empty credential key',
      { credentialKey: '' },
      'ha: every replica must get the same credential key in SLIPSTREAM_CREDENTIAL_KEY (openssl rand -base64 32), or they cannot read each other’s sealed values',
    ],
    [
      'neither TLS files nor --insecure',
      { insecure: false },
      'ha: give every replica the same --tls-ca, --tls-cert and --tls-key (agents move between replicas and pin one CA), or --insecure',
    ],
  ])('refuse --ha with %s', (_case, change: Partial<ControllerOptions>, message) => {
    expect(() => compileControllerOptions({ ...HA, ...change })).toThrow(new OptionsError(message));
  });

  it.each([[1, 1_000], [2.5, 2_500], [600, 600_000]])('take a lease of %d s', (leaseSeconds, leaseMs) => {
    expect(compileControllerOptions({ ...HA, leaseSeconds }).leaseMs).toBe(leaseMs);
  });

  // NaN is what main.ts makes of `--lease-seconds ten`.
  it.each([0, 0.5, 600.5, -3, Number.NaN, Number.POSITIVE_INFINITY])('refuse a lease of %d s, with or without --ha', (leaseSeconds) => {
    const message = new OptionsError('lease seconds: must be a number from 1 to 600');
    expect(() => compileControllerOptions({ ...HA, leaseSeconds })).toThrow(message);
    expect(() => compileControllerOptions({ dataDir: '/tmp/slipstream-options-test', leaseSeconds })).toThrow(message);
  });
});
