/**
 * The local driver when VMs run as another user (a controller running as
 * root): real processes started as `nobody`, real files and modes. Needs root.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, chown, lstat, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/helpers/poll.js';
import type { CloudConnector, VmSpec } from '../connector.js';
import { vmEnvironment } from './agent-launch.js';
import { createLocalDriver, type LocalDriverOptions } from './local-driver.js';
import { lookupUser, type VmUser } from './placement.js';
import { isProcessAlive } from './processes.js';
import { standInAgentCommand } from './stand-in-agent.js';
import { prepareWorkRoot } from './work-root.js';

const log = pino({ level: 'silent' });
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const nobody = (): VmUser => lookupUser('nobody')!;

async function folder(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A data dir (0700, as mkdtemp makes it) and a work root beside it, prepared as the controller does. */
async function setup(options: LocalDriverOptions = { agentCommand: standInAgentCommand }) {
  const dataDir = await folder('slipstream-runas-');
  const workRoot = `${dataDir}-local-vms`;
  cleanups.push(() => rm(workRoot, { recursive: true, force: true }));
  const placement = { runAs: nobody(), workRoot };
  await prepareWorkRoot(placement);
  const open = (): CloudConnector => {
    const connector = createLocalDriver({ ...options, placement }).create({}, { dataDir, log, credentials: {} });
    cleanups.push(async () => {
      for (const vm of await connector.listTagged({ controllerId: 'ctl-1' })) await connector.terminate(vm.vmId);
      await connector.close();
    });
    return connector;
  };
  return { dataDir, workRoot, connector: open(), reopen: open };
}

function spec(instance = 'web.1'): VmSpec {
  return {
    tags: { controllerId: 'ctl-1', tenant: 'acme', runId: 'run-1', instance },
    image: 'local',
    options: {},
    agentConfig: { controller: '127.0.0.1:50051', runId: 'run-1', instance, bootstrapToken: 'sbt_secret' },
    idempotencyKey: `key-${instance}`,
    userData: '#cloud-config\n',
  };
}

const owner = async (path: string) => {
  const info = await lstat(path);
  return { mode: (info.mode & 0o7777).toString(8), uid: info.uid };
};
const uidOf = async (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1]);
const environOf = async (pid: number) => (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0');
const startsIn = (dir: string) =>
  waitFor('the agent to start', async () => {
    const text = await readFile(join(dir, 'starts.log'), 'utf8').catch(() => '');
    const lines = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { pid: number; argv: string[] });
    return lines.length > 0 ? lines : undefined;
  });
const escapedIn = (dir: string) => waitFor('the escaped sleep', async () => Number(await readFile(join(dir, 'escaped.pid'), 'utf8').catch(() => '')) || undefined);

describe.runIf(process.geteuid?.() === 0)('local driver: VMs run as another user', () => {
  it('starts the agent as that user in a work dir of its own, outside the data dir; the record stays in the data dir', async () => {
    const { dataDir, workRoot, connector } = await setup();
    const user = nobody();
    await connector.provision(spec());
    const workDir = join(workRoot, 'run-1', 'web.1');
    const recordDir = join(dataDir, 'local-vms', 'run-1', 'web.1');
    const [agent] = await startsIn(workDir);
    expect(await uidOf(agent!.pid)).toBe(user.uid);
    expect(agent!.argv).toEqual(['--config', join(workDir, 'agent.json')]);

    expect(await owner(workRoot)).toEqual({ mode: '711', uid: 0 });
    expect(await owner(join(workRoot, 'run-1'))).toEqual({ mode: '711', uid: 0 });
    expect(await owner(workDir)).toEqual({ mode: '700', uid: user.uid });
    expect(await owner(join(workDir, 'agent.json'))).toEqual({ mode: '600', uid: user.uid });
    expect(JSON.parse(await readFile(join(workDir, 'agent.json'), 'utf8'))).toMatchObject({ workDir, bootstrapToken: 'sbt_secret' });
    expect(await owner(join(recordDir, 'vm.json'))).toEqual({ mode: '600', uid: 0 });
    expect(await owner(join(recordDir, 'agent.out.log'))).toEqual({ mode: '600', uid: 0 });
    expect(JSON.parse(await readFile(join(recordDir, 'vm.json'), 'utf8'))).toMatchObject({ workDir, uid: user.uid, pid: agent!.pid, state: 'started' });
    expect(await readdir(workRoot)).toEqual(['run-1']); // no stray files; no record there

    const environ = await environOf(agent!.pid);
    expect(environ).toEqual(expect.arrayContaining([`HOME=${join(workDir, 'home')}`, `USER=${user.name}`, `LOGNAME=${user.name}`]));
    expect(environ).toEqual(expect.arrayContaining(Object.entries(vmEnvironment('run-1', 'web.1', recordDir)).map(([k, v]) => `${k}=${v}`)));
  });

  it('terminate kills every process of the VM, and never a process of another user that carries its markers', async () => {
    const { dataDir, workRoot, connector, reopen } = await setup();
    const vm = await connector.provision(spec());
    const workDir = join(workRoot, 'run-1', 'web.1');
    const [agent] = await startsIn(workDir);
    const escaped = await escapedIn(workDir);
    expect(await uidOf(escaped)).toBe(nobody().uid);
    // A process of root with the VM's markers (as a recipe could pass them on to a set-uid program): not the VM's.
    const markers = vmEnvironment('run-1', 'web.1', join(dataDir, 'local-vms', 'run-1', 'web.1'));
    const bystander = spawn('sleep', ['600'], { env: { ...markers, PATH: process.env.PATH }, stdio: 'ignore', detached: true });
    cleanups.push(async () => void bystander.kill('SIGKILL'));
    expect(await isProcessAlive(bystander.pid!)).toBe(true);

    await reopen().terminate(vm.vmId); // a restarted controller finds it by its record
    expect(await isProcessAlive(agent!.pid)).toBe(false);
    expect(await isProcessAlive(escaped)).toBe(false);
    expect(await isProcessAlive(bystander.pid!)).toBe(true);
    expect(await connector.describe(vm.vmId)).toMatchObject({ state: 'terminated' });
  });

  it('runs a copy of the agent bundle in the work root, checked against its sha256, made again when it goes', async () => {
    const sourceDir = await folder('slipstream-bundle-'); // 0700: the VM user cannot read the original
    const bundlePath = join(sourceDir, 'agent.mjs');
    await writeFile(
      bundlePath,
      "import { appendFileSync, readFileSync } from 'node:fs';\n" +
        "const config = JSON.parse(readFileSync(process.argv[process.argv.indexOf('--config') + 1], 'utf8'));\n" +
        "appendFileSync(config.workDir + '/starts.log', JSON.stringify({ pid: process.pid, argv: process.argv.slice(1) }) + '\\n');\n" +
        'setInterval(() => {}, 60_000);\n',
    );
    const sha256 = createHash('sha256').update(await readFile(bundlePath)).digest('hex');
    let claimed = sha256;
    const { workRoot, connector } = await setup({ agentBundle: async () => ({ path: bundlePath, sha256: claimed }) });
    const copy = join(workRoot, `agent-${sha256.slice(0, 16)}.mjs`);
    await mkdir(workRoot, { mode: 0o711 });
    await writeFile(join(workRoot, 'agent-0123456789abcdef.mjs'), 'an older bundle');

    await connector.provision(spec('web.1'));
    const [first] = await startsIn(join(workRoot, 'run-1', 'web.1'));
    expect(first!.argv).toEqual([copy, '--config', join(workRoot, 'run-1', 'web.1', 'agent.json')]);
    expect(await owner(copy)).toEqual({ mode: '644', uid: 0 });
    expect((await readdir(workRoot)).sort()).toEqual([`agent-${sha256.slice(0, 16)}.mjs`, 'run-1']);

    await rm(copy);
    await connector.provision(spec('web.2'));
    await startsIn(join(workRoot, 'run-1', 'web.2'));
    expect(createHash('sha256').update(await readFile(copy)).digest('hex')).toBe(sha256);

    claimed = 'f'.repeat(64);
    await expect(connector.provision(spec('web.3'))).rejects.toMatchObject({ name: 'ConnectorError', kind: 'invalid', message: expect.stringContaining(`not the ${claimed}`) });
  });
});

describe.runIf(process.geteuid?.() === 0)('local work root', () => {
  it('is made 0711 at the first provision whatever the umask, and a group- or world-writable one is tightened at start', async () => {
    const parent = await folder('slipstream-root-');
    await chmod(parent, 0o755);
    const placement = { runAs: nobody(), workRoot: join(parent, 'vms', 'deeper') };
    expect(await prepareWorkRoot(placement)).toBeUndefined();
    expect(await readdir(parent)).toEqual([]); // nothing made before a VM needs it
    const connector = createLocalDriver({ agentCommand: standInAgentCommand, placement }).create({}, { dataDir: await folder('slipstream-runas-'), log, credentials: {} });
    cleanups.push(async () => {
      for (const vm of await connector.listTagged({ controllerId: 'ctl-1' })) await connector.terminate(vm.vmId);
    });
    const previous = process.umask(0o077);
    let vmId: string;
    try {
      ({ vmId } = await connector.provision(spec()));
    } finally {
      process.umask(previous);
    }
    for (const dir of ['vms', 'vms/deeper', 'vms/deeper/run-1']) expect(await owner(join(parent, dir)), dir).toEqual({ mode: '711', uid: 0 });
    await startsIn(join(parent, 'vms', 'deeper', 'run-1', 'web.1'));
    // Gone before its folder is: a VM still running wrote a file into it between rm's listing and its rmdir (ENOTEMPTY,
    // once in CI). The retries are for what the VM's output still flushes into it as it ends.
    await connector.terminate(vmId);
    await rm(join(parent, 'vms', 'deeper'), { recursive: true, maxRetries: 5, retryDelay: 100 });
    await chmod(join(parent, 'vms'), 0o777);
    expect(await prepareWorkRoot({ runAs: nobody(), workRoot: join(parent, 'vms') })).toEqual({ path: join(parent, 'vms'), oldMode: 0o777, newMode: 0o755 });
    expect((await stat(join(parent, 'vms'))).mode & 0o777).toBe(0o755);
  });

  it('refuses a folder another user owns, and one the VM user cannot reach, naming the option', async () => {
    const parent = await folder('slipstream-root-');
    await chmod(parent, 0o755);
    await mkdir(join(parent, 'theirs'));
    await chown(join(parent, 'theirs'), nobody().uid, nobody().gid);
    await expect(prepareWorkRoot({ runAs: nobody(), workRoot: join(parent, 'theirs') })).rejects.toThrow(/^local vm dir: .*theirs belongs to uid 65534, not to this controller/);

    const hidden = await folder('slipstream-hidden-'); // 0700
    await expect(prepareWorkRoot({ runAs: nobody(), workRoot: join(hidden, 'vms') })).rejects.toThrow(
      /^local vm dir: 'nobody' \(uid 65534\) cannot reach .*\/vms \(EACCES.*\); give --local-vm-dir a folder/,
    );
    await mkdir(join(hidden, 'vms'), { mode: 0o711 });
    await expect(prepareWorkRoot({ runAs: nobody(), workRoot: join(hidden, 'vms') })).rejects.toThrow(/^local vm dir: 'nobody' \(uid 65534\) cannot reach /);
  });
});
