/**
 * One labelled input of a form with the API's reasons against it: the input gets aria-invalid and is described by
 * its message, so that a screen reader reads the reason with the field.
 */
import type { ComponentChildren } from 'preact';
import type { ApiProblem } from '../api/errors.js';
import { FieldProblem } from '../components/problem.js';
import { inputIdOf, messageIdOf } from '../components/field-attributes.js';

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
        <span id={messageIdOf(inputIdOf(field))}>
          <FieldProblem problem={problem} field={field} />
        </span>
      </div>
    </div>
  );
}
