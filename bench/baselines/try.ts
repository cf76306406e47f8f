/**
 * Smoke run of the three raw baselines at small sizes; prints what they measure.
 * Usage: node --import tsx bench/baselines/try.ts [fanoutStreams] [fanoutProcesses]
 */
import { measureRawFanout } from './raw-fanout.js';
import { measureRawPg } from './raw-pg.js';
import { measureRawUnary } from './raw-unary.js';

const streams = Number(process.argv[2] ?? 1_000);
const processes = Number(process.argv[3] ?? 2);
const only = process.argv[4];

const timed = async <T>(name: string, run: () => Promise<T>): Promise<void> => {
  const start = performance.now();
  const result = await run();
  console.log(name, JSON.stringify(result), `(took ${((performance.now() - start) / 1_000).toFixed(1)} s)`);
};

if (!only || only === 'unary') {
  await timed('unary 64 B x 32', () => measureRawUnary({ messageBytes: 64, inFlight: 32, durationMs: 2_000 }));
}
if (!only || only === 'fanout') {
  await timed(`fanout ${streams} over ${processes}`, () => measureRawFanout({ streams, processes }));
}
if (!only || only === 'pg') {
  await timed('pg', () => measureRawPg({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres', durationMs: 2_000 }));
}
