/**
 * The `ec2` driver: Amazon EC2 (or an API-compatible endpoint such as moto)
 * through the AWS SDK v3. A cloud's settings pick the region, endpoint and
 * network defaults; a tenant's credentials (`accessKeyId`, `secretAccessKey`,
 * optional `sessionToken`) sign the calls, else the SDK's default chain does.
 */
import type { EC2ClientConfig } from '@aws-sdk/client-ec2';
import { ConnectorError, type CapabilitiesReporter, type CloudConnector, type ConnectorContext, type ConnectorDriver, type ImageValidator } from '../connector.js';
import { Ec2Connector, ec2Capabilities } from './ec2-connector.js';
import { amiIdProblem } from './images.js';
import { parseEc2Settings, validateEc2Options, validateEc2Settings } from './settings.js';

/** The name clouds use to pick this driver. */
export const EC2_DRIVER_NAME = 'ec2';

/** What the composition root (or a test) may set; everything has a default. */
export interface Ec2DriverOptions {
  /** DescribeInstances page size for listings, 5 to 1000. Default 1000 (EC2's maximum). */
  listPageSize?: number;
  /** How long to wait for a TCP connection to the API. Default 10 s. */
  connectTimeoutMs?: number;
  /** How long one API call may take. Default 60 s. */
  requestTimeoutMs?: number;
}

/** Validated, defaulted, frozen options. */
export interface CompiledEc2DriverOptions {
  readonly listPageSize: number;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

/** The credential fields a tenant may store for an `ec2` cloud. */
export const EC2_CREDENTIAL_FIELDS = ['accessKeyId', 'secretAccessKey', 'sessionToken'] as const;

/** Applies defaults and validates once; throws with a message naming the option. */
export function compileEc2DriverOptions(input: Ec2DriverOptions = {}): CompiledEc2DriverOptions {
  const listPageSize = input.listPageSize ?? 1000;
  if (!Number.isInteger(listPageSize) || listPageSize < 5 || listPageSize > 1000) {
    throw new TypeError('ec2 driver: listPageSize must be an integer from 5 to 1000');
  }
  const connectTimeoutMs = input.connectTimeoutMs ?? 10_000;
  const requestTimeoutMs = input.requestTimeoutMs ?? 60_000;
  for (const [name, value] of [['connectTimeoutMs', connectTimeoutMs], ['requestTimeoutMs', requestTimeoutMs]] as const) {
    if (!Number.isInteger(value) || value <= 0) throw new TypeError(`ec2 driver: ${name} must be a positive integer of milliseconds`);
  }
  return Object.freeze({ listPageSize, connectTimeoutMs, requestTimeoutMs });
}

/** Makes the `ec2` driver; `options` are compiled now and throw on bad values. */
export function createEc2Driver(options: Ec2DriverOptions = {}): ConnectorDriver & CapabilitiesReporter & ImageValidator {
  const compiled = compileEc2DriverOptions(options);
  return {
    name: EC2_DRIVER_NAME,
    capabilitiesOf: (settings: Record<string, string>) => ec2Capabilities(parseEc2Settings(settings)),
    validateSettings: validateEc2Settings,
    validateOptions: validateEc2Options,
    imageProblem: amiIdProblem,
    create(settings: Record<string, string>, context: ConnectorContext): CloudConnector {
      const violations = validateEc2Settings(settings);
      if (violations.length > 0) {
        throw new ConnectorError('invalid', `ec2: ${violations.map((v) => `${v.field} ${v.description}`).join('; ')}`);
      }
      const parsed = parseEc2Settings(settings);
      const config: EC2ClientConfig = {
        region: parsed.region,
        ...(parsed.endpoint !== undefined ? { endpoint: parsed.endpoint } : {}),
        ...ec2Credentials(context.credentials),
        // One retry policy, the caller's (the scheduler's withRetries, which
        // honours retryAfterMs): SDK retries under it would multiply attempts.
        maxAttempts: 1,
        requestHandler: { connectionTimeout: compiled.connectTimeoutMs, requestTimeout: compiled.requestTimeoutMs },
      };
      return new Ec2Connector({
        clientConfig: config,
        settings: parsed,
        listPageSize: compiled.listPageSize,
        secrets: Object.values(context.credentials),
        log: context.log.child({ driver: 'ec2', region: parsed.region }),
      });
    },
  };
}

/**
 * The client's `credentials` from a tenant's fields; none at all means the
 * SDK's default chain (environment, profile, instance role). Half a key pair
 * or an unknown field fails (auth) rather than fall back to the controller's
 * own identity; messages name fields, never values.
 */
function ec2Credentials(fields: Record<string, string>): Pick<EC2ClientConfig, 'credentials'> {
  const unknown = Object.keys(fields).filter((key) => !(EC2_CREDENTIAL_FIELDS as readonly string[]).includes(key));
  if (unknown.length > 0) {
    throw new ConnectorError('auth', `ec2: credentials: unknown field(s) ${unknown.join(', ')} (known: ${EC2_CREDENTIAL_FIELDS.join(', ')})`);
  }
  const { accessKeyId, secretAccessKey, sessionToken } = fields;
  if (accessKeyId === undefined && secretAccessKey === undefined && sessionToken === undefined) return {};
  if (!accessKeyId || !secretAccessKey) {
    throw new ConnectorError('auth', 'ec2: credentials: accessKeyId and secretAccessKey go together (sessionToken is optional)');
  }
  return { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } };
}

export type { Ec2Settings, Ec2Options } from './settings.js';
export { EC2_TAG } from './instances.js';
