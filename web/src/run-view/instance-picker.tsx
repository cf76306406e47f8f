/** Chooses the instance whose log is followed; re-rendered only when the instances or the choice change. */
import { memo } from 'preact/compat';
import type { InstanceRow } from './run-store.js';

export interface InstancePickerProps {
  /** RunStore.orderedInstances: a new array only when an instance comes or goes. */
  instances: readonly InstanceRow[];
  value: string | undefined;
  onChange: (name: string) => void;
}

export const InstancePicker = memo(function InstancePicker({ instances, value, onChange }: InstancePickerProps) {
  return (
    <label class="log-choice">
      Instance{' '}
      <select value={value} onChange={(e) => onChange((e.currentTarget as HTMLSelectElement).value)}>
        {instances.map((i) => (
          <option key={i.name} value={i.name}>
            {i.name}
          </option>
        ))}
      </select>
    </label>
  );
});
