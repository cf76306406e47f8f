/** The input of one launch parameter, by its type: a password is typed unseen, a text gets lines, a choice a list. */
import { ParameterType } from '../../../proto/gen/es/slipstream/v1/modules_pb.js';
import type { ApiProblem } from '../api/errors.js';
import { inputIdOf, invalidAttributes } from '../components/field-attributes.js';
import type { LaunchInput } from './launch-model.js';

interface Props {
  input: LaunchInput;
  field: string;
  value: string;
  onValue: (value: string) => void;
  problem: ApiProblem | undefined;
}

export function ParameterInput({ input, field, value, onValue, problem }: Props) {
  const { definition } = input;
  const common = { id: inputIdOf(field), name: input.key, ...invalidAttributes(problem, field) };
  const required = definition.required && definition.defaultValue === undefined;
  const onInput = (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement }) => onValue(e.currentTarget.value);
  switch (definition.type) {
    case ParameterType.PASSWORD:
      return <input {...common} type="password" autocomplete="new-password" required={required} value={value} onInput={onInput} />;
    case ParameterType.TEXT:
      return <textarea {...common} rows={3} required={required} value={value} onInput={onInput} />;
    case ParameterType.INT:
      // Text, not type=number: a browser empties a number input holding "two", and the reason would be lost.
      return <input {...common} type="text" inputMode="numeric" required={required} value={value} onInput={onInput} />;
    case ParameterType.BOOLEAN:
      return <Choice common={common} choices={['true', 'false']} value={value} onInput={onInput} blank={definition.defaultValue === undefined} />;
    case ParameterType.ENUM:
      return <Choice common={common} choices={definition.values} value={value} onInput={onInput} blank={definition.defaultValue === undefined} />;
    default:
      return <input {...common} type="text" required={required} value={value} onInput={onInput} />;
  }
}

interface ChoiceProps {
  common: Record<string, unknown>;
  choices: readonly string[];
  value: string;
  onInput: (e: { currentTarget: HTMLSelectElement }) => void;
  /** Offer "not set" (no default: leaving it unset is a choice). */
  blank: boolean;
}

function Choice({ common, choices, value, onInput, blank }: ChoiceProps) {
  return (
    <select {...common} value={value} onChange={onInput}>
      {blank && <option value="">(not set)</option>}
      {choices.map((choice) => (
        <option key={choice} value={choice}>
          {choice}
        </option>
      ))}
    </select>
  );
}
