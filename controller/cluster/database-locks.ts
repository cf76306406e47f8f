import pg from 'pg';
import type { Logger } from 'pino';
import { describeController } from './replica-identity.js';
import { ReplicaConflictError } from './replica-registry.js';

/** The advisory lock keys of the controllers (two-int form: the product's tag, then the lock). */
const SLIPSTREAM = 0x534c4950;
const CONTROLLERS = 1;
const SINGLETON_WORK = 2;

/**
 * Session-level advisory locks on one dedicated PostgreSQL connection, held
 * for the process's life and released by PostgreSQL when the process dies:
 * - the controllers' lock: taken exclusively by a controller without --ha
 *   and shared by HA replicas, so that a lone controller and replicas never
 *   run on one database together (whichever comes second refuses to start);
 * - the singleton-work lock: the replica that holds it runs the work that
 *   must run once (stray VM termination, deleting expired runs), until it
 *   stops or dies.
 */
export class DatabaseLocks {
  private singleton = false;

  private constructor(
    private readonly client: pg.Client,
    private readonly log: Logger,
  ) {}

  /** Connects and takes the controllers' lock (shared in HA mode); ReplicaConflictError when the other kind holds it. */
  static async acquire(url: string, mode: 'ha' | 'single', log: Logger): Promise<DatabaseLocks> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const locks = new DatabaseLocks(client, log);
    client.on('error', (err) => {
      locks.singleton = false;
      log.error({ err }, 'the connection holding the controller locks failed: another controller may now start beside this one');
    });
    try {
      const fn = mode === 'ha' ? 'pg_try_advisory_lock_shared' : 'pg_try_advisory_lock';
      const { rows } = await client.query<{ locked: boolean }>(`select ${fn}($1, $2) as locked`, [SLIPSTREAM, CONTROLLERS]);
      if (!rows[0]?.locked) {
        const others = await describeLiveControllers(client);
        const hint =
          mode === 'ha'
            ? 'a controller without --ha holds the database; stop it, then start every replica with --ha'
            : 'other controllers hold the database; stop them, or start this one with --ha as well';
        throw new ReplicaConflictError(`another controller is using this database (${others || 'its replica row is not written yet'}): ${hint}`);
      }
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    return locks;
  }

  /** Whether this replica runs the singleton work: takes the lock when free, keeps it once held. */
  async holdsSingletonWork(): Promise<boolean> {
    if (this.singleton) return true;
    try {
      const { rows } = await this.client.query<{ locked: boolean }>('select pg_try_advisory_lock($1, $2) as locked', [SLIPSTREAM, SINGLETON_WORK]);
      this.singleton = rows[0]?.locked === true;
      if (this.singleton) this.log.info('this replica now runs the singleton work (stray VM termination, retention)');
    } catch (err) {
      this.log.warn({ err }, 'could not ask for the singleton-work lock');
    }
    return this.singleton;
  }

  async release(): Promise<void> {
    this.singleton = false;
    await this.client.end().catch(() => undefined);
  }
}

/**
 * The controllers registered as live, for a refusal that names them. Read
 * before this process migrates anything: on a database no controller of
 * this version migrated yet, the table may not exist.
 */
async function describeLiveControllers(client: pg.Client): Promise<string> {
  try {
    const { rows } = await client.query<{ pid: number; host: string; address: string; mode: string; started_at: Date }>(
      `select pid, host, address, mode, started_at from controller_replicas where state in ('starting', 'serving', 'stopping') order by started_at`,
    );
    return rows.map((r) => describeController({ ...r, startedAt: r.started_at })).join('; ');
  } catch {
    return '';
  }
}
