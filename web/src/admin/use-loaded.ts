import { useCallback, useEffect, useState } from 'preact/hooks';
import { problemOf, type ApiProblem } from '../api/errors.js';

export interface Loaded<T> {
  /** Undefined until the first load answered. */
  data: T | undefined;
  problem: ApiProblem | undefined;
  /** Loads again (after a change the section made); the shown data stays until the answer. */
  reload: () => void;
}

/** What `load` answers, loaded on mount and whenever `key` changes or `reload` is called. */
export function useLoaded<T>(load: () => Promise<T>, key: string = ''): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [problem, setProblem] = useState<ApiProblem | undefined>(undefined);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let current = true;
    load().then(
      (value) => {
        if (!current) return;
        setData(value);
        setProblem(undefined);
      },
      (err: unknown) => {
        if (current) setProblem(problemOf(err));
      },
    );
    return () => {
      current = false;
    };
    // `load` is a new function each render; what it loads changes with `key`.
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { data, problem, reload };
}
