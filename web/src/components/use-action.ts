/** One API call started by a button or a form: busy while it runs, its refusal kept for the banner and the fields. */
import { useState } from 'preact/hooks';
import { problemOf, type ApiProblem } from '../api/errors.js';

export interface Action {
  busy: boolean;
  problem: ApiProblem | undefined;
  /** Runs `call`; resolves true when it succeeded. */
  run: (call: () => Promise<unknown>) => Promise<boolean>;
  clear: () => void;
  /** Shows a refusal found before calling (a form's own check), as the API's would be shown. */
  refuse: (problem: ApiProblem) => void;
}

export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ApiProblem>();
  return {
    busy,
    problem,
    clear: () => setProblem(undefined),
    refuse: setProblem,
    run: async (call) => {
      setBusy(true);
      setProblem(undefined);
      try {
        await call();
        return true;
      } catch (err) {
        setProblem(problemOf(err));
        return false;
      } finally {
        setBusy(false);
      }
    },
  };
}
