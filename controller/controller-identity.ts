import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { ControllerSecretEntity } from './store/entities/controller-secret.js';

/**
 * The id every VM of this control plane is tagged with, so reconciliation
 * tells its VMs from other controllers'. Kept in the database: replicas share it.
 */
export async function controllerId(em: EntityManager): Promise<string> {
  let row = await em.findOne(ControllerSecretEntity, { name: 'controller-id' });
  if (!row) {
    row = em.create(ControllerSecretEntity, { name: 'controller-id', value: randomUUID(), createdAt: new Date() });
    await em.flush();
  }
  return row.value;
}
