import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestController } from './controller.js';
import { localVmWorkDir } from './local-vms.js';

/**
 * The agent credential a `local` VM's agent got at enrollment, read from the
 * state file in its work dir: tests act as that VM with it, as a compromised
 * VM could.
 */
export async function localVmCredential(controller: TestController, runId: string, instance: string): Promise<string> {
  const path = join(await localVmWorkDir(controller.dataDir, runId, instance), 'state.json');
  const state = JSON.parse(await readFile(path, 'utf8')) as { credential?: string };
  if (!state.credential?.startsWith('ssa_')) throw new Error(`${path} holds no agent credential`);
  return state.credential;
}
