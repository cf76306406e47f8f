/**
 * Developer tool: writes the next migration for BOTH database flavours from the
 * difference between the entities and the schema the existing migrations make.
 * Usage: npm run db:migration -- NAME   (needs PostgreSQL on 127.0.0.1:5432)
 * It also rewrites each flavour's migrations/<flavour>/index.ts and names.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/core';
import pg from 'pg';
import { migratorOf } from './migrations/migrator.js';
import { MIGRATIONS_FOLDER, ormConfig } from './orm-config.js';

const name = process.argv[2];
if (!name || !/^[a-z][a-z0-9_]*$/.test(name)) {
  console.error('usage: npm run db:migration -- NAME   (NAME: lowercase words joined by _, as it becomes part of a class name)');
  process.exit(2);
}

async function createFor(flavour: 'postgresql' | 'sqlite', location: string): Promise<void> {
  const orm = await MikroORM.init(ormConfig({ flavour, location }));
  try {
    const migrator = await migratorOf(orm, flavour);
    await migrator.up();
    const result = await migrator.createMigration(undefined, false, false, name);
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
for (const flavour of ['postgresql', 'sqlite'] as const) writeIndex(flavour);

/** Rewrites migrations/<flavour>/index.ts and names.ts to list every migration file, oldest first. */
function writeIndex(flavour: 'postgresql' | 'sqlite'): void {
  const folder = MIGRATIONS_FOLDER[flavour];
  const names = readdirSync(folder)
    .filter((f) => /^Migration\d+_[\w-]+\.ts$/.test(f))
    .map((f) => f.slice(0, -3))
    .sort();
  const list = `${flavour}Migrations`;
  const text = [
    "import type { MigrationObject } from '@mikro-orm/core';",
    ...names.map((n) => `import { ${n} } from './${n}.js';`),
    '',
    `/** Every ${flavour} migration, oldest first (written by create-migration.ts). */`,
    `export const ${list}: MigrationObject[] = [`,
    ...names.map((n) => `  { name: '${n}', class: ${n} },`),
    '];',
    '',
  ].join('\n');
  writeFileSync(`${folder}index.ts`, text);
  const namesText = [
    `/** The name of every ${flavour} migration, oldest first (written by create-migration.ts, as index.ts): what a start compares with the applied ones without loading the migrations. */`,
    `export const ${flavour}MigrationNames: readonly string[] = [`,
    ...names.map((n) => `  '${n}',`),
    '];',
    '',
  ].join('\n');
  writeFileSync(`${folder}names.ts`, namesText);
}
