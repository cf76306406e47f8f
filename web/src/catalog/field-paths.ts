/**
 * The controller names a refused field by its path in the request: `default_cloud`, `tags[0]`,
 * `multiplicities.web`, `parameters.web:port`, or with a quoted key where the key is not plain
 * (`parameters["web:port"]`). The launch form keys its inputs by one spelling of these paths, the dotted one, so a
 * violation finds its input whichever spelling the server used.
 */
import type { ApiProblem } from '../api/errors.js';

const QUOTED_KEY = /\["((?:[^"\\]|\\.)*)"\]/g;

/** `parameters["web:port"]` -> `parameters.web:port`; a path already dotted is returned as it is. */
export function canonicalField(path: string): string {
  return path.replace(QUOTED_KEY, (whole, inner: string) => {
    try {
      return `.${JSON.parse(`"${inner}"`) as string}`;
    } catch {
      return whole;
    }
  });
}

/** The form's key of a map entry of a request field: `mapField('parameters', 'web:port')`. */
export const mapField = (field: string, key: string): string => `${field}.${key}`;

/** The form's key of a list element of a request field: `listField('tags', 0)`. */
export const listField = (field: string, index: number): string => `${field}[${index}]`;

/**
 * Where a violation is shown: its own input, or (for a violation about something an input leads to, e.g. a node's
 * image on the cloud chosen for it) that input; `about` names the element of a list input the reason is about
 * (`'bad tag'`). Undefined when no input of the form is about it.
 */
export type FieldResolver = (canonical: string) => { field: string; about?: string } | undefined;

export interface FieldProblems {
  /** Form key -> reasons, for FieldProblem. */
  byField: ApiProblem;
  /** Violations no input shows, `field: reason`, for the banner. */
  unplaced: string[];
}

/** Splits the API's violations into those shown at an input and the rest. */
export function placeProblems(problem: ApiProblem, resolve: FieldResolver): FieldProblems {
  const fields = new Map<string, string[]>();
  const unplaced: string[] = [];
  for (const [path, reasons] of problem.fields) {
    const target = resolve(canonicalField(path));
    if (target === undefined) {
      unplaced.push(...reasons.map((reason) => `${path}: ${reason}`));
    } else {
      const said = target.about === undefined ? reasons : reasons.map((reason) => `${target.about}: ${reason}`);
      fields.set(target.field, [...(fields.get(target.field) ?? []), ...said]);
    }
  }
  return { byField: { ...problem, fields }, unplaced };
}
