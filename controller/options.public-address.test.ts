/** --public-address: a host VMs reach the controller by, validated naming the flag, and a name of the server certificate. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnController } from '../test/helpers/controller-process.js';
import { compileControllerOptions, OptionsError } from './options.js';

const dataDir = '/tmp/slipstream-options-test';

describe('public address option', () => {
  it('is unset by default, and an empty value (an unset variable in a template) is unset too', () => {
    expect(compileControllerOptions({ dataDir }).publicAddress).toBeUndefined();
    expect(compileControllerOptions({ dataDir, publicAddress: '' }).publicAddress).toBeUndefined();
  });

  it('keeps the bare host and adds it to the server certificate’s names', () => {
    const named = compileControllerOptions({ dataDir, listen: '0.0.0.0:50051', publicAddress: 'deploy.example.com' });
    expect(named.publicAddress).toBe('deploy.example.com');
    expect(named.tlsHosts).toContain('deploy.example.com');
    const v6 = compileControllerOptions({ dataDir, publicAddress: '[2001:db8::7]' });
    expect(v6.publicAddress).toBe('2001:db8::7');
    expect(v6.tlsHosts).toContain('2001:db8::7');
  });

  it('adds the host of --agent-address to the certificate’s names (VMs check the certificate against it)', () => {
    expect(compileControllerOptions({ dataDir, agentAddress: 'grpc.example.com:443' }).tlsHosts).toContain('grpc.example.com');
    expect(compileControllerOptions({ dataDir, agentAddress: '0.0.0.0:443' }).tlsHosts).not.toContain('0.0.0.0');
  });

  it.each([
    ['0.0.0.0', `public address: '0.0.0.0': 0.0.0.0 means "every interface", which no VM can dial; give the name or address VMs reach this controller by`],
    ['::', `public address: '::': :: means "every interface", which no VM can dial; give the name or address VMs reach this controller by`],
    ['https://deploy.example.com', "public address: 'https://deploy.example.com': give the host alone (a name or IP address), without a scheme or port: the ports are the listen ports"],
    ['deploy.example.com:50051', "public address: 'deploy.example.com:50051': give the host alone (a name or IP address), without a scheme or port: the ports are the listen ports"],
    ['deploy example', "public address: 'deploy example': must be a host name or an IP address"],
  ])('refuses %s', (publicAddress, message) => {
    expect(() => compileControllerOptions({ dataDir, publicAddress })).toThrow(new OptionsError(message));
  });

  it('refuses an --agent-address whose host is neither a name nor an IP address', () => {
    expect(() => compileControllerOptions({ dataDir, agentAddress: 'a_b!:50051' })).toThrow(
      new OptionsError("agent address: 'a_b!:50051' must be HOST:PORT with a host name or IP address as HOST"),
    );
  });
});

describe('public address flag', () => {
  it.each([
    [['--public-address', '0.0.0.0'], {}, `slipstream-controller: public address: '0.0.0.0': 0.0.0.0 means "every interface"`],
    [[], { SLIPSTREAM_PUBLIC_ADDRESS: 'http://deploy.example.com' }, "slipstream-controller: public address: 'http://deploy.example.com': give the host alone"],
  ])('reaches the options from the command line and the environment, a bad value exiting 2: %j %j', async (args, env, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'slipstream-flags-'));
    try {
      const controller = spawnController(['--data-dir', dir, '--listen', '127.0.0.1:0', ...args], env);
      expect(await controller.exited).toBe(2);
      expect(controller.stderr()).toContain(message);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
