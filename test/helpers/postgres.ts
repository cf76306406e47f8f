import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Where tests find PostgreSQL (CI starts it on this address). */
export const POSTGRES_ADMIN_URL = process.env.SLIPSTREAM_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh, empty database and how to drop it. */
export interface TemporaryDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates a database with a random name; `drop` removes it even with open connections. */
export async function createTemporaryDatabase(): Promise<TemporaryDatabase> {
  const name = `slipstream_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
