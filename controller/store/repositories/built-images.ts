import { raw, type EntityManager, type FilterQuery } from '@mikro-orm/core';
import { isFinal } from '../../../common/runs/states.js';
import { BuiltImageEntity, type BuiltImageRow } from '../entities/built-image.js';
import { RunEntity } from '../entities/run.js';

/** Where a build stands, as stored. */
export type BuiltImageState = 'building' | 'available' | 'failed';

/** A build as BuildImage records it, with its run. */
export interface NewBuiltImage {
  /** The build run's id. */
  id: string;
  tenantId: string;
  modulePath: string;
  moduleVersion: number;
  cloud: string;
  baseImage: string;
  sourceDigest: string;
  builtBy: string;
}

/** What a launch looks for: an available image of this component version, built from the same sources, on this cloud. */
export interface BuiltImageMatch {
  tenantId: string;
  modulePath: string;
  moduleVersion: number;
  cloud: string;
  sourceDigest: string;
}

/** Images built from components (ImageService); scoped by tenant where the caller is a user. */
export class BuiltImageRepository {
  constructor(private readonly em: EntityManager) {}

  /** Records a build that is starting (state `building`). */
  create(input: NewBuiltImage): BuiltImageRow {
    return this.em.create(BuiltImageEntity, {
      id: input.id,
      tenant: input.tenantId,
      modulePath: input.modulePath,
      moduleVersion: input.moduleVersion,
      cloud: input.cloud,
      baseImage: input.baseImage,
      sourceDigest: input.sourceDigest,
      imageId: null,
      state: 'building',
      message: null,
      builtBy: input.builtBy,
      createdAt: new Date(),
      snapshotAt: null,
      builtAt: null,
    });
  }

  /** The build of this run (controller side: no tenant check). */
  byRun(runId: string): Promise<BuiltImageRow | null> {
    return this.em.findOne(BuiltImageEntity, { id: runId });
  }

  /** The tenant's build with this id, or null (other tenants' look missing). */
  findForTenant(tenantId: string, id: string): Promise<BuiltImageRow | null> {
    return this.em.findOne(BuiltImageEntity, { id, tenant: tenantId });
  }

  /** The newest available image that matches, if any. */
  findAvailable(match: BuiltImageMatch): Promise<BuiltImageRow | null> {
    return this.em.findOne(
      BuiltImageEntity,
      {
        tenant: match.tenantId,
        modulePath: match.modulePath,
        moduleVersion: match.moduleVersion,
        cloud: match.cloud,
        state: 'available',
        sourceDigest: match.sourceDigest,
      },
      // Ids are the build runs' (time-ordered): of two built in the same millisecond, the later id is the newer.
      { orderBy: { builtAt: 'desc', id: 'desc' } },
    );
  }

  /** The tenant's builds, newest first: of one component path or the components under a folder, of one cloud. */
  list(tenantId: string, filter: { path?: string; cloud?: string }): Promise<BuiltImageRow[]> {
    const where: FilterQuery<BuiltImageRow>[] = [{ tenant: tenantId }];
    if (filter.cloud) where.push({ cloud: filter.cloud });
    if (filter.path) {
      const folder = `${filter.path}/`;
      where.push({ $or: [{ modulePath: filter.path }, { [raw('substr(module_path, 1, ?)', [folder.length])]: folder }] });
    }
    return this.em.find(BuiltImageEntity, { $and: where }, { orderBy: { createdAt: 'desc', id: 'desc' } });
  }

  /** Stores the cloud's image id once the snapshot was requested; the snapshot's deadline counts from `at`. */
  async snapshotRequested(id: string, imageId: string, at: Date): Promise<void> {
    await this.em.nativeUpdate(BuiltImageEntity, { id }, { imageId, snapshotAt: at });
  }

  /** The image is available: later launches boot it. Not for a build that already failed (its run ended first). */
  async available(id: string, at: Date): Promise<boolean> {
    return (await this.em.nativeUpdate(BuiltImageEntity, { id, state: 'building' }, { state: 'available', builtAt: at, message: null })) > 0;
  }

  /** The build failed (unless its image is already available): never booted. */
  async failed(id: string, message: string): Promise<void> {
    await this.em.nativeUpdate(BuiltImageEntity, { id, state: 'building' }, { state: 'failed', message });
  }

  /**
   * Fails the builds among `rows` still `building` whose run is final or
   * gone: their run ended without the controller recording it (a crash
   * between the run's last commit and the build's). Returns the rows as stored now.
   */
  async settleEnded(rows: BuiltImageRow[]): Promise<BuiltImageRow[]> {
    const building = rows.filter((r) => r.state === 'building');
    if (building.length === 0) return rows;
    const runs = await this.em.find(RunEntity, { id: { $in: building.map((r) => r.id) } }, { fields: ['id', 'state', 'abortMessage'] });
    const byId = new Map(runs.map((r) => [r.id, r]));
    for (const row of building) {
      const run = byId.get(row.id);
      if (run && !isFinal(run.state)) continue;
      const message = run ? (run.abortMessage ?? `the build ended ${run.state}`) : 'the build run is gone';
      await this.failed(row.id, message);
      row.state = 'failed';
      row.message = message;
    }
    return rows;
  }

  /** Forgets a build. */
  async delete(id: string): Promise<void> {
    await this.em.nativeDelete(BuiltImageEntity, { id });
  }
}
