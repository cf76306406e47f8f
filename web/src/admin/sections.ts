/** The admin pages' sections, in the order the tabs show them; tenants only for the operator tenant's admins. */
import type { Caller } from '../api/caller.js';

export interface AdminSection {
  id: string;
  label: string;
}

const SECTIONS: readonly (AdminSection & { operatorOnly?: boolean })[] = [
  { id: 'users', label: 'Users' },
  { id: 'tokens', label: 'Tokens' },
  { id: 'clouds', label: 'Clouds' },
  { id: 'quotas', label: 'Quotas' },
  { id: 'tenants', label: 'Tenants', operatorOnly: true },
];

export function sectionsFor(caller: Caller): AdminSection[] {
  return SECTIONS.filter((section) => !section.operatorOnly || caller.operatorTenant).map(({ id, label }) => ({ id, label }));
}
