/**
 * The live view of a run. On a terminal it keeps one frame (a header with run
 * id, module, state and abort message, then one line per instance: name,
 * completed/VM state, statecustom, last log line) and redraws it in place
 * with ANSI cursor-up and clear-line. Elsewhere it prints a plain line only
 * when something changed: the run's state or abort message, an instance's
 * state or statecustom, an event (and log lines when asked for).
 */
import type { Writable } from 'node:stream';
import type { TerminalSize } from '../deps.js';
import type { InstanceStatus, RunWatchModel, WatchChange } from './run-watch-model.js';
import { formatLogLine } from './runs.js';

/** Options of a RunLiveView. */
export interface LiveViewOptions {
  out: Pick<Writable, 'write'>;
  /** Redraw one frame in place (a terminal) instead of printing changed lines. */
  redraw: boolean;
  /** Print log lines too (plain lines only; the frame always shows each instance's last one). */
  logs?: boolean;
  /** The terminal's size, read at each redraw: lines are cut to its width, the frame to its height. */
  terminalSize?: () => TerminalSize | undefined;
  /** Least time between two redraws, so log floods cost one frame per interval; default 100 ms. */
  redrawIntervalMs?: number;
}

const ESC = '\u001b[';
/** Cursor up `n` lines (n > 0: `ESC[0A` moves one line on most terminals). */
const cursorUp = (n: number): string => `${ESC}${n}A`;
const CLEAR_LINE = `${ESC}2K`;
const CLEAR_BELOW = `${ESC}J`;

// Control characters (a script's \r, \t or colours) would move the cursor and break the frame's geometry.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const clean = (text: string): string => text.replace(CONTROL, ' ');

/** `Provisioning/running`, `-/pending`, with the scale state when there is one. */
export function instanceState(i: InstanceStatus): string {
  return `${i.completed ?? '-'}/${i.vmState || '-'}${i.scaleState ? ` (${i.scaleState})` : ''}`;
}

/** Space-padded columns, two spaces apart, without trailing blanks. */
function alignRows(rows: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
}

/** Shows a RunWatchModel as it changes; call `close` when done. */
export class RunLiveView {
  private drawn = 0;
  private lastFrame = '';
  private lastDraw = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastHeader = '';
  private readonly lastInstanceLine = new Map<string, string>();

  constructor(
    private readonly model: RunWatchModel,
    private readonly options: LiveViewOptions,
  ) {}

  /** The frame's lines: header, abort message, column titles, one line per instance. */
  frame(): string[] {
    const m = this.model;
    const lines = [`run ${m.runId}  ${m.module}  ${m.state ?? 'unknown'}`];
    if (m.abortMessage !== undefined) lines.push(`abort: ${m.abortMessage}`);
    const instances = m.instanceList;
    if (instances.length > 0) {
      const rows = instances.map((i) => [i.name, instanceState(i), i.stateCustom, i.lastLog].map(clean));
      lines.push(...alignRows([['INSTANCE', 'COMPLETED/VM', 'STATUS', 'LAST LOG'], ...rows]));
    }
    return lines.map(clean);
  }

  /** Shows what one update changed. */
  show(changes: readonly WatchChange[]): void {
    if (changes.length === 0) return;
    if (this.options.redraw) this.scheduleDraw();
    else for (const change of changes) this.printChange(change);
  }

  /** Draws a pending redraw now (terminal), so the last frame is complete. */
  close(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.draw();
  }

  private scheduleDraw(): void {
    if (this.timer) return;
    const wait = this.lastDraw + (this.options.redrawIntervalMs ?? 100) - Date.now();
    if (wait <= 0) this.draw();
    else this.timer = setTimeout(() => {
      this.timer = undefined;
      this.draw();
    }, wait);
  }

  private draw(): void {
    const size = this.options.terminalSize?.();
    let lines = this.frame();
    if (size && size.rows > 1 && lines.length > size.rows - 1) {
      // Cursor-up cannot reach lines scrolled off the top: keep the frame within the screen.
      const keep = Math.max(size.rows - 2, 1);
      lines = [...lines.slice(0, keep), `... ${lines.length - keep} more line(s)`];
    }
    if (size && size.columns > 1) lines = lines.map((l) => l.slice(0, size.columns - 1));
    const frame = lines.join('\n');
    if (frame === this.lastFrame) return;
    this.lastFrame = frame;
    const up = this.drawn > 0 ? cursorUp(this.drawn) : '';
    this.options.out.write(`${up}${lines.map((l) => `${CLEAR_LINE}${l}\n`).join('')}${CLEAR_BELOW}`);
    this.drawn = lines.length;
    this.lastDraw = Date.now();
  }

  private printChange(change: WatchChange): void {
    const write = (line: string): void => void this.options.out.write(`${clean(line)}\n`);
    switch (change.kind) {
      case 'run': {
        const m = this.model;
        const abort = m.abortMessage === undefined ? '' : `  abort: ${m.abortMessage}`;
        const header = `run ${m.runId}  ${m.module}  ${m.state ?? 'unknown'}${abort}`;
        if (header !== this.lastHeader) write(header);
        this.lastHeader = header;
        return;
      }
      case 'instance': {
        const i = this.model.instanceList.find((s) => s.name === change.name);
        if (!i) return;
        const line = `  ${[i.name, instanceState(i), i.stateCustom].join('  ').trimEnd()}`;
        if (line !== this.lastInstanceLine.get(i.name)) write(line);
        this.lastInstanceLine.set(i.name, line);
        return;
      }
      case 'event':
        write(`event ${change.event.actor} ${change.event.type}: ${change.event.message}`);
        return;
      case 'log':
        if (this.options.logs) write(`log ${formatLogLine(change.line)}`);
        return;
    }
  }
}
