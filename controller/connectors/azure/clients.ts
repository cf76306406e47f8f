/**
 * The Azure SDK clients of one connector: the credential (a service
 * principal's client secret from the tenant's credentials, or an injected
 * one), and Compute and Network clients sharing the ARM endpoint, trust,
 * retry and failed-operation settings. The SDK is imported when a connector
 * first calls Azure, not at controller start (issue 20: with its identity
 * library it holds about 19 MB of heap and 5 MB of parsed source).
 */
import type { ComputeManagementClient, ComputeManagementClientOptionalParams } from '@azure/arm-compute';
import type { NetworkManagementClient, NetworkManagementClientOptionalParams } from '@azure/arm-network';
import type { TokenCredential } from '@azure/identity';
import { ConnectorError } from '../connector.js';
import { failedOperationPolicy } from './errors.js';
import type { CompiledAzureDriverOptions } from './options.js';
import { GUID, type AzureSettings } from './settings.js';

/** The credential fields a tenant stores for an `azure` cloud. */
export const AZURE_CREDENTIAL_FIELDS = ['tenantId', 'clientId', 'clientSecret'] as const;

/** A directory (tenant) id: a GUID or a domain such as contoso.onmicrosoft.com. */
const TENANT = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[A-Za-z0-9][-A-Za-z0-9.]{0,252}[A-Za-z0-9])$/i;

/** The SDK clients a connector calls. */
export interface AzureClients {
  compute: ComputeManagementClient;
  network: NetworkManagementClient;
}

/**
 * Why `credentials` cannot make a connector's credential, as an `auth`
 * ConnectorError (never thrown here: the connector fails its calls with it),
 * or undefined when they can or a credential is injected. Messages never
 * contain the secret.
 */
export function credentialProblem(credentials: Record<string, string>, options: CompiledAzureDriverOptions): ConnectorError | undefined {
  if (options.credential) return undefined;
  const missing = AZURE_CREDENTIAL_FIELDS.filter((field) => !credentials[field]);
  if (missing.length > 0) {
    return new ConnectorError('auth', `azure: the tenant's credentials for this cloud lack ${missing.join(', ')} (a service principal's tenantId, clientId and clientSecret)`);
  }
  const { tenantId, clientId } = credentials as Record<(typeof AZURE_CREDENTIAL_FIELDS)[number], string>;
  if (!TENANT.test(tenantId)) return new ConnectorError('auth', 'azure: credential tenantId must be a GUID or a domain name');
  if (!GUID.test(clientId)) return new ConnectorError('auth', 'azure: credential clientId must be a GUID (the application id)');
  return undefined;
}

/**
 * The connector's credential (the injected one, else a client-secret
 * credential from `credentials`, which {@link credentialProblem} accepted) and
 * Compute and Network clients for `settings`' subscription and endpoint.
 */
export async function createAzureClients(
  credentials: Record<string, string>,
  settings: AzureSettings,
  options: CompiledAzureDriverOptions,
): Promise<AzureClients> {
  const [{ ComputeManagementClient }, { NetworkManagementClient }, { ClientSecretCredential }] = await Promise.all([
    import('@azure/arm-compute'),
    import('@azure/arm-network'),
    import('@azure/identity'),
  ]);
  const { tenantId, clientId, clientSecret } = credentials as Record<(typeof AZURE_CREDENTIAL_FIELDS)[number], string>;
  const credential: TokenCredential =
    options.credential ??
    new ClientSecretCredential(tenantId, clientId, clientSecret, {
      ...(settings.authorityHost !== undefined && { authorityHost: settings.authorityHost, disableInstanceDiscovery: true }),
      ...(options.trustedCaPem !== undefined && { tlsOptions: { ca: options.trustedCaPem } }),
    });
  // A sovereign cloud's (or a test server's) ARM endpoint is also its token audience.
  const scope = `${settings.endpoint}/.default`;
  const common = {
    endpoint: settings.endpoint,
    retryOptions: { maxRetries: options.maxRetries, retryDelayInMs: options.retryDelayMs },
    userAgentOptions: { userAgentPrefix: 'slipstream' },
    ...(options.trustedCaPem !== undefined && { tlsOptions: { ca: options.trustedCaPem } }),
  };
  const computeOptions: ComputeManagementClientOptionalParams = {
    ...common,
    credentials: { scopes: [scope] },
    additionalPolicies: [{ policy: failedOperationPolicy(), position: 'perCall' }],
  };
  const networkOptions: NetworkManagementClientOptionalParams = {
    ...common,
    credentialScopes: [scope],
    additionalPolicies: [{ policy: failedOperationPolicy(), position: 'perCall' }],
  };
  return {
    compute: new ComputeManagementClient(credential, settings.subscriptionId, computeOptions),
    network: new NetworkManagementClient(credential, settings.subscriptionId, networkOptions),
  };
}
