/**
 * Which rows of a long list to render: the ones in view plus a few either side, so that a table of 1,000 rows keeps
 * about 40 in the DOM and scrolls without a jank.
 */
import { useLayoutEffect, useRef, useState } from 'preact/hooks';

export interface RowWindow {
  first: number;
  /** One past the last row to render. */
  end: number;
  /** Pixels of the rows above `first` and below `end`, kept as spacers so that the scroll bar stays true. */
  before: number;
  after: number;
}

export function rowWindow(count: number, rowHeight: number, scrollTop: number, viewHeight: number, overscan = 8): RowWindow {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const end = Math.min(count, Math.ceil((scrollTop + viewHeight) / rowHeight) + overscan);
  return { first, end: Math.max(first, end), before: first * rowHeight, after: Math.max(0, count - Math.max(first, end)) * rowHeight };
}

/** The scroll position and height of a scrolling element, for rowWindow. */
export function useScrollView<T extends HTMLElement>(initialHeight: number) {
  const ref = useRef<T>(null);
  const [view, setView] = useState({ scrollTop: 0, height: initialHeight });
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const update = () => setView({ scrollTop: element.scrollTop, height: element.clientHeight || initialHeight });
    const observer = new ResizeObserver(update);
    observer.observe(element);
    element.addEventListener('scroll', update, { passive: true });
    update();
    return () => {
      observer.disconnect();
      element.removeEventListener('scroll', update);
    };
  }, [initialHeight]);
  return { ref, ...view };
}
