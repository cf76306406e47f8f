/**
 * The run's timeline on a <canvas>: a row per instance, a bar per barrier phase, the barriers as vertical lines across
 * every row, a time axis. Only the rows in view are drawn (1,000 instances scroll as smoothly as 10). The figure's
 * caption is its text alternative: the slowest instance of each phase.
 */
import { memo } from 'preact/compat';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { formatDuration } from '../components/format.js';
import type { RunStore } from './run-store.js';
import { stateLabel, type StateName } from '../components/run-states.js';
import { axisTicks } from './timeline-axis.js';
import { timelineModel, type TimelineBar, type TimelineModel } from './timeline-model.js';

const LABEL_WIDTH = 110;
const AXIS_HEIGHT = 26;
const ROW_HEIGHT = 18;
const BAR_HEIGHT = 12;
const RIGHT_PAD = 16;
const MAX_ROWS_IN_VIEW = 20;

const PHASE_COLOR_VARS: Partial<Record<StateName, string>> = {
  Provisioning: '--phase-provisioning',
  Executing: '--phase-executing',
  SendingReports: '--phase-sending-reports',
};

/** `changes` is RunStore.changes.timeline: a new value redraws it. */
export const Timeline = memo(function Timeline({ store, changes }: { store: RunStore; changes: number }) {
  // While the run moves, bars in progress grow with the clock, not only with updates.
  const now = useClock(!store.isFinal && store.phases.length > 0);
  // Derived once the history is replayed, not at each frame of the replay (thousands of completions, all redone).
  const replaying = store.replaying;
  const model = useMemo(
    () => timelineModel(replaying ? [] : store.phases, store.completions, store.orderedInstances().map((i) => i.name), now),
    [store, replaying ? -1 : changes, replaying ? 0 : now, replaying],
  );
  const scroller = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [width, setWidth] = useState(0);
  const [scheme, setScheme] = useState(0);
  const [hovered, setHovered] = useState<string>('');

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setWidth(element.clientWidth));
    observer.observe(element);
    setWidth(element.clientWidth);
    const media = matchMedia('(prefers-color-scheme: dark)');
    const onScheme = () => setScheme((n) => n + 1);
    media.addEventListener('change', onScheme);
    return () => {
      observer.disconnect();
      media.removeEventListener('change', onScheme);
    };
  }, []);

  const rowsInView = Math.min(Math.max(model.instances.length, 1), MAX_ROWS_IN_VIEW);
  const viewHeight = AXIS_HEIGHT + rowsInView * ROW_HEIGHT;
  const totalHeight = AXIS_HEIGHT + model.instances.length * ROW_HEIGHT;

  useEffect(() => {
    const element = canvas.current;
    if (element && width > 0) draw(element, model, width, viewHeight, scrollTop);
  }, [model, width, viewHeight, scrollTop, scheme]);

  const onMove = (event: MouseEvent) => setHovered(describeAt(model, event, scrollTop, width));

  return (
    <figure class="timeline" data-testid="timeline" data-bars={model.barCount} data-rows={model.instances.length}>
      <div class="timeline-scroll" ref={scroller} style={{ height: `${viewHeight}px` }} onScroll={(e) => setScrollTop((e.currentTarget as HTMLDivElement).scrollTop)}>
        <div style={{ height: `${totalHeight}px` }}>
          <canvas
            ref={canvas}
            class="timeline-canvas"
            role="img"
            aria-label={`Timeline of ${model.instances.length} instances: ${summary(model)}`}
            onMouseMove={onMove}
            onMouseLeave={() => setHovered('')}
          />
        </div>
      </div>
      <p class="timeline-hover muted" aria-hidden="true">
        {hovered || 'Point at a bar for its instance, phase and duration.'}
      </p>
      <figcaption data-testid="timeline-caption">
        <Legend />
        {replaying ? (
          <span class="muted" role="status">
            Reading the run's history…
          </span>
        ) : model.slowest.length === 0 ? (
          <span class="muted">No instance has started a phase yet.</span>
        ) : (
          <ul class="slowest">
            {model.slowest.map((slow, i) => (
              <li key={i}>
                Slowest in {stateLabel(slow.state)}: <strong>{slow.instance}</strong> {formatDuration(slow.durationMs)}
                {slow.done ? '' : ' (not completed)'}
              </li>
            ))}
          </ul>
        )}
      </figcaption>
    </figure>
  );
});

function Legend() {
  return (
    <span class="legend" aria-hidden="true">
      {Object.keys(PHASE_COLOR_VARS).map((state) => (
        <span key={state} class="legend-item" data-phase={state}>
          {stateLabel(state as StateName)}
        </span>
      ))}
      <span class="legend-item" data-phase="barrier">
        barrier
      </span>
    </span>
  );
}

function summary(model: TimelineModel): string {
  if (model.slowest.length === 0) return 'no phase started yet';
  return model.slowest.map((s) => `slowest in ${stateLabel(s.state)} ${s.instance}, ${formatDuration(s.durationMs)}${s.done ? '' : ' and not completed'}`).join('; ');
}

/** Date.now(), refreshed every second while `ticking`. */
function useClock(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return ticking ? now : Date.now();
}

interface Scale {
  x: (time: number) => number;
  plotWidth: number;
}

function scaleOf(model: TimelineModel, width: number): Scale {
  const plotWidth = Math.max(1, width - LABEL_WIDTH - RIGHT_PAD);
  const span = model.end - model.start;
  return { plotWidth, x: (time) => LABEL_WIDTH + ((time - model.start) / span) * plotWidth };
}

function draw(canvas: HTMLCanvasElement, model: TimelineModel, width: number, height: number, scrollTop: number): void {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  const css = getComputedStyle(canvas);
  // Each colour read once per drawing, not once per bar and stripe.
  const colors = new Map<string, string>();
  const color = (name: string) => {
    let value = colors.get(name);
    if (value === undefined) colors.set(name, (value = css.getPropertyValue(name).trim() || '#888'));
    return value;
  };
  const { x, plotWidth } = scaleOf(model, width);
  ctx.clearRect(0, 0, width, height);
  ctx.font = `11px ${css.fontFamily}`;
  ctx.textBaseline = 'middle';

  const first = Math.floor(scrollTop / ROW_HEIGHT);
  const last = Math.min(model.instances.length, first + Math.ceil((height - AXIS_HEIGHT) / ROW_HEIGHT) + 1);
  const offset = AXIS_HEIGHT - (scrollTop % ROW_HEIGHT);
  for (let row = first; row < last; row++) {
    const y = offset + (row - first) * ROW_HEIGHT;
    if (row % 2 === 1) {
      ctx.fillStyle = color('--timeline-stripe');
      ctx.fillRect(0, y, width, ROW_HEIGHT);
    }
    ctx.fillStyle = color('--text');
    ctx.fillText(model.instances[row]!, 6, y + ROW_HEIGHT / 2, LABEL_WIDTH - 12);
    for (const bar of model.bars[row]!) drawBar(ctx, bar, x, y, color);
  }

  // The axis stays on top of the rows scrolled under it.
  ctx.fillStyle = color('--panel');
  ctx.fillRect(0, 0, width, AXIS_HEIGHT);
  ctx.strokeStyle = color('--line');
  ctx.beginPath();
  ctx.moveTo(LABEL_WIDTH, AXIS_HEIGHT - 0.5);
  ctx.lineTo(LABEL_WIDTH + plotWidth, AXIS_HEIGHT - 0.5);
  ctx.stroke();
  ctx.fillStyle = color('--muted');
  for (const tick of axisTicks(model.end - model.start, plotWidth)) {
    const tx = Math.round(x(model.start + tick)) + 0.5;
    ctx.fillRect(tx, AXIS_HEIGHT - 5, 1, 5);
    ctx.fillText(tick === 0 ? '0s' : `+${formatDuration(tick)}`, tx + 3, 9);
  }
  ctx.strokeStyle = color('--timeline-barrier');
  ctx.setLineDash([4, 3]);
  for (const barrier of model.barriers) {
    const bx = Math.round(x(barrier.time)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(bx, AXIS_HEIGHT - 8);
    ctx.lineTo(bx, height);
    ctx.stroke();
  }
  ctx.setLineDash([]);
}

function drawBar(ctx: CanvasRenderingContext2D, bar: TimelineBar, x: (t: number) => number, y: number, color: (name: string) => string): void {
  const left = x(bar.start);
  const barWidth = Math.max(2, x(bar.end) - left);
  const top = y + (ROW_HEIGHT - BAR_HEIGHT) / 2;
  ctx.fillStyle = color(PHASE_COLOR_VARS[bar.state] ?? '--muted');
  ctx.globalAlpha = bar.done ? 1 : 0.45;
  ctx.fillRect(left, top, barWidth, BAR_HEIGHT);
  ctx.globalAlpha = 1;
  if (!bar.done) {
    ctx.strokeStyle = color(PHASE_COLOR_VARS[bar.state] ?? '--muted');
    ctx.strokeRect(left + 0.5, top + 0.5, barWidth - 1, BAR_HEIGHT - 1);
  }
}

/** The bar under the pointer, in words. */
function describeAt(model: TimelineModel, event: MouseEvent, scrollTop: number, width: number): string {
  const target = event.currentTarget as HTMLCanvasElement;
  const rect = target.getBoundingClientRect();
  const px = event.clientX - rect.left;
  const py = event.clientY - rect.top;
  if (py < AXIS_HEIGHT || px < LABEL_WIDTH) return '';
  const row = Math.floor((py - AXIS_HEIGHT + scrollTop) / ROW_HEIGHT);
  const instance = model.instances[row];
  if (!instance) return '';
  const { plotWidth } = scaleOf(model, width);
  const time = model.start + ((px - LABEL_WIDTH) / plotWidth) * (model.end - model.start);
  const bar = model.bars[row]!.find((b) => b.start <= time && time <= b.end);
  if (!bar) return instance;
  return `${instance} — ${stateLabel(bar.state)}: ${formatDuration(bar.end - bar.start)}${bar.done ? ', completed' : ', not completed'}`;
}
