/**
 * One labelled input of a form with the API's reasons against it: the input gets aria-invalid and is described by
 * its message, so that a screen reader reads the reason with the field.
 */
import type { ComponentChildren } from 'preact';
import type { ApiProblem } from '../api/errors.js';
import { FieldProblem } from '../components/problem.js';

/** An element id for a form key such as `parameters.web:port` (ids are safest without ':' and '.'). */
export function inputIdOf(field: string): string {
  return 'f-' + field.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`);
}

export const messageIdOf = (field: string): string => `${inputIdOf(field)}-problem`;

/** The attributes an input spreads to be marked invalid and described by its message. */
export function invalidAttributes(problem: ApiProblem | undefined, field: string): { 'aria-invalid'?: true; 'aria-describedby'?: string } {
  return problem?.fields.has(field) ? { 'aria-invalid': true, 'aria-describedby': messageIdOf(field) } : {};
}

interface Props {
  field: string;
  label: ComponentChildren;
  hint?: ComponentChildren;
  problem: ApiProblem | undefined;
  children: ComponentChildren;
}

export function FormField({ field, label, hint, problem, children }: Props) {
  return (
    <div class="form-field" data-field={field}>
      <label for={inputIdOf(field)}>{label}</label>
      <div class="control">
        {children}
        {hint && <span class="hint">{hint}</span>}
        <span id={messageIdOf(field)}>
          <FieldProblem problem={problem} field={field} />
        </span>
      </div>
    </div>
  );
}
