import { defineEntity, type InferEntity } from '@mikro-orm/core';

/** An admin-configured cloud: a name bound to a driver and its settings (controller-wide). */
export const CloudEntity = defineEntity({
  name: 'Cloud',
  tableName: 'clouds',
  properties: (p) => ({
    id: p.uuid().primary(),
    name: p.string().length(63).unique(),
    driver: p.string().length(32),
    /** JSON object of string settings. */
    settings: p.text(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  }),
});

export type CloudRow = InferEntity<typeof CloudEntity>;
