import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseAgentConfig, type AgentConfig } from '../../../agent/config.js';
import { MAX_USER_DATA_BYTES, renderCloudInit, UserDataTooLargeError, type BootInput } from './cloud-init.js';

/** A real ECDSA P-256 CA certificate, as the controller's PKI makes them. */
const CA_PEM = `-----BEGIN CERTIFICATE-----
MIIBxTCCAWugAwIBAgIQLUA2wVdqKyQ7I8JaEs6TZzAKBggqhkjOPQQDAjBBMSow
KAYDVQQDEyFTbGlwc3RyZWFtIGNvbnRyb2xsZXIgQ0EgYjFhMTlhY2IxEzARBgNV
BAoTClNsaXBzdHJlYW0wHhcNMjYxMTI2MTQ0NTI3WhcNMzYxMTI1MTU0NTI3WjBB
MSowKAYDVQQDEyFTbGlwc3RyZWFtIGNvbnRyb2xsZXIgQ0EgYjFhMTlhY2IxEzAR
BgNVBAoTClNsaXBzdHJlYW0wWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAR0khY7
ecHoKM8Oui5pa3JMptqIgy3736hoStrwdgQ0WGqtDCwGSASbRq4i+h3In/kW5zIP
PPqC5XIm0hj0ou6To0UwQzASBgNVHRMBAf8ECDAGAQH/AgEAMA4GA1UdDwEB/wQE
AwIBBjAdBgNVHQ4EFgQUyWgeuh0Rtz482apBUvbPwwcNjo4wCgYIKoZIzj0EAwID
SAAwRQIgOHxTk1Fg7WPan39VMCG9JdfBLlr9HB6guC49O8eh8zMCIQCBx78DCvPR
tFG1Q8QIkcgTgaLe5v/7x6jh8tpBvFEF3Q==
-----END CERTIFICATE-----
`;
const SHA = 'b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c';
const BUNDLE_URL = 'http://10.20.30.40:8080/agent/agent.mjs';
const TOKEN = 'sbt_4f9c2e71d0a84b1f9e3c6a5b7d2e8f10.Zm9vYmFyYmF6cXV4cXV1eA';

function bootInput(withCa: boolean): BootInput {
  const agentConfig: AgentConfig = {
    controller: 'controller.slipstream.example.com:50051',
    runId: '6f1c2b8e-3d4a-4e5f-9a0b-1c2d3e4f5a6b',
    instance: 'web.12',
    bootstrapToken: TOKEN,
    ...(withCa ? { caCertificate: CA_PEM } : { insecure: true }),
  };
  return { agentConfig, bundleUrl: BUNDLE_URL, bundleSha256: SHA, ...(withCa ? { caCertificate: CA_PEM } : {}) };
}

interface WriteFile {
  path: string;
  permissions: string;
  owner: string;
  content: string;
}
interface CloudConfig {
  write_files: WriteFile[];
  runcmd: string[][];
}

function render(withCa: boolean): { text: string; doc: CloudConfig; file: (path: string) => WriteFile | undefined } {
  const text = renderCloudInit(bootInput(withCa));
  const doc = parse(text) as CloudConfig;
  return { text, doc, file: (path) => doc.write_files.find((f) => f.path === path) };
}

const scratch = mkdtempSync(join(tmpdir(), 'cloud-init-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const cloudInitMissing = spawnSync('cloud-init', ['--version'], { encoding: 'utf8' }).error !== undefined;

describe.each([
  { label: 'with a CA certificate', withCa: true },
  { label: 'insecure (no CA)', withCa: false },
])('renderCloudInit $label', ({ withCa }) => {
  it('is a #cloud-config document under the 16 KB user-data limit', () => {
    const { text, doc } = render(withCa);
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    expect(Buffer.byteLength(text, 'utf8')).toBeLessThan(MAX_USER_DATA_BYTES);
    expect(doc.runcmd).toEqual([['bash', '/opt/slipstream/install.sh']]);
  });

  it('writes the agent config with mode 0600, the token, the controller address and the CA', () => {
    const { file } = render(withCa);
    const config = file('/opt/slipstream/agent.json');
    expect(config).toMatchObject({ permissions: '0600', owner: 'root:root' });
    const parsed = parseAgentConfig(JSON.parse(config!.content)); // the agent's own validator accepts it
    expect(parsed).toMatchObject({
      controller: 'controller.slipstream.example.com:50051',
      runId: '6f1c2b8e-3d4a-4e5f-9a0b-1c2d3e4f5a6b',
      instance: 'web.12',
      bootstrapToken: TOKEN,
      workDir: '/var/lib/slipstream',
      installPackages: true,
      installSshKeys: true,
    });
    if (withCa) {
      expect(parsed.caCertificate).toBe(CA_PEM);
      expect(parsed.insecure).toBeUndefined();
      expect(file('/opt/slipstream/controller-ca.pem')?.content).toBe(CA_PEM);
    } else {
      expect(parsed.caCertificate).toBeUndefined();
      expect(parsed.insecure).toBe(true);
      expect(file('/opt/slipstream/controller-ca.pem')).toBeUndefined();
    }
  });

  it('installs a systemd unit that runs the agent with that config', () => {
    const unit = render(withCa).file('/etc/systemd/system/slipstream-agent.service');
    expect(unit?.permissions).toBe('0644');
    expect(unit?.content).toContain('ExecStart=/usr/bin/env node /opt/slipstream/agent.mjs --config /opt/slipstream/agent.json');
    expect(unit?.content).toContain('Restart=on-failure');
    expect(unit?.content).toContain('WantedBy=multi-user.target');
  });

  it('has an install script that checks the bundle sha256 before putting it in place', () => {
    const script = render(withCa).file('/opt/slipstream/install.sh');
    expect(script).toMatchObject({ permissions: '0700', owner: 'root:root' });
    const lines = script!.content.split('\n');
    expect(lines[0]).toBe('#!/bin/bash');
    expect(lines).toContain('set -euo pipefail');
    const download = lines.findIndex((l) => l.includes(`-o /opt/slipstream/agent.mjs.part '${BUNDLE_URL}'`));
    const check = lines.findIndex((l) => l.startsWith(`echo "${SHA}  /opt/slipstream/agent.mjs.part" | sha256sum -c -`));
    const move = lines.indexOf('mv /opt/slipstream/agent.mjs.part /opt/slipstream/agent.mjs');
    const start = lines.indexOf('systemctl enable --now slipstream-agent.service');
    expect(download).toBeGreaterThan(0);
    expect(check).toBeGreaterThan(download);
    expect(move).toBeGreaterThan(check);
    expect(start).toBeGreaterThan(move);
    expect(lines[download]!.includes('--cacert /opt/slipstream/controller-ca.pem')).toBe(withCa);
  });

  it('has an install script that bash parses (bash -n)', () => {
    const path = join(scratch, `install-${withCa}.sh`);
    writeFileSync(path, render(withCa).file('/opt/slipstream/install.sh')!.content);
    const result = spawnSync('bash', ['-n', path], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it.skipIf(cloudInitMissing)('passes `cloud-init schema` (skipped only when cloud-init is not installed: apt-get install -y cloud-init)', () => {
    const path = join(scratch, `user-data-${withCa}.yaml`);
    writeFileSync(path, render(withCa).text);
    const result = spawnSync('cloud-init', ['schema', '--config-file', path], { encoding: 'utf8' });
    expect(result.stderr, result.stderr).not.toMatch(/error|deprecat/i);
    expect(result.stdout).toContain(`Valid cloud-config: ${path}`);
    expect(result.status).toBe(0);
  });
});

describe('renderCloudInit input checks', () => {
  it('rejects a bundle digest that is not 64 hex characters', () => {
    expect(() => renderCloudInit({ ...bootInput(true), bundleSha256: 'abc' })).toThrow(/bundleSha256/);
    expect(() => renderCloudInit({ ...bootInput(true), bundleSha256: SHA.toUpperCase() })).toThrow(/bundleSha256/);
  });

  it('rejects a bundle URL that is not http(s)', () => {
    expect(() => renderCloudInit({ ...bootInput(true), bundleUrl: 'file:///etc/passwd' })).toThrow(/bundleUrl/);
    expect(() => renderCloudInit({ ...bootInput(true), bundleUrl: 'not a url' })).toThrow(/bundleUrl/);
  });

  it('keeps shell syntax in the bundle URL inert (single-quoted)', () => {
    const url = 'http://10.0.0.1:8080/agent/$(touch /tmp/pwned)`id`.mjs';
    const text = renderCloudInit({ ...bootInput(false), bundleUrl: url });
    const script = (parse(text) as CloudConfig).write_files.find((f) => f.path.endsWith('install.sh'))!.content;
    const quoted = script.match(/-o \/opt\/slipstream\/agent\.mjs\.part ('[^']*')/)?.[1];
    expect(quoted).toBeDefined();
    const echoed = spawnSync('bash', ['-c', `printf %s ${quoted}`], { encoding: 'utf8' });
    expect(echoed.stdout).toBe(new URL(url).href);
  });

  it('throws UserDataTooLargeError past 16 KB', () => {
    const bigCa = CA_PEM.repeat(20); // an operator CA bundle far larger than any single CA
    const input = bootInput(true);
    expect(() =>
      renderCloudInit({ ...input, agentConfig: { ...input.agentConfig, caCertificate: bigCa }, caCertificate: bigCa }),
    ).toThrow(UserDataTooLargeError);
    // A realistic 3-certificate bundle still fits.
    const bundle = CA_PEM.repeat(3);
    const text = renderCloudInit({ ...input, agentConfig: { ...input.agentConfig, caCertificate: bundle }, caCertificate: bundle });
    expect(Buffer.byteLength(text)).toBeLessThan(MAX_USER_DATA_BYTES);
  });
});
