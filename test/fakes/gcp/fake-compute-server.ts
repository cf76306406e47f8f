/**
 * For tests: a local server speaking the slice of the Compute Engine v1 REST
 * API the gcp connector uses (instances insert/get/delete/list with label
 * filters and pages, instances stop, zoneOperations get/wait, images
 * insert/get/delete from a disk, globalOperations get/wait), with GCE's error
 * bodies, a bearer token check and failure injection. Plain HTTP on 127.0.0.1
 * only. It validates what GCE validates that matters here (names, label
 * syntax, metadata size, an image's source disk in use by a running
 * instance), so a request the real API refuses is refused here too. An
 * instance's boot disk is a zonal disk named like the instance (or
 * initializeParams.diskName), deleted with it when autoDelete.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An instance as the fake keeps it: the inserted body plus what GCE adds. */
export interface FakeInstance {
  project: string;
  zone: string;
  name: string;
  status: string;
  /** The request body of the insert, as sent. */
  body: Record<string, unknown>;
  id: string;
  networkIP: string;
  natIP: string | undefined;
}

/** A custom image as the fake keeps it. */
export interface FakeImage {
  project: string;
  name: string;
  /** PENDING until its insert operation is done, then READY (FAILED when the operation failed); DELETING while deleted. */
  status: 'PENDING' | 'READY' | 'FAILED' | 'DELETING';
  /** The request body of the insert, as sent. */
  body: Record<string, unknown>;
  /** The source disk, `projects/P/zones/Z/disks/D`. */
  sourceDisk: string;
  id: string;
}

interface FakeOperation {
  name: string;
  project: string;
  /** Undefined for a global operation (images). */
  zone: string | undefined;
  type: 'insert' | 'delete' | 'stop' | 'imageInsert' | 'imageDelete';
  target: string;
  status: 'RUNNING' | 'DONE';
  /** wait/get calls still answered RUNNING. */
  roundsLeft: number;
  error: { code: string; message: string; httpStatus: number } | undefined;
}

/** A call the fake answers with an error (once, in order of injection). */
export type FakeFailure =
  | { method: FakeMethod; status: number; reason: string; message?: string; retryAfterSeconds?: number }
  /** The insert is accepted, and its operation ends DONE with this error (the instance vanishes; an image is FAILED). */
  | { method: 'insert' | 'imageInsert'; operationError: string; message?: string; httpStatus?: number };

export type FakeMethod = 'insert' | 'get' | 'delete' | 'list' | 'wait' | 'stop' | 'imageInsert' | 'imageGet' | 'imageDelete';

/** One request the fake received. */
export interface FakeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: Record<string, unknown> | undefined;
}

export interface FakeComputeOptions {
  /** The bearer token every call must carry. Default `test-token`. */
  token?: string;
  /** Most instances per list page, whatever maxResults asks. Default 500. */
  pageSize?: number;
  /** How many wait/get calls of an operation answer RUNNING before it is DONE. Default 0. */
  operationRounds?: number;
}

const NAME = /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;
const BASE = /^\/compute\/v1\/projects\/([^/]+)\/zones\/([^/]+)\/(instances|operations)(?:\/([^/]+))?(\/wait|\/stop)?$/;
const GLOBAL = /^\/compute\/v1\/projects\/([^/]+)\/global\/(images|operations)(?:\/([^/]+))?(\/wait)?$/;
/** A disk reference in an image's sourceDisk: a full or partial URL. */
const DISK_REF = /^(?:https:\/\/(?:www|compute)\.googleapis\.com\/compute\/v1\/)?(?:projects\/([^/]+)\/)?zones\/([^/]+)\/disks\/([^/]+)$/;
const FILTER_TERM = /^\s*\(\s*labels\.([a-z][a-z0-9_-]*)\s*=\s*"([^"]*)"\s*\)/;

/** A running fake Compute API; see the file comment. */
export class FakeComputeServer {
  readonly token: string;
  readonly instances = new Map<string, FakeInstance>();
  /** Zonal disks (`project/zone/name`): the boot disks of instances, by the instance that uses them, if any. */
  readonly disks = new Map<string, { autoDelete: boolean; user: string | undefined }>();
  /** Images by `project/name`. */
  readonly images = new Map<string, FakeImage>();
  readonly requests: FakeRequest[] = [];
  /** Insert calls, failed and conflicting ones included. */
  insertCalls = 0;
  pageSize: number;
  operationRounds: number;
  private readonly operations = new Map<string, FakeOperation>();
  private readonly failures: FakeFailure[] = [];
  private sequence = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    options: FakeComputeOptions,
  ) {
    this.token = options.token ?? 'test-token';
    this.pageSize = options.pageSize ?? 500;
    this.operationRounds = options.operationRounds ?? 0;
  }

  /** Starts a fake on 127.0.0.1 and a free port. */
  static async start(options: FakeComputeOptions = {}): Promise<FakeComputeServer> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const fake = new FakeComputeServer(server, (server.address() as AddressInfo).port, options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void fake.handle(req, res));
    return fake;
  }

  /** `http://127.0.0.1:PORT`, for the `endpoint` setting. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Makes a later call fail (failures of one method are used in the order given). */
  inject(failure: FakeFailure): void {
    this.failures.push(failure);
  }

  /** The instance `name` of project/zone, if it exists. */
  instance(project: string, zone: string, name: string): FakeInstance | undefined {
    return this.instances.get(key(project, zone, name));
  }

  /** The image `name` of project, if it exists. */
  image(project: string, name: string): FakeImage | undefined {
    return this.images.get(`${project}/${name}`);
  }

  /** Finishes every running operation now (as GCE would, eventually, with nobody waiting). */
  completeOperations(): void {
    for (const op of this.operations.values()) if (op.status !== 'DONE') this.finish(op);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const text = await readBody(req);
    let body: Record<string, unknown> | undefined;
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      return sendError(res, 400, 'parseError', 'This API does not support parsing form-encoded input.');
    }
    this.requests.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), body });
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return sendError(res, 401, 'authError', 'Request had invalid authentication credentials.', { status: 'UNAUTHENTICATED' });
    }
    const global = GLOBAL.exec(url.pathname);
    if (global) return this.handleGlobal(req, res, global, url, body);
    const match = BASE.exec(url.pathname);
    if (!match) return sendError(res, 404, 'notFound', `No such method: ${req.method} ${url.pathname}`);
    const [, project, zone, collection, id, wait] = match as unknown as [string, string, string, string, string | undefined, string | undefined];
    const method = methodOf(req.method, collection, id, wait);
    if (!method) return sendError(res, 404, 'notFound', `No such method: ${req.method} ${url.pathname}`);
    if (method === 'insert') this.insertCalls += 1;
    const failure = this.takeFailure(method);
    if (failure && 'status' in failure) {
      const headers: Record<string, string> = failure.retryAfterSeconds !== undefined ? { 'retry-after': String(failure.retryAfterSeconds) } : {};
      return sendError(res, failure.status, failure.reason, failure.message ?? `injected ${failure.reason}`, {}, headers);
    }
    switch (method) {
      case 'insert':
        return this.insert(res, project, zone, body ?? {}, failure);
      case 'get':
        return this.get(res, project, zone, id!);
      case 'delete':
        return this.remove(res, project, zone, id!);
      case 'list':
        return this.list(res, project, zone, url.searchParams);
      case 'wait':
        return this.operation(res, project, zone, id!);
      case 'stop':
        return this.stop(res, project, zone, id!);
      default:
        return sendError(res, 404, 'notFound', `No such method: ${req.method} ${url.pathname}`);
    }
  }

  /** `projects/P/global/images[/NAME]` and `projects/P/global/operations/OP[/wait]`. */
  private handleGlobal(req: IncomingMessage, res: ServerResponse, match: RegExpExecArray, url: URL, body: Record<string, unknown> | undefined): void {
    const [, project, collection, id, wait] = match as unknown as [string, string, string, string | undefined, string | undefined];
    let method: FakeMethod | undefined;
    if (collection === 'operations') method = id && ((req.method === 'POST' && wait) || (req.method === 'GET' && !wait)) ? 'wait' : undefined;
    else if (!wait && req.method === 'POST' && !id) method = 'imageInsert';
    else if (!wait && req.method === 'GET' && id) method = 'imageGet';
    else if (!wait && req.method === 'DELETE' && id) method = 'imageDelete';
    if (!method) return sendError(res, 404, 'notFound', `No such method: ${req.method} ${url.pathname}`);
    const failure = this.takeFailure(method);
    if (failure && 'status' in failure) return sendError(res, failure.status, failure.reason, failure.message ?? `injected ${failure.reason}`);
    switch (method) {
      case 'imageInsert':
        return this.insertImage(res, project, body ?? {}, url.searchParams.get('forceCreate') === 'true', failure);
      case 'imageGet': {
        const image = this.images.get(`${project}/${id!}`);
        if (!image) return sendError(res, 404, 'notFound', `The resource 'projects/${project}/global/images/${id!}' was not found`);
        // GCE makes the image while nobody asks; the fake makes it while it is asked about.
        const op = [...this.operations.values()].find((o) => o.zone === undefined && o.type === 'imageInsert' && o.target === image.name && o.status !== 'DONE');
        if (op) this.advance(op);
        return send(res, 200, imageJson(image));
      }
      case 'imageDelete': {
        const image = this.images.get(`${project}/${id!}`);
        if (!image) return sendError(res, 404, 'notFound', `The resource 'projects/${project}/global/images/${id!}' was not found`);
        image.status = 'DELETING';
        return send(res, 200, this.startOperation(project, undefined, 'imageDelete', image.name, undefined));
      }
      case 'wait': {
        const op = this.operations.get(id!);
        if (!op || op.project !== project || op.zone !== undefined) return sendError(res, 404, 'notFound', `The resource 'projects/${project}/global/operations/${id!}' was not found`);
        this.advance(op);
        return send(res, 200, operationJson(op));
      }
    }
  }

  /** images.insert from `sourceDisk`: refused while a running instance uses the disk, unless forceCreate. */
  private insertImage(res: ServerResponse, project: string, body: Record<string, unknown>, force: boolean, failure: FakeFailure | undefined): void {
    const name = body.name;
    if (typeof name !== 'string' || !NAME.test(name)) {
      return sendError(res, 400, 'invalid', `Invalid value for field 'resource.name': '${String(name)}'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'`);
    }
    const labels = (body.labels ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(labels)) {
      if (!LABEL_KEY.test(k) || typeof v !== 'string' || !LABEL_VALUE.test(v)) return sendError(res, 400, 'invalid', `Invalid value for field 'resource.labels': '${k}=${String(v)}'.`);
    }
    const ref = typeof body.sourceDisk === 'string' ? DISK_REF.exec(body.sourceDisk) : null;
    if (!ref) return sendError(res, 400, 'required', "Required field 'resource.sourceDisk' not specified (the fake makes images from disks only)");
    const [, diskProject = project, zone, diskName] = ref as unknown as [string, string | undefined, string, string];
    const diskPath = `projects/${diskProject}/zones/${zone}/disks/${diskName}`;
    const disk = this.disks.get(key(diskProject, zone, diskName));
    if (!disk) return sendError(res, 404, 'notFound', `The resource '${diskPath}' was not found`);
    const user = disk.user === undefined ? undefined : this.instances.get(key(diskProject, zone, disk.user));
    if (user && user.status !== 'TERMINATED' && !force) {
      return sendError(res, 400, 'resourceInUseByAnotherResource', `The disk resource '${diskPath}' is already being used by 'projects/${diskProject}/zones/${zone}/instances/${user.name}'`);
    }
    if (this.images.has(`${project}/${name}`)) return sendError(res, 409, 'alreadyExists', `The resource 'projects/${project}/global/images/${name}' already exists`);
    this.sequence += 1;
    this.images.set(`${project}/${name}`, { project, name, status: 'PENDING', body, sourceDisk: diskPath, id: String(5_000_000 + this.sequence) });
    const error = failure && 'operationError' in failure
      ? { code: failure.operationError, message: failure.message ?? `injected ${failure.operationError}`, httpStatus: failure.httpStatus ?? 400 }
      : undefined;
    send(res, 200, this.startOperation(project, undefined, 'imageInsert', name, error));
  }

  private stop(res: ServerResponse, project: string, zone: string, name: string): void {
    const instance = this.instances.get(key(project, zone, name));
    if (!instance) return notFound(res, project, zone, 'instances', name);
    if (instance.status !== 'TERMINATED') instance.status = 'STOPPING';
    send(res, 200, this.startOperation(project, zone, 'stop', name, undefined));
  }

  private insert(res: ServerResponse, project: string, zone: string, body: Record<string, unknown>, failure: FakeFailure | undefined): void {
    const problem = invalidInstance(body);
    if (problem) return sendError(res, 400, 'invalid', problem);
    const name = body.name as string;
    if (this.instances.has(key(project, zone, name))) {
      return sendError(res, 409, 'alreadyExists', `The resource 'projects/${project}/zones/${zone}/instances/${name}' already exists`);
    }
    this.sequence += 1;
    const n = this.sequence;
    for (const disk of (body.disks ?? []) as Array<{ boot?: boolean; autoDelete?: boolean; initializeParams?: { diskName?: string } }>) {
      if (disk.boot) this.disks.set(key(project, zone, disk.initializeParams?.diskName ?? name), { autoDelete: disk.autoDelete ?? true, user: name });
    }
    const nics = (body.networkInterfaces as Array<Record<string, unknown>> | undefined) ?? [];
    const external = Array.isArray(nics[0]?.accessConfigs) && (nics[0].accessConfigs as unknown[]).length > 0;
    this.instances.set(key(project, zone, name), {
      project,
      zone,
      name,
      status: 'PROVISIONING',
      body,
      id: String(1_000_000 + n),
      networkIP: `10.128.0.${n % 250}`,
      // Documentation addresses (RFC 5737): data only, never contacted.
      natIP: external ? `203.0.113.${n % 250}` : undefined,
    });
    const error = failure && 'operationError' in failure
      ? { code: failure.operationError, message: failure.message ?? `injected ${failure.operationError}`, httpStatus: failure.httpStatus ?? 503 }
      : undefined;
    send(res, 200, this.startOperation(project, zone, 'insert', name, error));
  }

  private get(res: ServerResponse, project: string, zone: string, name: string): void {
    const instance = this.instances.get(key(project, zone, name));
    if (!instance) return notFound(res, project, zone, 'instances', name);
    send(res, 200, instanceJson(instance));
  }

  private remove(res: ServerResponse, project: string, zone: string, name: string): void {
    const instance = this.instances.get(key(project, zone, name));
    if (!instance) return notFound(res, project, zone, 'instances', name);
    instance.status = 'STOPPING';
    send(res, 200, this.startOperation(project, zone, 'delete', name, undefined));
  }

  private list(res: ServerResponse, project: string, zone: string, query: URLSearchParams): void {
    const terms = parseFilter(query.get('filter') ?? '');
    if (!terms) return sendError(res, 400, 'invalid', `Invalid value for field 'filter': '${query.get('filter')}'. Invalid list filter expression.`);
    const all = [...this.instances.values()]
      .filter((i) => i.project === project && i.zone === zone)
      .filter((i) => terms.every(([k, v]) => ((i.body.labels ?? {}) as Record<string, string>)[k] === v))
      .sort((a, b) => a.name.localeCompare(b.name));
    const size = Math.min(this.pageSize, Number(query.get('maxResults') ?? 500));
    const offset = Number(query.get('pageToken') ?? 0);
    const page = all.slice(offset, offset + size);
    const next = offset + size < all.length ? String(offset + size) : undefined;
    send(res, 200, { kind: 'compute#instanceList', id: `projects/${project}/zones/${zone}/instances`, items: page.map(instanceJson), ...(next ? { nextPageToken: next } : {}) });
  }

  private operation(res: ServerResponse, project: string, zone: string, name: string): void {
    const op = this.operations.get(name);
    if (!op || op.project !== project || op.zone !== zone) return notFound(res, project, zone, 'operations', name);
    this.advance(op);
    send(res, 200, operationJson(op));
  }

  /** One look at a running operation: a round less, or done. */
  private advance(op: FakeOperation): void {
    if (op.status === 'DONE') return;
    if (op.roundsLeft > 0) op.roundsLeft -= 1;
    else this.finish(op);
  }

  private startOperation(project: string, zone: string | undefined, type: FakeOperation['type'], target: string, error: FakeOperation['error']): Record<string, unknown> {
    const op: FakeOperation = {
      name: `operation-${Date.now()}-${randomBytes(6).toString('hex')}`,
      project,
      zone,
      type,
      target,
      status: 'RUNNING',
      roundsLeft: this.operationRounds,
      error,
    };
    this.operations.set(op.name, op);
    return operationJson(op);
  }

  private finish(op: FakeOperation): void {
    op.status = 'DONE';
    if (op.zone === undefined) {
      const image = this.images.get(`${op.project}/${op.target}`);
      if (!image) return;
      if (op.type === 'imageDelete') this.images.delete(`${op.project}/${op.target}`);
      else image.status = op.error ? 'FAILED' : 'READY';
      return;
    }
    const k = key(op.project, op.zone, op.target);
    const instance = this.instances.get(k);
    if (op.type === 'stop') {
      if (instance) instance.status = 'TERMINATED';
    } else if (op.type === 'delete' || op.error) {
      this.instances.delete(k);
      for (const [diskKey, disk] of this.disks) {
        if (disk.user === op.target && diskKey.startsWith(`${op.project}/${op.zone}/`)) {
          if (disk.autoDelete) this.disks.delete(diskKey);
          else disk.user = undefined;
        }
      }
    } else if (instance && instance.status === 'PROVISIONING') instance.status = 'RUNNING';
  }

  private takeFailure(method: FakeMethod): FakeFailure | undefined {
    const index = this.failures.findIndex((f) => f.method === method);
    return index < 0 ? undefined : this.failures.splice(index, 1)[0];
  }
}

function methodOf(httpMethod: string | undefined, collection: string, id: string | undefined, suffix: string | undefined): FakeMethod | undefined {
  const wait = suffix === '/wait';
  if (collection === 'operations') return id && ((httpMethod === 'POST' && wait) || (httpMethod === 'GET' && !suffix)) ? 'wait' : undefined;
  if (suffix === '/stop') return httpMethod === 'POST' && id ? 'stop' : undefined;
  if (suffix) return undefined;
  if (httpMethod === 'POST' && !id) return 'insert';
  if (httpMethod === 'GET') return id ? 'get' : 'list';
  if (httpMethod === 'DELETE' && id) return 'delete';
  return undefined;
}

/** What GCE would refuse in an insert body, or undefined. */
function invalidInstance(body: Record<string, unknown>): string | undefined {
  if (typeof body.name !== 'string' || !NAME.test(body.name)) return `Invalid value for field 'resource.name': '${String(body.name)}'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'`;
  if (typeof body.machineType !== 'string' || body.machineType === '') return "Invalid value for field 'resource.machineType': ''. Machine type must be specified.";
  const labels = (body.labels ?? {}) as Record<string, unknown>;
  if (Object.keys(labels).length > 64) return 'Too many labels (at most 64).';
  for (const [k, v] of Object.entries(labels)) {
    if (!LABEL_KEY.test(k) || typeof v !== 'string' || !LABEL_VALUE.test(v)) return `Invalid value for field 'resource.labels': '${k}=${String(v)}'. Label keys and values can only contain lowercase letters, numeric characters, underscores and dashes.`;
  }
  const items = ((body.metadata as Record<string, unknown> | undefined)?.items ?? []) as Array<{ key?: unknown; value?: unknown }>;
  for (const item of items) {
    if (typeof item.key !== 'string' || !/^[a-zA-Z0-9_-]{1,128}$/.test(item.key)) return `Invalid value for field 'resource.metadata': '${String(item.key)}'.`;
    if (typeof item.value === 'string' && Buffer.byteLength(item.value) > 256 * 1024) return `Value for metadata key '${item.key}' is larger than 256KB.`;
  }
  const disks = (body.disks ?? []) as Array<{ boot?: boolean; initializeParams?: { sourceImage?: unknown } }>;
  if (!disks.some((d) => d.boot && typeof d.initializeParams?.sourceImage === 'string')) return 'Invalid value for field \'resource.disks\': a boot disk with a source image is required.';
  return undefined;
}

/** `(labels.K = "V") (labels.K2 = "V2")` -> pairs; undefined for anything else (the fake knows no other filter). */
function parseFilter(filter: string): Array<[string, string]> | undefined {
  const terms: Array<[string, string]> = [];
  let rest = filter;
  while (rest.trim() !== '') {
    const m = FILTER_TERM.exec(rest);
    if (!m) return undefined;
    terms.push([m[1]!, m[2]!]);
    rest = rest.slice(m[0].length);
  }
  return terms;
}

function instanceJson(i: FakeInstance): Record<string, unknown> {
  const self = `https://www.googleapis.com/compute/v1/projects/${i.project}/zones/${i.zone}`;
  const nics = ((i.body.networkInterfaces ?? []) as Array<Record<string, unknown>>).map((nic, index) => ({
    ...nic,
    name: `nic${index}`,
    networkIP: i.networkIP,
    ...(Array.isArray(nic.accessConfigs) ? { accessConfigs: (nic.accessConfigs as Array<Record<string, unknown>>).map((c) => ({ ...c, natIP: i.natIP })) } : {}),
  }));
  const disks = ((i.body.disks ?? []) as Array<Record<string, unknown> & { boot?: boolean; initializeParams?: { diskName?: string } }>).map((disk, index) => {
    const { initializeParams, ...attached } = disk;
    const diskName = disk.boot ? (initializeParams?.diskName ?? i.name) : `${i.name}-${index}`;
    return { kind: 'compute#attachedDisk', ...attached, index, deviceName: diskName, source: `${self}/disks/${diskName}`, mode: 'READ_WRITE' };
  });
  return {
    ...i.body,
    disks,
    kind: 'compute#instance',
    id: i.id,
    zone: self,
    selfLink: `${self}/instances/${i.name}`,
    status: i.status,
    networkInterfaces: nics,
    metadata: { kind: 'compute#metadata', fingerprint: 'fp', ...((i.body.metadata ?? {}) as object) },
  };
}

function imageJson(image: FakeImage): Record<string, unknown> {
  const project = `https://www.googleapis.com/compute/v1/projects/${image.project}`;
  return {
    ...image.body,
    kind: 'compute#image',
    id: image.id,
    selfLink: `${project}/global/images/${image.name}`,
    sourceDisk: `https://www.googleapis.com/compute/v1/${image.sourceDisk}`,
    sourceType: 'RAW',
    status: image.status,
  };
}

function operationJson(op: FakeOperation): Record<string, unknown> {
  const projectUrl = `https://www.googleapis.com/compute/v1/projects/${op.project}`;
  const scopeUrl = op.zone === undefined ? `${projectUrl}/global` : `${projectUrl}/zones/${op.zone}`;
  const global = op.zone === undefined;
  const operationType = { insert: 'insert', delete: 'delete', stop: 'stop', imageInsert: 'insert', imageDelete: 'delete' }[op.type];
  return {
    kind: 'compute#operation',
    id: String(op.name.length * 7919),
    name: op.name,
    ...(global ? {} : { zone: scopeUrl }),
    operationType,
    targetLink: `${global ? `${projectUrl}/global/images` : `${scopeUrl}/instances`}/${op.target}`,
    status: op.status,
    progress: op.status === 'DONE' ? 100 : 0,
    selfLink: `${scopeUrl}/operations/${op.name}`,
    ...(op.status === 'DONE' && op.error
      ? { error: { errors: [{ code: op.error.code, message: op.error.message }] }, httpErrorStatusCode: op.error.httpStatus, httpErrorMessage: 'SERVICE UNAVAILABLE' }
      : {}),
  };
}

function key(project: string, zone: string, name: string): string {
  return `${project}/${zone}/${name}`;
}

function notFound(res: ServerResponse, project: string, zone: string, collection: string, name: string): void {
  sendError(res, 404, 'notFound', `The resource 'projects/${project}/zones/${zone}/${collection}/${name}' was not found`);
}

/** GCE's error body: `{error: {code, message, errors: [{message, domain, reason}]}}`. */
function sendError(res: ServerResponse, status: number, reason: string, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): void {
  send(res, status, { error: { code: status, message, errors: [{ message, domain: 'global', reason }], ...extra } }, headers);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
