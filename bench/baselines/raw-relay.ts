/**
 * Raw relay baseline: the smallest honest "agent A sets a value, the
 * controller makes it durable, agent B's pending get returns it". The server
 * runs in this process (as the bench's controller does) on bare grpc-js with
 * one bare `pg` Client; the two agents run in a child process (as the sim
 * agents do in their workers), each on its own connection and bidi stream.
 * A set is one autocommitted single-row upsert: the row is committed before
 * the server writes the value to B, and gets are answered from the values
 * already committed, never from a value not yet in the table. Latency is
 * A's CLOCK_MONOTONIC stamp to B's receipt, as in the propagation scenario,
 * with the same pacing (a pause before each set).
 */
import type { ChildProcess } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import pg from 'pg';
import { percentile } from '../lib/context.js';
import { RELAY_SERVICE, requireInteger, spawnSibling, stopChild, UNLIMITED_MESSAGES, withDeadline } from './common.js';
import type { RelayChildMessage } from './raw-relay-agents.js';
import { decodeRequest, encodeReply } from './raw-relay-wire.js';
import { reportsOf } from '../lib/child-reports.js';

export interface RawRelayOptions {
  databaseUrl: string;
  samples: number;
  /** A's pause before each set; the propagation scenario's ping sleeps 5 ms. Default 5. */
  paceMs?: number;
  /** Uncounted rounds first, so that connection set-up and JIT stay out of the figures. Default 20. */
  warmup?: number;
  /** Leaves the table behind for a test to read; by default the baseline drops it. */
  keepTable?: boolean;
}

export interface RawRelayResult {
  p50Ms: number;
  p99Ms: number;
  /** Every measured round, ascending. */
  latenciesMs: number[];
}

export const RAW_RELAY_TABLE = 'bench_raw_relay';

// Named: pg parses and plans it once. RETURNING hands B the value as committed, not as received.
const UPSERT = {
  name: 'bench_raw_relay_upsert',
  text: `INSERT INTO ${RAW_RELAY_TABLE} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value RETURNING value`,
};

type RelayCall = grpc.ServerDuplexStream<Buffer, Buffer>;

/** The server's state: values committed so far and the gets waiting for a key. */
class RelayServer {
  private readonly committed = new Map<string, string>();
  private readonly waiting = new Map<string, RelayCall[]>();

  constructor(
    private readonly db: pg.Client,
    private readonly fail: (err: Error) => void,
  ) {}

  readonly connect = (call: RelayCall): void => {
    // Streams are cancelled by the teardown; that must not surface as an unhandled 'error' event.
    call.on('error', () => undefined);
    call.on('data', (frame: Buffer) => {
      try {
        const request = decodeRequest(frame);
        if (request.type === 'set') void this.set(call, request.key, request.value);
        else this.get(call, request.key);
      } catch (err) {
        this.fail(err as Error);
      }
    });
  };

  private get(call: RelayCall, key: string): void {
    const value = this.committed.get(key);
    if (value !== undefined) {
      call.write(encodeReply({ type: 'value', key, value }));
      return;
    }
    const calls = this.waiting.get(key) ?? [];
    calls.push(call);
    this.waiting.set(key, calls);
  }

  private async set(call: RelayCall, key: string, value: string): Promise<void> {
    try {
      // Autocommit: pg resolves after ReadyForQuery, so the row is committed by the time anyone hears of it.
      const { rows } = await this.db.query<{ value: string }>({ ...UPSERT, values: [key, value] });
      const stored = rows[0]?.value;
      if (stored === undefined) throw new Error(`raw relay: the upsert of ${key} returned no row`);
      this.committed.set(key, stored);
      const waiting = this.waiting.get(key) ?? [];
      this.waiting.delete(key);
      for (const waiter of waiting) waiter.write(encodeReply({ type: 'value', key, value: stored }));
      call.write(encodeReply({ type: 'ack', key }));
    } catch (err) {
      this.fail(err as Error);
    }
  }
}

export async function measureRawRelay(options: RawRelayOptions): Promise<RawRelayResult> {
  const { databaseUrl, samples } = options;
  const paceMs = options.paceMs ?? 5;
  const warmup = options.warmup ?? 20;
  requireInteger('samples', samples, 1);
  requireInteger('paceMs', paceMs, 0);
  requireInteger('warmup', warmup, 0);

  const db = new pg.Client({ connectionString: databaseUrl });
  // Without a listener a dropped connection is an uncaught 'error' event; the next query fails anyway.
  db.on('error', () => undefined);
  await db.connect();
  let serverFailed!: (err: Error) => void;
  const serverFailure = new Promise<never>((_resolve, reject) => (serverFailed = reject));
  serverFailure.catch(() => undefined);
  const server = new grpc.Server(UNLIMITED_MESSAGES);
  let child: ChildProcess | undefined;
  try {
    await db.query(`DROP TABLE IF EXISTS ${RAW_RELAY_TABLE}`);
    await db.query(`CREATE TABLE ${RAW_RELAY_TABLE} (key text PRIMARY KEY, value text NOT NULL)`);
    server.addService(RELAY_SERVICE, { connect: new RelayServer(db, serverFailed).connect });
    const port = await bind(server);
    child = spawnSibling('./raw-relay-agents.ts', [String(port), String(samples), String(warmup), String(paceMs)], 'inherit');
    const done = reportsOf<RelayChildMessage>(child, 'raw-relay-agents')('done').then((m) => m.latenciesMs);
    const report = Promise.race([done, serverFailure]);
    // Generous for a loaded 2-core machine, but a stuck relay must still end.
    const latenciesMs = await withDeadline(report, 60_000 + (warmup + samples) * (paceMs + 200), 'raw relay rounds');
    latenciesMs.sort((x, y) => x - y);
    return { p50Ms: percentile(latenciesMs, 50), p99Ms: percentile(latenciesMs, 99), latenciesMs };
  } finally {
    if (child) await stopChild(child);
    server.forceShutdown();
    try {
      if (!options.keepTable) await db.query(`DROP TABLE IF EXISTS ${RAW_RELAY_TABLE}`);
    } finally {
      await db.end();
    }
  }
}

function bind(server: grpc.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
  });
}
