/**
 * What a CLI command may touch: its streams, environment and config file, and
 * a way to reach the controller. Commands receive these instead of reading
 * process globals, so tests run them with captured streams.
 */
import type { Writable } from 'node:stream';
import type { SlipstreamClient } from '../index.js';
import type { ReconnectPolicy } from './resuming-watch.js';

/** The command's view of the process. */
export interface CliIo {
  /** Data: what scripts consume. */
  stdout: Writable;
  /** Messages: progress, warnings, errors. */
  stderr: Writable;
  /** stdout is a terminal: tables instead of tab-separated lines. */
  isTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
  /** The config file (contexts); it may not exist yet. */
  configPath: string;
  /** stdout's size while it is a terminal (live views fit their frame to it); undefined elsewhere. */
  terminalSize?: () => TerminalSize | undefined;
  /**
   * Catches Ctrl-C while a command waits: until `release`, the first SIGINT
   * aborts `signal` instead of ending the process (a second one still does).
   * Absent: nothing interrupts.
   */
  trapInterrupt?: () => InterruptTrap;
  /** How `--wait`, `run watch` and `run logs --follow` reopen a broken watch; absent: DEFAULT_RECONNECT (tests shorten it). */
  reconnect?: ReconnectPolicy;
}

/** Columns and rows of a terminal. */
export interface TerminalSize {
  columns: number;
  rows: number;
}

/** A Ctrl-C trap from `trapInterrupt`. */
export interface InterruptTrap {
  signal: AbortSignal;
  release(): void;
}

/** Everything a command's `run` gets besides its options. */
export interface CliDeps extends CliIo {
  /** A client for the effective context; the caller of `run` closes it. Throws UsageError without an address. */
  connect(): SlipstreamClient;
}

/** Output formats of `--output`. */
export const OUTPUT_FORMATS = ['table', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Options every command accepts. */
export interface OutputOptions {
  output: OutputFormat;
}
