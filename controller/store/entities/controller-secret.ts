import { defineEntity, type InferEntity } from '@mikro-orm/core';

/** Controller-wide secrets shared by every replica (e.g. the bootstrap-token key). */
export const ControllerSecretEntity = defineEntity({
  name: 'ControllerSecret',
  tableName: 'controller_secrets',
  properties: (p) => ({
    name: p.string().length(63).primary(),
    value: p.text(),
    createdAt: p.datetime(),
  }),
});

export type ControllerSecretRow = InferEntity<typeof ControllerSecretEntity>;
