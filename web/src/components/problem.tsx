import type { ApiProblem } from '../api/errors.js';

/** A refused or failed request, said in one banner (role="alert" so that assistive technology reads it). */
export function ProblemBanner({ problem }: { problem: ApiProblem | undefined }) {
  if (!problem) return null;
  return (
    <p class="problem" role="alert">
      {problem.message}
    </p>
  );
}

/** A field's violations from the API, shown under the field. */
export function FieldProblem({ problem, field }: { problem: ApiProblem | undefined; field: string }) {
  const reasons = problem?.fields.get(field);
  if (!reasons?.length) return null;
  return (
    <span class="field-problem" role="alert" data-field={field}>
      {reasons.join('; ')}
    </span>
  );
}
