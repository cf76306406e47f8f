import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { TemplateEntity } from './template.js';

/** One immutable version of a deployment template: its TemplateSpec as JSON (parameter values sealed) and commit metadata. */
export const TemplateVersionEntity = defineEntity({
  name: 'TemplateVersion',
  tableName: 'template_versions',
  uniques: [{ properties: ['template', 'version'] }],
  properties: (p) => ({
    id: p.uuid().primary(),
    template: p.manyToOne(TemplateEntity).mapToPk().deleteRule('cascade'),
    version: p.integer(),
    content: p.text(),
    contentHash: p.string().length(64),
    author: p.string().length(63),
    message: p.text().default(''),
    createdAt: p.datetime(),
  }),
});

export type TemplateVersionRow = InferEntity<typeof TemplateVersionEntity>;
