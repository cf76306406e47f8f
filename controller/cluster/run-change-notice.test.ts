import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { NoticeCoalescer, parseNotice } from './run-change-notice.js';

describe('run change notices', () => {
  it('carry a deletion beside the changes of the same tick, in one notice per run', async () => {
    const sent: string[] = [];
    const coalescer = new NoticeCoalescer('replica-a', 60_000, async (payloads) => void sent.push(...payloads), pino({ level: 'silent' }));
    coalescer.add('run-1', { kind: 'state', state: 'Done', epoch: 1, abortMessage: undefined });
    coalescer.addDeleted('run-1');
    coalescer.addDeleted('run-2');
    await coalescer.flush();
    expect(sent.map((p) => parseNotice(p))).toEqual([
      { run: 'run-1', replica: 'replica-a', kinds: ['state', 'deleted'] },
      { run: 'run-2', replica: 'replica-a', kinds: ['deleted'] },
    ]);
  });

  it('send a tick\'s notices of every run together, at most 1,000 a send, and log a failed send instead of throwing', async () => {
    const sends: string[][] = [];
    const coalescer = new NoticeCoalescer(
      'replica-a',
      60_000,
      async (payloads) => {
        sends.push(payloads);
        if (sends.length === 2) throw new Error('connection lost');
      },
      pino({ level: 'silent' }),
    );
    for (let i = 0; i < 2_500; i++) coalescer.addDeleted(`run-${i}`);
    await coalescer.flush();
    expect(sends.map((payloads) => payloads.length)).toEqual([1_000, 1_000, 500]);
    expect(new Set(sends.flat().map((p) => parseNotice(p)?.run)).size).toBe(2_500);
  });

  it('read kinds this replica does not know as absent, not as a broken notice', () => {
    expect(parseNotice(JSON.stringify({ run: 'r', replica: 'b', kinds: ['deleted', 'renamed'] }))).toEqual({ run: 'r', replica: 'b', seq: undefined, kinds: ['deleted'] });
  });
});
