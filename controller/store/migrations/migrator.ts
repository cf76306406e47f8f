import type { IMigrator, MikroORM } from '@mikro-orm/core';
import type { DatabaseTarget } from '../database-url.js';
import { postgresqlMigrationNames } from './postgresql/names.js';
import { sqliteMigrationNames } from './sqlite/names.js';

/**
 * The migrations of a database, loaded only when one is pending: MikroORM's
 * migrations extension (with umzug and its command line's dependencies)
 * and the migration classes, which import it, took 96-174 ms of every
 * controller start to import, an up-to-date database's included.
 */
export async function migratorOf(orm: MikroORM, flavour: DatabaseTarget['flavour']): Promise<IMigrator> {
  const migrationsList =
    flavour === 'postgresql' ? (await import('./postgresql/index.js')).postgresqlMigrations : (await import('./sqlite/index.js')).sqliteMigrations;
  orm.config.set('migrations', { ...orm.config.get('migrations'), migrationsList });
  const { Migrator } = await import('@mikro-orm/migrations');
  Migrator.register(orm);
  return orm.migrator;
}

/** True when a migration of this build has not been applied to the database (every one, on a database without its table). */
export async function hasPendingMigrations(orm: MikroORM, flavour: DatabaseTarget['flavour']): Promise<boolean> {
  const table = orm.config.get('migrations').tableName ?? 'mikro_orm_migrations';
  const applied = await orm.em
    .getConnection()
    .execute<{ name: string }[]>(`select name from ${table}`)
    .then((rows: { name: string }[]) => new Set(rows.map((row) => row.name)))
    // No table yet: a new database.
    .catch(() => undefined);
  const names = flavour === 'postgresql' ? postgresqlMigrationNames : sqliteMigrationNames;
  return applied === undefined || names.some((name) => !applied.has(name));
}
