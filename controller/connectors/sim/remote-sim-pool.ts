/**
 * The controller's side of a SimPoolServer: the sim driver's port over
 * loopback HTTP, so that controller processes (replicas) use one pool that
 * outlives them. For tests and benchmarks only.
 */
import { ConnectorError } from '../connector.js';
import type { SimVmStart } from './sim-protocol.js';
import type { SimVm, SimVmHost } from './sim-vm-host.js';

/** A start waits for the worker to take the agent on, not for the agent to connect: seconds at worst on a loaded machine. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Checks a pool URL (`http://127.0.0.1:PORT`, as SimPoolServer.url gives
 * it); throws saying what is wrong.
 */
export function parseSimPoolUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`'${value}' is not a URL (expected http://127.0.0.1:PORT)`);
  }
  if (url.protocol !== 'http:') throw new Error(`'${value}' must be an http:// URL (the sim pool serves plain HTTP on loopback)`);
  if (url.pathname !== '/' || url.search || url.hash) throw new Error(`'${value}' must be the pool's origin only, without a path`);
  return url;
}

export class RemoteSimPool implements SimVmHost {
  private readonly origin: string;

  constructor(url: string | URL) {
    this.origin = parseSimPoolUrl(String(url)).origin;
  }

  async startVm(vm: SimVmStart): Promise<void> {
    await this.call('POST', '/vms', vm);
  }

  async stopVm(vmId: string): Promise<void> {
    await this.call('DELETE', `/vms/${encodeURIComponent(vmId)}`);
  }

  async vm(vmId: string): Promise<SimVm | undefined> {
    return (await this.call<SimVm>('GET', `/vms/${encodeURIComponent(vmId)}`, undefined, { notFound: true })) ?? undefined;
  }

  async list(): Promise<SimVm[]> {
    return (await this.call<SimVm[]>('GET', '/vms'))!;
  }

  private async call<T>(method: string, path: string, body?: unknown, options: { notFound?: boolean } = {}): Promise<T | undefined> {
    const where = `sim pool ${this.origin}: ${method} ${path}`;
    let response: Response;
    try {
      response = await fetch(`${this.origin}${path}`, {
        method,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
    } catch (err) {
      // The pool is away (its test is between steps, or gone): as a cloud API that does not answer.
      const cause = (err as { cause?: { code?: string } }).cause;
      throw new ConnectorError('transient', `${where}: no answer (${cause?.code ?? (err as Error).message})`, { cause: err });
    }
    if (response.status === 404 && options.notFound) {
      await response.body?.cancel();
      return undefined;
    }
    if (response.ok) return response.status === 204 ? undefined : ((await response.json()) as T);
    const text = await response.text();
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      // not JSON: the text as it came
    }
    throw new ConnectorError(response.status < 500 ? 'invalid' : 'transient', `${where}: ${response.status} ${message}`);
  }
}
