/**
 * How a form's input and the API's message under it are tied together: their ids, and the attributes that mark the
 * input invalid and described by its message, so that a screen reader reads the reason with the field.
 */
import type { ApiProblem } from '../api/errors.js';

/** An element id for a form key such as `parameters.web:port` (ids are safest without ':' and '.'). */
export function inputIdOf(field: string): string {
  return 'f-' + field.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`);
}

/** The id of the message under the input `inputId`. */
export const messageIdOf = (inputId: string): string => `${inputId}-problem`;

/** The attributes an input spreads to be marked invalid (the API named its field) and described by its message. */
export function invalidAttributes(
  problem: ApiProblem | undefined,
  field: string,
  inputId: string = inputIdOf(field),
): { 'aria-invalid'?: true; 'aria-describedby'?: string } {
  return problem?.fields.has(field) ? { 'aria-invalid': true, 'aria-describedby': messageIdOf(inputId) } : {};
}
