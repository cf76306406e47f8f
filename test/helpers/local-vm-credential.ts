import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestController } from './controller.js';

/**
 * The agent credential a `local` VM's agent got at enrollment, read from its
 * state file in the VM's work dir: `<dataDir>-local-vms/<run>/<instance>/`
 * when the controller runs as root (its VMs run as another user, outside the
 * data dir), else `<dataDir>/local-vms/<run>/<instance>/`. Tests act as that
 * VM with it, as a compromised VM could.
 */
export async function localVmCredential(controller: TestController, runId: string, instance: string): Promise<string> {
  const candidates = [`${controller.dataDir}-local-vms`, join(controller.dataDir, 'local-vms')].map((root) => join(root, runId, instance, 'state.json'));
  for (const path of candidates) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      continue;
    }
    const state = JSON.parse(text) as { credential?: string };
    if (state.credential?.startsWith('ssa_')) return state.credential;
  }
  throw new Error(`no agent credential in ${candidates.join(' or ')}`);
}
