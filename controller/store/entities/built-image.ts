import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { TenantEntity } from './tenant.js';

/**
 * An image built from a component version on one cloud (ImageService): the
 * image build run that made it, where it stands, and what it was built from.
 * Its id is the build run's id; the record outlives the run (retention may
 * delete the run, later launches still boot the image). `state` is
 * `building` | `available` | `failed` (a string column: see stack.md on enums).
 */
export const BuiltImageEntity = defineEntity({
  name: 'BuiltImage',
  tableName: 'built_images',
  indexes: [{ properties: ['tenant', 'modulePath', 'moduleVersion', 'cloud', 'state'] }, { properties: ['tenant', 'createdAt'] }],
  properties: (p) => ({
    /** The image build run's id. */
    id: p.uuid().primary(),
    tenant: p.manyToOne(TenantEntity).mapToPk().deleteRule('cascade'),
    modulePath: p.string().length(255),
    moduleVersion: p.integer(),
    cloud: p.string().length(63),
    /** The component's base image on that cloud, the build's starting point. */
    baseImage: p.text(),
    /** sha256 of what the image holds (lineage, base image, packages, preinstall, postinstall): a launch boots it only when its own plan has the same. */
    sourceDigest: p.string().length(64),
    /** The cloud's image id, once the snapshot was requested. */
    imageId: p.text().nullable(),
    state: p.string().length(16),
    message: p.text().nullable(),
    builtBy: p.string().length(63),
    createdAt: p.datetime(),
    /** When the snapshot was requested: the snapshot's deadline counts from it (also after a controller restart). */
    snapshotAt: p.datetime().nullable(),
    builtAt: p.datetime().nullable(),
  }),
});

export type BuiltImageRow = InferEntity<typeof BuiltImageEntity>;
