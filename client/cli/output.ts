/**
 * Renders command results: cli-table3 tables on a terminal, tab-separated
 * lines with a header elsewhere, JSON with `--output json`. Always stdout.
 */
import Table from 'cli-table3';
import type { CliIo, OutputFormat } from './deps.js';

/** One column of a listing. */
export interface Column<R> {
  header: string;
  value: (row: R) => string;
}

// Borderless, like `gh`: columns separated by two spaces.
const PLAIN_CHARS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '',
  'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
};

const oneLine = (value: string): string => value.replace(/[\t\r\n]+/g, ' ');

// cli-table3 pads every cell, the last one too; trailing blanks only get in the way.
const trimLines = (table: string): string => `${table.split('\n').map((l) => l.trimEnd()).join('\n')}\n`;

/** Writes `value` as indented JSON. */
export function printJson(io: Pick<CliIo, 'stdout'>, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Writes rows as a table (TTY), tab-separated lines (pipe) or `json(rows)` (json, default the rows). */
export function printRows<R>(
  io: Pick<CliIo, 'stdout' | 'isTTY'>,
  format: OutputFormat,
  columns: readonly Column<R>[],
  rows: readonly R[],
  json: (rows: readonly R[]) => unknown = (r) => r,
): void {
  if (format === 'json') return printJson(io, json(rows));
  const headers = columns.map((c) => c.header.toUpperCase());
  const cells = rows.map((row) => columns.map((c) => oneLine(c.value(row))));
  if (!io.isTTY) {
    io.stdout.write([headers, ...cells].map((line) => `${line.join('\t')}\n`).join(''));
    return;
  }
  const table = new Table({ head: headers, chars: PLAIN_CHARS, style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 } });
  table.push(...cells);
  io.stdout.write(trimLines(table.toString()));
}

/** Writes one object as `field  value` lines (as a table or tab-separated), or `json` as JSON. */
export function printRecord(
  io: Pick<CliIo, 'stdout' | 'isTTY'>,
  format: OutputFormat,
  fields: ReadonlyArray<readonly [string, string]>,
  json: unknown,
): void {
  if (format === 'json') return printJson(io, json);
  if (!io.isTTY) {
    io.stdout.write(fields.map(([k, v]) => `${k}\t${oneLine(v)}\n`).join(''));
    return;
  }
  const table = new Table({ chars: PLAIN_CHARS, style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 } });
  table.push(...fields.map(([k, v]) => [`${k}:`, v]));
  io.stdout.write(trimLines(table.toString()));
}

/** A time for humans and scripts alike: `2025-01-31T12:00:00Z`; empty when absent. */
export function formatTime(date: Date | undefined): string {
  return date === undefined || date.getTime() === 0 ? '' : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A secret shown as asterisks with its last four characters. */
export function maskSecret(secret: string | undefined): string {
  if (!secret) return '';
  return secret.length <= 8 ? '********' : `********${secret.slice(-4)}`;
}
