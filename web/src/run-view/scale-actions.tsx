/**
 * Scaling a scalable run in Ready: add instances to a node, or remove the instances ticked in the table (asked first:
 * their VMs are destroyed).
 */
import { useState } from 'preact/hooks';
import { ScaleAction } from '../../../proto/gen/es/slipstream/v1/runs_pb.js';
import { api } from '../api/clients.js';
import { ConfirmDialog } from '../components/confirm.js';
import { FieldProblem, ProblemBanner } from '../components/problem.js';
import { useAction } from '../components/use-action.js';

export interface ScaleActionsProps {
  runId: string;
  nodes: string[];
  /** Scale actions start from Ready only; otherwise the controls say why they are off. */
  ready: boolean;
  selected: ReadonlySet<string>;
  onRemoving: () => void;
}

export function ScaleActions({ runId, nodes, ready, selected, onRemoving }: ScaleActionsProps) {
  const action = useAction();
  const [node, setNode] = useState(nodes[0] ?? '');
  const [count, setCount] = useState('1');
  const [asking, setAsking] = useState(false);
  const chosenNode = nodes.includes(node) ? node : (nodes[0] ?? '');

  const add = () => action.run(() => api.runs.scaleRun({ id: runId, action: ScaleAction.ADD, node: chosenNode, count: Number(count) }));
  const remove = async () => {
    setAsking(false);
    if (await action.run(() => api.runs.scaleRun({ id: runId, action: ScaleAction.REMOVE, instances: [...selected] }))) onRemoving();
  };
  const fieldInvalid = (field: string) => action.problem?.fields.has(field) ?? false;
  const instanceProblems = [...(action.problem?.fields.keys() ?? [])].filter((f) => f.startsWith('instances'));

  return (
    <section class="actions-group" aria-label="Scale">
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <label>
          Node{' '}
          <select name="node" value={chosenNode} aria-invalid={fieldInvalid('node')} onChange={(e) => setNode((e.currentTarget as HTMLSelectElement).value)}>
            {nodes.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <FieldProblem problem={action.problem} field="node" />
        <label>
          Count{' '}
          <input name="count" type="number" min={1} max={1000} value={count} class="narrow" aria-invalid={fieldInvalid('count')} onInput={(e) => setCount((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <FieldProblem problem={action.problem} field="count" />
        <button type="submit" disabled={!ready || action.busy}>
          Add instances
        </button>
        <button type="button" class="danger" disabled={!ready || action.busy || selected.size === 0} onClick={() => setAsking(true)}>
          Remove {selected.size} selected
        </button>
        {!ready && <span class="muted">Scaling starts from Ready.</span>}
      </form>
      {instanceProblems.map((field) => (
        <FieldProblem key={field} problem={action.problem} field={field} />
      ))}
      <ProblemBanner problem={action.problem} />
      {asking && (
        <ConfirmDialog title={`Remove ${selected.size} instances?`} confirmLabel="Remove" onConfirm={() => void remove()} onCancel={() => setAsking(false)}>
          <p>These instances run their preScale recipe, send their reports and their VMs are destroyed:</p>
          <p class="mono">{[...selected].join(', ')}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
