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

/** Where the agent, its config and its install script go on a cloud VM. */
export const AGENT_DIR = '/opt/slipstream';
/** The agent's work dir on a cloud VM. */
export const WORK_DIR = '/var/lib/slipstream';

/** Thrown when the rendered user-data would exceed the clouds' limit. */
export class UserDataTooLargeError extends Error {
  override name = 'UserDataTooLargeError';
}

/** Oldest Node.js major the agent bundle runs on (it is built for node20): a VM that has it keeps it. */
const NODE_MAJOR = 20;
/** The major installed on a VM without one: the current LTS (Node.js 20 reached its end of life in April 2026). */
const INSTALLED_NODE_MAJOR = 24;

/** Quotes one word for bash: single quotes, with embedded ones closed and escaped. */
function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Renders the `#cloud-config` user-data of one VM. */
export function renderCloudInit(input: BootInput): string {
  if (!/^[0-9a-f]{64}$/.test(input.bundleSha256)) throw new Error('bundleSha256 must be 64 hex characters');
  let bundleUrl: URL;
  try {
    bundleUrl = new URL(input.bundleUrl);
  } catch {
    throw new Error(`bundleUrl must be an http(s) URL, got ${JSON.stringify(input.bundleUrl)}`);
  }
  if (bundleUrl.protocol !== 'http:' && bundleUrl.protocol !== 'https:') {
    throw new Error(`bundleUrl must be an http(s) URL, got ${JSON.stringify(input.bundleUrl)}`);
  }
  const config: AgentConfig = { ...input.agentConfig, workDir: WORK_DIR, installPackages: true, installSshKeys: true };
  const caFile = `${AGENT_DIR}/controller-ca.pem`;
  const curlCa = input.caCertificate ? `--cacert ${caFile} ` : '';
  const install = [
    '#!/bin/bash',
    '# Slipstream agent install (cloud-init runcmd): Node.js, the agent bundle (sha256-checked), the service.',
    'set -euo pipefail',
    'export PATH="/usr/local/sbin:/usr/local/bin:$PATH"',
    'fail() { echo "slipstream: $*" >&2; exit 1; }',
    'command -v systemctl >/dev/null 2>&1 || fail "systemd is required to run the agent as a service"',
    'pkg_install() {',
    '  if command -v apt-get >/dev/null 2>&1; then',
    '    export DEBIAN_FRONTEND=noninteractive',
    '    apt-get -o DPkg::Lock::Timeout=300 update -y && apt-get -o DPkg::Lock::Timeout=300 install -y "$@"',
    '  elif command -v dnf >/dev/null 2>&1; then dnf install -y "$@"',
    '  elif command -v yum >/dev/null 2>&1; then yum install -y "$@"',
    '  elif command -v zypper >/dev/null 2>&1; then zypper --non-interactive install "$@"',
    '  else return 1; fi',
    '}',
    `node_ok() { command -v node >/dev/null 2>&1 && [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -ge ${NODE_MAJOR} ]; }`,
    'command -v curl >/dev/null 2>&1 || pkg_install curl ca-certificates || fail "cannot install curl"',
    // The distribution's Node.js first; many ship an older major, then the official build.
    'node_ok || pkg_install nodejs || true',
    'if ! node_ok; then',
    '  case "$(uname -m)" in x86_64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) fail "no Node.js build for $(uname -m)" ;; esac',
    `  base=https://nodejs.org/dist/latest-v${INSTALLED_NODE_MAJOR}.x`,
    '  sums=$(curl -fsSL --retry 5 "$base/SHASUMS256.txt") || fail "cannot download $base/SHASUMS256.txt"',
    `  line=$(printf '%s\\n' "$sums" | grep -E " node-v${INSTALLED_NODE_MAJOR}\\.[0-9.]+-linux-$arch\\.tar\\.gz$" | head -n 1) || fail "no linux-$arch tarball listed in $base"`,
    '  file=${line##* }',
    '  tmp=$(mktemp -d)',
    '  curl -fsSL --retry 5 -o "$tmp/$file" "$base/$file" || fail "cannot download $base/$file"',
    `  (cd "$tmp" && printf '%s\\n' "$line" | sha256sum -c -) || fail "checksum mismatch for $file"`,
    '  tar -xzf "$tmp/$file" -C /usr/local --strip-components=1 --no-same-owner',
    '  rm -rf "$tmp"',
    '  hash -r',
    `  node_ok || fail "Node.js ${NODE_MAJOR} or newer could not be installed"`,
    'fi',
    // The work dir is the agent's to make (mode 0700): it holds the agent's credential.
    `mkdir -p ${AGENT_DIR}`,
    'ok=',
    'for attempt in 1 2 3 4 5 6 7 8 9 10; do',
    `  if curl -fsS ${curlCa}-o ${AGENT_DIR}/agent.mjs.part ${shellQuote(bundleUrl.href)}; then ok=1; break; fi`,
    '  sleep $((attempt * 3))',
    'done',
    `[ -n "$ok" ] || fail "cannot download the agent bundle from "${shellQuote(bundleUrl.href)}`,
    `echo "${input.bundleSha256}  ${AGENT_DIR}/agent.mjs.part" | sha256sum -c - || fail "agent bundle sha256 mismatch"`,
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
