/**
 * The `gcp` driver's cloud settings, component options and image references:
 * validated (every violation named by its field) and parsed.
 */
import type { FieldViolation } from '../../../common/errors.js';

/** Parsed settings of a `gcp` cloud. */
export interface GcpSettings {
  project: string;
  zone: string;
  /** The zone's region (`europe-west1` for `europe-west1-b`). */
  region: string;
  network: string;
  subnetwork: string | undefined;
  /** Used when a component gives neither `options.machineType` nor cpu/ramGB. */
  machineType: string;
  /** Gives VMs an ephemeral external IP (they need a way out to fetch Node and the agent). */
  externalIp: boolean;
  /** Overrides the Compute API endpoint (tests, Private Service Connect). */
  endpoint: GcpEndpoint | undefined;
  /** How many provision calls may run at once (capabilities). */
  maxParallel: number;
}

/** Where the Compute REST API is served. */
export interface GcpEndpoint {
  protocol: 'http' | 'https';
  host: string;
  port: number;
}

/** A component's parsed options for `gcp`. */
export interface GcpOptions {
  machineType: string | undefined;
  diskSizeGB: number | undefined;
  subnetwork: string | undefined;
  /** Network tags (firewall rules select VMs by them). */
  tags: string[];
}

/** The setting names this driver knows. */
export const GCP_SETTING_NAMES = ['project', 'zone', 'network', 'subnetwork', 'machineType', 'externalIp', 'endpoint', 'maxParallel'] as const;
/** The option names this driver knows. */
export const GCP_OPTION_NAMES = ['machineType', 'diskSizeGB', 'subnetwork', 'tags'] as const;

export const DEFAULT_NETWORK = 'global/networks/default';
export const DEFAULT_MACHINE_TYPE = 'e2-small';
const DEFAULT_MAX_PARALLEL = 8;
const MAX_NETWORK_TAGS = 64;

/** A GCE resource name (instances, images, networks, tags): RFC 1035 label, at most 63 characters. */
export const RESOURCE_NAME = /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const NAME = '[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?';
/** A project id (6 to 30 characters), optionally domain-scoped (`example.com:my-project`). */
const PROJECT = '(?:[a-z][-a-z0-9.]{0,61}[a-z0-9]:)?[a-z][-a-z0-9]{4,28}[a-z0-9]';
const REGION = '[a-z]+(?:-[a-z]+)*[0-9]+';
const API_PREFIX = '(?:https://(?:www|compute)\\.googleapis\\.com/compute/(?:v1|beta)/)?';
const PROJECT_ID = new RegExp(`^${PROJECT}$`);
const ZONE = new RegExp(`^(${REGION})-[a-z]$`);
const NETWORK = new RegExp(`^${API_PREFIX}(?:projects/${PROJECT}/)?global/networks/${NAME}$`);
const SUBNETWORK = new RegExp(`^${API_PREFIX}(?:projects/${PROJECT}/)?regions/(${REGION})/subnetworks/${NAME}$`);
const IMAGE = new RegExp(`^${API_PREFIX}(?:projects/${PROJECT}/)?global/images/(?:family/)?${NAME}$`);
const POSITIVE_INTEGER = /^[1-9]\d{0,5}$/;
const DISK_SIZE = /^[1-9]\d{1,4}$/;

const PROJECT_RULE = 'must be a project id: 6 to 30 lowercase letters, digits and hyphens, starting with a letter (optionally domain:project)';
const ZONE_RULE = 'must be a zone such as europe-west1-b';
const NETWORK_RULE = 'must be a network path such as global/networks/default or projects/PROJECT/global/networks/NAME (or its https URL)';
const SUBNETWORK_RULE = 'must be a subnetwork path such as regions/REGION/subnetworks/NAME or projects/PROJECT/regions/REGION/subnetworks/NAME (or its https URL)';
const MACHINE_TYPE_RULE = 'must be a machine type name such as e2-small or n2-custom-4-8192';

/** Why `image` is no GCE image reference, or undefined when it is one. */
export function checkGcpImage(image: string): string | undefined {
  if (IMAGE.test(image)) return undefined;
  return 'must be a GCE image such as projects/debian-cloud/global/images/family/debian-12, projects/P/global/images/NAME or its https://compute.googleapis.com/compute/v1/... URL';
}

/** The region of a zone (`europe-west1-b` -> `europe-west1`), or undefined when `zone` is none. */
export function regionOf(zone: string): string | undefined {
  return ZONE.exec(zone)?.[1];
}

/** The region a subnetwork path names, or undefined when it is none. */
export function subnetworkRegion(subnetwork: string): string | undefined {
  return SUBNETWORK.exec(subnetwork)?.[1];
}

/** Violations of a `gcp` cloud's settings (`project` and `zone` are required). */
export function validateGcpSettings(settings: Record<string, string>): FieldViolation[] {
  const violations: FieldViolation[] = [];
  const add = (key: string, description: string) => violations.push({ field: `settings.${key}`, description });
  for (const key of ['project', 'zone'] as const) if (settings[key] === undefined) add(key, 'is required');
  for (const [key, value] of Object.entries(settings)) {
    switch (key) {
      case 'project':
        if (!PROJECT_ID.test(value)) add(key, PROJECT_RULE);
        break;
      case 'zone':
        if (!ZONE.test(value)) add(key, ZONE_RULE);
        break;
      case 'network':
        if (!NETWORK.test(value)) add(key, NETWORK_RULE);
        break;
      case 'subnetwork': {
        const problem = checkSubnetwork(value, settings.zone);
        if (problem) add(key, problem);
        break;
      }
      case 'machineType':
        if (!RESOURCE_NAME.test(value)) add(key, MACHINE_TYPE_RULE);
        break;
      case 'externalIp':
        if (value !== 'true' && value !== 'false') add(key, 'must be true or false');
        break;
      case 'endpoint':
        if (!parseEndpoint(value)) add(key, 'must be http(s)://HOST[:PORT] with no path, query or credentials');
        break;
      case 'maxParallel':
        if (!POSITIVE_INTEGER.test(value)) add(key, 'must be a positive integer (at most 999999)');
        break;
      default:
        add(key, `is not a setting of the gcp driver (known: ${GCP_SETTING_NAMES.join(', ')})`);
    }
  }
  return violations;
}

/** Violations of a component's options for `gcp`. */
export function validateGcpOptions(options: Record<string, string>): FieldViolation[] {
  const violations: FieldViolation[] = [];
  const add = (key: string, description: string) => violations.push({ field: `options.${key}`, description });
  for (const [key, value] of Object.entries(options)) {
    switch (key) {
      case 'machineType':
        if (!RESOURCE_NAME.test(value)) add(key, MACHINE_TYPE_RULE);
        break;
      case 'diskSizeGB':
        if (!DISK_SIZE.test(value) || Number(value) > 65536) add(key, 'must be an integer of GB from 10 to 65536');
        break;
      case 'subnetwork':
        if (!SUBNETWORK.test(value)) add(key, SUBNETWORK_RULE);
        break;
      case 'tags': {
        const tags = splitTags(value);
        if (tags.length === 0 || tags.length > MAX_NETWORK_TAGS || !tags.every((t) => RESOURCE_NAME.test(t))) {
          add(key, `must be 1 to ${MAX_NETWORK_TAGS} comma-separated network tags, each 1 to 63 lowercase letters, digits and hyphens starting with a letter`);
        }
        break;
      }
      default:
        add(key, `is not an option of the gcp driver (known: ${GCP_OPTION_NAMES.join(', ')})`);
    }
  }
  return violations;
}

/** Settings that passed {@link validateGcpSettings}, with defaults. */
export function parseGcpSettings(settings: Record<string, string>): GcpSettings {
  const zone = settings.zone!;
  return {
    project: settings.project!,
    zone,
    region: regionOf(zone)!,
    network: settings.network ?? DEFAULT_NETWORK,
    subnetwork: settings.subnetwork,
    machineType: settings.machineType ?? DEFAULT_MACHINE_TYPE,
    externalIp: settings.externalIp !== 'false',
    endpoint: settings.endpoint === undefined ? undefined : parseEndpoint(settings.endpoint),
    maxParallel: settings.maxParallel === undefined ? DEFAULT_MAX_PARALLEL : Number(settings.maxParallel),
  };
}

/** Options that passed {@link validateGcpOptions}. */
export function parseGcpOptions(options: Record<string, string>): GcpOptions {
  return {
    machineType: options.machineType,
    diskSizeGB: options.diskSizeGB === undefined ? undefined : Number(options.diskSizeGB),
    subnetwork: options.subnetwork,
    tags: options.tags === undefined ? [] : [...new Set(splitTags(options.tags))],
  };
}

/** Why `subnetwork` cannot serve VMs of `zone`, or undefined when it can. */
export function checkSubnetwork(subnetwork: string, zone: string | undefined): string | undefined {
  const region = subnetworkRegion(subnetwork);
  if (region === undefined) return SUBNETWORK_RULE;
  const zoneRegion = zone === undefined ? undefined : regionOf(zone);
  if (zoneRegion !== undefined && zoneRegion !== region) return `is in region ${region}, but the zone ${zone} is in ${zoneRegion}`;
  return undefined;
}

function splitTags(value: string): string[] {
  return value.split(',').map((t) => t.trim()).filter((t) => t !== '');
}

function parseEndpoint(value: string): GcpEndpoint | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) return undefined;
  if (!/^https?:\/\/[^/]+\/?$/.test(value)) return undefined;
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  // IPv6 literals come bracketed; the client wants the bare address.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? (protocol === 'http' ? 80 : 443) : Number(url.port);
  return host === '' ? undefined : { protocol, host, port };
}
