/**
 * The migrations produce exactly the schema the entities describe, on both
 * database flavours: a missing or stale migration fails here, not in production.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/core';
import { describe, expect, it } from 'vitest';
import { createTemporaryDatabase } from '../../test/helpers/postgres.js';
import { TEST_DATABASES } from '../../test/helpers/databases.js';
import type { DatabaseTarget } from './database-url.js';
import { migratorOf } from './migrations/migrator.js';
import { ormConfig } from './orm-config.js';

async function pendingSchemaChange(target: DatabaseTarget): Promise<string> {
  const orm = await MikroORM.init(ormConfig(target));
  try {
    await (await migratorOf(orm, target.flavour)).up();
    return await orm.schema.getUpdateSchemaSQL({ wrap: false });
  } finally {
    await orm.close(true);
  }
}

describe.each(TEST_DATABASES)('migrations on %s', (database) => {
  it('bring an empty database to the entities’ schema with nothing left to change', async () => {
    if (database === 'postgres') {
      const db = await createTemporaryDatabase();
      try {
        expect((await pendingSchemaChange({ flavour: 'postgresql', location: db.url })).trim()).toBe('');
      } finally {
        await db.drop();
      }
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'slipstream-schema-'));
      try {
        expect((await pendingSchemaChange({ flavour: 'sqlite', location: join(dir, 'schema.db') })).trim()).toBe('');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});
