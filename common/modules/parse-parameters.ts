/**
 * Parameters of a component document: their definitions (name, category,
 * type, enum values, default) and the rule a parameter value must follow,
 * which defaults, enum values and mapped literals share.
 */
import {
  isAbsent,
  isFields,
  itemsOf,
  listPreview,
  nulProblem,
  oneOf,
  optionalText,
  preview,
  report,
  reportUnknownFields,
  requiredText,
  scalarText,
  utf8Length,
  type Sink,
} from './field-readers.js';
import { MAX_DESCRIPTION_LENGTH, MAX_ENUM_VALUES, MAX_PARAMETER_VALUE_BYTES, MAX_PARAMETERS } from './limits.js';
import { parameterNameProblem } from './refs.js';
import { PARAMETER_CATEGORIES, PARAMETER_TYPES, type ParameterDefinition, type ParameterType } from './types.js';

const PARAMETER_FIELDS = ['name', 'category', 'type', 'values', 'default', 'description', 'required'];
const INT_PATTERN = /^-?\d+$/;

/**
 * Why `value` is not a valid value of a parameter of `type` (with `values` for
 * an enum), or undefined when it fits. Used for defaults and mapped literals.
 */
export function parameterValueProblem(type: ParameterType, values: readonly string[] | undefined, value: string): string | undefined {
  const bytes = utf8Length(value);
  if (bytes > MAX_PARAMETER_VALUE_BYTES) {
    return `is too large: ${bytes} bytes, at most ${MAX_PARAMETER_VALUE_BYTES} (64 KiB)`;
  }
  const nul = nulProblem(value);
  if (nul) return nul;
  switch (type) {
    case 'int':
      return INT_PATTERN.test(value) && Number.isSafeInteger(Number(value))
        ? undefined
        : `${preview(value)} is not an int: must be an integer from -${Number.MAX_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}`;
    case 'boolean':
      return value === 'true' || value === 'false' ? undefined : `${preview(value)} is not a boolean: must be true or false`;
    case 'enum':
      return values?.includes(value) ? undefined : `${preview(value)} is not one of the enum values (${listPreview(values ?? [])})`;
    default:
      return undefined;
  }
}

/**
 * A component's `parameters` list, each definition normalized; invalid ones
 * are reported into `sink` (and kept with placeholders so indexes stay stable).
 */
export function parseParameters(value: unknown, sink: Sink): ParameterDefinition[] {
  const items = itemsOf(value, 'parameters', 'parameter definitions', sink) ?? [];
  if (items.length > MAX_PARAMETERS) {
    report(sink, 'parameters', `must have at most ${MAX_PARAMETERS} parameters (got ${items.length})`);
  }
  const first = new Map<string, number>();
  return items.map((item, i) => {
    const parameter = parseParameter(item, `parameters[${i}]`, sink);
    if (parameter.name !== '') {
      const j = first.get(parameter.name);
      if (j !== undefined) report(sink, `parameters[${i}].name`, `duplicate parameter '${parameter.name}' (also at parameters[${j}])`);
      else first.set(parameter.name, i);
    }
    return parameter;
  });
}

function parseParameter(value: unknown, base: string, sink: Sink): ParameterDefinition {
  if (!isFields(value)) {
    report(sink, base, 'must be a mapping with name, category, type, values, default, description, required');
    return { name: '', category: 'input', type: 'string' };
  }
  reportUnknownFields(value, PARAMETER_FIELDS, base, sink);
  const name = requiredText(value.name, `${base}.name`, sink);
  const nameOk = name !== undefined && !report(sink, `${base}.name`, parameterNameProblem(name));
  const category = oneOf(value.category, PARAMETER_CATEGORIES, `${base}.category`, sink);
  const type = oneOf(value.type, PARAMETER_TYPES, `${base}.type`, sink);
  const values = parseEnumValues(value.values, type, `${base}.values`, sink);
  const fallback = parseDefault(value.default, type, values, `${base}.default`, sink);
  const description = optionalText(value.description, `${base}.description`, sink, MAX_DESCRIPTION_LENGTH);
  let required = false;
  if (!isAbsent(value.required)) {
    if (typeof value.required !== 'boolean') report(sink, `${base}.required`, 'must be true or false');
    else required = value.required;
  }
  if (category === 'output' && required) {
    report(sink, `${base}.required`, 'an output cannot be required; only inputs are supplied');
  }
  return {
    name: nameOk ? name : '',
    category: category ?? 'input',
    type: type ?? 'string',
    ...(values !== undefined && { values }),
    ...(fallback !== undefined && { default: fallback }),
    ...(description !== undefined && { description }),
    ...(required && { required }),
  };
}

/** The values of an enum (undefined for other types or when invalid). */
function parseEnumValues(value: unknown, type: ParameterType | undefined, field: string, sink: Sink): string[] | undefined {
  const items = itemsOf(value, field, 'values', sink);
  if (items === undefined || type === undefined) return undefined;
  if (type !== 'enum') {
    if (items.length > 0) report(sink, field, `only an enum parameter has values; a ${type} parameter must have none`);
    return undefined;
  }
  if (items.length === 0) return void report(sink, field, 'an enum parameter needs at least one value');
  if (items.length > MAX_ENUM_VALUES) report(sink, field, `must have at most ${MAX_ENUM_VALUES} values (got ${items.length})`);
  const values: string[] = [];
  let valid = true;
  items.forEach((item, i) => {
    const text = scalarText(item);
    const problem =
      text === undefined ? 'must be a string, number or boolean'
      : text === '' ? 'must not be empty'
      : values.includes(text) ? `duplicate value '${text}'`
      : parameterValueProblem('string', undefined, text);
    if (report(sink, `${field}[${i}]`, problem)) valid = false;
    else if (text !== undefined) values.push(text);
  });
  return valid ? values : undefined;
}

function parseDefault(value: unknown, type: ParameterType | undefined, values: string[] | undefined, field: string, sink: Sink): string | undefined {
  if (isAbsent(value)) return undefined;
  const text = scalarText(value);
  if (text === undefined) return void report(sink, field, 'must be a string, number or boolean');
  if (text === '') return undefined;
  // Without a valid type (or enum values) the fit cannot be judged; that field is reported already.
  if (type === undefined || (type === 'enum' && values === undefined)) return text;
  return report(sink, field, parameterValueProblem(type, values, text)) ? undefined : text;
}
