/**
 * A controller running as root runs its local VMs as an unprivileged user
 * (`nobody` by default) in a folder outside the data dir: a recipe runs as
 * that user and cannot read the database, the credential key or even list the
 * data dir; the run still reaches Ready, and terminating it kills every
 * process of the VM. On SQLite and PostgreSQL. Needs root (as here and in CI).
 */
import { createHash } from 'node:crypto';
import { lstat, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlipstreamClient } from '../../client/index.js';
import type { ModuleDocument } from '../../common/modules/types.js';
import { KeepRunning, RunState } from '../../proto/gen/slipstream/v1/runs.js';
import type { TestController } from '../helpers/controller.js';
import { TEST_DATABASES } from '../helpers/databases.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { localVmRecordDir, localVmWorkDir } from '../helpers/local-vms.js';
import { processesOfRun, TestRuns, waitForNoProcessesOfRun } from '../helpers/runs.js';

const RECIPE = `
set -u
dir="$(ss-get datadir)"
# What the attempt printed on stderr, or 'read' when it succeeded.
attempt() { if err=$("$@" 2>&1 >/dev/null); then echo read; else echo "$err"; fi; }
ss-set uid "$(id -u)"
ss-set db "$(attempt cat "$dir/slipstream.db")"
ss-set key "$(attempt cat "$dir/credential.key")"
ss-set listing "$(attempt ls "$dir")"
ss-set records "$(attempt ls "$dir/local-vms")"
# An escapee in a session of its own: terminate must still find and kill it.
setsid sleep 600 >/dev/null 2>&1 < /dev/null &
`;

const PROBE: ModuleDocument = {
  kind: 'component',
  path: 'iso/probe',
  description: 'tries to read the controller data dir',
  images: { local: 'local' },
  resources: {},
  recipes: { deployment: RECIPE },
  parameters: [
    { name: 'datadir', category: 'input', type: 'string' },
    ...['uid', 'db', 'key', 'listing', 'records'].map((name) => ({ name, category: 'output' as const, type: 'string' as const })),
  ],
};

const mode = async (path: string) => {
  const info = await lstat(path);
  return { mode: (info.mode & 0o7777).toString(8), uid: info.uid };
};

const uidOf = async (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1]);

describe.runIf(process.geteuid?.() === 0).each(TEST_DATABASES)('local VMs of a root controller on %s', (database) => {
  let harness: Harness;
  let controller: TestController;
  let client: SlipstreamClient;
  let runs: TestRuns;

  beforeAll(async () => {
    harness = await startHarness({ database });
    ({ controller, client, runs } = harness);
  });

  afterAll(() => harness?.close());

  it('run recipes as nobody, who cannot read the data dir; the run reaches Ready and terminate kills every process', async () => {
    const user = controller.localVms.runAs!;
    expect(user.name).toBe('nobody');
    expect(user.uid).not.toBe(0);
    const workRoot = controller.localVms.workRoot!;
    expect(workRoot).toBe(`${controller.dataDir}-local-vms`);

    await client.modules.save(PROBE);
    const run = await runs.launch('iso/probe', { parameters: { 'machine:datadir': controller.dataDir }, keepRunning: KeepRunning.KEEP_RUNNING_ALWAYS });
    const instance = run.nodes[0]!.instances[0]!.name;
    const ready = await runs.waitForState(run.id, RunState.RUN_STATE_READY);
    expect(ready.abortMessage).toBe('');

    const value = async (name: string) => (await runs.parameter(run.id, `${instance}:${name}`)).value;
    expect(await value('uid')).toBe(String(user.uid));
    for (const name of ['db', 'key', 'listing']) expect(await value(name), name).toMatch(/Permission denied/);
    expect(await value('records')).toMatch(/Permission denied/);

    // The layout: the work root and the run's folder only let others pass; the VM's folder and config are its user's alone.
    const workDir = await localVmWorkDir(controller.dataDir, run.id, instance);
    expect(workDir).toBe(join(workRoot, run.id, instance));
    expect(await mode(workRoot)).toEqual({ mode: '711', uid: 0 });
    expect(await mode(join(workRoot, run.id))).toEqual({ mode: '711', uid: 0 });
    expect(await mode(workDir)).toEqual({ mode: '700', uid: user.uid });
    expect(await mode(join(workDir, 'agent.json'))).toEqual({ mode: '600', uid: user.uid });
    // The record stays in the data dir, the controller's alone.
    const recordDir = localVmRecordDir(controller.dataDir, run.id, instance);
    expect(await mode(join(recordDir, 'vm.json'))).toEqual({ mode: '600', uid: 0 });
    // The agent runs a copy of the bundle in the work root, identical to the one served.
    const served = controller.logs.find((l) => l.msg === 'serving the agent bundle') as { sha256: string };
    const copies = (await readdir(workRoot)).filter((name) => name.endsWith('.mjs'));
    expect(copies).toEqual([`agent-${served.sha256.slice(0, 16)}.mjs`]);
    expect(await mode(join(workRoot, copies[0]!))).toEqual({ mode: '644', uid: 0 });
    expect(createHash('sha256').update(await readFile(join(workRoot, copies[0]!))).digest('hex')).toBe(served.sha256);

    // Every process of the VM (the agent, the escaped sleep) runs as nobody.
    const processes = await processesOfRun(run.id);
    expect(processes.some((p) => p.cmdline.startsWith('sleep 600'))).toBe(true);
    for (const p of processes) expect(await uidOf(p.pid), p.cmdline).toBe(user.uid);

    await runs.terminate(run.id);
    await runs.waitForState(run.id, RunState.RUN_STATE_DONE);
    await waitForNoProcessesOfRun(run.id);
  });
});
