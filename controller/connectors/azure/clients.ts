/**
 * The Azure SDK clients of one connector: the credential (a service
 * principal's client secret from the tenant's credentials, or an injected
 * one), and Compute and Network clients sharing the ARM endpoint, trust,
 * retry and failed-operation settings.
 */
import { ComputeManagementClient, type ComputeManagementClientOptionalParams } from '@azure/arm-compute';
import { NetworkManagementClient, type NetworkManagementClientOptionalParams } from '@azure/arm-network';
import { ClientSecretCredential, type TokenCredential } from '@azure/identity';
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
 * The credential for a connector: the injected one, else a client-secret
 * credential from `credentials`. Returns an `auth` ConnectorError (never
 * thrown here: the connector fails its calls with it) when fields are
 * missing or malformed; messages never contain the secret.
 */
export function resolveCredential(
  credentials: Record<string, string>,
  settings: AzureSettings,
  options: CompiledAzureDriverOptions,
): TokenCredential | ConnectorError {
  if (options.credential) return options.credential;
  const missing = AZURE_CREDENTIAL_FIELDS.filter((field) => !credentials[field]);
  if (missing.length > 0) {
    return new ConnectorError('auth', `azure: the tenant's credentials for this cloud lack ${missing.join(', ')} (a service principal's tenantId, clientId and clientSecret)`);
  }
  const { tenantId, clientId, clientSecret } = credentials as Record<(typeof AZURE_CREDENTIAL_FIELDS)[number], string>;
  if (!TENANT.test(tenantId)) return new ConnectorError('auth', 'azure: credential tenantId must be a GUID or a domain name');
  if (!GUID.test(clientId)) return new ConnectorError('auth', 'azure: credential clientId must be a GUID (the application id)');
  return new ClientSecretCredential(tenantId, clientId, clientSecret, {
    ...(settings.authorityHost !== undefined && { authorityHost: settings.authorityHost, disableInstanceDiscovery: true }),
    ...(options.trustedCaPem !== undefined && { tlsOptions: { ca: options.trustedCaPem } }),
  });
}

/** Compute and Network clients for `settings`' subscription and endpoint. */
export function createAzureClients(credential: TokenCredential, settings: AzureSettings, options: CompiledAzureDriverOptions): AzureClients {
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
