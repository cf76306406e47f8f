/** The agent's reconnect backoff: the jittered exponential backoff the client's reconnects share (common/backoff.ts). */
export * from '../common/backoff.js';
