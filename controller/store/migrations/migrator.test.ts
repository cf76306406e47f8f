/**
 * A start loads the migrations only when one is pending (migrator.ts): it
 * tells that from names.ts, which must list what index.ts does; a database
 * migrated by this build has none pending, a new one and one a migration
 * behind have.
 */
import { MikroORM } from '@mikro-orm/core';
import { describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../../../test/helpers/databases.js';
import { openTestStore } from '../../../test/helpers/store.js';
import { ormConfig } from '../orm-config.js';
import { hasPendingMigrations, migratorOf } from './migrator.js';
import { postgresqlMigrations } from './postgresql/index.js';
import { postgresqlMigrationNames } from './postgresql/names.js';
import { sqliteMigrations } from './sqlite/index.js';
import { sqliteMigrationNames } from './sqlite/names.js';

describe('migration names', () => {
  it('list every migration of index.ts, in its order', () => {
    expect(postgresqlMigrationNames).toEqual(postgresqlMigrations.map((m) => m.name));
    expect(sqliteMigrationNames).toEqual(sqliteMigrations.map((m) => m.name));
  });
});

describe.each(TEST_DATABASES)('pending migrations on %s', (database) => {
  it('none on a database a store opened; the last one again once it is undone; all of them on a new one', async () => {
    const opened = await openTestStore(database);
    const orm = await MikroORM.init(ormConfig(opened.target));
    try {
      expect(await hasPendingMigrations(orm, opened.target.flavour)).toBe(false);
      const names = opened.target.flavour === 'postgresql' ? postgresqlMigrationNames : sqliteMigrationNames;
      await orm.em.getConnection().execute(`delete from mikro_orm_migrations where name = ?`, [names[names.length - 1]!]);
      expect(await hasPendingMigrations(orm, opened.target.flavour)).toBe(true);
      await orm.em.getConnection().execute(`drop table mikro_orm_migrations`);
      expect(await hasPendingMigrations(orm, opened.target.flavour)).toBe(true);
      // The migrator, loaded on demand, knows the list.
      expect((await (await migratorOf(orm, opened.target.flavour)).getPendingMigrations()).length).toBe(names.length);
    } finally {
      await orm.close(true);
      await opened.dispose();
    }
  });
});
