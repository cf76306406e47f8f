/**
 * A labelled form field with the API's violations of it shown beneath (google.rpc.BadRequest, by field path), tied
 * to the control by aria-describedby and aria-invalid.
 */
import type { ComponentChildren } from 'preact';
import type { ApiProblem } from '../api/errors.js';
import { FieldProblem } from '../components/problem.js';
import { invalidAttributes, messageIdOf } from '../components/field-attributes.js';

/** The attributes a control of field `field` carries: its id, invalid when the API named the field, described by its problem. */
export function fieldAttributes(id: string, field: string, problem: ApiProblem | undefined) {
  return { id, ...invalidAttributes(problem, field, id) } as const;
}

export function Field({ id, label, field, problem, children }: { id: string; label: string; field: string; problem: ApiProblem | undefined; children: ComponentChildren }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
      <span id={messageIdOf(id)}>
        <FieldProblem problem={problem} field={field} />
      </span>
    </div>
  );
}

/**
 * A form's banner: the refusal when no field of the form explains it, else only the violations of fields the form
 * does not show (each as "field: reason"). The form's own fields show theirs in place.
 */
export function FormProblem({ problem, fields }: { problem: ApiProblem | undefined; fields: readonly string[] }) {
  if (!problem) return null;
  const unmapped = [...problem.fields].filter(([field]) => !fields.includes(field));
  const mapped = problem.fields.size - unmapped.length;
  if (mapped > 0 && unmapped.length === 0) return null;
  return (
    <div class="problem" role="alert">
      {mapped === 0 && unmapped.length === 0 && problem.message}
      {unmapped.length > 0 && (
        <ul>
          {unmapped.map(([field, reasons]) => (
            <li key={field}>
              {field}: {reasons.join('; ')}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
