import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED_FIELDS, redactSecrets } from './logger.js';

function capture(): { lines: string[]; sink: Writable } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { lines, sink };
}

describe('logger', () => {
  it('redacts every secret field, at the top level and one object deep', () => {
    const { lines, sink } = capture();
    const log = createLogger('info', sink);
    const secrets = Object.fromEntries(REDACTED_FIELDS.map((f, i) => [f, `secret-value-${i}`]));
    log.info({ ...secrets, nested: { ...secrets }, runId: 'r-1' }, 'something happened');
    const output = lines.join('');
    for (let i = 0; i < REDACTED_FIELDS.length; i++) expect(output).not.toContain(`secret-value-${i}`);
    expect(output).toContain('[redacted]');
    expect(output).toContain('r-1');
  });

  it('redacts secret fields of a child logger’s bindings', () => {
    const { lines, sink } = capture();
    const secrets = Object.fromEntries(REDACTED_FIELDS.map((f, i) => [f, `secret-binding-${i}`]));
    createLogger('info', sink).child({ runId: 'r-2', ...secrets }).info({ instance: 'web.1' }, 'bound');
    const output = lines.join('');
    for (let i = 0; i < REDACTED_FIELDS.length; i++) expect(output).not.toContain(`secret-binding-${i}`);
    expect(JSON.parse(output)).toMatchObject({ runId: 'r-2', token: '[redacted]', instance: 'web.1', msg: 'bound' });
  });

  it('leaves errors, dates and arrays as pino writes them, and objects two deep alone', () => {
    const { lines, sink } = capture();
    const err = new Error('it broke');
    createLogger('info', sink).error({ err, at: new Date('2026-11-27T08:00:00.000Z'), list: [{ token: 'in-a-list' }], a: { b: { token: 'two-deep' } } }, 'failed');
    const line = JSON.parse(lines.join('')) as { err: { type: string; message: string; stack: string }; at: string; list: unknown; a: unknown };
    expect(line.err).toMatchObject({ type: 'Error', message: 'it broke' });
    expect(line.err.stack).toContain('it broke');
    expect(line.at).toBe('2026-11-27T08:00:00.000Z');
    expect(line.list).toEqual([{ token: 'in-a-list' }]);
    expect(line.a).toEqual({ b: { token: 'two-deep' } });
  });

  it('returns the same object when nothing is secret, and never changes the one it was given', () => {
    const plain = { runId: 'r-3', nested: { instance: 'web.1' } };
    expect(redactSecrets(plain)).toBe(plain);
    const secret = { runId: 'r-4', nested: { credential: 'c' } };
    expect(redactSecrets(secret)).toEqual({ runId: 'r-4', nested: { credential: '[redacted]' } });
    expect(secret.nested.credential).toBe('c');
  });
});
