/**
 * Images of the `sim` driver. A sim VM's recipes are interpreted and leave
 * nothing on disk, so its image is only a record, `<dataDir>/sim-images/<hex>.json`
 * with the id `sim-image-<hex>`: enough for the controller to build images,
 * boot them and skip the recipes at benchmark scale. Like a local image, it
 * boots only VMs of the tenant that built it.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageStatus } from '../connector.js';
import { writeFileAtomic } from '../local/vm-record.js';

const IMAGE_ID = /^sim-image-([0-9a-f]{16})$/;

/** What the sim driver remembers of one image. */
export interface SimImageRecord {
  imageId: string;
  name: string;
  tenant: string;
  sourceVm: string;
  createdAt: string;
}

/** True when `image` names a sim image (whether or not it exists). */
export function isSimImageId(image: string): boolean {
  return IMAGE_ID.test(image);
}

/** Sim images kept in one data dir. */
export class SimImageStore {
  private readonly root: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'sim-images');
  }

  /** Records the image of `about.sourceVm` named `about.name` (the same id, and the first record, when asked again). */
  async create(about: Omit<SimImageRecord, 'imageId' | 'createdAt'>): Promise<SimImageRecord> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    const hex = createHash('sha256').update(`${about.sourceVm}\0${about.name}`, 'utf8').digest('hex').slice(0, 16);
    const earlier = await this.read(`sim-image-${hex}`);
    if (earlier) return earlier;
    const record: SimImageRecord = { imageId: `sim-image-${hex}`, ...about, createdAt: new Date().toISOString() };
    await writeFileAtomic(join(this.root, `${hex}.json`), `${JSON.stringify(record)}\n`, 0o600);
    return record;
  }

  async read(imageId: string): Promise<SimImageRecord | undefined> {
    const hex = IMAGE_ID.exec(imageId)?.[1];
    if (hex === undefined) return undefined;
    try {
      return JSON.parse(await readFile(join(this.root, `${hex}.json`), 'utf8')) as SimImageRecord;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async status(imageId: string): Promise<ImageStatus> {
    if (!isSimImageId(imageId)) return { state: 'failed', message: `sim: ${imageId} is not a sim image id` };
    return (await this.read(imageId)) ? { state: 'available' } : { state: 'failed', message: `sim: image ${imageId} does not exist` };
  }

  async remove(imageId: string): Promise<void> {
    const hex = IMAGE_ID.exec(imageId)?.[1];
    if (hex !== undefined) await rm(join(this.root, `${hex}.json`), { force: true });
  }
}
