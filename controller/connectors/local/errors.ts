/**
 * The local driver's one place for turning operating-system errors (errno
 * codes from the file system and process spawning) into ConnectorErrors.
 */
import { ConnectorError } from '../connector.js';

/** Wraps `err` from the OS as a ConnectorError saying what `action` failed. */
export function toConnectorError(err: unknown, action: string): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const reason = err instanceof Error ? err.message : String(err);
  const message = `local: ${action}: ${reason}`;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
    case 'ENOMEM':
      return new ConnectorError('capacity', message, { cause: err });
    case 'EMFILE':
    case 'ENFILE':
    case 'EAGAIN':
    case 'EBUSY':
      return new ConnectorError('transient', message, { cause: err });
    case 'ENOENT':
    case 'EACCES':
    case 'EPERM':
    case 'ENOTDIR':
    case 'EISDIR':
    case 'EROFS':
      // A missing agent bundle or an unwritable data folder: retrying will not help.
      return new ConnectorError('invalid', message, { cause: err });
    default:
      return new ConnectorError('transient', message, { cause: err });
  }
}
