/** Roles in increasing order of power; each includes the ones before it. */
export const ROLES = ['viewer', 'deployer', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** True when `role` includes everything `required` may do. */
export function roleAllows(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}

/** Narrows a stored or supplied string to a Role. */
export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
