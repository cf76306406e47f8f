/** How clouds and quotas look in listings and JSON output (credentials never appear: no call returns them). */
import type { Cloud, CloudCapabilities, Quota } from '../../services/clouds.js';
import { formatTime, type Column } from '../output.js';

/** A cloud for output. */
export interface CloudView {
  name: string;
  driver: string;
  settings: Record<string, string>;
  /** Whether the caller's tenant has stored credentials for it. */
  hasCredential: boolean;
  capabilities: CloudCapabilities | undefined;
  /** Empty for built-in clouds. */
  createdAt: string;
}

/** Client cloud -> output shape (no wire message). */
export function cloudView(c: Cloud): CloudView {
  return {
    name: c.name,
    driver: c.driver,
    settings: c.settings,
    hasCredential: c.hasCredential,
    capabilities: c.capabilities,
    createdAt: formatTime(c.createdAt),
  };
}

/** `key=value, key=value`, in the server's order. */
function settingsText(settings: Record<string, string>): string {
  return Object.entries(settings)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

export const CLOUD_COLUMNS: Column<CloudView>[] = [
  { header: 'name', value: (c) => c.name },
  { header: 'driver', value: (c) => c.driver },
  { header: 'credential', value: (c) => (c.hasCredential ? 'yes' : '') },
  { header: 'settings', value: (c) => settingsText(c.settings) },
  { header: 'created', value: (c) => c.createdAt },
];

export const QUOTA_COLUMNS: Column<Quota>[] = [
  { header: 'tenant', value: (q) => q.tenant },
  { header: 'cloud', value: (q) => q.cloud },
  { header: 'max instances', value: (q) => String(q.maxInstances) },
  { header: 'used', value: (q) => String(q.usedInstances) },
];
