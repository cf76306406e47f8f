/**
 * Terminate, abort with a message, cancel an abort: the actions on a live run's course. Terminating and aborting
 * destroy work, so each asks first.
 */
import { useState } from 'preact/hooks';
import { api } from '../api/clients.js';
import { ConfirmDialog } from '../components/confirm.js';
import { FieldProblem, ProblemBanner } from '../components/problem.js';
import type { StateName } from '../components/run-states.js';
import { useAction } from '../components/use-action.js';

export interface LifecycleActionsProps {
  runId: string;
  state: StateName | undefined;
  abortMessage: string;
}

export function LifecycleActions({ runId, state, abortMessage }: LifecycleActionsProps) {
  const action = useAction();
  const [asking, setAsking] = useState<'terminate' | 'abort'>();
  const [message, setMessage] = useState('');
  const fromReady = state === 'Ready';

  const terminate = async () => {
    setAsking(undefined);
    await action.run(() => api.runs.terminateRun({ id: runId }));
  };
  const abort = async () => {
    setAsking(undefined);
    if (await action.run(() => api.runs.abortRun({ id: runId, message }))) setMessage('');
  };
  const cancelAbort = () => action.run(() => api.runs.abortRun({ id: runId, cancel: true }));
  const messageInvalid = action.problem?.fields.has('message') ?? false;

  return (
    <section class="actions-group" aria-label="Run course">
      <div class="toolbar">
        <button type="button" class="danger" disabled={action.busy || state === 'Finalizing'} onClick={() => setAsking('terminate')}>
          Terminate
        </button>
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            setAsking('abort');
          }}
        >
          <label>
            Abort message{' '}
            <input
              name="message"
              value={message}
              required
              aria-invalid={messageInvalid}
              aria-describedby="abort-message-problem"
              onInput={(e) => setMessage((e.currentTarget as HTMLInputElement).value)}
            />
          </label>
          <button type="submit" class="danger" disabled={action.busy || message.trim() === ''}>
            Abort
          </button>
          <span id="abort-message-problem">
            <FieldProblem problem={action.problem} field="message" />
          </span>
        </form>
        {abortMessage && (
          <button type="button" disabled={action.busy} onClick={() => void cancelAbort()}>
            Cancel abort
          </button>
        )}
      </div>
      <ProblemBanner problem={action.problem} />
      {asking === 'terminate' && (
        <ConfirmDialog title={`Terminate run ${runId}?`} confirmLabel="Terminate" onConfirm={() => void terminate()} onCancel={() => setAsking(undefined)}>
          <p>
            {fromReady
              ? 'The run goes through Finalizing to Done: its VMs are destroyed.'
              : `The run is ${state ?? 'starting'}: it goes to Cancelled at once, its running scripts are stopped and its VMs destroyed.`}
          </p>
        </ConfirmDialog>
      )}
      {asking === 'abort' && (
        <ConfirmDialog title={`Abort run ${runId}?`} confirmLabel="Abort" onConfirm={() => void abort()} onCancel={() => setAsking(undefined)}>
          <p>Running scripts are killed at once; the agents still send their reports and the run drains to Aborted (its keep-running rule decides whether the VMs stay).</p>
          <p>
            Message: <q>{message}</q>
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
