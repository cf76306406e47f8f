/**
 * A tenant's GCP credentials -> the auth client the Compute client signs its
 * calls with. Only service account keys are accepted: the credential JSON
 * comes from tenants, and other credential types (external_account, ...) can
 * make the auth library fetch URLs or run commands named inside them. Nothing
 * of the key ever appears in an error message.
 */
import { createPrivateKey } from 'node:crypto';
import type { AuthClient } from 'google-auth-library';
import { ConnectorError } from '../connector.js';

/** The credential field holding a service account key file's content. */
export const SERVICE_ACCOUNT_JSON = 'serviceAccountJson';

/** Read/write access to Compute Engine, nothing else. */
export const COMPUTE_SCOPE = 'https://www.googleapis.com/auth/compute';

/**
 * A JWT auth client for the `serviceAccountJson` credential. Checks the key
 * now and throws ConnectorError `auth` when it is missing or is no usable
 * service account key; makes the client once google-auth-library is loaded,
 * which is imported here rather than at controller start (issue 20). Its
 * token is fetched from Google's token endpoint on first use (the key's own
 * `token_uri` is ignored).
 */
export function serviceAccountAuthClient(credentials: Record<string, string>): Promise<AuthClient> {
  const json = credentials[SERVICE_ACCOUNT_JSON];
  if (json === undefined || json.trim() === '') {
    throw new ConnectorError('auth', `gcp: no credentials: the tenant has no ${SERVICE_ACCOUNT_JSON} (a service account key file's content) for this cloud`);
  }
  let key: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError('not an object');
    key = parsed as Record<string, unknown>;
  } catch {
    throw new ConnectorError('auth', `gcp: credential ${SERVICE_ACCOUNT_JSON} is not a JSON object (expected a service account key file)`);
  }
  if (key.type !== 'service_account') {
    throw new ConnectorError('auth', `gcp: credential ${SERVICE_ACCOUNT_JSON} must be a service account key (type service_account), not ${typeof key.type === 'string' ? JSON.stringify(key.type.slice(0, 40)) : 'missing'}`);
  }
  const email = key.client_email;
  const privateKey = key.private_key;
  if (typeof email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(email)) {
    throw new ConnectorError('auth', `gcp: credential ${SERVICE_ACCOUNT_JSON} has no valid client_email`);
  }
  if (typeof privateKey !== 'string' || !isPrivateKey(privateKey)) {
    throw new ConnectorError('auth', `gcp: credential ${SERVICE_ACCOUNT_JSON} of ${email} has no valid PEM private_key`);
  }
  const keyId = key.private_key_id;
  return import('google-auth-library').then(
    ({ JWT }) => new JWT({ email, key: privateKey, ...(typeof keyId === 'string' ? { keyId } : {}), scopes: [COMPUTE_SCOPE] }),
  );
}

function isPrivateKey(pem: string): boolean {
  try {
    return createPrivateKey(pem).type === 'private';
  } catch {
    return false;
  }
}
