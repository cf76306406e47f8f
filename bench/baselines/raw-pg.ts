/**
 * Raw PostgreSQL baseline: upserts per second through a bare `pg` Client on
 * one connection, with no ORM, pool or retry logic: first single-row upserts,
 * each its own autocommitted transaction, then 100-row upserts, one statement
 * and so one transaction each. The table is filled with a fixed set of keys
 * first and the upserts cycle through them, so every upsert takes the
 * conflict path, as a store updating its state would.
 */
import pg from 'pg';

export interface RawPgOptions {
  databaseUrl: string;
  /** Length of each of the two phases. */
  durationMs: number;
}

export interface RawPgResult {
  singleUpsertsPerSecond: number;
  batchedRowsPerSecond: number;
  batchSize: 100;
}

const TABLE = 'bench_raw_upserts';
const KEYS = 10_000;
const BATCH_SIZE = 100;

// Named statements: pg parses and plans each once, so the figure is the round trip and the write, not SQL parsing.
const SINGLE = {
  name: 'bench_raw_single_upsert',
  text: `INSERT INTO ${TABLE} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
};
const BATCH = {
  name: 'bench_raw_batch_upsert',
  text:
    `INSERT INTO ${TABLE} (key, value) SELECT * FROM unnest($1::text[], $2::text[]) ` +
    'ON CONFLICT (key) DO UPDATE SET value = excluded.value',
};

const keyOf = (i: number): string => `key-${i % KEYS}`;

export async function measureRawPg(options: RawPgOptions): Promise<RawPgResult> {
  const { databaseUrl, durationMs } = options;
  if (!(durationMs > 0)) throw new RangeError(`durationMs must be > 0, got ${durationMs}`);

  const client = new pg.Client({ connectionString: databaseUrl });
  // Without a listener a dropped connection is an uncaught 'error' event; the next query fails anyway.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await client.query(`CREATE TABLE ${TABLE} (key text PRIMARY KEY, value text NOT NULL)`);
    await client.query(`INSERT INTO ${TABLE} (key, value) SELECT 'key-' || i, 'initial' FROM generate_series(0, ${KEYS - 1}) AS i`);
    try {
      const single = await forDuration(durationMs, async (n) => {
        await client.query({ ...SINGLE, values: [keyOf(n * 7919), `v${n}`] });
        return 1;
      });
      const batched = await forDuration(durationMs, async (n) => {
        // 100 consecutive keys of the cycle: distinct within the statement, which ON CONFLICT DO UPDATE requires.
        const first = n * 7919;
        const keys = Array.from({ length: BATCH_SIZE }, (_, j) => keyOf(first + j));
        const values = keys.map((_, j) => `v${n}.${j}`);
        await client.query({ ...BATCH, values: [keys, values] });
        return BATCH_SIZE;
      });
      return { singleUpsertsPerSecond: single, batchedRowsPerSecond: batched, batchSize: BATCH_SIZE };
    } finally {
      await client.query(`DROP TABLE IF EXISTS ${TABLE}`);
    }
  } finally {
    await client.end();
  }
}

/** Runs `step` back to back until `durationMs` has passed; rows per second over the time actually taken. */
async function forDuration(durationMs: number, step: (n: number) => Promise<number>): Promise<number> {
  const start = performance.now();
  const end = start + durationMs;
  let rows = 0;
  let n = 0;
  let now = start;
  while (now < end) {
    rows += await step(n++);
    now = performance.now();
  }
  return rows / ((now - start) / 1_000);
}
