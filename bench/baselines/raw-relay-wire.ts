/**
 * The raw relay's frames: one line of UTF-8 words per message, so that a
 * frame costs its few bytes and a split, not a codec. Keys and values are
 * single words (the relay's keys are `k{i}`, its values decimal stamps).
 *
 *   agent -> server   set KEY VALUE | get KEY
 *   server -> agent   ack KEY       | value KEY VALUE
 */

export type RelayRequest = { type: 'set'; key: string; value: string } | { type: 'get'; key: string };
export type RelayReply = { type: 'ack'; key: string } | { type: 'value'; key: string; value: string };

export function encodeRequest(request: RelayRequest): Buffer {
  return Buffer.from(request.type === 'set' ? `set ${request.key} ${request.value}` : `get ${request.key}`, 'utf8');
}

export function decodeRequest(frame: Buffer): RelayRequest {
  const [type, key, value] = words(frame);
  if (type === 'set' && key && value !== undefined) return { type, key, value };
  if (type === 'get' && key) return { type, key };
  throw new Error(`raw relay: bad request frame ${JSON.stringify(frame.toString('utf8'))}`);
}

export function encodeReply(reply: RelayReply): Buffer {
  return Buffer.from(reply.type === 'ack' ? `ack ${reply.key}` : `value ${reply.key} ${reply.value}`, 'utf8');
}

export function decodeReply(frame: Buffer): RelayReply {
  const [type, key, value] = words(frame);
  if (type === 'ack' && key) return { type, key };
  if (type === 'value' && key && value !== undefined) return { type, key, value };
  throw new Error(`raw relay: bad reply frame ${JSON.stringify(frame.toString('utf8'))}`);
}

function words(frame: Buffer): string[] {
  return frame.toString('utf8').split(' ');
}
