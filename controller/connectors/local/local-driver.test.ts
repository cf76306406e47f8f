import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/helpers/poll.js';
import { ConnectorError, type CloudConnector, type VmSpec } from '../connector.js';
import { MAX_AGENT_MESSAGE_BYTES } from './agent-output.js';
import { createLocalDriver, type LocalDriverOptions } from './local-driver.js';
import { isProcessAlive } from './processes.js';
import { standInAgentCommand } from './stand-in-agent.js';

const log = pino({ level: 'silent' });
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: LocalDriverOptions = { agentCommand: standInAgentCommand }, settings: Record<string, string> = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipstream-local-'));
  const open = (): CloudConnector => {
    const connector = createLocalDriver(options).create(settings, { dataDir, log, credentials: {} });
    cleanups.push(async () => {
      for (const vm of await connector.listTagged({ controllerId: 'ctl-1' })) await connector.terminate(vm.vmId);
      await connector.close();
    });
    return connector;
  };
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  return { dataDir, connector: open(), reopen: open };
}

function spec(instance = 'web.1', extra: Partial<VmSpec> = {}): VmSpec {
  return {
    tags: { controllerId: 'ctl-1', tenant: 'acme', runId: 'run-1', instance },
    image: 'local',
    options: {},
    agentConfig: { controller: '127.0.0.1:50051', runId: 'run-1', instance, bootstrapToken: 'sbt_secret' },
    idempotencyKey: `key-${instance}`,
    userData: "#cloud-config\n",
    ...extra,
  };
}

const vmDirOf = (dataDir: string, instance = 'web.1') => join(dataDir, 'local-vms', 'run-1', instance);

async function starts(dir: string): Promise<Array<{ pid: number; argv: string[]; marker: string; secret?: string }>> {
  const text = await readFile(join(dir, 'starts.log'), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

/** The starts logged in `dir`, once the agent has logged its own. */
const started = (dir: string) =>
  waitFor('the agent to start', async () => {
    const logged = await starts(dir);
    return logged.length > 0 ? logged : undefined;
  });

/** The escaped `setsid sleep` of the VM in `dir`, once it runs. */
const escapedPid = (dir: string) =>
  waitFor('the escaped sleep', async () => Number(await readFile(join(dir, 'escaped.pid'), 'utf8')) || undefined);

const gone = (pid: number) => waitFor(`process ${pid} to be gone`, async () => ((await isProcessAlive(pid)) ? undefined : true), 10_000);

describe('local driver: provision', () => {
  it('writes agent.json (0600) and starts one agent detached with the VM marker', async () => {
    const { dataDir, connector } = await setup({ agentCommand: standInAgentCommand, env: { PATH: process.env.PATH } });
    const vm = await connector.provision(spec());
    expect(vm).toEqual({
      vmId: 'local-run-1-web.1',
      state: 'running',
      ip: '127.0.0.1',
      hostname: 'localhost',
      tags: { controllerId: 'ctl-1', tenant: 'acme', runId: 'run-1', instance: 'web.1' },
    });
    const dir = vmDirOf(dataDir);
    const configPath = join(dir, 'agent.json');
    expect((await stat(configPath)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(configPath, 'utf8'))).toEqual({
      controller: '127.0.0.1:50051',
      runId: 'run-1',
      instance: 'web.1',
      bootstrapToken: 'sbt_secret',
      workDir: dir,
      installPackages: false,
      installSshKeys: false,
      insecure: true,
      hostname: 'localhost',
      ip: '127.0.0.1',
      instanceId: 'local-run-1-web.1',
    });
    const [start, ...more] = await started(dir);
    expect(more).toEqual([]);
    expect(start!.argv).toEqual(['--config', configPath]);
    expect(start!.marker).toBe('run-1/web.1');
    const record = JSON.parse(await readFile(join(dir, 'vm.json'), 'utf8'));
    expect(record).toMatchObject({ vmId: vm.vmId, idempotencyKey: 'key-web.1', pid: start!.pid, state: 'started' });
    expect((await stat(join(dir, 'vm.json'))).mode & 0o777).toBe(0o600);
  });

  it('works from a relative data folder (agents get absolute paths)', async () => {
    const { dataDir } = await setup();
    const connector = createLocalDriver({ agentCommand: standInAgentCommand }).create({}, { dataDir: relative(process.cwd(), dataDir), log, credentials: {} });
    cleanups.push(async () => {
      for (const vm of await connector.listTagged({ controllerId: 'ctl-1' })) await connector.terminate(vm.vmId);
    });
    await connector.provision(spec());
    const [start] = await started(vmDirOf(dataDir));
    expect(start!.argv).toEqual(['--config', join(vmDirOf(dataDir), 'agent.json')]);
  });

  it('keeps a CA certificate instead of forcing plaintext', async () => {
    const { dataDir, connector } = await setup();
    const base = spec();
    await connector.provision({ ...base, agentConfig: { ...base.agentConfig, caCertificate: '-----BEGIN CERTIFICATE-----' } });
    const config = JSON.parse(await readFile(join(vmDirOf(dataDir), 'agent.json'), 'utf8'));
    expect(config.caCertificate).toBe('-----BEGIN CERTIFICATE-----');
    expect(config.insecure).toBeUndefined();
  });

  it('does not pass the controller environment to agents by default', async () => {
    process.env.CONTROLLER_SECRET = 'do-not-leak';
    try {
      const { dataDir, connector } = await setup();
      await connector.provision(spec());
      const [start] = await started(vmDirOf(dataDir));
      expect(start!.secret).toBeUndefined();
    } finally {
      delete process.env.CONTROLLER_SECRET;
    }
  });

  it('is idempotent per key: retried and concurrent calls return the same VM and start nothing more', async () => {
    const { dataDir, connector } = await setup();
    const [a, b] = await Promise.all([connector.provision(spec()), connector.provision(spec())]);
    const c = await connector.provision(spec());
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    const dir = vmDirOf(dataDir);
    await escapedPid(dir); // the agent has done all its starting
    expect(await starts(dir)).toHaveLength(1);
  });

  it('refuses a second VM for the same instance under another key', async () => {
    const { connector } = await setup();
    await connector.provision(spec());
    const err = await connector.provision({ ...spec(), idempotencyKey: 'other' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ kind: 'invalid', retryable: false });
  });

  it('rejects specs it cannot turn into a VM folder or agent config, as invalid', async () => {
    const { connector } = await setup();
    const base = spec();
    for (const bad of [
      { ...base, tags: { ...base.tags, runId: '../escape' } },
      { ...base, tags: { ...base.tags, instance: 'Web' } },
      { ...base, agentConfig: { ...base.agentConfig, instance: 'db.1' } },
      { ...base, agentConfig: { ...base.agentConfig, controller: 'no-port' } },
    ]) {
      await expect(connector.provision(bad)).rejects.toMatchObject({ kind: 'invalid' });
    }
  });

  it('reports an agent command that cannot start as invalid', async () => {
    const { connector } = await setup({ agentCommand: () => ['/nonexistent/agent'] });
    await expect(connector.provision(spec())).rejects.toMatchObject({ name: 'ConnectorError', kind: 'invalid' });
    const empty = (await setup({ agentCommand: () => [] })).connector;
    await expect(empty.provision(spec())).rejects.toMatchObject({ name: 'ConnectorError', kind: 'invalid' });
  });

  it('honours an aborted signal', async () => {
    const { dataDir, connector } = await setup();
    await expect(connector.provision(spec(), AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
    expect(await starts(vmDirOf(dataDir))).toEqual([]);
  });
});

describe('local driver: terminate, describe, list', () => {
  it('kills the agent and its escaped descendants, then reports the VM terminated; terminate is idempotent', async () => {
    const { dataDir, connector } = await setup();
    const vm = await connector.provision(spec());
    const dir = vmDirOf(dataDir);
    const escaped = await escapedPid(dir);
    const [agent] = await starts(dir);
    expect(await isProcessAlive(escaped)).toBe(true);

    await connector.terminate(vm.vmId);
    // terminate returns only once they are gone: no waiting needed here.
    expect(await isProcessAlive(agent!.pid)).toBe(false);
    expect(await isProcessAlive(escaped)).toBe(false);

    expect(await connector.describe(vm.vmId)).toMatchObject({ vmId: vm.vmId, state: 'terminated' });
    expect(await connector.listTagged({ controllerId: 'ctl-1' })).toEqual([{ ...vm, state: 'terminated' }]);
    await connector.terminate(vm.vmId);
    await connector.terminate('local-run-1-nothing.9');
    await connector.terminate('i-0123456789');
    expect(await connector.describe('local-run-1-nothing.9')).toBeUndefined();
    // A retried provision still never makes a second VM.
    expect(await connector.provision(spec())).toMatchObject({ vmId: vm.vmId, state: 'terminated' });
    expect(await starts(dir)).toHaveLength(1);
  });

  it('lists VMs by controller and run', async () => {
    const { connector } = await setup();
    const web = await connector.provision(spec('web.1'));
    const db = await connector.provision(spec('db-main.2'));
    const other = await connector.provision({
      ...spec('web.1'),
      tags: { controllerId: 'ctl-1', tenant: 'acme', runId: 'run-2', instance: 'web.1' },
      agentConfig: { ...spec('web.1').agentConfig, runId: 'run-2' },
    });
    const ids = (vms: Array<{ vmId: string }>) => vms.map((v) => v.vmId).sort();
    expect(ids(await connector.listTagged({ controllerId: 'ctl-1' }))).toEqual(ids([web, db, other]));
    expect(ids(await connector.listTagged({ controllerId: 'ctl-1', runId: 'run-1' }))).toEqual(ids([web, db]));
    expect(await connector.listTagged({ controllerId: 'ctl-2' })).toEqual([]);
    expect(await connector.listTagged({ controllerId: 'ctl-1', runId: 'run-9' })).toEqual([]);
    expect(await connector.describe('local-run-1-db-main.2')).toMatchObject({ state: 'running', tags: { instance: 'db-main.2' } });
  });

  it('reports a crashed agent as stopped and does not restart it', async () => {
    const { dataDir, connector } = await setup();
    const vm = await connector.provision(spec());
    const dir = vmDirOf(dataDir);
    await escapedPid(dir);
    const [agent] = await starts(dir);
    process.kill(agent!.pid, 'SIGKILL');
    await waitFor('the VM to be stopped', async () => ((await connector.describe(vm.vmId))?.state === 'stopped' ? true : undefined));
    expect(await connector.provision(spec())).toMatchObject({ vmId: vm.vmId, state: 'stopped' });
    expect(await starts(dir)).toHaveLength(1);
    // Its escaped descendant still dies on terminate, found by its marker alone.
    const escaped = await escapedPid(dir);
    await connector.terminate(vm.vmId);
    expect(await isProcessAlive(escaped)).toBe(false);
  });

  it("says with a stopped VM what its agent said last, only its own line and only since it was spawned", async () => {
    const message = `slipstream-agent: config.workDir: too long for the agent socket (${'/x'.repeat(200)})`;
    const exiting = [
      "console.log(JSON.stringify({ level: 50, msg: 'agent failed', secret: 'sbt_secret' }));",
      'const say = process.env.SAY;',
      'if (say) console.error(say);',
      'console.log("recipe output after");',
      'process.exit(1);',
    ].join('\n');
    const { dataDir, connector } = await setup({ agentCommand: () => [process.execPath, '-e', exiting, '--'], env: { SAY: message } });
    // What an earlier agent of the folder said is not this one's reason.
    await mkdir(vmDirOf(dataDir), { recursive: true, mode: 0o700 });
    await writeFile(join(vmDirOf(dataDir), 'agent.out.log'), 'slipstream-agent: SIGTERM received; stopping\n');
    const vm = await connector.provision(spec());
    const stopped = await waitFor('the VM to be stopped', async () => {
      const info = await connector.describe(vm.vmId);
      return info?.state === 'stopped' ? info : undefined;
    });
    expect(stopped.detail).toBe(`agent exited: ${message.slice(0, MAX_AGENT_MESSAGE_BYTES - 3)}...`);
    expect(Buffer.byteLength(stopped.detail!)).toBe('agent exited: '.length + MAX_AGENT_MESSAGE_BYTES);
    expect((await connector.listTagged({ controllerId: 'ctl-1' }))[0]).toMatchObject({ state: 'stopped', detail: stopped.detail });

    const { dataDir: quietData, connector: quiet } = await setup({ agentCommand: () => [process.execPath, '-e', exiting, '--'], env: {} });
    await mkdir(vmDirOf(quietData), { recursive: true, mode: 0o700 });
    await writeFile(join(vmDirOf(quietData), 'agent.out.log'), 'slipstream-agent: SIGTERM received; stopping\n');
    const silent = await quiet.provision(spec());
    const info = await waitFor('the silent VM to be stopped', async () => {
      const found = await quiet.describe(silent.vmId);
      return found?.state === 'stopped' ? found : undefined;
    });
    expect(info.detail).toBeUndefined();
  });

  it('is found and terminated by a restarted driver (new object, same data folder)', async () => {
    const { dataDir, connector, reopen } = await setup();
    const vm = await connector.provision(spec());
    await connector.close();
    const dir = vmDirOf(dataDir);
    const escaped = await escapedPid(dir);
    const [agent] = await starts(dir);
    expect(await isProcessAlive(agent!.pid)).toBe(true); // close leaves VMs running

    const restarted = reopen();
    expect(await restarted.describe(vm.vmId)).toEqual(vm);
    expect(await restarted.listTagged({ controllerId: 'ctl-1', runId: 'run-1' })).toEqual([vm]);
    expect(await restarted.provision(spec())).toEqual(vm);
    await restarted.terminate(vm.vmId);
    await gone(agent!.pid);
    expect(await isProcessAlive(escaped)).toBe(false);
    expect(await starts(dir)).toHaveLength(1);
  });

  it('never touches the processes of another data folder with the same run and instance', async () => {
    const first = await setup();
    const second = await setup();
    const vm = await first.connector.provision(spec());
    await second.connector.provision(spec());
    const survivor = await escapedPid(vmDirOf(second.dataDir));
    await first.connector.terminate(vm.vmId);
    expect(await isProcessAlive(survivor)).toBe(true);
  });
});

describe('local driver: settings, options, capabilities', () => {
  const driver = createLocalDriver({ agentCommand: standInAgentCommand });

  it('names every bad or unknown field', () => {
    expect(driver.name).toBe('local');
    expect(driver.validateSettings({})).toEqual([]);
    expect(driver.validateSettings({ maxParallel: '4' })).toEqual([]);
    const fields = (v: Array<{ field: string }>) => v.map((x) => x.field);
    expect(fields(driver.validateSettings({ maxParallel: '0', region: 'eu' }))).toEqual(['settings.maxParallel', 'settings.region']);
    expect(fields(driver.validateSettings({ maxParallel: '2.5' }))).toEqual(['settings.maxParallel']);
    expect(driver.validateOptions({})).toEqual([]);
    expect(fields(driver.validateOptions({ instanceType: 't3.micro' }))).toEqual(['options.instanceType']);
  });

  it('states its capabilities and refuses to create a connector from bad settings', async () => {
    const { connector } = await setup({ agentCommand: standInAgentCommand }, { maxParallel: '3' });
    expect(connector.driver).toBe('local');
    expect(connector.capabilities()).toEqual({ buildImage: true, sshKeys: false, maxParallelProvisioning: 3 });
    expect(driver.create({}, { dataDir: tmpdir(), log, credentials: {} }).capabilities().maxParallelProvisioning).toBe(8);
    expect(() => driver.create({ zone: 'a' }, { dataDir: tmpdir(), log, credentials: {} })).toThrow(ConnectorError);
  });

  it('fails fast on bad driver options', () => {
    expect(() => createLocalDriver({ terminateTimeoutMs: 0 })).toThrow(/terminateTimeoutMs/);
  });
});
