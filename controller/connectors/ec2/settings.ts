/**
 * The `ec2` driver's cloud settings and component options: validated (every
 * violation at once, each at `settings.<key>` / `options.<key>`) and parsed.
 */
import type { FieldViolation } from '../../../common/errors.js';

/** Parsed settings of an `ec2` cloud. */
export interface Ec2Settings {
  region: string;
  /** An API endpoint override (moto, a VPC endpoint, a partition the SDK does not know). */
  endpoint: string | undefined;
  subnetId: string | undefined;
  securityGroupIds: string[];
  keyName: string | undefined;
  /** The instance type of components that name none in their options. */
  instanceType: string | undefined;
  /** How many provision calls may run at once (capabilities). */
  maxParallel: number;
}

/** A component's options for an `ec2` cloud, parsed. */
export interface Ec2Options {
  instanceType: string | undefined;
  subnetId: string | undefined;
  securityGroupIds: string[] | undefined;
  keyName: string | undefined;
  /** Root volume size; overrides the component's `diskGB`. */
  volumeSizeGB: number | undefined;
}

export const EC2_SETTING_NAMES = ['region', 'endpoint', 'subnetId', 'securityGroupIds', 'keyName', 'instanceType', 'maxParallel'] as const;
export const EC2_OPTION_NAMES = ['instanceType', 'subnetId', 'securityGroupIds', 'keyName', 'volumeSizeGB'] as const;

const DEFAULT_MAX_PARALLEL = 10;
/** gp3 and gp2 volumes go up to 16 TiB. */
const MAX_VOLUME_GB = 16_384;

// us-east-1, eu-central-2, us-gov-west-1, cn-northwest-1, us-isob-east-1, eusc-de-east-1
const REGION = /^[a-z]{2,4}(-[a-z]+){1,3}-\d{1,2}$/;
// EC2 ids are 8 (older resources) or 17 hex digits; moto makes 8 to 17.
const SUBNET = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP = /^sg-[0-9a-f]{8,17}$/;
// t3.micro, c7gn.16xlarge, u-6tb1.metal, mac2-m2pro.metal
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;
// Key pair names: up to 255 ASCII characters, printable.
const KEY_NAME = /^[\x20-\x7e]{1,255}$/;
const POSITIVE_INTEGER = /^[1-9]\d{0,5}$/;

type Rule = [test: (value: string) => boolean, description: string];

const securityGroupList = (value: string) => splitList(value).length > 0 && splitList(value).every((id) => SECURITY_GROUP.test(id));

const SHARED_RULES = {
  subnetId: [(v) => SUBNET.test(v), 'must be a subnet id, subnet- and 8 or 17 hex digits'],
  securityGroupIds: [securityGroupList, 'must be comma-separated security group ids, each sg- and 8 or 17 hex digits'],
  keyName: [(v) => KEY_NAME.test(v), 'must be an EC2 key pair name, 1 to 255 printable ASCII characters'],
  instanceType: [(v) => INSTANCE_TYPE.test(v), 'must be an EC2 instance type such as t3.micro'],
} satisfies Record<string, Rule>;

const SETTING_RULES: Record<(typeof EC2_SETTING_NAMES)[number], Rule> = {
  region: [(v) => REGION.test(v), 'must be an AWS region such as eu-west-1'],
  endpoint: [isEndpoint, 'must be an http or https URL without credentials, query or fragment'],
  maxParallel: [(v) => POSITIVE_INTEGER.test(v), 'must be a positive integer (at most 999999)'],
  ...SHARED_RULES,
};

const OPTION_RULES: Record<(typeof EC2_OPTION_NAMES)[number], Rule> = {
  volumeSizeGB: [(v) => POSITIVE_INTEGER.test(v) && Number(v) <= MAX_VOLUME_GB, `must be a whole number of GB from 1 to ${MAX_VOLUME_GB}`],
  ...SHARED_RULES,
};

/** Violations of an `ec2` cloud's settings; `region` is required, unknown keys are violations. */
export function validateEc2Settings(settings: Record<string, string>): FieldViolation[] {
  const violations = check(settings, SETTING_RULES, 'settings', 'a setting');
  if (settings.region === undefined) violations.unshift({ field: 'settings.region', description: 'is required (an AWS region such as eu-west-1)' });
  return violations;
}

/** Violations of a component's options for `ec2`; unknown keys are violations. */
export function validateEc2Options(options: Record<string, string>): FieldViolation[] {
  return check(options, OPTION_RULES, 'options', 'an option');
}

/** Settings that passed {@link validateEc2Settings}, with defaults. */
export function parseEc2Settings(settings: Record<string, string>): Ec2Settings {
  return {
    region: settings.region!,
    endpoint: settings.endpoint,
    subnetId: settings.subnetId,
    securityGroupIds: settings.securityGroupIds === undefined ? [] : splitList(settings.securityGroupIds),
    keyName: settings.keyName,
    instanceType: settings.instanceType,
    maxParallel: settings.maxParallel === undefined ? DEFAULT_MAX_PARALLEL : Number(settings.maxParallel),
  };
}

/** Options that passed {@link validateEc2Options}. */
export function parseEc2Options(options: Record<string, string>): Ec2Options {
  return {
    instanceType: options.instanceType,
    subnetId: options.subnetId,
    securityGroupIds: options.securityGroupIds === undefined ? undefined : splitList(options.securityGroupIds),
    keyName: options.keyName,
    volumeSizeGB: options.volumeSizeGB === undefined ? undefined : Number(options.volumeSizeGB),
  };
}

function check(values: Record<string, string>, rules: Record<string, Rule>, prefix: string, what: string): FieldViolation[] {
  const violations: FieldViolation[] = [];
  for (const [key, value] of Object.entries(values)) {
    const rule = Object.hasOwn(rules, key) ? rules[key] : undefined;
    if (!rule) {
      violations.push({ field: `${prefix}.${key}`, description: `is not ${what} of the ec2 driver (known: ${Object.keys(rules).join(', ')})` });
    } else if (!rule[0](value)) {
      violations.push({ field: `${prefix}.${key}`, description: rule[1] });
    }
  }
  return violations;
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function isEndpoint(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && url.username === '' && url.password === '' && url.search === '' && url.hash === '';
}
