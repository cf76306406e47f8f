/**
 * Who may read a password parameter's plaintext, and the audit trail of it:
 * every response masks passwords, except GetRunParameter with `reveal`, which
 * needs the deployer role (the role that launches runs, and so supplies their
 * passwords) and leaves an event on the run's journal.
 */
import type { Principal } from '../../auth/principal.js';
import { roleAllows, type Role } from '../../../common/roles.js';
import { PermissionDeniedError } from '../../../common/errors.js';
import type { JournalEntry } from '../../store/repositories/run-journal.js';

/** The lowest role that may reveal a password value. */
export const REVEAL_ROLE: Role = 'deployer';

/** Throws PERMISSION_DENIED, naming the role needed, when the caller may not reveal. */
export function requireRevealRole(principal: Principal): void {
  if (!roleAllows(principal.role, REVEAL_ROLE)) {
    throw new PermissionDeniedError(
      `GetRunParameter with reveal needs the ${REVEAL_ROLE} role; user '${principal.userName}' is ${principal.role}`,
      { requiredRole: REVEAL_ROLE },
    );
  }
}

/** The journal event of one reveal: `parameter KEY revealed` by `user:NAME`. */
export function revealEvent(key: string, principal: Principal): Omit<JournalEntry, 'kind'> {
  return { type: 'reveal', actor: `user:${principal.userName}`, subject: key, text: `parameter ${key} revealed` };
}
