/**
 * The user-data every cloud VM boots with: a `#cloud-config` document that
 * installs Node.js if absent, downloads the agent bundle from the controller
 * and checks its sha256, writes the agent's config (mode 0600) and runs the
 * agent as a systemd service that restarts on failure. The agent dials back;
 * nothing dials in.
 */
import { stringify } from 'yaml';
import type { AgentConfig } from '../../../agent/config.js';

/** EC2 refuses user-data over 16 KB; Azure and GCP allow more. */
export const MAX_USER_DATA_BYTES = 16 * 1024;

export interface BootInput {
  agentConfig: AgentConfig;
  /** Where the VM downloads the agent bundle (the controller's bundle server). */
  bundleUrl: string;
  bundleSha256: string;
  /** PEM of the CA to trust for the bundle download (the controller's own CA), if any. */
  caCertificate?: string;
}

const AGENT_DIR = '/opt/slipstream';
const WORK_DIR = '/var/lib/slipstream';

/** Thrown when the rendered user-data would exceed the clouds' limit. */
export class UserDataTooLargeError extends Error {}

/** Renders the `#cloud-config` user-data of one VM. */
export function renderCloudInit(input: BootInput): string {
  if (!/^[0-9a-f]{64}$/.test(input.bundleSha256)) throw new Error('bundleSha256 must be 64 hex characters');
  const config: AgentConfig = { ...input.agentConfig, workDir: WORK_DIR, installPackages: true, installSshKeys: true };
  const caFile = `${AGENT_DIR}/controller-ca.pem`;
  const curlCa = input.caCertificate ? `--cacert ${caFile} ` : '';
  const install = [
    '#!/bin/bash',
    'set -euo pipefail',
    'if ! command -v node >/dev/null 2>&1 || [ "$(node -p "process.versions.node.split(\'.\')[0]")" -lt 20 ]; then',
    '  if command -v apt-get >/dev/null 2>&1; then apt-get update -y && apt-get install -y nodejs curl',
    '  elif command -v dnf >/dev/null 2>&1; then dnf install -y nodejs curl',
    '  elif command -v yum >/dev/null 2>&1; then yum install -y nodejs curl',
    '  elif command -v apk >/dev/null 2>&1; then apk add --no-cache nodejs curl',
    '  else echo "slipstream: no package manager to install Node.js" >&2; exit 1; fi',
    'fi',
    `for attempt in 1 2 3 4 5 6 7 8 9 10; do`,
    `  curl -fsS ${curlCa}-o ${AGENT_DIR}/agent.mjs.part "${input.bundleUrl}" && break`,
    '  sleep $((attempt * 3))',
    'done',
    `echo "${input.bundleSha256}  ${AGENT_DIR}/agent.mjs.part" | sha256sum -c -`,
    `mv ${AGENT_DIR}/agent.mjs.part ${AGENT_DIR}/agent.mjs`,
    'systemctl daemon-reload',
    'systemctl enable --now slipstream-agent.service',
    '',
  ].join('\n');
  const unit = [
    '[Unit]',
    'Description=Slipstream agent',
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    `ExecStart=/usr/bin/env node ${AGENT_DIR}/agent.mjs --config ${AGENT_DIR}/agent.json`,
    'Restart=on-failure',
    'RestartSec=5',
    // A run that ended makes the agent exit 0: that is final, not a failure to restart.
    'SuccessExitStatus=0',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
  const files: Record<string, unknown>[] = [
    { path: `${AGENT_DIR}/agent.json`, permissions: '0600', owner: 'root:root', content: `${JSON.stringify(config, null, 2)}\n` },
    { path: '/etc/systemd/system/slipstream-agent.service', permissions: '0644', owner: 'root:root', content: unit },
    { path: `${AGENT_DIR}/install.sh`, permissions: '0700', owner: 'root:root', content: install },
  ];
  if (input.caCertificate) files.push({ path: caFile, permissions: '0644', owner: 'root:root', content: input.caCertificate });
  const document = stringify({ write_files: files, runcmd: [['bash', `${AGENT_DIR}/install.sh`]] }, { lineWidth: 0 });
  const userData = `#cloud-config\n${document}`;
  const bytes = Buffer.byteLength(userData, 'utf8');
  if (bytes > MAX_USER_DATA_BYTES) {
    throw new UserDataTooLargeError(`user-data is ${bytes} bytes, more than the ${MAX_USER_DATA_BYTES} bytes clouds accept`);
  }
  return userData;
}
