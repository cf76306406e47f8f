/**
 * Images of the local driver: a snapshot of a VM's work dir without the
 * agent's credentials, state, socket and logs, and a VM seeded from it.
 * Real agents' stand-ins, real files, the system tar; the run-as-another-user
 * cases need root.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chown, lstat, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/helpers/poll.js';
import { buildsImages, ConnectorError, type CloudConnector, type ImageBuilder, type VmSpec } from '../connector.js';
import { localImageProblem } from './images.js';
import { createLocalDriver, type LocalDriverOptions } from './local-driver.js';
import { lookupUser } from './placement.js';
import { standInAgentCommand } from './stand-in-agent.js';
import { prepareWorkRoot } from './work-root.js';

const log = pino({ level: 'silent' });
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const TOKEN = 'sbt_bootstrap_secret_1';
const CREDENTIAL = 'node-credential-secret-2';

async function folder(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function setup(options: LocalDriverOptions = {}) {
  const dataDir = await folder('slipstream-local-image-');
  const connector = createLocalDriver({ agentCommand: standInAgentCommand, ...options }).create({}, { dataDir, log, credentials: {} });
  cleanups.push(async () => {
    for (const vm of await connector.listTagged({ controllerId: 'ctl-1' })) await connector.terminate(vm.vmId);
    await connector.close();
  });
  if (!buildsImages(connector)) throw new Error('the local connector should build images');
  return { dataDir, connector: connector as CloudConnector & ImageBuilder };
}

function spec(runId: string, extra: Partial<VmSpec> = {}, tenant = 'acme'): VmSpec {
  return {
    tags: { controllerId: 'ctl-1', tenant, runId, instance: 'web.1' },
    image: 'local',
    options: {},
    agentConfig: { controller: '127.0.0.1:50051', runId, instance: 'web.1', bootstrapToken: TOKEN },
    idempotencyKey: `key-${runId}`,
    userData: '#cloud-config\n',
    ...extra,
  };
}

const started = (workDir: string) => waitFor('the agent to start', async () => ((await readFile(join(workDir, 'starts.log'), 'utf8').catch(() => '')) ? true : undefined));
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (err: unknown) => err as ConnectorError);
const entries = (archive: string) => execFileSync('tar', ['-tf', archive], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();

/** What recipes and the agent leave in a work dir: a recipe's install, and every file of the agent's own. */
async function fillLikeABuild(workDir: string): Promise<Server> {
  await mkdir(join(workDir, 'home', '.local', 'bin'), { recursive: true });
  await writeFile(join(workDir, 'home', '.local', 'bin', 'shop'), '#!/bin/sh\necho installed\n', { mode: 0o755 });
  await writeFile(join(workDir, 'home', 'agent.json'), 'a recipe file that happens to share a name'); // only the top-level one is the agent's
  await symlink('/etc/hostname', join(workDir, 'home', 'hostname-link'));
  await writeFile(join(workDir, 'state.json'), JSON.stringify({ credential: CREDENTIAL }), { mode: 0o600 });
  await writeFile(join(workDir, 'state.json.4242.tmp'), JSON.stringify({ credential: CREDENTIAL }), { mode: 0o600 });
  for (const sub of ['logs', 'reports', 'scripts', 'bin', 'tmp']) {
    await mkdir(join(workDir, sub), { recursive: true });
    await writeFile(join(workDir, sub, 'x'), `${sub} of the build`);
  }
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(join(workDir, 'agent.sock'), resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const recipeSocket = createServer();
  await new Promise<void>((resolve) => recipeSocket.listen(join(workDir, 'home', 'service.sock'), resolve));
  cleanups.push(() => new Promise<void>((resolve) => recipeSocket.close(() => resolve())));
  return server;
}

describe('local driver: images', () => {
  it('snapshots what the recipes made, never the agent’s credential, token, state, socket or logs', async () => {
    const { dataDir, connector } = await setup();
    expect(connector.capabilities().buildImage).toBe(true);
    const vm = await connector.provision(spec('run-1'));
    const workDir = join(dataDir, 'local-vms', 'run-1', 'web.1');
    await started(workDir);
    await fillLikeABuild(workDir);

    const imageId = await connector.buildImage(vm.vmId, 'shop web (v3)');
    expect(imageId).toMatch(/^local-image-[0-9a-f]{16}$/);
    // Asked again: the same image, not a second snapshot.
    expect(await connector.buildImage(vm.vmId, 'shop web (v3)')).toBe(imageId);
    expect((await readdir(join(dataDir, 'images'))).length).toBe(1);
    expect(await connector.imageStatus(imageId)).toEqual({ state: 'available' });
    const imageDir = join(dataDir, 'images', imageId.slice('local-image-'.length));
    expect((await lstat(join(dataDir, 'images'))).mode & 0o777).toBe(0o700);
    expect((await lstat(join(imageDir, 'files.tar'))).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(join(imageDir, 'image.json'), 'utf8'))).toMatchObject({
      imageId,
      name: 'shop web (v3)',
      tenant: 'acme',
      controllerId: 'ctl-1',
      sourceVm: vm.vmId,
    });

    const archive = join(imageDir, 'files.tar');
    const names = entries(archive);
    expect(names).toEqual(
      expect.arrayContaining(['./home/.local/bin/shop', './home/agent.json', './home/hostname-link', './starts.log']),
    );
    for (const agentOwn of ['./agent.json', './vm.json', './agent.out.log', './state.json', './state.json.4242.tmp', './agent.sock', './home/service.sock']) {
      expect(names).not.toContain(agentOwn);
    }
    for (const folderOfTheAgent of ['logs', 'reports', 'scripts', 'bin', 'tmp']) expect(names.filter((n) => n.startsWith(`./${folderOfTheAgent}`))).toEqual([]);
    const bytes = await readFile(archive, 'latin1');
    expect(bytes).not.toContain(TOKEN);
    expect(bytes).not.toContain(CREDENTIAL);
    // The source VM is untouched and still runs.
    expect((await connector.describe(vm.vmId))?.state).toBe('running');
    expect(await readFile(join(workDir, 'agent.json'), 'utf8')).toContain(TOKEN);
  });

  it('starts a VM provisioned with the image from the snapshot, with an agent config of its own', async () => {
    const { dataDir, connector } = await setup();
    const source = await connector.provision(spec('run-1'));
    const sourceDir = join(dataDir, 'local-vms', 'run-1', 'web.1');
    await started(sourceDir);
    await fillLikeABuild(sourceDir);
    const imageId = await connector.buildImage(source.vmId, 'web');

    const second = spec('run-2', { image: imageId });
    const vm = await connector.provision({ ...second, agentConfig: { ...second.agentConfig, bootstrapToken: 'sbt_of_run_2' } });
    expect(vm.state).toBe('running');
    const workDir = join(dataDir, 'local-vms', 'run-2', 'web.1');
    expect(await readFile(join(workDir, 'home', '.local', 'bin', 'shop'), 'utf8')).toBe('#!/bin/sh\necho installed\n');
    expect((await lstat(join(workDir, 'home', '.local', 'bin', 'shop'))).mode & 0o777).toBe(0o755);
    expect((await lstat(join(workDir, 'home', 'hostname-link'))).isSymbolicLink()).toBe(true);
    const config = JSON.parse(await readFile(join(workDir, 'agent.json'), 'utf8'));
    expect(config).toMatchObject({ runId: 'run-2', bootstrapToken: 'sbt_of_run_2', workDir });
    await expect(lstat(join(workDir, 'state.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(join(workDir, 'logs')).catch(() => [])).toEqual([]);
    expect(JSON.parse(await readFile(join(workDir, 'vm.json'), 'utf8'))).toMatchObject({ seededFrom: imageId, state: 'started' });
    // A repeated provision (same key) neither unpacks again nor restarts.
    expect((await connector.provision({ ...second, agentConfig: { ...second.agentConfig, bootstrapToken: 'sbt_of_run_2' } })).vmId).toBe(vm.vmId);
  });

  it('refuses images that are missing, malformed or another tenant’s, before making anything', async () => {
    const { dataDir, connector } = await setup();
    const source = await connector.provision(spec('run-1'));
    await started(join(dataDir, 'local-vms', 'run-1', 'web.1'));
    const imageId = await connector.buildImage(source.vmId, 'web');

    const theirs = await failure(connector.provision(spec('run-2', { image: imageId }, 'globex')));
    expect(theirs).toBeInstanceOf(ConnectorError);
    expect(theirs).toMatchObject({ kind: 'not_found', message: `local: image ${imageId} does not exist` });
    expect(await failure(connector.provision(spec('run-3', { image: 'local-image-0000000000000000' })))).toMatchObject({ kind: 'not_found' });
    expect(await failure(connector.provision(spec('run-4', { image: 'local-image-nothex' })))).toMatchObject({ kind: 'invalid' });
    for (const run of ['run-2', 'run-3', 'run-4']) await expect(lstat(join(dataDir, 'local-vms', run))).rejects.toMatchObject({ code: 'ENOENT' });

    const driver = createLocalDriver({ agentCommand: standInAgentCommand });
    expect(driver.imageProblem('ubuntu-22.04')).toBeUndefined();
    expect(driver.imageProblem(imageId)).toBeUndefined();
    expect(driver.imageProblem('local-image-xyz')).toMatch(/16 hex digits/);
    expect(localImageProblem('local')).toBeUndefined();
  });

  it('says clearly when a VM cannot be snapshotted, and deletes images idempotently', async () => {
    const { dataDir, connector } = await setup();
    expect(await failure(connector.buildImage('local-run-9-web.1', 'web'))).toMatchObject({ kind: 'not_found', message: 'local: build image: VM local-run-9-web.1 does not exist' });
    const vm = await connector.provision(spec('run-1'));
    await started(join(dataDir, 'local-vms', 'run-1', 'web.1'));
    expect(await failure(connector.buildImage(vm.vmId, ''))).toMatchObject({ kind: 'invalid' });
    expect(await failure(connector.buildImage(vm.vmId, 'tab\there'))).toMatchObject({ kind: 'invalid' });

    // A half-written snapshot of a controller that died is cleared by the next build.
    const abandoned = join(dataDir, 'images', '.building-0123456789abcdef-999999999');
    await mkdir(abandoned, { recursive: true });
    const imageId = await connector.buildImage(vm.vmId, 'web');
    await expect(lstat(abandoned)).rejects.toMatchObject({ code: 'ENOENT' });

    await connector.deleteImage(imageId);
    await connector.deleteImage(imageId);
    await connector.deleteImage('ami-12345678');
    expect(await connector.imageStatus(imageId)).toEqual({ state: 'failed', message: `local: image ${imageId} does not exist` });
    expect(await connector.imageStatus('ami-12345678')).toEqual({ state: 'failed', message: 'local: ami-12345678 is not a local image id' });
    expect(await failure(connector.provision(spec('run-2', { image: imageId })))).toMatchObject({ kind: 'not_found' });

    await connector.terminate(vm.vmId);
    expect(await failure(connector.buildImage(vm.vmId, 'web'))).toMatchObject({ kind: 'not_found', message: `local: build image: VM ${vm.vmId} was terminated` });
  });
});

describe.runIf(process.geteuid?.() === 0)('local driver: images of VMs that run as another user', () => {
  it('reads the snapshot and unpacks it as the VM user, so a link a recipe left is never followed as root', async () => {
    const runAs = lookupUser('nobody')!;
    // Beside the data dir, like the controller's default: nobody passes through /tmp, not through a 0700 mkdtemp folder.
    const workRoot = join(tmpdir(), `slipstream-local-image-runas-${randomUUID()}`);
    cleanups.push(() => rm(workRoot, { recursive: true, force: true }));
    const placement = { runAs, workRoot };
    await prepareWorkRoot(placement);
    const { dataDir, connector } = await setup({ placement });
    const vm = await connector.provision(spec('run-1'));
    const workDir = join(workRoot, 'run-1', 'web.1');
    await started(workDir);
    await mkdir(join(workDir, 'home'), { recursive: true });
    await writeFile(join(workDir, 'home', 'tool'), 'built');
    // Root's secret beside a link to it: nobody cannot read it, so it is not in the image.
    const secretDir = await folder('slipstream-root-only-');
    await writeFile(join(secretDir, 'secret'), 'root-only-secret-3', { mode: 0o600 });
    await symlink(join(secretDir, 'secret'), join(workDir, 'home', 'link'));
    await writeFile(join(workDir, 'home', 'unreadable'), 'x', { mode: 0o000 });
    for (const path of [join(workDir, 'home'), join(workDir, 'home', 'tool'), join(workDir, 'home', 'unreadable')]) await chown(path, runAs.uid, runAs.gid);

    // nobody cannot read its own 0000 file: tar says so and the build fails rather than leave it out.
    const refused = await failure(connector.buildImage(vm.vmId, 'web'));
    expect(refused).toMatchObject({ kind: 'invalid' });
    expect(refused!.message).toMatch(/unreadable/);
    await rm(join(workDir, 'home', 'unreadable'));

    const imageId = await connector.buildImage(vm.vmId, 'web');
    // The image is the controller's, out of the VM user's reach.
    const archive = await lstat(join(dataDir, 'images', imageId.slice('local-image-'.length), 'files.tar'));
    expect({ uid: archive.uid, mode: archive.mode & 0o777 }).toEqual({ uid: 0, mode: 0o600 });
    const archivePath = join(dataDir, 'images', imageId.slice('local-image-'.length), 'files.tar');
    expect(entries(archivePath)).toEqual(expect.arrayContaining(['./home/tool', './home/link']));
    expect(await readFile(archivePath, 'latin1')).not.toContain('root-only-secret-3');
    const seeded = await connector.provision(spec('run-2', { image: imageId }));
    expect(seeded.state).toBe('running');
    const seededDir = join(workRoot, 'run-2', 'web.1');
    const tool = await lstat(join(seededDir, 'home', 'tool'));
    expect(tool.uid).toBe(runAs.uid);
    expect(await readFile(join(seededDir, 'home', 'tool'), 'utf8')).toBe('built');
    expect((await lstat(join(seededDir, 'home', 'link'))).isSymbolicLink()).toBe(true);
  });
});
