import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureRawRelay, RAW_RELAY_TABLE } from '../../bench/baselines/raw-relay.js';
import { createTemporaryDatabase, type TemporaryDatabase } from '../helpers/postgres.js';

describe('raw relay baseline', () => {
  let database: TemporaryDatabase;
  beforeAll(async () => {
    database = await createTemporaryDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  const rows = async (): Promise<Map<string, string>> => {
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      const exists = await db.query('select 1 from pg_tables where tablename = $1', [RAW_RELAY_TABLE]);
      if (exists.rowCount === 0) return new Map();
      const result = await db.query<{ key: string; value: string }>(`select key, value from ${RAW_RELAY_TABLE}`);
      return new Map(result.rows.map((r) => [r.key, r.value]));
    } finally {
      await db.end();
    }
  };

  it('relays each set through a committed row to the waiting get, and times it', async () => {
    const before = process.hrtime.bigint();
    const result = await measureRawRelay({ databaseUrl: database.url, samples: 8, warmup: 2, keepTable: true });
    const after = process.hrtime.bigint();

    expect(result.latenciesMs).toHaveLength(8);
    expect(result.latenciesMs).toEqual([...result.latenciesMs].sort((a, b) => a - b));
    expect(Number.isFinite(result.p50Ms) && result.p50Ms > 0).toBe(true);
    expect(result.p50Ms).toBeLessThanOrEqual(result.p99Ms);
    expect(Number.isFinite(result.p99Ms)).toBe(true);

    // Every set, warm-up and measured, is a row holding A's stamp: taken during this call, on this machine's monotonic clock.
    const table = await rows();
    expect([...table.keys()].sort()).toEqual(['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'w1', 'w2']);
    for (const value of table.values()) {
      const stamp = BigInt(value);
      expect(stamp > before && stamp < after).toBe(true);
    }
  });

  it('drops its table unless asked to keep it', async () => {
    await measureRawRelay({ databaseUrl: database.url, samples: 2, warmup: 0 });
    expect((await rows()).size).toBe(0);
  });
});
