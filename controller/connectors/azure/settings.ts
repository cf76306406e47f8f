/** The `azure` driver's cloud settings and component options: validated and parsed. */
import type { FieldViolation } from '../../../common/errors.js';

/** Parsed settings of an `azure` cloud. */
export interface AzureSettings {
  subscriptionId: string;
  resourceGroup: string;
  /** Canonical location name, `westeurope`. */
  location: string;
  /** Full ARM id of the subnet the VMs' NICs join. */
  subnetId: string;
  /** Size of the VMs whose component names none. */
  vmSize: string;
  /** ARM endpoint (no trailing slash); the public cloud's unless overridden. */
  endpoint: string;
  /** Microsoft Entra authority host for the client-secret credential, when overridden. */
  authorityHost: string | undefined;
  adminUsername: string;
  /** OpenSSH public key installed for `adminUsername`; a throwaway key when absent. */
  sshPublicKey: string | undefined;
  /** How many provision calls may run at once (capabilities). */
  maxParallel: number;
}

/** A component's per-cloud options for `azure`, parsed. */
export interface AzureOptions {
  vmSize?: string;
  subnetId?: string;
  osDiskSizeGB?: number;
}

/** The public cloud's Azure Resource Manager endpoint. */
export const DEFAULT_ARM_ENDPOINT = 'https://management.azure.com';
/** The size of VMs when neither the cloud nor the component names one. */
export const DEFAULT_VM_SIZE = 'Standard_B1s';
/** The Linux admin user when the cloud names none. */
export const DEFAULT_ADMIN_USERNAME = 'slipstream';
const DEFAULT_MAX_PARALLEL = 8;

/** The setting names this driver knows. */
export const AZURE_SETTING_NAMES = [
  'subscriptionId',
  'resourceGroup',
  'location',
  'subnetId',
  'vmSize',
  'endpoint',
  'authorityHost',
  'adminUsername',
  'sshPublicKey',
  'maxParallel',
] as const;
type SettingName = (typeof AZURE_SETTING_NAMES)[number];

/** The option names a component may give for `azure`. */
export const AZURE_OPTION_NAMES = ['vmSize', 'subnetId', 'osDiskSizeGB'] as const;
type OptionName = (typeof AZURE_OPTION_NAMES)[number];

const REQUIRED_SETTINGS: readonly SettingName[] = ['subscriptionId', 'resourceGroup', 'location', 'subnetId'];

/** A subscription (or tenant, client) id. */
export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Resource group names: up to 90 of letters, digits, `_ - . ( )`, not ending in `.`. */
const RESOURCE_GROUP = /^[-\w.()]{0,89}[-\w()]$/;
const LOCATION = /^[a-z][a-z0-9]{1,39}$/;
const VM_SIZE = /^[A-Za-z][A-Za-z0-9_-]{1,63}$/;
const NAME_SEGMENT = '[A-Za-z0-9_](?:[-\\w.]{0,78}\\w)?';
const SUBNET_ID = new RegExp(
  `^/subscriptions/[0-9a-f-]{36}/resourceGroups/[-\\w.()]{1,90}/providers/Microsoft\\.Network/virtualNetworks/${NAME_SEGMENT}/subnets/${NAME_SEGMENT}$`,
  'i',
);
const LINUX_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
/** Names Azure refuses as a Linux admin user. */
const RESERVED_USERS = new Set([
  '1', '123', 'a', 'actuser', 'adm', 'admin', 'admin1', 'admin2', 'administrator', 'aspnet', 'backup', 'console', 'david',
  'guest', 'john', 'owner', 'root', 'server', 'sql', 'support', 'support_388945a0', 'sys', 'test', 'test1', 'test2',
  'test3', 'user', 'user1', 'user2', 'user3', 'user4', 'user5',
]);
const SSH_PUBLIC_KEY = /^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,2}( [^\r\n]{0,200})?$/;
const POSITIVE_INTEGER = /^[1-9]\d{0,5}$/;
const DISK_SIZE = /^[1-9]\d{0,3}$/;
const MAX_OS_DISK_GB = 4095;

/** True when `value` is an https URL with only an origin (and optionally a `/`), usable as an endpoint. */
function isHttpsOrigin(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.protocol === 'https:' && url.username === '' && url.password === '' && url.pathname === '/' && url.search === '' && url.hash === '';
}

const SETTING_RULES: Record<SettingName, [test: (value: string) => boolean, rule: string]> = {
  subscriptionId: [(v) => GUID.test(v), 'must be a subscription id (a GUID)'],
  resourceGroup: [(v) => RESOURCE_GROUP.test(v), "must be a resource group name: 1 to 90 letters, digits, '_', '-', '.', '(' or ')', not ending in '.'"],
  location: [(v) => LOCATION.test(v), 'must be a location name such as westeurope (lowercase, no spaces)'],
  subnetId: [(v) => SUBNET_ID.test(v), 'must be the full ARM id of a subnet, /subscriptions/GUID/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/VNET/subnets/SUBNET'],
  vmSize: [(v) => VM_SIZE.test(v), 'must be a VM size such as Standard_B1s'],
  endpoint: [isHttpsOrigin, 'must be an https URL without path or query, such as https://management.azure.com'],
  authorityHost: [isHttpsOrigin, 'must be an https URL without path or query, such as https://login.microsoftonline.com'],
  adminUsername: [
    (v) => LINUX_USER.test(v) && !RESERVED_USERS.has(v),
    "must be a Linux user name (1 to 32 lowercase letters, digits, '_' or '-', not starting with a digit or '-') that Azure allows (not root, admin, ...)",
  ],
  sshPublicKey: [(v) => SSH_PUBLIC_KEY.test(v), 'must be one OpenSSH public key line: TYPE BASE64 [COMMENT] (ssh-rsa, ssh-ed25519 or ecdsa-sha2-nistp*)'],
  maxParallel: [(v) => POSITIVE_INTEGER.test(v), 'must be a positive integer (at most 999999)'],
};

const OPTION_RULES: Record<OptionName, [test: (value: string) => boolean, rule: string]> = {
  vmSize: SETTING_RULES.vmSize,
  subnetId: SETTING_RULES.subnetId,
  osDiskSizeGB: [(v) => DISK_SIZE.test(v) && Number(v) <= MAX_OS_DISK_GB, `must be a whole number of GB from 1 to ${MAX_OS_DISK_GB}`],
};

const isSetting = (key: string): key is SettingName => (AZURE_SETTING_NAMES as readonly string[]).includes(key);
const isOption = (key: string): key is OptionName => (AZURE_OPTION_NAMES as readonly string[]).includes(key);

/** Violations of an `azure` cloud's settings, each at `settings.<key>`; empty when valid. */
export function validateAzureSettings(settings: Record<string, string>): FieldViolation[] {
  const violations: FieldViolation[] = [];
  for (const key of REQUIRED_SETTINGS) {
    if (settings[key] === undefined) violations.push({ field: `settings.${key}`, description: 'is required' });
  }
  for (const [key, value] of Object.entries(settings)) {
    if (!isSetting(key)) {
      violations.push({ field: `settings.${key}`, description: `is not a setting of the azure driver (known: ${AZURE_SETTING_NAMES.join(', ')})` });
      continue;
    }
    const [test, rule] = SETTING_RULES[key];
    if (!test(value)) violations.push({ field: `settings.${key}`, description: rule });
  }
  return violations;
}

/** Violations of a component's options for `azure`, each at `options.<key>`; empty when valid. */
export function validateAzureOptions(options: Record<string, string>): FieldViolation[] {
  const violations: FieldViolation[] = [];
  for (const [key, value] of Object.entries(options)) {
    if (!isOption(key)) {
      violations.push({ field: `options.${key}`, description: `is not an option of the azure driver (known: ${AZURE_OPTION_NAMES.join(', ')})` });
      continue;
    }
    const [test, rule] = OPTION_RULES[key];
    if (!test(value)) violations.push({ field: `options.${key}`, description: rule });
  }
  return violations;
}

/** Settings that passed {@link validateAzureSettings}, with defaults. */
export function parseAzureSettings(settings: Record<string, string>): AzureSettings {
  const origin = (value: string | undefined) => (value === undefined ? undefined : new URL(value).origin);
  return {
    subscriptionId: settings.subscriptionId!,
    resourceGroup: settings.resourceGroup!,
    location: settings.location!,
    subnetId: settings.subnetId!,
    vmSize: settings.vmSize ?? DEFAULT_VM_SIZE,
    endpoint: origin(settings.endpoint) ?? DEFAULT_ARM_ENDPOINT,
    authorityHost: origin(settings.authorityHost),
    adminUsername: settings.adminUsername ?? DEFAULT_ADMIN_USERNAME,
    sshPublicKey: settings.sshPublicKey,
    maxParallel: settings.maxParallel === undefined ? DEFAULT_MAX_PARALLEL : Number(settings.maxParallel),
  };
}

/** Options that passed {@link validateAzureOptions}. */
export function parseAzureOptions(options: Record<string, string>): AzureOptions {
  return {
    ...(options.vmSize !== undefined && { vmSize: options.vmSize }),
    ...(options.subnetId !== undefined && { subnetId: options.subnetId }),
    ...(options.osDiskSizeGB !== undefined && { osDiskSizeGB: Number(options.osDiskSizeGB) }),
  };
}
