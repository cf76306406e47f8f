/** The recipe commands' side of the local socket: one request, one response. */
import { connect } from 'node:net';
import type { LocalRequest, LocalResponse } from './local-protocol.js';

/** The agent's socket could not be reached (agent not running, wrong path). */
export class AgentUnreachableError extends Error {}

/** Sends `request` to the agent at `socketPath` and waits for its answer (no client-side timeout: the agent times out). */
export function callAgent(socketPath: string, request: LocalRequest): Promise<LocalResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const chunks: Buffer[] = [];
    let connected = false;
    socket.once('connect', () => {
      connected = true;
      socket.write(JSON.stringify(request) + '\n');
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', (err) => {
      reject(
        connected
          ? new AgentUnreachableError(`lost the agent at ${socketPath}: ${err.message}`)
          : new AgentUnreachableError(`cannot reach the agent at ${socketPath}: ${err.message}`),
      );
    });
    socket.once('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (!text) return reject(new AgentUnreachableError(`the agent at ${socketPath} hung up without an answer`));
      try {
        resolve(JSON.parse(text) as LocalResponse);
      } catch {
        reject(new AgentUnreachableError(`the agent at ${socketPath} answered garbage`));
      }
    });
  });
}
