/**
 * The `gcp` driver: Compute Engine VMs in one project and zone per cloud,
 * booted by cloud-init from the `user-data` metadata item. Settings:
 * `project`, `zone` (required), `network`, `subnetwork`, `machineType`,
 * `externalIp`, `endpoint`, `maxParallel`. Component options: `machineType`,
 * `diskSizeGB`, `subnetwork`, `tags`. Credentials: `serviceAccountJson`.
 */
import { ConnectorError, type CapabilitiesReporter, type CloudConnector, type ConnectorContext, type ConnectorDriver, type ImageValidator } from '../connector.js';
import { GcpConnector, gcpCapabilities } from './gcp-connector.js';
import { compileGcpDriverOptions, type GcpDriverOptions } from './options.js';
import { checkGcpImage, parseGcpSettings, validateGcpOptions, validateGcpSettings } from './settings.js';

/** The name clouds use to pick this driver. */
export const GCP_DRIVER_NAME = 'gcp';

/**
 * Makes the `gcp` driver; `options` (how credentials become an auth client,
 * operation deadlines) are compiled now and throw on bad values.
 */
export function createGcpDriver(options: GcpDriverOptions = {}): ConnectorDriver & CapabilitiesReporter & ImageValidator {
  const compiled = compileGcpDriverOptions(options);
  return {
    name: GCP_DRIVER_NAME,
    capabilitiesOf: (settings: Record<string, string>) => gcpCapabilities(parseGcpSettings(settings)),
    validateSettings: validateGcpSettings,
    validateOptions: validateGcpOptions,
    imageProblem: checkGcpImage,
    /** Throws ConnectorError `invalid` for bad settings, `auth` for missing or unusable credentials. */
    create(settings: Record<string, string>, context: ConnectorContext): CloudConnector {
      const violations = validateGcpSettings(settings);
      if (violations.length > 0) {
        throw new ConnectorError('invalid', `gcp: ${violations.map((v) => `${v.field} ${v.description}`).join('; ')}`);
      }
      let authClient;
      try {
        authClient = compiled.authClient(context.credentials);
      } catch (err) {
        if (err instanceof ConnectorError) throw err;
        throw new ConnectorError('auth', 'gcp: the credentials could not make an auth client', { cause: err });
      }
      return new GcpConnector({
        settings: parseGcpSettings(settings),
        options: compiled,
        authClient,
        log: context.log.child({ driver: 'gcp' }),
      });
    },
  };
}

export type { GcpDriverOptions } from './options.js';
export { SERVICE_ACCOUNT_JSON, COMPUTE_SCOPE } from './auth.js';
export { checkGcpImage } from './settings.js';
export { instanceName } from './naming.js';
