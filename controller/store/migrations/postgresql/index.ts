import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261126142842_initial } from './Migration20261126142842_initial.js';
import { Migration20261126150613_runs } from './Migration20261126150613_runs.js';
import { Migration20261126154253_clouds } from './Migration20261126154253_clouds.js';
import { Migration20261127061500_fillfactor } from './Migration20261127061500_fillfactor.js';
import { Migration20261206024946_replicas } from './Migration20261206024946_replicas.js';
import { Migration20261206190055_finished_runs } from './Migration20261206190055_finished_runs.js';
import { Migration20261206191712_journal_events } from './Migration20261206191712_journal_events.js';
import { Migration20261207010000_module_tags } from './Migration20261207010000_module_tags.js';
import { Migration20261207010100_module_publications } from './Migration20261207010100_module_publications.js';
import { Migration20261207010200_templates } from './Migration20261207010200_templates.js';
import { Migration20261207010300_built_images } from './Migration20261207010300_built_images.js';
import { Migration20261207010400_usage } from './Migration20261207010400_usage.js';
import { Migration20261207220000_parameter_sets_function } from './Migration20261207220000_parameter_sets_function.js';

/** Every postgresql migration, oldest first (written by create-migration.ts). */
export const postgresqlMigrations: MigrationObject[] = [
  { name: 'Migration20261126142842_initial', class: Migration20261126142842_initial },
  { name: 'Migration20261126150613_runs', class: Migration20261126150613_runs },
  { name: 'Migration20261126154253_clouds', class: Migration20261126154253_clouds },
  { name: 'Migration20261127061500_fillfactor', class: Migration20261127061500_fillfactor },
  { name: 'Migration20261206024946_replicas', class: Migration20261206024946_replicas },
  { name: 'Migration20261206190055_finished_runs', class: Migration20261206190055_finished_runs },
  { name: 'Migration20261206191712_journal_events', class: Migration20261206191712_journal_events },
  { name: 'Migration20261207010000_module_tags', class: Migration20261207010000_module_tags },
  { name: 'Migration20261207010100_module_publications', class: Migration20261207010100_module_publications },
  { name: 'Migration20261207010200_templates', class: Migration20261207010200_templates },
  { name: 'Migration20261207010300_built_images', class: Migration20261207010300_built_images },
  { name: 'Migration20261207010400_usage', class: Migration20261207010400_usage },
  { name: 'Migration20261207220000_parameter_sets_function', class: Migration20261207220000_parameter_sets_function },
];
