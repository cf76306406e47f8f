/** The CLI's exit codes: scripts branch on these. */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  /** A run ended Aborted or Cancelled. */
  runAborted: 3,
  /** UNAUTHENTICATED or PERMISSION_DENIED. */
  auth: 4,
  /** Ctrl-C stopped a command that was waiting (128 + SIGINT, as shells report it). */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
