import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED_FIELDS } from './logger.js';

describe('logger', () => {
  it('redacts every secret field, at the top level and one object deep', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const log = createLogger('info', sink);
    const secrets = Object.fromEntries(REDACTED_FIELDS.map((f, i) => [f, `secret-value-${i}`]));
    log.info({ ...secrets, nested: { ...secrets }, runId: 'r-1' }, 'something happened');
    const output = lines.join('');
    for (let i = 0; i < REDACTED_FIELDS.length; i++) expect(output).not.toContain(`secret-value-${i}`);
    expect(output).toContain('[redacted]');
    expect(output).toContain('r-1');
  });
});
