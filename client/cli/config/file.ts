/**
 * The config file: named contexts (controller address + token) and which one
 * is current. It holds secrets, so it is only ever written with mode 0600,
 * atomically (temp file + rename), so a crash never leaves half a file.
 */
import { readFileSync } from 'node:fs';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join, basename } from 'node:path';
import { parse, stringify } from 'yaml';
import { isTlsServerName } from '../../options.js';

/** One controller as one caller. */
export interface CliContext {
  address: string;
  token?: string;
  /** PEM file of the CA the controller's certificate chains to (TLS); plaintext when absent. */
  ca?: string;
  /** The name the controller's certificate carries, when the address is not one of its names (TLS only). */
  tlsServerName?: string;
}

/** The whole file. */
export interface CliConfig {
  current?: string;
  contexts: Record<string, CliContext>;
}

/** The config file exists but cannot be used; the message names the file. */
export class ConfigFileError extends Error {
  override readonly name = 'ConfigFileError';
}

/**
 * Reads the config; an absent file is an empty config. Synchronous because it
 * is read once, lazily, when a command first needs a connection.
 */
export function readConfig(path: string): CliConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { contexts: {} };
    throw new ConfigFileError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parse(text) ?? {};
  } catch (error) {
    throw new ConfigFileError(`config file ${path} is not valid YAML: ${(error as Error).message}`);
  }
  return checkConfig(path, raw);
}

function checkConfig(path: string, raw: unknown): CliConfig {
  const bad = (what: string): never => {
    throw new ConfigFileError(`config file ${path}: ${what}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('must be a mapping');
  const { current, contexts = {} } = raw as { current?: unknown; contexts?: unknown };
  if (current !== undefined && current !== null && typeof current !== 'string') bad('`current` must be a string');
  if (typeof contexts !== 'object' || contexts === null || Array.isArray(contexts)) return bad('`contexts` must be a mapping');
  const out: CliConfig = { contexts: {} };
  if (typeof current === 'string') out.current = current;
  for (const [name, value] of Object.entries(contexts)) {
    const { address, token, ca, tlsServerName } = (value ?? {}) as { address?: unknown; token?: unknown; ca?: unknown; tlsServerName?: unknown };
    if (typeof address !== 'string' || address === '') bad(`context '${name}' needs an address`);
    if (token !== undefined && token !== null && typeof token !== 'string') bad(`context '${name}': token must be a string`);
    if (ca !== undefined && ca !== null && typeof ca !== 'string') bad(`context '${name}': ca must be a file path`);
    if (tlsServerName !== undefined && tlsServerName !== null && !isTlsServerName(tlsServerName)) {
      bad(`context '${name}': tlsServerName must be a host name or IP address`);
    }
    out.contexts[name] = {
      address: address as string,
      ...(typeof token === 'string' ? { token } : {}),
      ...(typeof ca === 'string' ? { ca } : {}),
      ...(typeof tlsServerName === 'string' ? { tlsServerName } : {}),
    };
  }
  return out;
}

/** Writes the config with mode 0600, replacing the old file in one rename. */
export async function writeConfig(path: string, config: CliConfig): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, stringify(config), { mode: 0o600, flag: 'wx' });
    // writeFile's mode is filtered by the umask; make it exact.
    await chmod(temp, 0o600);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
