/**
 * A `local` cloud: each VM is a detached agent process, remembered in
 * `<dataDir>/local-vms/<runId>/<instance>/vm.json` so that VMs outlive the
 * controller and a restarted one finds them. It works in that folder, or,
 * when VMs run as another user (the controller is root), in
 * `<workRoot>/<runId>/<instance>/`, owned by that user, while its record
 * stays where only the controller can read or change it. Images are
 * snapshots of a VM's work dir (images.ts).
 */
import { lstat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { ConnectorError, type CloudConnector, type ConnectorCapabilities, type ImageBuilder, type ImageStatus, type VmInfo, type VmSpec, type VmState } from '../connector.js';
import type { AgentConfig } from '../../../agent/config.js';
import { localAgentConfig, spawnAgent, vmEnvironment, vmEnvironmentMarkers, writeAgentConfig } from './agent-launch.js';
import { agentOutputSize, lastAgentMessage } from './agent-output.js';
import { toConnectorError } from './errors.js';
import { isLocalImageId, localImageId, LocalImageStore, localImageProblem } from './images.js';
import { KeyedLock } from '../../concurrency/keyed-lock.js';
import type { CompiledLocalDriverOptions } from './options.js';
import { findVmProcesses, isProcessAlive, killVmProcesses, readProcStat } from './processes.js';
import type { LocalSettings } from './settings.js';
import {
  ensureVmDir,
  ensureWorkDir,
  isInstanceName,
  isSafeRunId,
  listVmDirs,
  localVmId,
  readVmRecord,
  vmDir,
  vmIdCandidates,
  workDirOf,
  writeVmRecord,
  type LocalVmRecord,
} from './vm-record.js';

/** Who the agent's user is to the programs recipes run (its HOME is its recipes' working folder). */
function userEnvironment(name: string, workDir: string): Record<string, string> {
  return { USER: name, LOGNAME: name, HOME: join(workDir, 'home') };
}

/** What a local connector is made of. */
export interface LocalConnectorParts {
  dataDir: string;
  settings: LocalSettings;
  options: CompiledLocalDriverOptions;
  log: Logger;
}

/** A `local` cloud (see the file comment); made by the `local` driver. */
export class LocalConnector implements CloudConnector, ImageBuilder {
  readonly driver = 'local';
  private readonly parts: LocalConnectorParts;
  /** One operation at a time per VM folder (provision, terminate and snapshot of one VM never interleave). */
  private readonly lock = new KeyedLock();
  private readonly images: LocalImageStore;

  constructor(parts: LocalConnectorParts) {
    this.parts = parts;
    this.images = new LocalImageStore(parts.dataDir);
  }

  capabilities(): ConnectorCapabilities {
    return localCapabilities(this.parts.settings);
  }

  async provision(spec: VmSpec, signal?: AbortSignal): Promise<VmInfo> {
    signal?.throwIfAborted();
    if (this.parts.options.unusableReason) throw new ConnectorError('invalid', this.parts.options.unusableReason, { retryable: false });
    const { runId, instance } = spec.tags;
    if (!isSafeRunId(runId)) throw new ConnectorError('invalid', `local: run id '${runId}' cannot name a folder`);
    if (!isInstanceName(instance)) throw new ConnectorError('invalid', `local: instance '${instance}' must be NODE.N`);
    if (spec.agentConfig.runId !== runId || spec.agentConfig.instance !== instance) {
      throw new ConnectorError('invalid', `local: the agent config is not for instance ${instance} of run ${runId}`);
    }
    const imageProblem = localImageProblem(spec.image);
    if (imageProblem) throw new ConnectorError('invalid', `local: image '${spec.image}' ${imageProblem}`);
    const dir = vmDir(this.parts.dataDir, runId, instance);
    return this.lock.run(dir, async () => {
      let record = await this.read(dir);
      if (record && record.idempotencyKey !== spec.idempotencyKey) {
        throw new ConnectorError('invalid', `local: instance ${instance} of run ${runId} already has a VM (${record.vmId}) made for another request`);
      }
      if (record && record.state !== 'starting') return this.info(record);
      signal?.throwIfAborted();
      record = await this.start(spec, dir, record);
      return this.info(record);
    });
  }

  async describe(vmId: string): Promise<VmInfo | undefined> {
    const found = await this.find(vmId);
    return found && this.info(found.record);
  }

  async terminate(vmId: string): Promise<void> {
    const found = await this.find(vmId);
    if (!found) return;
    await this.lock.run(found.dir, async () => {
      const record = (await this.read(found.dir)) ?? found.record;
      const { runId, instance } = record.tags;
      // The group and session are the agent's pid: trusted only while that pid is still our agent.
      const ours = record.pid !== undefined && record.startTime !== undefined && (await isProcessAlive(record.pid, record.startTime));
      const match = {
        environment: vmEnvironmentMarkers(runId, instance, found.dir),
        group: ours ? record.pid : undefined,
        ...(record.uid === undefined ? {} : { uid: record.uid }),
      };
      const survivors = await killVmProcesses(match, this.parts.options.terminateTimeoutMs);
      if (survivors.length > 0) {
        throw new ConnectorError('transient', `local: ${vmId}: processes ${survivors.join(', ')} still alive after SIGKILL`);
      }
      if (record.state !== 'terminated') {
        await this.write(found.dir, { ...record, state: 'terminated', terminatedAt: new Date().toISOString() });
        this.parts.log.info({ vmId }, 'local vm terminated');
      }
    });
  }

  async listTagged(filter: { controllerId: string; runId?: string }): Promise<VmInfo[]> {
    let dirs: string[];
    try {
      dirs = await listVmDirs(this.parts.dataDir, filter.runId);
    } catch (err) {
      throw toConnectorError(err, 'list vms');
    }
    const records = await Promise.all(dirs.map((dir) => this.read(dir)));
    const tagged = records.filter((r): r is LocalVmRecord => r?.tags.controllerId === filter.controllerId && (filter.runId === undefined || r.tags.runId === filter.runId));
    return Promise.all(tagged.map((r) => this.info(r)));
  }

  /**
   * Snapshots the VM's work dir (see images.ts) while it runs or after it
   * stopped; the image is whole and `available` when this returns.
   */
  async buildImage(vmId: string, name: string): Promise<string> {
    if (!/^[^\p{Cc}]{1,128}$/u.test(name)) throw new ConnectorError('invalid', 'local: build image: the name must be 1 to 128 characters, none of them control characters');
    const found = await this.find(vmId);
    if (!found) throw new ConnectorError('not_found', `local: build image: VM ${vmId} does not exist`);
    return this.lock.run(found.dir, async () => {
      const record = (await this.read(found.dir)) ?? found.record;
      if (record.state === 'terminated') throw new ConnectorError('not_found', `local: build image: VM ${vmId} was terminated`);
      if (record.state === 'starting') throw new ConnectorError('invalid', `local: build image: VM ${vmId} has not started`);
      const workDir = workDirOf(record, found.dir);
      try {
        // Asked again (the first answer was lost): the image it made.
        const earlier = await this.images.read(localImageId(vmId, name));
        if (earlier?.sourceVm === vmId) return earlier.imageId;
        const image = await this.images.snapshot(
          { workDir, ...(record.uid === undefined ? {} : { user: await this.vmUser(workDir, record.uid) }) },
          { name, tenant: record.tags.tenant, controllerId: record.tags.controllerId, sourceVm: vmId },
        );
        this.parts.log.info({ vmId, imageId: image.imageId, bytes: image.bytes }, 'local image built');
        return image.imageId;
      } catch (err) {
        throw toConnectorError(err, `build image of ${vmId}`);
      }
    });
  }

  async imageStatus(imageId: string): Promise<ImageStatus> {
    try {
      return await this.images.status(imageId);
    } catch (err) {
      throw toConnectorError(err, `image status of ${imageId}`);
    }
  }

  async deleteImage(imageId: string): Promise<void> {
    try {
      await this.images.remove(imageId);
    } catch (err) {
      throw toConnectorError(err, `delete image ${imageId}`);
    }
  }

  /** Waits for operations in flight; VMs keep running, like real ones when a controller stops. */
  async close(): Promise<void> {
    await this.lock.idle();
  }

  /** Boots the VM recorded in `dir`, or adopts the agent of a start that was interrupted after spawning. */
  private async start(spec: VmSpec, dir: string, previous: LocalVmRecord | undefined): Promise<LocalVmRecord> {
    const { runId, instance } = spec.tags;
    const vmId = localVmId(runId, instance);
    const { workRoot } = this.parts.options.placement;
    // A start that was interrupted keeps the folder and user it began with (an older controller may have begun it).
    const workDir = previous ? workDirOf(previous, dir) : workRoot !== undefined ? join(workRoot, runId, instance) : dir;
    const runAs = previous && previous.uid === undefined ? undefined : this.parts.options.placement.runAs;
    if (isLocalImageId(spec.image) && !previous?.seededFrom) await this.checkImage(spec.image, spec.tags.tenant);
    let config: AgentConfig;
    try {
      config = localAgentConfig(spec.agentConfig, workDir, vmId);
    } catch (err) {
      throw new ConnectorError('invalid', `local: ${(err as Error).message}`, { cause: err });
    }
    const environment = vmEnvironment(runId, instance, dir);
    try {
      await ensureVmDir(dir);
      if (workDir !== dir) await ensureWorkDir(dirname(dirname(workDir)), runId, instance, runAs ?? { uid: process.getuid!(), gid: process.getgid!() });
      let record: LocalVmRecord = previous ?? {
        version: 1,
        vmId,
        idempotencyKey: spec.idempotencyKey,
        tags: { ...spec.tags },
        state: 'starting',
        createdAt: new Date().toISOString(),
        ...(workDir === dir ? {} : { workDir }),
        ...(runAs ? { uid: runAs.uid } : {}),
      };
      let pid = previous && (await this.orphanedAgent(vmEnvironmentMarkers(runId, instance, dir), previous.uid));
      if (pid === undefined && isLocalImageId(spec.image) && record.seededFrom !== spec.image) {
        // Before the agent and its config: the image never holds either, and a start interrupted here unpacks again.
        await this.images.unpack(spec.image, { workDir, ...(runAs ? { user: runAs } : {}) });
        record = { ...record, seededFrom: spec.image };
        await this.write(dir, record);
        this.parts.log.info({ vmId, imageId: spec.image }, 'local vm seeded from image');
      }
      if (pid === undefined) {
        record = { ...record, outputStart: await agentOutputSize(dir) };
        await this.write(dir, record);
        const configPath = await writeAgentConfig(workDir, config, runAs);
        pid = await spawnAgent({
          command: await this.parts.options.agentCommand(),
          configPath,
          dir: workDir,
          logDir: dir,
          env: { ...this.parts.options.env, ...(runAs ? userEnvironment(runAs.name, workDir) : {}), ...environment },
          ...(runAs ? { user: runAs } : {}),
          onExit: (code, signal) => this.parts.log.info({ vmId, code, signal }, 'local vm agent exited'),
        });
      }
      // No stat means the agent died at once: the record then says stopped, never running.
      const stat = await readProcStat(pid);
      record = { ...record, state: 'started', pid, startTime: stat?.startTime };
      await this.write(dir, record);
      this.parts.log.info({ vmId, pid, ...(runAs ? { user: runAs.name } : {}) }, 'local vm started');
      return record;
    } catch (err) {
      throw toConnectorError(err, `start ${vmId}`);
    }
  }

  /** Throws not_found unless `imageId` is an image of `tenant` (another tenant's is not there for it, as on a cloud account of its own). */
  private async checkImage(imageId: string, tenant: string): Promise<void> {
    let image;
    try {
      image = await this.images.read(imageId);
    } catch (err) {
      throw toConnectorError(err, `read image ${imageId}`);
    }
    if (image?.tenant !== tenant) throw new ConnectorError('not_found', `local: image ${imageId} does not exist`);
  }

  /** The VM's own user (uid and the group of its work dir, which ensureWorkDir gave it). */
  private async vmUser(workDir: string, uid: number): Promise<{ uid: number; gid: number }> {
    const info = await lstat(workDir);
    if (!info.isDirectory() || info.uid !== uid) throw new ConnectorError('invalid', `local: ${workDir} is not the work dir of uid ${uid}`);
    return { uid, gid: info.gid };
  }

  /** The agent (the session leader) of an earlier start whose record was never completed. */
  private async orphanedAgent(environment: string[], uid: number | undefined): Promise<number | undefined> {
    for (const pid of await findVmProcesses({ environment, ...(uid === undefined ? {} : { uid }) })) {
      const stat = await readProcStat(pid);
      if (stat?.session === pid) return pid;
    }
    return undefined;
  }

  private async info(record: LocalVmRecord): Promise<VmInfo> {
    const state = await this.state(record);
    const info: VmInfo = { vmId: record.vmId, state, ip: '127.0.0.1', hostname: 'localhost', tags: { ...record.tags } };
    if (state === 'stopped') {
      const said = await lastAgentMessage(vmDir(this.parts.dataDir, record.tags.runId, record.tags.instance), record.outputStart);
      if (said !== undefined) info.detail = `agent exited: ${said}`;
    }
    return info;
  }

  private async state(record: LocalVmRecord): Promise<VmState> {
    if (record.state === 'terminated') return 'terminated';
    if (record.state === 'starting' || record.pid === undefined) return 'pending';
    if (record.startTime === undefined) return 'stopped';
    return (await isProcessAlive(record.pid, record.startTime)) ? 'running' : 'stopped';
  }

  /** The folder and record of `vmId`, when this cloud made it. */
  private async find(vmId: string): Promise<{ dir: string; record: LocalVmRecord } | undefined> {
    for (const { runId, instance } of vmIdCandidates(vmId)) {
      const dir = vmDir(this.parts.dataDir, runId, instance);
      const record = await this.read(dir);
      if (record?.vmId === vmId) return { dir, record };
    }
    return undefined;
  }

  private async read(dir: string): Promise<LocalVmRecord | undefined> {
    try {
      return await readVmRecord(dir);
    } catch (err) {
      throw toConnectorError(err, `read ${dir}/vm.json`);
    }
  }

  private async write(dir: string, record: LocalVmRecord): Promise<void> {
    try {
      await writeVmRecord(dir, record);
    } catch (err) {
      throw toConnectorError(err, `write ${dir}/vm.json`);
    }
  }
}

/** What a local connector with these settings can do (its driver tells it without credentials: capabilitiesOf). */
export function localCapabilities(settings: LocalSettings): ConnectorCapabilities {
  return { buildImage: true, sshKeys: false, maxParallelProvisioning: settings.maxParallel };
}
