import { describe, expect, it } from 'vitest';
import { stateChangeOf, stateChangeSubject } from './journal-state-change.js';

const row = (subject: string, text: string, type = 'state', kind = 'event') => ({ kind, type, subject, text });

describe('a state change in the run journal', () => {
  it('is read from the data its row carries, whatever the message says', () => {
    const subject = stateChangeSubject({ from: 'Provisioning', to: 'Executing' });
    expect(stateChangeOf(row(subject, 'Provisioning -> Executing'))).toEqual({ from: 'Provisioning', to: 'Executing' });
    expect(stateChangeOf(row(subject, 'the run started its scripts'))).toEqual({ from: 'Provisioning', to: 'Executing' });
  });

  it('is read from the message of a row written before rows carried it', () => {
    expect(stateChangeOf(row('', 'Executing -> SendingReports'))).toEqual({ from: 'Executing', to: 'SendingReports' });
  });

  it('is none for other rows, and for data or messages that name no two states', () => {
    const subject = stateChangeSubject({ from: 'Ready', to: 'Finalizing' });
    expect(stateChangeOf(row(subject, 'Ready -> Finalizing', 'abort'))).toBeUndefined();
    expect(stateChangeOf(row('ss:state', 'Ready', 'state', 'parameter'))).toBeUndefined();
    expect(stateChangeOf(row('{"from":"Ready","to":"Sleeping"}', 'Ready -> Finalizing'))).toBeUndefined();
    expect(stateChangeOf(row('not json', 'Ready -> Finalizing'))).toBeUndefined();
    expect(stateChangeOf(row('', 'Ready -> Finalizing -> Done'))).toBeUndefined();
    expect(stateChangeOf(row('', 'Ready'))).toBeUndefined();
  });
});
