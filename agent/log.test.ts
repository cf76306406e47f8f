import { describe, expect, it } from 'vitest';
import { createAgentLogger } from './log.js';

describe('agent logger', () => {
  it('writes JSON lines with constant messages and redacts secrets', () => {
    const lines: string[] = [];
    const log = createAgentLogger({ sink: (l) => lines.push(l), bindings: { instance: 'web.1' } }).child({ component: 'enroll' });
    log.info({ bootstrapToken: 'boot-secret', nested: { credential: 'cred-secret', ok: 1 }, authorization: 'Bearer x' }, 'enrolling');
    log.debug('hidden at info level');
    log.error({ err: Object.assign(new Error('boom'), { code: 14 }) }, 'failed');
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0]!);
    expect(first).toMatchObject({ level: 'info', msg: 'enrolling', instance: 'web.1', component: 'enroll', bootstrapToken: '[redacted]' });
    expect(first.nested).toEqual({ credential: '[redacted]', ok: 1 });
    expect(lines.join('\n')).not.toMatch(/boot-secret|cred-secret|Bearer x/);
    expect(JSON.parse(lines[1]!).err).toEqual({ type: 'Error', message: 'boom', code: 14 });
  });
});
