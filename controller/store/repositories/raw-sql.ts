import type { EntityManager } from '@mikro-orm/core';
import { PostgreSqlPlatform, type AbstractSqlConnection, type Knex, type SqlEntityManager } from '@mikro-orm/postgresql';

/**
 * Hand-written SQL in a unit of work, for the run repositories' hot paths:
 * they skip the query builder, which costs about 0.4 ms a query, and the
 * managed entities, which cost the unit of work for each of thousands of rows.
 */

/** The unit of work's EntityManager as the SQL driver's, for its query builder. */
export function sqlOf(em: EntityManager): SqlEntityManager {
  return em as unknown as SqlEntityManager;
}

export function isPostgres(em: EntityManager): boolean {
  return em.getPlatform() instanceof PostgreSqlPlatform;
}

/** A statement with `?` placeholders, in the unit of work's transaction if it has one. */
export function execute<T>(em: EntityManager, sql: string, params: readonly unknown[], method: 'all' | 'run'): Promise<T> {
  return em.getConnection().execute(sql, [...params], method, em.getTransactionContext()) as Promise<T>;
}

/**
 * A PostgreSQL statement with `?` placeholders whose values are bound, not
 * written into its text: the ORM's execute quotes a string one character
 * at a time, and for the megabytes of JSON of a 10,000-instance launch that
 * made 2 s of garbage collection (profile of RunRepository.create).
 */
export async function executeBound(em: EntityManager, sql: string, params: readonly unknown[]): Promise<void> {
  const query = (em.getConnection() as AbstractSqlConnection).getKnex().raw(sql, [...params] as Knex.RawBinding[]);
  const transaction = em.getTransactionContext<Knex.Transaction>();
  if (transaction) query.transacting(transaction);
  await query;
}

/** A date as this database's driver binds it (SQLite keeps epoch milliseconds). */
export function dbDate(em: EntityManager, date: Date): unknown {
  return em.getPlatform().processDateProperty(date);
}

/** `?, ?, ?` for a list of n values. */
export function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}
