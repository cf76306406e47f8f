import pg from 'pg';

/**
 * One SQL statement at a time, outside any transaction, with knex-style `?`
 * placeholders: what the replicas' coordination needs of the database.
 * `Store.execute` has this shape; {@link PgPoolExecutor} stands in where no
 * Store is at hand. PostgreSQL only (replicas are PostgreSQL only).
 */
export interface SqlExecutor {
  execute<T>(sql: string, params: readonly unknown[]): Promise<T[]>;
}

/** A {@link SqlExecutor} on a pool of its own; `?` placeholders become `$1`, `$2`, ... (none may sit in a string literal). */
export class PgPoolExecutor implements SqlExecutor {
  private readonly pool: pg.Pool;

  constructor(url: string, max = 4) {
    this.pool = new pg.Pool({ connectionString: url, max });
    // An idle connection that breaks is replaced on the next query; without a listener it would crash the process.
    this.pool.on('error', () => undefined);
  }

  async execute<T>(sql: string, params: readonly unknown[]): Promise<T[]> {
    let n = 0;
    const numbered = sql.replace(/\?/g, () => `$${++n}`);
    return (await this.pool.query(numbered, [...params])).rows as T[];
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
