/**
 * Launch an application or component: its nodes with their inputs (defaults filled in), clouds, multiplicities and
 * the run's options, as `slipstream run launch` takes them. Obvious mistakes are caught before sending; everything
 * the controller refuses is shown at the field it names. One request id per form: a double click launches once.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { Code } from '@connectrpc/connect';
import type { Cloud } from '../../../proto/gen/es/slipstream/v1/clouds_pb.js';
import type { ResolvedNode, ResolvedPlan } from '../../../proto/gen/es/slipstream/v1/modules_pb.js';
import { KeepRunning } from '../../../proto/gen/es/slipstream/v1/runs_pb.js';
import { api } from '../api/clients.js';
import { canDeploy, roleName, useCaller } from '../api/caller.js';
import { problemOf, type ApiProblem } from '../api/errors.js';
import { ProblemBanner } from '../components/problem.js';
import { href, navigate } from '../router.js';
import { mapField, placeProblems } from '../catalog/field-paths.js';
import { FormField } from '../catalog/form-field.js';
import { inputIdOf, invalidAttributes } from '../components/field-attributes.js';
import { launchFieldResolver, SSH_KEYS_FIELD, TAGS_FIELD } from '../catalog/launch-fields.js';
import { DEFAULT_TIMEOUT_MINUTES } from '../../../common/runs/run-timeout.js';
import { draftProblems, initialDraft, inputsOf, launchRequestOf, type LaunchDraft, type NodeDraft } from '../catalog/launch-model.js';
import { formatModuleRef, parseModuleRef } from '../catalog/module-ref.js';
import { ParameterInput } from '../catalog/parameter-input.js';
import { newRequestId } from '../catalog/request-id.js';
import type { Loaded } from '../catalog/use-module-versions.js';
import '../catalog/catalog.css';

interface Choices {
  plan: ResolvedPlan;
  clouds: Cloud[];
}

export function LaunchForm({ moduleRef }: { moduleRef: string }) {
  const caller = useCaller();
  const [choices, setChoices] = useState<Loaded<Choices>>({ state: 'loading' });
  useEffect(() => {
    let current = true;
    setChoices({ state: 'loading' });
    Promise.all([api.modules.resolveModule({ ref: moduleRef }), api.clouds.listClouds({})]).then(
      ([resolved, listed]) => {
        if (!current) return;
        if (resolved.plan) setChoices({ state: 'loaded', value: { plan: resolved.plan, clouds: listed.clouds } });
        else setChoices({ state: 'failed', problem: { code: Code.Unknown, message: `The controller resolved ${moduleRef} to no plan.`, fields: new Map() } });
      },
      (err: unknown) => current && setChoices({ state: 'failed', problem: problemOf(err) }),
    );
    return () => {
      current = false;
    };
  }, [moduleRef]);

  const { path } = parseModuleRef(moduleRef);
  return (
    <section class="launch" aria-labelledby="launch-title" aria-busy={choices.state === 'loading'}>
      <p class="back">
        <a href={href({ page: 'module', path: moduleRef })}>← {moduleRef}</a>
      </p>
      <h1 id="launch-title">Launch {choices.state === 'loaded' ? planLabel(choices.value.plan) : moduleRef}</h1>
      {!canDeploy(caller) && <p class="problem">Launching is for deployers; your role is {roleName(caller.role)}.</p>}
      {canDeploy(caller) && choices.state === 'loading' && <p class="loading">Resolving {path}…</p>}
      {canDeploy(caller) && choices.state === 'failed' && <ProblemBanner problem={choices.problem} />}
      {canDeploy(caller) && choices.state === 'loaded' && <LaunchFields key={moduleRef} moduleRef={moduleRef} {...choices.value} />}
    </section>
  );
}

const planLabel = (plan: ResolvedPlan): string => (plan.module ? formatModuleRef(plan.module.path, plan.module.version) : '');

interface Shown {
  byField: ApiProblem;
  /** For the banner: the refusal in a sentence, and the violations no field shows. */
  banner: string;
  unplaced: string[];
}

function LaunchFields({ moduleRef, plan, clouds }: { moduleRef: string } & Choices) {
  const [draft, setDraft] = useState<LaunchDraft>(() => initialDraft(plan));
  const [shown, setShown] = useState<Shown | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [requestId] = useState(newRequestId);
  // State updates land after the next render: a second click in between must still see the first one.
  const submitting = useRef(false);
  const form = useRef<HTMLFormElement>(null);

  const change = (update: Partial<LaunchDraft>) => setDraft((before) => ({ ...before, ...update }));
  const changeNode = (node: string, update: Partial<NodeDraft>) =>
    setDraft((before) => ({ ...before, nodes: { ...before.nodes, [node]: { ...before.nodes[node]!, ...update } } }));
  const changeParameter = (key: string, value: string) => setDraft((before) => ({ ...before, parameters: { ...before.parameters, [key]: value } }));

  const show = (next: Shown) => {
    setShown(next);
    // Once rendered, take the keyboard to the first field to fix (or the banner when no field shows the reason).
    requestAnimationFrame(() => {
      const target = form.current?.querySelector<HTMLElement>('[aria-invalid="true"]') ?? form.current?.querySelector<HTMLElement>('.launch-problems');
      target?.focus();
    });
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    if (submitting.current) return;
    const local = draftProblems(draft, plan);
    if (local.size > 0) {
      show({ byField: { code: Code.InvalidArgument, message: '', fields: local }, banner: fixSentence(local.size), unplaced: [] });
      return;
    }
    submitting.current = true;
    setBusy(true);
    try {
      const launched = await api.runs.launchRun(launchRequestOf(moduleRef, draft, plan, requestId));
      if (launched.run) {
        navigate({ page: 'run', id: launched.run.id });
        return;
      }
      show({ byField: emptyProblem(), banner: 'The controller answered without a run.', unplaced: [] });
    } catch (err) {
      const refused = problemOf(err);
      const placed = placeProblems(refused, launchFieldResolver(plan, draft));
      const banner = refused.fields.size > 0 ? fixSentence(refused.fields.size) : refused.message;
      show({ byField: placed.byField, banner, unplaced: placed.unplaced });
    }
    submitting.current = false;
    setBusy(false);
  };

  const problem = shown?.byField;
  const instances = plan.nodes.reduce((n, node) => n + (Number(draft.nodes[node.name]?.multiplicity) || 0), 0);
  return (
    <form ref={form} class="launch-form" noValidate onSubmit={submit} aria-describedby={shown ? 'launch-problems' : undefined}>
      {shown && (
        <div id="launch-problems" class="launch-problems problem" role="alert" tabIndex={-1}>
          <p>{shown.banner}</p>
          {shown.unplaced.length > 0 && (
            <ul>
              {shown.unplaced.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      <fieldset>
        <legend>Cloud</legend>
        <FormField field="default_cloud" label="Default cloud" hint="for every node that names none" problem={problem}>
          <CloudSelect field="default_cloud" clouds={clouds} value={draft.defaultCloud} onValue={(defaultCloud) => change({ defaultCloud })} unset="the controller's default cloud" problem={problem} />
        </FormField>
      </fieldset>
      {plan.nodes.map((node) => (
        <NodeFields
          key={node.name}
          node={node}
          clouds={clouds}
          choice={draft.nodes[node.name]!}
          parameters={draft.parameters}
          onNode={(update) => changeNode(node.name, update)}
          onParameter={changeParameter}
          problem={problem}
        />
      ))}
      <fieldset>
        <legend>Run</legend>
        <FormField field={TAGS_FIELD} label="Tags" hint="separated by spaces or commas" problem={problem}>
          <input id={inputIdOf(TAGS_FIELD)} type="text" value={draft.tags} onInput={(e) => change({ tags: e.currentTarget.value })} {...invalidAttributes(problem, TAGS_FIELD)} />
        </FormField>
        <FormField field="keep_running" label="Keep the VMs" problem={problem}>
          <select id={inputIdOf('keep_running')} value={String(draft.keepRunning)} onChange={(e) => change({ keepRunning: Number(e.currentTarget.value) as KeepRunning })} {...invalidAttributes(problem, 'keep_running')}>
            <option value={String(KeepRunning.ON_SUCCESS)}>on success (default)</option>
            <option value={String(KeepRunning.ON_ERROR)}>on error</option>
            <option value={String(KeepRunning.ALWAYS)}>always</option>
            <option value={String(KeepRunning.NEVER)}>never</option>
          </select>
        </FormField>
        <div class="form-field">
          <span />
          <label class="check">
            <input type="checkbox" checked={draft.scalable} onChange={(e) => change({ scalable: e.currentTarget.checked })} /> Scalable: stay in Ready and allow adding and removing instances
          </label>
        </div>
        <FormField field="timeout_minutes" label="Timeout (minutes)" hint={`in one transitional state before the run is aborted; ${DEFAULT_TIMEOUT_MINUTES} when empty`} problem={problem}>
          <input
            id={inputIdOf('timeout_minutes')}
            type="text"
            inputMode="numeric"
            placeholder={String(DEFAULT_TIMEOUT_MINUTES)}
            value={draft.timeoutMinutes}
            onInput={(e) => change({ timeoutMinutes: e.currentTarget.value })}
            {...invalidAttributes(problem, 'timeout_minutes')}
          />
        </FormField>
        <FormField field={SSH_KEYS_FIELD} label="SSH public keys" hint="one a line, installed on every VM" problem={problem}>
          <textarea id={inputIdOf(SSH_KEYS_FIELD)} rows={2} spellcheck={false} value={draft.sshPublicKeys} onInput={(e) => change({ sshPublicKeys: e.currentTarget.value })} {...invalidAttributes(problem, SSH_KEYS_FIELD)} />
        </FormField>
      </fieldset>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Launching…' : `Launch ${instances === 1 ? '1 instance' : `${instances} instances`}`}
        </button>
        <a href={href({ page: 'module', path: moduleRef })}>Cancel</a>
      </div>
    </form>
  );
}

const fixSentence = (count: number): string => (count === 1 ? 'One field needs fixing: see its message below.' : `${count} fields need fixing: see their messages below.`);

const emptyProblem = (): ApiProblem => ({ code: Code.Unknown, message: '', fields: new Map() });

interface NodeProps {
  node: ResolvedNode;
  clouds: Cloud[];
  choice: NodeDraft;
  parameters: Record<string, string>;
  onNode: (update: Partial<NodeDraft>) => void;
  onParameter: (key: string, value: string) => void;
  problem: ApiProblem | undefined;
}

function NodeFields({ node, clouds, choice, parameters, onNode, onParameter, problem }: NodeProps) {
  const multiplicityField = mapField('multiplicities', node.name);
  const cloudField = mapField('node_clouds', node.name);
  const inputs = inputsOf(node);
  return (
    <fieldset class="node" data-node={node.name}>
      <legend>
        Node <strong>{node.name}</strong> <span class="muted">{node.component ? formatModuleRef(node.component.path, node.component.version) : ''}</span>
      </legend>
      <FormField field={multiplicityField} label="Instances" problem={problem}>
        <input
          id={inputIdOf(multiplicityField)}
          type="text"
          inputMode="numeric"
          class="narrow"
          value={choice.multiplicity}
          onInput={(e) => onNode({ multiplicity: e.currentTarget.value })}
          {...invalidAttributes(problem, multiplicityField)}
        />
      </FormField>
      <FormField field={cloudField} label="Cloud" problem={problem}>
        <CloudSelect
          field={cloudField}
          clouds={clouds}
          value={choice.cloud}
          onValue={(cloud) => onNode({ cloud })}
          unset={node.cloud ? `${node.cloud} (as the application says)` : 'the default cloud'}
          problem={problem}
        />
      </FormField>
      {inputs.map((input) => {
        const field = mapField('parameters', input.key);
        const { definition } = input;
        const label = (
          <>
            <span class="mono">{definition.name}</span>
            {definition.required && definition.defaultValue === undefined && <span class="required"> (required)</span>}
          </>
        );
        if (input.mappedFrom !== undefined) {
          return (
            <FormField key={input.key} field={field} label={label} hint={definition.description} problem={problem}>
              <output id={inputIdOf(field)} class="mapped">
                mapped from <code>{input.mappedFrom}</code>
              </output>
            </FormField>
          );
        }
        return (
          <FormField key={input.key} field={field} label={label} hint={definition.description} problem={problem}>
            <ParameterInput input={input} field={field} value={parameters[input.key] ?? ''} onValue={(value) => onParameter(input.key, value)} problem={problem} />
          </FormField>
        );
      })}
    </fieldset>
  );
}

interface CloudSelectProps {
  field: string;
  clouds: Cloud[];
  value: string;
  onValue: (cloud: string) => void;
  /** What leaving it unset means. */
  unset: string;
  problem: ApiProblem | undefined;
}

function CloudSelect({ field, clouds, value, onValue, unset, problem }: CloudSelectProps) {
  return (
    <select id={inputIdOf(field)} value={value} onChange={(e) => onValue(e.currentTarget.value)} {...invalidAttributes(problem, field)}>
      <option value="">{unset}</option>
      {clouds.map((cloud) => (
        <option key={cloud.name} value={cloud.name}>
          {cloud.name} ({cloud.driver})
        </option>
      ))}
    </select>
  );
}
