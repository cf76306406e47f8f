import { useEffect, useState } from 'preact/hooks';

/**
 * `value` once it has stopped changing for `ms`: typing a filter reopens the run stream once per pause, not once per
 * keystroke.
 */
export function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}
