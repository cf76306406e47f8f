/**
 * Developer tool: writes the next migration for BOTH database flavours from the
 * difference between the entities and the schema the existing migrations make.
 * Usage: npm run db:migration -- NAME   (needs PostgreSQL on 127.0.0.1:5432)
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/core';
import pg from 'pg';
import { ormConfig } from './orm-config.js';

const name = process.argv[2];
if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) {
  console.error('usage: npm run db:migration -- NAME   (NAME: lowercase words joined by -)');
  process.exit(2);
}

async function createFor(flavour: 'postgresql' | 'sqlite', location: string): Promise<void> {
  const orm = await MikroORM.init(ormConfig({ flavour, location }));
  try {
    await orm.migrator.up();
    const result = await orm.migrator.createMigration(undefined, false, false, name);
    console.log(result.fileName ? `${flavour}: wrote ${result.fileName}` : `${flavour}: no schema change`);
  } finally {
    await orm.close(true);
  }
}

const admin = 'postgres://postgres@127.0.0.1:5432/postgres';
const db = `slipstream_migration_${randomBytes(4).toString('hex')}`;
const client = new pg.Client({ connectionString: admin });
await client.connect();
await client.query(`CREATE DATABASE ${db}`);
const dir = mkdtempSync(join(tmpdir(), 'slipstream-migration-'));
try {
  await createFor('postgresql', `postgres://postgres@127.0.0.1:5432/${db}`);
  await createFor('sqlite', join(dir, 'schema.db'));
} finally {
  await client.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await client.end();
  rmSync(dir, { recursive: true, force: true });
}
console.log('now add the new classes to migrations/<flavour>/index.ts');
