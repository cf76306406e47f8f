/**
 * Test helper: where a `local` VM of a test controller keeps its files. Its
 * record (vm.json, agent.out.log) is under `<dataDir>/local-vms/<run>/<instance>`;
 * its agent works there too, or (controller running as root) in the work dir
 * the record names, owned by the VM's user.
 */
import { join } from 'node:path';
import { readVmRecord, vmDir, workDirOf } from '../../controller/connectors/local/vm-record.js';

/** The record folder of a local VM: vm.json and agent.out.log. */
export function localVmRecordDir(dataDir: string, runId: string, instance: string): string {
  return vmDir(dataDir, runId, instance);
}

/** The work dir of a local VM (agent.json, state.json, home/, logs/, reports/); fails when it has no record yet. */
export async function localVmWorkDir(dataDir: string, runId: string, instance: string): Promise<string> {
  const dir = vmDir(dataDir, runId, instance);
  const record = await readVmRecord(dir);
  if (!record) throw new Error(`no local VM record in ${join(dir, 'vm.json')}`);
  return workDirOf(record, dir);
}
