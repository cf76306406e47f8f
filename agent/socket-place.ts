/**
 * Where the agent's Unix socket goes. `<workDir>/agent.sock` when that path
 * fits the 107 bytes Linux allows a socket address; otherwise (local VMs under
 * a long home and a run uuid easily pass it) `agent.sock` in a private folder
 * made by mkdtemp under the temp dir. mkdtemp picks an unpredictable name and
 * creates the folder 0700 in one call, so another local user can neither
 * squat the name beforehand nor reach the socket.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentConfigError } from './config.js';

/** The longest Unix socket path Linux accepts (sun_path is 108 bytes with its NUL). */
export const MAX_SOCKET_PATH_BYTES = 107;
const SOCKET_NAME = 'agent.sock';
const PRIVATE_FOLDER_PREFIX = 'slipstream-agent-';

/** Where the socket is, and the private folder made for it (to remove when the agent ends), if any. */
export interface SocketPlace {
  socketPath: string;
  privateDir?: string;
}

/** True when `path` can be bound as a Unix socket. */
export function fitsSocketPath(path: string): boolean {
  return Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES;
}

/**
 * Checks, without touching the disk, that the socket of `workDir` has a
 * place: throws AgentConfigError when neither `<workDir>/agent.sock` nor a
 * private folder under `tmpRoot` would fit.
 */
export function checkSocketPlace(workDir: string, tmpRoot: string): void {
  const preferred = join(workDir, SOCKET_NAME);
  if (fitsSocketPath(preferred)) return;
  // mkdtemp appends six characters to the prefix.
  const fallback = join(tmpRoot, `${PRIVATE_FOLDER_PREFIX}XXXXXX`, SOCKET_NAME);
  if (fitsSocketPath(fallback)) return;
  throw new AgentConfigError(
    `config.workDir: too long for the agent socket (${preferred} is over ${MAX_SOCKET_PATH_BYTES} bytes, and so is ${fallback} in the temp dir)`,
  );
}

/** Picks the socket's place (see the file comment), making the private folder when one is needed. Call checkSocketPlace first. */
export async function placeSocket(workDir: string, tmpRoot: string): Promise<SocketPlace> {
  const preferred = join(workDir, SOCKET_NAME);
  if (fitsSocketPath(preferred)) return { socketPath: preferred };
  const privateDir = await mkdtemp(join(tmpRoot, PRIVATE_FOLDER_PREFIX));
  return { socketPath: join(privateDir, SOCKET_NAME), privateDir };
}

/** Removes the private socket folder; one already gone is fine. */
export async function removeSocketFolder(privateDir: string | undefined): Promise<void> {
  if (privateDir !== undefined) await rm(privateDir, { recursive: true, force: true });
}
