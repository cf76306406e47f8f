import { describe, expect, it } from 'vitest';
import { agentMaySet, controllerWrittenKey, writtenOnlyByController } from './parameter-keys.js';

describe('who writes which parameter', () => {
  it.each(['web.1:ip', 'web:instanceid', 'web.2:cloud', 'web.1:vmstate', 'web.1:complete', 'web.1:abort', 'web.1:scale.state', 'web.1:url.ssh', 'web:ids', 'web:multiplicity', 'ss:state', 'ss:abort'])(
    '%s is written only by the controller',
    (key) => expect(writtenOnlyByController(key)).toBe(true),
  );

  it.each(['web.1:port', 'web.1:hostname', 'web.1:statecustom', 'web.1:url.service', 'ss:url.service', 'ss:tags', 'not a key'])('%s is not reserved to the controller', (key) =>
    expect(writtenOnlyByController(key)).toBe(false),
  );

  it('an agent may set its own instance and ss:url.service; the instance built-ins are the controller’s either way', () => {
    expect(agentMaySet('web.1:port', 'web.1')).toBe(true);
    expect(agentMaySet('web.2:port', 'web.1')).toBe(false);
    expect(agentMaySet('ss:url.service', 'web.1')).toBe(true);
    expect(agentMaySet('ss:state', 'web.1')).toBe(false);
    expect(controllerWrittenKey('web.1:ip')).toBe(true);
    expect(controllerWrittenKey('web.1:hostname')).toBe(false);
  });
});
