/**
 * Test support: a real moto server (the AWS API emulator) as a child process
 * on 127.0.0.1, for the ec2 driver's tests. Addresses moto hands back are
 * data only: tests never send traffic to them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { waitFor } from '../../helpers/poll.js';
import { freePort } from '../../helpers/free-port.js';

/** A running moto server. */
export interface MotoServer {
  /** `http://127.0.0.1:PORT`, the endpoint to point EC2 clients at. */
  endpoint: string;
  /** Stops the server and waits until it is gone. */
  stop(): Promise<void>;
}

/** Starts `moto_server` on a free port and waits (with a deadline) until it answers. */
export async function startMoto(timeoutMs = 30_000): Promise<MotoServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = once(child, 'exit');
  const stop = () => stopChild(child, exited);
  try {
    await waitFor(
      'moto_server to answer',
      async () => {
        if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${stderr}`);
        const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
        return response.ok ? true : undefined;
      },
      timeoutMs,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint, stop };
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  // moto keeps nothing worth a graceful exit, and its server takes ~5 s to honour SIGTERM.
  const timer = setTimeout(() => child.kill('SIGKILL'), 1000);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}
