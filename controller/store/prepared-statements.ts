import pg from 'pg';
import type { Logger } from 'pino';

/**
 * A small pool of plain node-postgres connections beside the ORM's, for the
 * statements an agent waits on: each is named, so PostgreSQL parses and plans
 * it once per connection instead of on every call, and skips the query
 * builder. Each runs in autocommit, a transaction by itself.
 */
export class PreparedStatements {
  private readonly pool: pg.Pool;

  constructor(url: string, log: Logger) {
    this.pool = new pg.Pool({ connectionString: url, max: 4 });
    // An idle connection that breaks (the server restarted) is dropped by the pool; the next query opens another.
    this.pool.on('error', (err) => log.warn({ err }, 'idle database connection failed'));
  }

  async query<T extends pg.QueryResultRow>(name: string, text: string, values: unknown[]): Promise<T[]> {
    return (await this.pool.query<T>({ name, text, values })).rows;
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
