/**
 * The GCE instance resource a VmSpec becomes, and the VmInfo an instance
 * reads back as: the one place that knows the shape of `Instance`.
 */
import type { protos } from '@google-cloud/compute';
import { ConnectorError, type VmInfo, type VmSpec, type VmState } from '../connector.js';
import { smallestE2MachineType } from './machine-types.js';
import { instanceName, readTags, tagLabels, tagMetadata, USER_DATA_KEY } from './naming.js';
import { checkGcpImage, checkSubnetwork, parseGcpOptions, validateGcpOptions, type GcpSettings } from './settings.js';

type Instance = protos.google.cloud.compute.v1.IInstance;

/** GCE refuses a metadata value over 256 KB. */
const MAX_METADATA_VALUE_BYTES = 256 * 1024;

/**
 * The instance to insert for `spec` (throws ConnectorError `invalid` naming
 * what is wrong). Machine type: `options.machineType`, else the cheapest E2
 * type with the spec's cpu/ramGB, else the cloud's default. Boot disk:
 * `options.diskSizeGB`, else `spec.diskGB`, else the image's size. The boot
 * data goes in the `user-data` metadata item only, which cloud-init reads: the
 * image must have cloud-init (Ubuntu images do; debian-cloud images do not).
 */
export function instanceResource(spec: VmSpec, settings: GcpSettings): Instance {
  const problems: string[] = [];
  const imageProblem = checkGcpImage(spec.image);
  if (imageProblem) problems.push(`image '${spec.image}' ${imageProblem}`);
  for (const v of validateGcpOptions(spec.options)) problems.push(`${v.field} ${v.description}`);
  if (Buffer.byteLength(spec.userData, 'utf8') > MAX_METADATA_VALUE_BYTES) problems.push('the user-data is larger than the 256 KB GCE allows in one metadata value');
  if (problems.length > 0) throw new ConnectorError('invalid', `gcp: ${problems.join('; ')}`);

  const options = parseGcpOptions(spec.options);
  const subnetwork = options.subnetwork ?? settings.subnetwork;
  const subnetworkProblem = subnetwork === undefined ? undefined : checkSubnetwork(subnetwork, settings.zone);
  if (subnetworkProblem) throw new ConnectorError('invalid', `gcp: subnetwork ${subnetwork} ${subnetworkProblem}`);
  const machineType = options.machineType ?? machineTypeFor(spec, settings);
  const diskSizeGB = options.diskSizeGB ?? spec.diskGB;

  return {
    name: instanceName(spec.idempotencyKey),
    description: `Slipstream run ${spec.tags.runId}, instance ${spec.tags.instance}`,
    machineType: `zones/${settings.zone}/machineTypes/${machineType}`,
    labels: tagLabels(spec.tags),
    metadata: { items: [{ key: USER_DATA_KEY, value: spec.userData }, ...tagMetadata(spec.tags)] },
    ...(options.tags.length > 0 ? { tags: { items: options.tags } } : {}),
    disks: [
      {
        boot: true,
        autoDelete: true,
        type: 'PERSISTENT',
        initializeParams: { sourceImage: spec.image, ...(diskSizeGB !== undefined ? { diskSizeGb: String(Math.ceil(diskSizeGB)) } : {}) },
      },
    ],
    networkInterfaces: [
      {
        network: settings.network,
        ...(subnetwork !== undefined ? { subnetwork } : {}),
        ...(settings.externalIp ? { accessConfigs: [{ name: 'External NAT', type: 'ONE_TO_ONE_NAT' }] } : {}),
      },
    ],
  };
}

function machineTypeFor(spec: VmSpec, settings: GcpSettings): string {
  if (spec.cpu === undefined && spec.ramGB === undefined) return settings.machineType;
  const type = smallestE2MachineType(spec.cpu, spec.ramGB);
  if (type === undefined) {
    throw new ConnectorError('invalid', `gcp: no E2 machine type has ${spec.cpu ?? 0} vCPUs and ${spec.ramGB ?? 0} GB; name one in options.machineType`);
  }
  return type;
}

/**
 * GCE status -> VmState. GCE's TERMINATED means stopped (the VM still
 * exists); a deleted VM is simply not found.
 */
export function vmState(status: string | null | undefined): VmState {
  switch (status) {
    case 'PROVISIONING':
    case 'STAGING':
      return 'pending';
    case 'RUNNING':
      return 'running';
    case 'STOPPING':
    case 'SUSPENDING':
      return 'stopping';
    case 'TERMINATED':
    case 'SUSPENDED':
      return 'stopped';
    default:
      return 'unknown';
  }
}

/** What an instance reads back as: its name is the vmId; the external IP when it has one, else the internal one. */
export function toVmInfo(instance: Instance): VmInfo {
  const nic = instance.networkInterfaces?.[0];
  const ip = nic?.accessConfigs?.find((c) => c.natIP)?.natIP ?? nic?.networkIP ?? undefined;
  const hostname = instance.hostname || instance.name || undefined;
  return {
    vmId: instance.name ?? '',
    state: vmState(instance.status),
    ...(ip ? { ip } : {}),
    ...(hostname ? { hostname } : {}),
    tags: readTags(instance),
  };
}
