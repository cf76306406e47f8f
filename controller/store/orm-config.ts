import type { Options } from '@mikro-orm/core';
import { LibSqlDriver } from '@mikro-orm/libsql';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { ALL_ENTITIES } from './entities/index.js';
import type { DatabaseTarget } from './database-url.js';

/** Folder of each flavour's migrations, relative to this file (for the generator). */
export const MIGRATIONS_FOLDER = {
  postgresql: new URL('./migrations/postgresql/', import.meta.url).pathname,
  sqlite: new URL('./migrations/sqlite/', import.meta.url).pathname,
};

/**
 * The MikroORM options for one database. Migrations are listed statically so
 * they run the same under tsx, vitest and a bundled build; the list and the
 * migrator are loaded when needed (migrations/migrator.ts).
 */
export function ormConfig(target: DatabaseTarget): Options {
  const common = {
    entities: ALL_ENTITIES,
    discovery: { warnWhenNoEntities: true },
    allowGlobalContext: false,
    debug: false,
    // Raw driver errors are mapped by the store; never print SQL with values.
    logger: () => undefined,
  } satisfies Options;
  if (target.flavour === 'postgresql') {
    return {
      ...common,
      driver: PostgreSqlDriver,
      clientUrl: target.location,
      pool: { min: 0, max: 10 },
      migrations: {
        path: MIGRATIONS_FOLDER.postgresql,
        transactional: true,
        allOrNothing: true,
        snapshot: false,
        emit: 'ts',
      },
    };
  }
  return {
    ...common,
    driver: LibSqlDriver,
    dbName: target.location,
    migrations: {
      path: MIGRATIONS_FOLDER.sqlite,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      emit: 'ts',
    },
  };
}
