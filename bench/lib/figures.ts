/**
 * A benchmark figure: what was measured, against which target and which
 * baseline of the same run, and whether it passed. Printed as a table and
 * written as JSON.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import Table from 'cli-table3';
import type { SimLogKind } from '../../controller/connectors/sim/sim-protocol.js';
import type { BenchSource } from './source.js';

export interface Baseline {
  name: string;
  value: number;
  unit: string;
}

export interface Figure {
  scenario: string;
  figure: string;
  value: number;
  unit: string;
  /** `<= 300 ms`, `>= 1.0x raw-unary`; empty when the figure is informative only. */
  target: string;
  baseline?: Baseline;
  /** The same thing measured on another system (etcd) in this run, shown beside it; never part of the target. */
  peer?: Baseline;
  /** value / baseline.value, when a baseline is given. */
  ratio?: number;
  /** undefined for informative figures. */
  pass: boolean | undefined;
}

/** A figure with an absolute upper bound (and an optional baseline shown beside it). */
export function atMost(scenario: string, figure: string, value: number, unit: string, limit: number, baseline?: Baseline): Figure {
  return withBaseline({ scenario, figure, value, unit, target: `<= ${limit} ${unit}`, pass: value <= limit }, baseline);
}

/** A figure that must be at most `factor` times its baseline. */
export function atMostTimes(scenario: string, figure: string, value: number, unit: string, factor: number, baseline: Baseline): Figure {
  return withBaseline({ scenario, figure, value, unit, target: `<= ${factor}x ${baseline.name}`, pass: value <= factor * baseline.value }, baseline);
}

/** A figure that must be at least `factor` times its baseline. */
export function atLeastTimes(scenario: string, figure: string, value: number, unit: string, factor: number, baseline: Baseline): Figure {
  return withBaseline({ scenario, figure, value, unit, target: `>= ${factor}x ${baseline.name}`, pass: value >= factor * baseline.value }, baseline);
}

/** A figure that must hold exactly (data checks: lost sets, duplicate phases). */
export function exactly(scenario: string, figure: string, value: number, unit: string, expected: number): Figure {
  return { scenario, figure, value, unit, target: `= ${expected}`, pass: value === expected };
}

export function info(scenario: string, figure: string, value: number, unit: string, baseline?: Baseline): Figure {
  return withBaseline({ scenario, figure, value, unit, target: '', pass: undefined }, baseline);
}

/** `figure` with `peer` beside it; unchanged when there is no peer (its system is not installed). */
export function withPeer(figure: Figure, peer: Baseline | undefined): Figure {
  return peer ? { ...figure, peer } : figure;
}

function withBaseline(figure: Figure, baseline: Baseline | undefined): Figure {
  if (!baseline) return figure;
  return { ...figure, baseline, ratio: baseline.value === 0 ? undefined : figure.value / baseline.value };
}

function round(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  return abs >= 1000 ? value.toFixed(0) : abs >= 10 ? value.toFixed(1) : value.toFixed(abs >= 1 ? 2 : 3);
}

/** The table every run prints. */
export function renderTable(figures: readonly Figure[]): string {
  const table = new Table({ head: ['scenario', 'figure', 'value', 'baseline (same run)', 'ratio', 'peer (same run)', 'target', 'result'] });
  for (const f of figures) {
    table.push([
      f.scenario,
      f.figure,
      `${round(f.value)} ${f.unit}`,
      f.baseline ? `${f.baseline.name}: ${round(f.baseline.value)} ${f.baseline.unit}` : '',
      f.ratio === undefined ? '' : `${round(f.ratio)}x`,
      f.peer ? `${f.peer.name}: ${round(f.peer.value)} ${f.peer.unit}` : '',
      f.target,
      f.pass === undefined ? '' : f.pass ? 'pass' : 'FAIL',
    ]);
  }
  return table.toString();
}

export interface BenchReport {
  startedAt: string;
  mode: 'full' | 'quick';
  /** The scenarios run, when --only chose some (absent: all of them). */
  scenarios?: string[];
  durationSeconds: number;
  /** The code measured: its commit and the files that differed from it. */
  source: BenchSource;
  /** Worker processes the sim agents ran in (the harness shares the cores with the controller). */
  simWorkers: number;
  /** somaxconn: net.core.somaxconn, the kernel's cap on the controller's accept queue (null where unreadable). */
  machine: { cpus: number; node: string; totalMemoryBytes: number; somaxconn: number | null };
  figures: Figure[];
  /** The judged figures (those with a target) met and missed, the missed ones named: the run's verdict at a glance. */
  targets: { met: number; missed: string[] };
  /** Data checks that failed (lost sets or completions, duplicate phases, agents that gave up). */
  dataLoss: string[];
  /** The sim agents' warnings and errors, counted by message (the workers do not print them). */
  agentLogs: SimLogKind[];
}

/** Which judged figures met their targets; a figure is named by its scenario and its line (an indented line after the figure it belongs to). */
export function targetVerdict(figures: readonly Figure[]): BenchReport['targets'] {
  let heading = '';
  const missed: string[] = [];
  let met = 0;
  for (const f of figures) {
    if (!f.figure.startsWith(' ')) heading = f.figure;
    if (f.pass === true) met++;
    else if (f.pass === false) missed.push(`${f.scenario}: ${f.figure.startsWith(' ') ? `${heading} /${f.figure.trimStart()}` : f.figure} (${f.target})`);
  }
  return { met, missed };
}

export function writeReport(path: string, report: BenchReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}
