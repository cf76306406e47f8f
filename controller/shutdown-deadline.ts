import { Worker } from 'node:worker_threads';

/**
 * Time a shutdown may take beyond the API's grace period: the steps around the drain (the engine's effects in
 * flight settling, handing runs back, closing the database) normally take well under a second.
 */
export const SHUTDOWN_MARGIN_MS = 5_000;

/** Exit code of a shutdown that overran its deadline (a step hung): a supervisor can tell it from a crash (1). */
export const EXIT_SHUTDOWN_OVERRAN = 4;

/** How long the watchdog thread gives the main thread's own deadline before it kills the process. */
const WATCHDOG_SLACK_MS = 1_000;

/**
 * Ends the process `graceMs + SHUTDOWN_MARGIN_MS` from now whatever a shutdown step does (issue 20: a stop that
 * hangs must not need a SIGKILL): with EXIT_SHUTDOWN_OVERRAN and, on stderr, the step `stuckIn` names. A main
 * thread that never returns to its event loop (a blocking call) would miss that timer: a thread of its own sends
 * the process SIGKILL a second later.
 */
export function armShutdownDeadline(graceMs: number, stuckIn: () => string | undefined): void {
  const deadlineMs = graceMs + SHUTDOWN_MARGIN_MS;
  setTimeout(() => {
    const step = stuckIn();
    process.stderr.write(
      `slipstream-controller: shutdown overran its deadline of ${deadlineMs} ms${step ? `, stuck in step '${step}'` : ''}; exiting with code ${EXIT_SHUTDOWN_OVERRAN}\n`,
    );
    process.exit(EXIT_SHUTDOWN_OVERRAN);
  }, deadlineMs).unref();
  // The numbers are written into the code, which needs neither `require` nor `import`: the worker inherits the
  // process's flags, and with --input-type=module its eval code is a module (no `require`) but is a script otherwise.
  const watchdog = new Worker(`setTimeout(() => process.kill(${process.pid}, 'SIGKILL'), ${deadlineMs + WATCHDOG_SLACK_MS});`, {
    eval: true,
    stdout: true,
    stderr: true,
  });
  // A watchdog that cannot start must not crash the shutdown it guards: the timer above still ends it.
  watchdog.on('error', () => undefined);
  watchdog.unref();
}
