/**
 * The `azure` driver: Linux VMs in one resource group of one subscription,
 * made through Azure Resource Manager with the tenant's service principal
 * (tenantId, clientId, clientSecret). Each VM gets a NIC in the configured
 * subnet, the run's `#cloud-config` as customData, SSH-only sign-in and
 * Slipstream tags; deleting the VM deletes its NIC and OS disk.
 */
import { validateImage } from './image.js';
import { ConnectorError, type CapabilitiesReporter, type CloudConnector, type ConnectorContext, type ConnectorDriver, type ImageValidator } from '../connector.js';
import { AzureConnector, azureCapabilities } from './azure-connector.js';
import { createAzureClients, credentialProblem } from './clients.js';
import { compileAzureDriverOptions, type AzureDriverOptions } from './options.js';
import { parseAzureSettings, validateAzureOptions, validateAzureSettings } from './settings.js';

/** The name clouds use to pick this driver. */
export const AZURE_DRIVER_NAME = 'azure';

/**
 * Makes the `azure` driver; `options` (an injected credential, trusted CAs,
 * polling and retries) are compiled now and throw on bad values.
 */
export function createAzureDriver(options: AzureDriverOptions = {}): ConnectorDriver & CapabilitiesReporter & ImageValidator {
  const compiled = compileAzureDriverOptions(options);
  return {
    name: AZURE_DRIVER_NAME,
    capabilitiesOf: (settings: Record<string, string>) => azureCapabilities(parseAzureSettings(settings)),
    validateSettings: validateAzureSettings,
    validateOptions: validateAzureOptions,
    imageProblem: (image) => validateImage(image)[0]?.description,
    create(settings: Record<string, string>, context: ConnectorContext): CloudConnector {
      const violations = validateAzureSettings(settings);
      if (violations.length > 0) {
        throw new ConnectorError('invalid', `azure: ${violations.map((v) => `${v.field} ${v.description}`).join('; ')}`);
      }
      const parsed = parseAzureSettings(settings);
      const credentials = context.credentials;
      return new AzureConnector({
        settings: parsed,
        options: compiled,
        clients: credentialProblem(credentials, compiled) ?? (() => createAzureClients(credentials, parsed, compiled)),
        log: context.log.child({ driver: 'azure' }),
      });
    },
  };
}

export type { AzureDriverOptions } from './options.js';
export { AZURE_CREDENTIAL_FIELDS } from './clients.js';
export { validateImage, parseImage, type AzureImageReference } from './image.js';
export { azureVmName, AZURE_VM_NAME } from './names.js';
