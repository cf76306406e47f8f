import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { MikroORM, type EntityManager } from '@mikro-orm/core';
import pg from 'pg';
import type { Logger } from 'pino';
import type { CredentialCipher } from '../auth/credential-cipher.js';
import type { DatabaseTarget } from './database-url.js';
import { ormConfig } from './orm-config.js';
import { PreparedStatements } from './prepared-statements.js';
import { makePrivateDir, makePrivateFile, TIGHTENED_MESSAGE, tightenMode } from './private-files.js';
import { Repositories } from './repositories/index.js';
import { hasPendingMigrations, migratorOf } from './migrations/migrator.js';

/**
 * Makes an SQLite database private before the ORM opens it: its folder made
 * 0700 when missing, the database file created 0600 when missing (SQLite
 * gives its -wal and -shm files the database file's mode), and existing
 * files open to others tightened, with a warning.
 */
function privateSqliteFiles(path: string, log: Logger): void {
  if (!existsSync(dirname(path))) makePrivateDir(dirname(path));
  for (const change of [makePrivateFile(path), tightenMode(`${path}-wal`), tightenMode(`${path}-shm`)]) {
    if (change) log.warn(change, TIGHTENED_MESSAGE);
  }
}

/** The advisory lock (two-int form, the product's tag then the lock) replicas take for the work of a start that only one may do at a time. */
const START_LOCK = [0x534c4950, 3] as const;

/** Runs `work`; on PostgreSQL under an advisory lock held on a connection of its own, so that starting replicas take turns. */
async function oneAtATime<T>(target: DatabaseTarget, work: () => Promise<T>): Promise<T> {
  if (target.flavour !== 'postgresql') return work();
  const client = new pg.Client({ connectionString: target.location });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1, $2)', [...START_LOCK]);
    return await work();
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The controller's persistence: one MikroORM instance on PostgreSQL or SQLite,
 * migrated at open. Work happens in units (`read`, `write`), each on its own
 * EntityManager fork; the global EntityManager is never used. The
 * repositories seal password values with the cipher.
 */
export class Store {
  /**
   * The EntityManager of every writeStatement, made once: a statement is raw
   * SQL (prepared, or a query builder's plain rows once it was fenced off),
   * never managed entities, so its identity map stays empty and statements
   * may share it. A fork each cost about 0.2 ms of CPU on the path every
   * agent's parameter set waits on.
   */
  private statementEm: EntityManager | undefined;

  private constructor(
    private readonly orm: MikroORM,
    readonly flavour: DatabaseTarget['flavour'],
    private readonly cipher: CredentialCipher,
    /** PostgreSQL only. */
    private readonly prepared: PreparedStatements | undefined,
    private readonly target: DatabaseTarget,
  ) {}

  /**
   * Runs what only the first controller on a database creates (the operator
   * tenant, the controller-wide secrets) one starting replica at a time:
   * two replicas started together on an empty database would both try.
   */
  oneStartAtATime<T>(work: () => Promise<T>): Promise<T> {
    return oneAtATime(this.target, work);
  }

  /**
   * Connects (an SQLite database's files private, see privateSqliteFiles)
   * and applies pending migrations. `cipher` seals the password values the
   * repositories store.
   */
  static async open(target: DatabaseTarget, log: Logger, cipher: CredentialCipher): Promise<Store> {
    if (target.flavour === 'sqlite' && target.location !== ':memory:') privateSqliteFiles(target.location, log);
    const orm = await MikroORM.init(ormConfig(target));
    try {
      if (target.flavour === 'sqlite') {
        // Concurrent readers while one writer commits; wait instead of failing on a busy file.
        await orm.em.getConnection().execute('pragma journal_mode = wal');
        await orm.em.getConnection().execute('pragma busy_timeout = 5000');
        await orm.em.getConnection().execute('pragma foreign_keys = on');
      }
      // Replicas starting together must not apply one migration twice: one at a time, behind an advisory lock.
      const applied = (await hasPendingMigrations(orm, target.flavour)) ? await oneAtATime(target, async () => (await migratorOf(orm, target.flavour)).up()) : [];
      log.info({ flavour: target.flavour, applied: applied.map((m) => m.name) }, 'database ready');
    } catch (err) {
      await orm.close(true);
      throw err;
    }
    return new Store(orm, target.flavour, cipher, target.flavour === 'postgresql' ? new PreparedStatements(target.location, log) : undefined, target);
  }

  /** Runs one unit of work that only reads. */
  async read<T>(work: (repos: Repositories, em: EntityManager) => Promise<T>): Promise<T> {
    const em = this.orm.em.fork();
    // Outside a transaction, the prepared statements serve reads too.
    return work(new Repositories(em, this.cipher, this.prepared), em);
  }

  /** Runs one unit of work in a transaction; changes commit together or not at all. */
  async write<T>(work: (repos: Repositories, em: EntityManager) => Promise<T>): Promise<T> {
    return this.orm.em.fork().transactional((em) => work(new Repositories(em, this.cipher), em));
  }

  /**
   * A write the repository makes ONE prepared statement on PostgreSQL (such
   * as RunParameterRepository.commitSets): run with no transaction around
   * it, so it commits in one round trip. On SQLite, where it takes several,
   * in a transaction.
   */
  async writeStatement<T>(work: (repos: Repositories) => Promise<T>): Promise<T> {
    if (!this.prepared) return this.write(work);
    this.statementEm ??= this.orm.em.fork();
    return work(new Repositories(this.statementEm, this.cipher, this.prepared));
  }

  /**
   * One statement outside any transaction (knex `?` placeholders): the
   * coordination statements of the replicas (controller/cluster/), which
   * are single atomic statements and use the database's clock.
   */
  async execute<T>(sql: string, params: readonly unknown[] = [], method: 'all' | 'run' = 'all'): Promise<T[]> {
    const result: unknown = await this.orm.em.getConnection().execute(sql, [...params], method);
    return Array.isArray(result) ? (result as T[]) : [];
  }

  /**
   * Refreshes PostgreSQL's statistics of the run tables, after a launch
   * inserted thousands of rows: until autovacuum gets to them, the planner
   * takes a run for a handful of rows and answers `run_id = ? and name in
   * (...)` by reading every row of the run (1-1.5 ms a statement at 10,000
   * instances, against 0.2 ms through the index). A no-op on SQLite.
   */
  async refreshRunStatistics(): Promise<void> {
    if (this.flavour !== 'postgresql') return;
    await this.orm.em.getConnection().execute('analyze run_instances, run_parameters');
  }

  async close(): Promise<void> {
    await this.prepared?.close();
    await this.orm.close(true);
  }
}
