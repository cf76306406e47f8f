/**
 * Test fixture: a local stand-in for Azure Resource Manager (and, optionally,
 * the Entra token endpoint), because no real Azure can run here. HTTPS on
 * 127.0.0.1:0 with a self-signed certificate made at start; it speaks only the REST calls the azure driver makes: NIC
 * PUT/GET/DELETE/list, VM PUT/GET/DELETE/list, VM deallocate and generalize,
 * managed image PUT (from a VM)/GET/DELETE, and operation status GETs.
 *
 * Images follow ARM's rules: generalize is refused while the VM runs (it must
 * be deallocated or stopped), an image from a VM needs the VM generalized and
 * in the image's location, a generalized VM stays generalized, and a VM PUT
 * naming a managed image of this group that does not exist (or is not ready)
 * is refused.
 *
 * Long-running operations answer 201/202 with an `Azure-AsyncOperation` URL and
 * complete after `pollsUntilDone` GETs of that URL or of the resource (never
 * by time, so tests wait for conditions). Deleting a VM deletes the NIC and OS
 * disk it marked deleteOption `Delete`, as ARM does. Failures are injected per
 * request (`inject`) or per VM operation (`failNextVmOperation`).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { selfSignedCertificate } from './test-certificate.js';

/** A JSON object as ARM stores and returns it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

/** How a fake ARM behaves. */
export interface FakeArmOptions {
  subscriptionId: string;
  resourceGroup: string;
  /** The bearer token ARM accepts (also what the token endpoint issues). */
  token: string;
  /** GETs (of the operation or its resource) an operation takes to finish. Default 2. */
  pollsUntilDone?: number;
  /** Items per page of a list. Default 2. */
  pageSize?: number;
  /** VM sizes a VM PUT refuses with 409 SkuNotAvailable. */
  unavailableSizes?: string[];
  /** When given, serves the Entra v2 endpoints and issues `token` for this service principal only. */
  servicePrincipal?: { tenantId: string; clientId: string; clientSecret: string };
}

/** One request as the server got it (bodies parsed). */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Json | undefined;
}

/** A failure answered instead of the real thing, to matching requests. */
export interface Injection {
  method?: string;
  path: RegExp;
  status: number;
  code: string;
  message?: string;
  headers?: Record<string, string>;
  /** How many matching requests fail. Default 1. */
  times?: number;
}

interface Operation {
  remaining: number;
  status: 'InProgress' | 'Succeeded' | 'Failed';
  /** The error it ends with (undefined: it succeeds). */
  failure: { code: string; message: string } | undefined;
  /** The resource whose GETs also advance it. */
  target: string;
  finish: (failed: boolean) => void;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const PREFIX =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/(microsoft\.compute\/virtualmachines|microsoft\.compute\/images|microsoft\.network\/networkinterfaces)(?:\/([^/]+))?(?:\/(deallocate|generalize))?$/i;
const OPERATION = /^\/subscriptions\/([^/]+)\/providers\/microsoft\.(compute|network)\/locations\/([^/]+)\/operations\/([^/]+)$/i;

/** A running fake ARM; see the file comment. */
export class FakeArmServer {
  /** `https://127.0.0.1:PORT`: the ARM endpoint (and authority host). */
  url = '';
  /** PEM of the server's self-signed certificate: what clients must trust. */
  caPem = '';
  /** VMs by lowercase name, as ARM returns them (without customData). */
  readonly vms = new Map<string, Json>();
  readonly nics = new Map<string, Json>();
  /** Managed images by lowercase name, as ARM returns them. */
  readonly images = new Map<string, Json>();
  /** Power state (`running`, `deallocating`, `deallocated`) and whether generalized, by lowercase VM name. */
  readonly vmStates = new Map<string, { power: string; generalized: boolean }>();
  /** Managed disks (by lowercase name) with the VM that made them. */
  readonly disks = new Map<string, { vm: string; deleteOption: string }>();
  readonly requests: RecordedRequest[] = [];
  /** Scopes the token endpoint was asked for. */
  readonly tokenScopes: string[] = [];
  /** While true, operations in progress stay in progress (a slow create, or one that outlives its caller). */
  holdOperations = false;
  private readonly operations = new Map<string, Operation>();
  private readonly injections: Injection[] = [];
  private readonly vmFailures: Array<{ code: string; message: string }> = [];
  private readonly imageFailures: Array<{ code: string; message: string }> = [];
  private server: Server | undefined;
  private nextIp = 4;

  constructor(private readonly options: FakeArmOptions) {}

  /** Starts on 127.0.0.1 with a fresh self-signed certificate. */
  async start(): Promise<this> {
    const { certPem, keyPem } = await selfSignedCertificate();
    this.caPem = certPem;
    this.server = createServer({ key: keyPem, cert: certPem }, (req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', resolve);
    });
    this.url = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Answers the next matching request(s) with an error instead. */
  inject(injection: Injection): void {
    this.injections.push({ times: 1, ...injection });
  }

  /** The next VM create or delete operation ends Failed with this ARM error (after its polls). */
  failNextVmOperation(code: string, message = `injected ${code}`): void {
    this.vmFailures.push({ code, message });
  }

  /** The next image create operation ends Failed with this ARM error (the image stays, `Failed`). */
  failNextImageOperation(code: string, message = `injected ${code}`): void {
    this.imageFailures.push({ code, message });
  }

  /** Recorded requests with this method whose path matches. */
  calls(method: string, path: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && path.test(r.path));
  }

  /** The body of the latest PUT of a VM (what the driver sent, customData included). */
  lastVmPut(name: string): Json | undefined {
    return this.calls('PUT', new RegExp(`/virtualMachines/${name}$`, 'i')).at(-1)?.body;
  }

  /** Puts a VM straight into the store (one not made by the driver, or a leftover of a crashed attempt). */
  seedVm(name: string, vm: { tags?: Record<string, string>; provisioningState?: string }): void {
    this.vms.set(name.toLowerCase(), {
      id: this.resourceId('Microsoft.Compute/virtualMachines', name),
      name,
      type: 'Microsoft.Compute/virtualMachines',
      location: 'westeurope',
      tags: vm.tags ?? {},
      properties: { vmId: randomUUID(), provisioningState: vm.provisioningState ?? 'Succeeded', hardwareProfile: { vmSize: 'Standard_B1s' } },
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    let body: Json | undefined;
    try {
      const text = await readBody(req);
      body = text === '' ? undefined : parseBody(text, req.headers['content-type']);
      this.requests.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, body });
      if (this.options.servicePrincipal && this.handleEntra(req.method ?? '', url, body, res)) return;
      if (req.headers.authorization !== `Bearer ${this.options.token}`) {
        throw new HttpError(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
      }
      if (!url.searchParams.get('api-version')) throw new HttpError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
      this.injected(req.method ?? '', url.pathname);
      this.route(req.method ?? '', url, body, res);
    } catch (err) {
      if (err instanceof HttpError) {
        send(res, err.status, { error: { code: err.code, message: err.message } }, err.headers);
      } else {
        send(res, 500, { error: { code: 'InternalServerError', message: String(err) } });
      }
    }
  }

  private injected(method: string, path: string): void {
    const index = this.injections.findIndex((i) => (i.method === undefined || i.method === method) && i.path.test(path));
    if (index < 0) return;
    const injection = this.injections[index]!;
    injection.times = (injection.times ?? 1) - 1;
    if (injection.times <= 0) this.injections.splice(index, 1);
    throw new HttpError(injection.status, injection.code, injection.message ?? `injected ${injection.code}`, injection.headers);
  }

  private route(method: string, url: URL, body: Json | undefined, res: ServerResponse): void {
    const operation = OPERATION.exec(url.pathname);
    if (operation && method === 'GET') return this.getOperation(operation[4]!, res);
    const match = PREFIX.exec(url.pathname);
    if (!match) throw new HttpError(404, 'InvalidResourceType', `no route for ${method} ${url.pathname}`);
    const [, subscription, group, type, name, action] = match as unknown as [string, string, string, string, string | undefined, string | undefined];
    if (subscription !== this.options.subscriptionId) throw new HttpError(404, 'SubscriptionNotFound', `The subscription '${subscription}' could not be found.`);
    if (group.toLowerCase() !== this.options.resourceGroup.toLowerCase()) {
      throw new HttpError(404, 'ResourceGroupNotFound', `Resource group '${group}' could not be found.`);
    }
    const isVm = type.toLowerCase() === 'microsoft.compute/virtualmachines';
    if (action !== undefined) {
      if (!isVm || name === undefined || method !== 'POST') throw new HttpError(405, 'MethodNotAllowed', `${method} ${url.pathname}`);
      return action.toLowerCase() === 'deallocate' ? this.deallocateVm(name.toLowerCase(), url, res) : this.generalizeVm(name.toLowerCase(), res);
    }
    if (type.toLowerCase() === 'microsoft.compute/images') {
      if (name === undefined) throw new HttpError(405, 'MethodNotAllowed', `${method} on a collection`);
      if (method === 'GET') return this.getImage(name.toLowerCase(), res);
      if (method === 'PUT') return this.putImage(name, body ?? {}, url, res);
      if (method === 'DELETE') return this.deleteImage(name.toLowerCase(), url, res);
      throw new HttpError(405, 'MethodNotAllowed', `${method} is not supported here`);
    }
    if (name === undefined) {
      if (method !== 'GET') throw new HttpError(405, 'MethodNotAllowed', `${method} on a collection`);
      return this.list(isVm ? this.vms : this.nics, url, res);
    }
    const key = name.toLowerCase();
    if (isVm) {
      if (method === 'GET') return this.getVm(key, url, res);
      if (method === 'PUT') return this.putVm(name, body ?? {}, url, res);
      if (method === 'DELETE') return this.deleteVm(key, url, res);
    } else {
      if (method === 'GET') return this.getNic(key, res);
      if (method === 'PUT') return this.putNic(name, body ?? {}, url, res);
      if (method === 'DELETE') return this.deleteNic(key, url, res);
    }
    throw new HttpError(405, 'MethodNotAllowed', `${method} is not supported here`);
  }

  private list(store: Map<string, Json>, url: URL, res: ServerResponse): void {
    const pageSize = this.options.pageSize ?? 2;
    const start = Number(url.searchParams.get('$skiptoken') ?? '0');
    const items = [...store.values()].slice(start, start + pageSize);
    const next = new URL(url);
    next.searchParams.set('$skiptoken', String(start + pageSize));
    send(res, 200, { value: items, ...(start + pageSize < store.size && { nextLink: next.toString() }) });
  }

  private getVm(key: string, url: URL, res: ServerResponse): void {
    this.advance(`vm:${key}`);
    const vm = this.vms.get(key);
    if (!vm) throw notFound('Microsoft.Compute/virtualMachines', key, this.options.resourceGroup, 'ResourceNotFound');
    if (url.searchParams.get('$expand') !== 'instanceView') return send(res, 200, vm);
    const provisioning = String(vm.properties.provisioningState);
    const state = this.vmStates.get(key);
    const power = state && state.power !== 'running' ? state.power : provisioning === 'Succeeded' || provisioning === 'Updating' ? 'running' : provisioning === 'Creating' ? 'starting' : 'stopped';
    const statuses = [{ code: `ProvisioningState/${provisioning.toLowerCase()}` }, { code: `PowerState/${power}` }, ...(state?.generalized ? [{ code: 'OSState/generalized' }] : [])];
    send(res, 200, { ...vm, properties: { ...vm.properties, instanceView: { computerName: vm.properties.osProfile?.computerName, statuses } } });
  }

  private putVm(name: string, body: Json, url: URL, res: ServerResponse): void {
    const key = name.toLowerCase();
    const props: Json = body.properties ?? {};
    const size = props.hardwareProfile?.vmSize;
    if (typeof size !== 'string') throw new HttpError(400, 'InvalidParameter', 'Required parameter hardwareProfile.vmSize is missing.');
    if (this.options.unavailableSizes?.includes(size)) {
      throw new HttpError(409, 'SkuNotAvailable', `The requested VM size '${size}' is currently not available in location '${body.location}'.`);
    }
    const linux = props.osProfile?.linuxConfiguration;
    if (linux?.disablePasswordAuthentication && !(linux.ssh?.publicKeys?.length > 0)) {
      throw new HttpError(400, 'InvalidParameter', 'Authentication using either SSH or by user name and password must be enabled in Linux profile.');
    }
    const vmId = this.resourceId('Microsoft.Compute/virtualMachines', name);
    for (const ref of props.networkProfile?.networkInterfaces ?? []) {
      const nic = this.nics.get(String(ref.id).split('/').at(-1)!.toLowerCase());
      if (!nic) throw new HttpError(400, 'InvalidResourceReference', `Resource ${ref.id} referenced by resource ${vmId} was not found.`);
      const owner = nic.properties.virtualMachine?.id;
      if (owner && owner !== vmId) throw new HttpError(400, 'NicInUse', `Network interface ${ref.id} is used by ${owner}.`);
    }
    const imageRef = props.storageProfile?.imageReference?.id;
    if (typeof imageRef === 'string' && /\/providers\/microsoft\.compute\/images\/[^/]+$/i.test(imageRef)) {
      const image = this.images.get(imageRef.split('/').at(-1)!.toLowerCase());
      if (!image || image.id.toLowerCase() !== imageRef.toLowerCase() || image.properties.provisioningState !== 'Succeeded') {
        throw new HttpError(404, 'NotFound', `The Image '${imageRef}' cannot be found in '${body.location}' region.`);
      }
    }
    const existing = this.vms.get(key);
    if (existing && this.vmStates.get(key)?.generalized) {
      throw new HttpError(409, 'OperationNotAllowed', `Operation 'Update VM' is not allowed on VM '${name}' since the VM is generalized.`);
    }
    if (!existing) this.vmStates.set(key, { power: 'running', generalized: false });
    // ARM never returns customData.
    const osProfile = props.osProfile ? { ...props.osProfile, customData: undefined } : existing?.properties.osProfile;
    const vm: Json = {
      id: vmId,
      name,
      type: 'Microsoft.Compute/virtualMachines',
      location: body.location,
      tags: body.tags ?? {},
      properties: { ...props, osProfile, vmId: existing?.properties.vmId ?? randomUUID(), provisioningState: existing ? 'Updating' : 'Creating' },
    };
    this.vms.set(key, vm);
    for (const ref of props.networkProfile?.networkInterfaces ?? []) {
      this.nics.get(String(ref.id).split('/').at(-1)!.toLowerCase())!.properties.virtualMachine = { id: vmId };
    }
    const osDisk = props.storageProfile?.osDisk;
    if (osDisk?.name) this.disks.set(String(osDisk.name).toLowerCase(), { vm: key, deleteOption: osDisk.deleteOption ?? 'Detach' });
    const operation = this.startOperation('compute', `vm:${key}`, this.vmFailures.shift(), (failed) => {
      const current = this.vms.get(key);
      if (current) current.properties.provisioningState = failed ? 'Failed' : 'Succeeded';
    });
    send(res, existing ? 200 : 201, vm, { 'Azure-AsyncOperation': this.operationUrl('Compute', operation, url) });
  }

  private deleteVm(key: string, url: URL, res: ServerResponse): void {
    const vm = this.vms.get(key);
    if (!vm) return send(res, 204, undefined);
    vm.properties.provisioningState = 'Deleting';
    const operation = this.startOperation('compute', `vm:${key}`, this.vmFailures.shift(), (failed) => {
      if (failed) {
        vm.properties.provisioningState = 'Failed';
        return;
      }
      this.vms.delete(key);
      this.vmStates.delete(key);
      for (const ref of vm.properties.networkProfile?.networkInterfaces ?? []) {
        const nicKey = String(ref.id).split('/').at(-1)!.toLowerCase();
        if (ref.properties?.deleteOption === 'Delete') this.nics.delete(nicKey);
        else if (this.nics.get(nicKey)) this.nics.get(nicKey)!.properties.virtualMachine = undefined;
      }
      for (const [name, disk] of this.disks) if (disk.vm === key && disk.deleteOption === 'Delete') this.disks.delete(name);
    });
    send(res, 202, undefined, { 'Azure-AsyncOperation': this.operationUrl('Compute', operation, url) });
  }

  /** POST deallocate: 202 and an operation; the VM is `deallocated` when it is done. */
  private deallocateVm(key: string, url: URL, res: ServerResponse): void {
    const vm = this.vms.get(key);
    if (!vm) throw notFound('Microsoft.Compute/virtualMachines', key, this.options.resourceGroup, 'ResourceNotFound');
    const state = this.vmStates.get(key) ?? { power: 'running', generalized: false };
    this.vmStates.set(key, state);
    if (state.power !== 'deallocated') state.power = 'deallocating';
    const operation = this.startOperation('compute', `vm:${key}`, undefined, () => {
      state.power = 'deallocated';
    });
    send(res, 202, undefined, { 'Azure-AsyncOperation': this.operationUrl('Compute', operation, url) });
  }

  /** POST generalize: synchronous; refused unless the VM is deallocated (or stopped). */
  private generalizeVm(key: string, res: ServerResponse): void {
    const vm = this.vms.get(key);
    if (!vm) throw notFound('Microsoft.Compute/virtualMachines', key, this.options.resourceGroup, 'ResourceNotFound');
    const state = this.vmStates.get(key) ?? { power: 'running', generalized: false };
    if (state.power !== 'deallocated' && state.power !== 'stopped') {
      throw new HttpError(409, 'OperationNotAllowed', `Operation 'generalize' is not allowed on VM '${vm.name}' since the VM is ${state.power}.`);
    }
    state.generalized = true;
    this.vmStates.set(key, state);
    send(res, 200, undefined);
  }

  private getImage(key: string, res: ServerResponse): void {
    this.advance(`image:${key}`);
    const image = this.images.get(key);
    if (!image) throw notFound('Microsoft.Compute/images', key, this.options.resourceGroup, 'ResourceNotFound');
    send(res, 200, image);
  }

  /** PUT of a managed image from `properties.sourceVirtualMachine`: the VM must exist, be generalized and be in the image's location. */
  private putImage(name: string, body: Json, url: URL, res: ServerResponse): void {
    const key = name.toLowerCase();
    if (!/^[A-Za-z0-9]([\w.-]{0,78}[\w])?$/.test(name)) {
      throw new HttpError(400, 'InvalidParameter', `Image name '${name}' is invalid: 1 to 80 letters, digits, '_', '.' and '-', starting with a letter or digit and ending with a letter, digit or '_'.`);
    }
    const sourceId = body.properties?.sourceVirtualMachine?.id;
    if (typeof sourceId !== 'string') {
      throw new HttpError(400, 'InvalidParameter', 'Required parameter sourceVirtualMachine (or storageProfile) is missing (the fake makes images from VMs only).');
    }
    const vmKey = sourceId.split('/').at(-1)!.toLowerCase();
    const vm = this.vms.get(vmKey);
    if (!vm || vm.id.toLowerCase() !== sourceId.toLowerCase()) throw notFound('Microsoft.Compute/virtualMachines', vmKey, this.options.resourceGroup, 'NotFound');
    if (!this.vmStates.get(vmKey)?.generalized) {
      throw new HttpError(409, 'OperationNotAllowed', `The operation 'Create Image' requires the Virtual Machine '${vm.name}' to be Generalized.`);
    }
    if (String(body.location).toLowerCase() !== String(vm.location).toLowerCase()) {
      throw new HttpError(400, 'InvalidParameter', `The source virtual machine '${sourceId}' must be in the same location as the image ('${body.location}').`);
    }
    const existing = this.images.get(key);
    if (existing && existing.properties.sourceVirtualMachine.id.toLowerCase() !== sourceId.toLowerCase()) {
      throw new HttpError(409, 'PropertyChangeNotAllowed', "Changing property 'sourceVirtualMachine' is not allowed.");
    }
    const image: Json = {
      id: this.resourceId('Microsoft.Compute/images', name),
      name,
      type: 'Microsoft.Compute/images',
      location: body.location,
      tags: body.tags ?? {},
      properties: {
        sourceVirtualMachine: { id: sourceId },
        storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', caching: 'ReadWrite', storageAccountType: 'Standard_LRS' }, dataDisks: [] },
        hyperVGeneration: body.properties?.hyperVGeneration ?? 'V1',
        provisioningState: 'Creating',
      },
    };
    this.images.set(key, image);
    const operation = this.startOperation('compute', `image:${key}`, this.imageFailures.shift(), (failed) => {
      image.properties.provisioningState = failed ? 'Failed' : 'Succeeded';
    });
    send(res, existing ? 200 : 201, image, { 'Azure-AsyncOperation': this.operationUrl('Compute', operation, url) });
  }

  private deleteImage(key: string, url: URL, res: ServerResponse): void {
    const image = this.images.get(key);
    if (!image) return send(res, 204, undefined);
    image.properties.provisioningState = 'Deleting';
    const operation = this.startOperation('compute', `image:${key}`, undefined, () => {
      this.images.delete(key);
    });
    send(res, 202, undefined, { 'Azure-AsyncOperation': this.operationUrl('Compute', operation, url) });
  }

  private getNic(key: string, res: ServerResponse): void {
    const nic = this.nics.get(key);
    if (!nic) throw notFound('Microsoft.Network/networkInterfaces', key, this.options.resourceGroup, 'NotFound');
    send(res, 200, nic);
  }

  private putNic(name: string, body: Json, url: URL, res: ServerResponse): void {
    const configs: Json[] = body.properties?.ipConfigurations ?? [];
    if (configs.length === 0 || configs.some((c) => typeof c.properties?.subnet?.id !== 'string')) {
      throw new HttpError(400, 'InvalidRequestFormat', 'A network interface needs ipConfigurations with a subnet id.');
    }
    const id = this.resourceId('Microsoft.Network/networkInterfaces', name);
    const existing = this.nics.get(name.toLowerCase());
    const nic: Json = {
      id,
      name,
      type: 'Microsoft.Network/networkInterfaces',
      location: body.location,
      tags: body.tags ?? {},
      properties: {
        provisioningState: 'Succeeded',
        virtualMachine: existing?.properties.virtualMachine,
        ipConfigurations: configs.map((c, i) => ({
          id: `${id}/ipConfigurations/${c.name}`,
          name: c.name,
          properties: { ...c.properties, provisioningState: 'Succeeded', privateIPAddress: `10.0.0.${this.nextIp + i}` },
        })),
      },
    };
    this.nextIp += configs.length;
    this.nics.set(name.toLowerCase(), nic);
    const operation = this.startOperation('network', `nic:${name.toLowerCase()}`, undefined, () => undefined, 0);
    send(res, existing ? 200 : 201, nic, { 'Azure-AsyncOperation': this.operationUrl('Network', operation, url) });
  }

  private deleteNic(key: string, url: URL, res: ServerResponse): void {
    const nic = this.nics.get(key);
    if (!nic) return send(res, 204, undefined);
    const owner = nic.properties.virtualMachine?.id;
    if (owner) throw new HttpError(400, 'NicInUse', `Network interface ${nic.id} is used by existing resource ${owner}.`);
    this.nics.delete(key);
    const operation = this.startOperation('network', `nic:${key}`, undefined, () => undefined, 0);
    send(res, 202, undefined, { 'Azure-AsyncOperation': this.operationUrl('Network', operation, url) });
  }

  private getOperation(id: string, res: ServerResponse): void {
    const operation = this.operations.get(id);
    if (!operation) throw new HttpError(404, 'NotFound', `operation ${id} not found`);
    this.step(operation);
    const failed = operation.status === 'Failed';
    send(res, 200, { name: id, status: operation.status, ...(failed && { error: operation.failure }) });
  }

  private startOperation(
    provider: string,
    target: string,
    failure: { code: string; message: string } | undefined,
    finish: (failed: boolean) => void,
    polls = this.options.pollsUntilDone ?? 2,
  ): string {
    const id = `${provider}-${randomUUID()}`;
    const operation: Operation = { remaining: polls, status: 'InProgress', failure, target, finish };
    this.operations.set(id, operation);
    if (polls === 0) this.complete(operation);
    return id;
  }

  /** One GET of an operation or its resource: the operations on it come one poll closer to done. */
  private advance(target: string): void {
    for (const operation of this.operations.values()) if (operation.target === target) this.step(operation);
  }

  private step(operation: Operation): void {
    if (operation.status !== 'InProgress' || this.holdOperations) return;
    operation.remaining -= 1;
    if (operation.remaining <= 0) this.complete(operation);
  }

  private complete(operation: Operation): void {
    operation.status = operation.failure ? 'Failed' : 'Succeeded';
    operation.finish(operation.failure !== undefined);
  }

  private operationUrl(provider: string, id: string, request: URL): string {
    const apiVersion = request.searchParams.get('api-version') ?? '';
    return `${this.url}/subscriptions/${this.options.subscriptionId}/providers/Microsoft.${provider}/locations/westeurope/operations/${id}?api-version=${apiVersion}`;
  }

  private resourceId(type: string, name: string): string {
    return `/subscriptions/${this.options.subscriptionId}/resourceGroups/${this.options.resourceGroup}/providers/${type}/${name}`;
  }

  /** The Entra v2 discovery and token endpoints; true when the request was one of them. */
  private handleEntra(method: string, url: URL, body: Json | undefined, res: ServerResponse): boolean {
    const principal = this.options.servicePrincipal!;
    const base = `${this.url}/${principal.tenantId}`;
    if (method === 'GET' && url.pathname === `/${principal.tenantId}/v2.0/.well-known/openid-configuration`) {
      send(res, 200, {
        token_endpoint: `${base}/oauth2/v2.0/token`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        issuer: `${base}/v2.0`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      });
      return true;
    }
    if (method === 'POST' && url.pathname === `/${principal.tenantId}/oauth2/v2.0/token`) {
      if (body?.grant_type !== 'client_credentials' || body.client_id !== principal.clientId || body.client_secret !== principal.clientSecret) {
        send(res, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.', error_codes: [7000215] });
        return true;
      }
      this.tokenScopes.push(String(body.scope));
      send(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: this.options.token });
      return true;
    }
    return false;
  }
}

function notFound(type: string, name: string, group: string, code: string): HttpError {
  return new HttpError(404, code, `The Resource '${type}/${name}' under resource group '${group}' was not found.`);
}

function send(res: ServerResponse, status: number, body: Json | undefined, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'x-ms-request-id': randomUUID(),
    ...(body !== undefined && { 'content-type': 'application/json; charset=utf-8' }),
    ...headers,
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(text: string, contentType: string | undefined): Json {
  if (contentType?.startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  return JSON.parse(text) as Json;
}

/** Starts a fake ARM (see {@link FakeArmServer}). */
export function startFakeArmServer(options: FakeArmOptions): Promise<FakeArmServer> {
  return new FakeArmServer(options).start();
}
