/**
 * Template names and references: `name` (latest) and `name@N` (pinned), the
 * same shape as module references, with a flat name (templates have no
 * folders).
 */
import type { TemplateReference } from './types.js';

/** 1 to 63 characters, lowercase: a name that is safe in a CI file, a URL and a run's record alike. */
export const TEMPLATE_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const VERSION_PATTERN = /^[1-9][0-9]{0,8}$/;

/** Why `name` cannot name a template, or undefined when it can. */
export function templateNameProblem(name: string): string | undefined {
  if (name === '') return 'is required';
  if (!TEMPLATE_NAME_PATTERN.test(name)) {
    return "must be 1 to 63 characters: lowercase letters, digits, '.', '_' or '-', starting with a letter or digit";
  }
  return undefined;
}

/** Why `text` is not `name` or `name@N`, or undefined when it is. */
export function templateReferenceProblem(text: string): string | undefined {
  const at = text.indexOf('@');
  const problem = templateNameProblem(at < 0 ? text : text.slice(0, at));
  if (problem) return `must be NAME or NAME@VERSION: the name ${problem}`;
  if (at >= 0 && !VERSION_PATTERN.test(text.slice(at + 1))) return `must be NAME or NAME@VERSION: version '${text.slice(at + 1)}' must be a positive integer`;
  return undefined;
}

/** Parses `name` or `name@N`; undefined when invalid. */
export function parseTemplateReference(text: string): TemplateReference | undefined {
  if (templateReferenceProblem(text) !== undefined) return undefined;
  const at = text.indexOf('@');
  return at < 0 ? { name: text } : { name: text.slice(0, at), version: Number(text.slice(at + 1)) };
}

/** Writes a reference as users do: `name` or `name@N`. */
export function formatTemplateReference(ref: TemplateReference): string {
  return ref.version === undefined ? ref.name : `${ref.name}@${ref.version}`;
}
