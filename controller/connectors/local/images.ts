/**
 * Images of the `local` driver. An image is a snapshot of a VM's work dir,
 * `<dataDir>/images/<hex>/files.tar` beside its record `image.json`, with the
 * id `local-image-<hex>`. A VM provisioned with that id starts with its work
 * dir unpacked from the snapshot, so what the build's recipes put there (in
 * the recipes' home, mostly) is in place before its agent starts.
 *
 * The snapshot never holds the agent's own files: its boot config (the
 * bootstrap token), its state (the node's credential), its socket, logs,
 * reports, scripts, recipe commands and scratch space, nor the driver's
 * record and the agent's output; sockets are skipped by tar itself. The next
 * VM's agent makes all of these anew, as its own.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { agentOwnFiles } from '../agent-own-files.js';
import { ConnectorError, type ImageStatus } from '../connector.js';
import { isProcessAlive } from './processes.js';
import { runTar } from './tar.js';
import { writeFileAtomic } from './vm-record.js';

export const LOCAL_IMAGE_PREFIX = 'local-image-';
const IMAGE_ID = /^local-image-([0-9a-f]{16})$/;
const IMAGE_FILES = 'files.tar';
const IMAGE_RECORD = 'image.json';
/** A snapshot being written: `.building-<hex>-<pid of the controller writing it>`. */
const BUILDING = /^\.building-[0-9a-f]{16}-(\d+)$/;

/** What the driver remembers about one image, in `<dataDir>/images/<hex>/image.json`. */
export interface LocalImageRecord {
  version: 1;
  imageId: string;
  name: string;
  /** Only this tenant's VMs boot it (another tenant is told it does not exist, as another cloud account would be). */
  tenant: string;
  controllerId: string;
  sourceVm: string;
  createdAt: string;
  bytes: number;
}

/**
 * The id of the image of `vmId` named `name`: the same for the same VM and
 * name, so that a build asked again (its first answer lost) finds its image.
 */
export function localImageId(vmId: string, name: string): string {
  return `${LOCAL_IMAGE_PREFIX}${createHash('sha256').update(`${vmId}\0${name}`, 'utf8').digest('hex').slice(0, 16)}`;
}

/** True when `image` is a local image id. */
export function isLocalImageId(image: string): boolean {
  return IMAGE_ID.test(image);
}

/** Why `image` cannot be a local image id, for values that claim to be one; undefined for every other value (plain base images). */
export function localImageProblem(image: string): string | undefined {
  if (!image.startsWith(LOCAL_IMAGE_PREFIX) || isLocalImageId(image)) return undefined;
  return `must be ${LOCAL_IMAGE_PREFIX} followed by 16 hex digits (an image the local driver built)`;
}

/** Keeps images under `<dataDir>/images` (0700: only the controller reads them). */
export class LocalImageStore {
  private readonly root: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'images');
  }

  /**
   * Snapshots `workDir` (read by tar as `user` when the VM runs as its own
   * user) into a new image and returns its record. Written under a temporary
   * name and renamed: an image either exists whole or not at all.
   */
  async snapshot(source: { workDir: string; user?: { uid: number; gid: number } }, about: Omit<LocalImageRecord, 'version' | 'imageId' | 'createdAt' | 'bytes'>): Promise<LocalImageRecord> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    await this.removeAbandoned();
    const imageId = localImageId(about.sourceVm, about.name);
    const hex = imageId.slice(LOCAL_IMAGE_PREFIX.length);
    const staging = join(this.root, `.building-${hex}-${process.pid}`);
    await mkdir(staging, { mode: 0o700 });
    try {
      const archive = await open(join(staging, IMAGE_FILES), 'wx', 0o600);
      try {
        const args = ['--create', '--file=-', `--directory=${source.workDir}`, '--anchored', ...agentOwnFiles().map((name) => `--exclude=./${name}`), '.'];
        const result = await runTar({ args, archive: { fd: archive.fd, direction: 'out' }, ...(source.user ? { user: source.user } : {}) });
        // 1: a file changed while tar read it. The recipes are over by now, so that is a log's last line, not a torn install.
        if (result.code > 1) throw new ConnectorError('invalid', `local: build image: tar could not read ${source.workDir} (exit ${result.code}): ${result.stderr}`);
      } finally {
        await archive.close();
      }
      const record: LocalImageRecord = {
        version: 1,
        imageId,
        ...about,
        createdAt: new Date().toISOString(),
        bytes: (await stat(join(staging, IMAGE_FILES))).size,
      };
      await writeFileAtomic(join(staging, IMAGE_RECORD), `${JSON.stringify(record, null, 2)}\n`, 0o600);
      await rename(staging, join(this.root, hex));
      return record;
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw err;
    }
  }

  /** The image's record, or undefined when there is no such image. */
  async read(imageId: string): Promise<LocalImageRecord | undefined> {
    const hex = IMAGE_ID.exec(imageId)?.[1];
    if (hex === undefined) return undefined;
    let text: string;
    try {
      text = await readFile(join(this.root, hex, IMAGE_RECORD), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const record = JSON.parse(text) as LocalImageRecord;
    return record.version === 1 && record.imageId === imageId ? record : undefined;
  }

  /** `available` once the snapshot is whole (it is never seen before); `failed` when there is none. */
  async status(imageId: string): Promise<ImageStatus> {
    if (!isLocalImageId(imageId)) return { state: 'failed', message: `local: ${imageId} is not a local image id` };
    return (await this.read(imageId)) ? { state: 'available' } : { state: 'failed', message: `local: image ${imageId} does not exist` };
  }

  /**
   * Unpacks the image into `workDir` as `user` (its files then belong to the
   * VM user, and it writes only where that user may).
   */
  async unpack(imageId: string, target: { workDir: string; user?: { uid: number; gid: number } }): Promise<void> {
    const hex = IMAGE_ID.exec(imageId)?.[1];
    if (hex === undefined) throw new ConnectorError('invalid', `local: ${imageId} is not a local image id`);
    const archive = await open(join(this.root, hex, IMAGE_FILES), 'r');
    try {
      const args = ['--extract', '--file=-', `--directory=${target.workDir}`, '--no-same-owner', '--no-overwrite-dir'];
      const result = await runTar({ args, archive: { fd: archive.fd, direction: 'in' }, ...(target.user ? { user: target.user } : {}) });
      if (result.code !== 0) throw new ConnectorError('invalid', `local: unpack image ${imageId} (exit ${result.code}): ${result.stderr}`);
    } finally {
      await archive.close();
    }
  }

  /** Removes the image; one that does not exist is fine. */
  async remove(imageId: string): Promise<void> {
    const hex = IMAGE_ID.exec(imageId)?.[1];
    if (hex !== undefined) await rm(join(this.root, hex), { recursive: true, force: true });
  }

  /** Snapshots left half-written by a controller that stopped (its pid is gone). */
  private async removeAbandoned(): Promise<void> {
    for (const name of await readdir(this.root)) {
      const pid = BUILDING.exec(name)?.[1];
      if (pid === undefined || (await isProcessAlive(Number(pid)))) continue;
      const path = join(this.root, name);
      if ((await lstat(path)).isDirectory()) await rm(path, { recursive: true, force: true });
    }
  }
}
