import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261126142842_initial } from './Migration20261126142842_initial.js';

/** Every sqlite migration, oldest first. Append new ones (see create-migration.ts). */
export const sqliteMigrations: MigrationObject[] = [{ name: 'Migration20261126142842_initial', class: Migration20261126142842_initial }];
