/**
 * Test helper: reads a controller's database directly (what someone with
 * the database files or a database login would see), on SQLite or PostgreSQL.
 */
import Database from 'libsql';
import pg from 'pg';

/** The rows of one SELECT (`?` placeholders) on the database at `databaseUrl` (`sqlite:PATH` or `postgres://...`). */
export async function selectRows(databaseUrl: string, statement: string, args: unknown[] = []): Promise<Record<string, unknown>[]> {
  if (databaseUrl.startsWith('sqlite:')) {
    const db = new Database(databaseUrl.slice('sqlite:'.length), { timeout: 5_000, readonly: true });
    try {
      return db.prepare(statement).all(...args) as Record<string, unknown>[];
    } finally {
      db.close();
    }
  }
  return query(databaseUrl, statement, args);
}

/** Runs one statement that changes rows (`?` placeholders), as someone with a database login would; cascades apply. */
export async function executeSql(databaseUrl: string, statement: string, args: unknown[] = []): Promise<void> {
  if (databaseUrl.startsWith('sqlite:')) {
    const db = new Database(databaseUrl.slice('sqlite:'.length), { timeout: 5_000 });
    try {
      // Foreign keys (and so cascades) are per connection in SQLite.
      db.pragma('foreign_keys = ON');
      db.prepare(statement).run(...args);
    } finally {
      db.close();
    }
    return;
  }
  await query(databaseUrl, statement, args);
}

async function query(databaseUrl: string, statement: string, args: unknown[]): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    let n = 0;
    return (await client.query(statement.replace(/\?/g, () => `$${++n}`), args)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}
