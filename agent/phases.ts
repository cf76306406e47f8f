/**
 * What one state means on this VM (domain.md, "Per state, on each VM"), run
 * once per (epoch, state): Provisioning publishes the VM's hostname and installs
 * SSH keys; Executing runs preinstall, packages, postinstall, deployment;
 * SendingReports runs reporting and uploads the report tarball; Ready does
 * nothing. During a scale action an existing instance runs only the named
 * hook (a removed one also sends its reports). A failing script aborts the
 * run and ends the phase; an abort signal kills the running script's group.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentPlan, AgentScript, ScaleCommand } from '../proto/gen/slipstream/v1/agent.js';
import { RunState, ScaleAction } from '../proto/gen/slipstream/v1/runs.js';
import { scaleHookFromProto } from '../common/convert/scale-hooks.js';
import { runScript, type ScriptResult } from './executor.js';
import type { VmFacts } from './facts.js';
import type { AgentLogger } from './log.js';
import type { LogBuffer } from './log-buffer.js';
import { detectPackageManager, packageInstallScript } from './packages.js';
import type { AgentPaths } from './paths.js';
import { RecipeOutput } from './recipe-output.js';
import { stateName } from './run-state.js';
import { scriptEnv } from './script-env.js';
import { installSshKeys } from './ssh-keys.js';

/** What the phases need from the controller. Each call rejects on failure. */
export interface ControllerPort {
  setParameter(key: string, value: string, signal: AbortSignal): Promise<void>;
  /** The parameter's value; with `wait`, blocks until it is set (or the controller's timeout, when timeoutMs > 0). */
  getParameter(key: string, options: { wait: boolean; timeoutMs: number }, signal: AbortSignal): Promise<string>;
  /** Raises the run's abort flag; resolves when the controller acknowledged it. */
  abort(message: string, signal: AbortSignal): Promise<void>;
  /** Builds and uploads the report tarball. */
  sendReports(signal: AbortSignal): Promise<void>;
}

/** Fixed facts about this agent the phases use. */
export interface PhaseEnvironment {
  instance: string;
  runId: string;
  paths: AgentPaths;
  facts: VmFacts;
  /** The agent's environment, the base of every script's. */
  env: Readonly<Record<string, string | undefined>>;
  installPackages: boolean;
  installSshKeys: boolean;
  /** Home of the agent's user, for authorized_keys. */
  userHome: string;
  /** True when the agent runs as root (no sudo for packages). */
  asRoot: boolean;
  logs: LogBuffer;
  controller: ControllerPort;
  log: AgentLogger;
}

/** One phase to run. */
export interface PhaseWork {
  state: RunState;
  epoch: number;
  plan: AgentPlan;
  scale?: ScaleCommand;
  /** The run's abort message when the phase started ('' when not aborted). */
  abortMessage: string;
  /** Aborts (kills) the phase. */
  signal: AbortSignal;
}

/** How a phase ended: all done, a script failed (the run was aborted), or killed. */
export type PhaseOutcome = 'completed' | 'failed' | 'interrupted';

type StepResult = 'ok' | 'failed' | 'interrupted';

/** Runs the work of `work.state`. Never rejects for script failures. */
export async function runPhase(env: PhaseEnvironment, work: PhaseWork): Promise<PhaseOutcome> {
  const steps = phaseSteps(env, work);
  for (const step of steps) {
    if (work.signal.aborted) return 'interrupted';
    const result = await step();
    if (result === 'failed') return 'failed';
    if (result === 'interrupted' || work.signal.aborted) return 'interrupted';
  }
  return 'completed';
}

/** True when `scale` asks this instance to leave (it runs preScale and sends its reports). */
export function isBeingRemoved(instance: string, scale: ScaleCommand | undefined): boolean {
  return !!scale && scale.action === ScaleAction.SCALE_ACTION_REMOVE && scale.instances.includes(instance);
}

const HOOKS: Record<string, (plan: AgentPlan) => AgentScript[]> = {
  onVmAdd: (p) => p.onVmAdd,
  onVmRemove: (p) => p.onVmRemove,
  preScale: (p) => p.preScale,
  postScale: (p) => p.postScale,
};

function phaseSteps(env: PhaseEnvironment, work: PhaseWork): (() => Promise<StepResult>)[] {
  const { plan, state, scale } = work;
  const recipe = (name: string, scripts: AgentScript[]) => () => runRecipe(env, work, name, scripts);
  const reports = [recipe('reporting', plan.reporting), () => sendReports(env, work)];
  if (scale) {
    const steps: (() => Promise<StepResult>)[] = [];
    const reporting = state === RunState.RUN_STATE_SENDING_REPORTS;
    const hook = scaleHookFromProto(scale);
    if (hook && work.abortMessage && !reporting) {
      env.log.info({ state: stateName(state), hook }, 'run already aborted; scale hook skipped');
    } else if (hook) {
      const scripts = HOOKS[hook];
      if (scripts) steps.push(recipe(hook, scripts(plan)));
      else env.log.warn({ hook }, 'unknown scale hook ignored');
    }
    if (reporting && (hook === 'preScale' || isBeingRemoved(env.instance, scale))) {
      steps.push(...reports);
    }
    return steps;
  }
  switch (state) {
    case RunState.RUN_STATE_PROVISIONING:
      return [() => publishFacts(env, work), () => sshKeys(env, plan)];
    case RunState.RUN_STATE_EXECUTING:
      if (work.abortMessage) {
        env.log.info({ state: stateName(state) }, 'run already aborted; recipes skipped');
        return [];
      }
      if (plan.imageBuiltFromComponent) {
        env.log.info({}, 'image built from this component; preinstall, packages and postinstall skipped');
        return [recipe('deployment', plan.deployment)];
      }
      return [
        recipe('preinstall', plan.preinstall),
        () => installPackages(env, work),
        recipe('postinstall', plan.postinstall),
        recipe('deployment', plan.deployment),
      ];
    case RunState.RUN_STATE_SENDING_REPORTS:
      return reports;
    default:
      return [];
  }
}

/**
 * Publishes the VM's hostname (Provisioning). Its `ip` and `instanceid` are
 * the controller's to write, from what the cloud reported: peers read them
 * through mappings, so a VM does not vouch for itself. Failures are logged, not fatal.
 */
export async function publishFacts(env: PhaseEnvironment, work: PhaseWork): Promise<StepResult> {
  const facts: [string, string][] = [['hostname', env.facts.hostname]];
  const results = await Promise.allSettled(facts.map(([key, value]) => env.controller.setParameter(key, value, work.signal)));
  results.forEach((r, i) => {
    if (r.status === 'rejected') env.log.error({ key: facts[i]![0], err: r.reason as Error }, 'publishing a fact failed');
  });
  return 'ok';
}

async function sshKeys(env: PhaseEnvironment, plan: AgentPlan): Promise<StepResult> {
  if (plan.sshPublicKeys.length === 0) return 'ok';
  if (!env.installSshKeys) {
    env.log.info({ keys: plan.sshPublicKeys.length }, 'ssh key installation disabled; keys skipped');
    return 'ok';
  }
  try {
    const added = await installSshKeys(env.userHome, plan.sshPublicKeys);
    env.log.info({ added }, 'ssh keys installed');
  } catch (err) {
    env.log.error({ err: err as Error }, 'installing ssh keys failed');
  }
  return 'ok';
}

async function installPackages(env: PhaseEnvironment, work: PhaseWork): Promise<StepResult> {
  const packages = work.plan.packages;
  if (packages.length === 0) return 'ok';
  if (!env.installPackages) {
    env.log.info({ packages: packages.length }, 'package installation disabled; packages skipped');
    return 'ok';
  }
  const manager = await detectPackageManager(env.env.PATH);
  if (!manager) {
    const message = `${env.instance}: packages: no supported package manager (apt-get, dnf, yum, apk) found to install ${packages.join(' ')}`;
    await raiseAbort(env, work, message);
    return 'failed';
  }
  return runRecipe(env, work, 'packages', [{ source: `packages (${manager})`, script: packageInstallScript(manager, packages, env.asRoot) }]);
}

async function sendReports(env: PhaseEnvironment, work: PhaseWork): Promise<StepResult> {
  try {
    await env.controller.sendReports(work.signal);
  } catch (err) {
    // Reports are best effort: a failed upload must not hold the run back.
    if (!work.signal.aborted) env.log.error({ err: err as Error }, 'report upload failed');
  }
  return 'ok';
}

/** Runs the scripts of one recipe in order (parent first); the first failure aborts the run. */
async function runRecipe(env: PhaseEnvironment, work: PhaseWork, recipe: string, scripts: AgentScript[]): Promise<StepResult> {
  const todo = scripts.filter((s) => s.script.trim() !== '');
  if (todo.length === 0) return 'ok';
  const { paths } = env;
  await Promise.all([paths.homeDir, paths.scriptsDir, paths.logsDir, paths.reportsDir].map((d) => mkdir(d, { recursive: true, mode: 0o700 })));
  const output = new RecipeOutput(join(paths.logsDir, `${recipe}.log`), env.logs, recipe);
  const log = env.log.child({ recipe, state: stateName(work.state), epoch: work.epoch });
  const childEnv = scriptEnv(
    env.env,
    {
      runId: work.plan.runId || env.runId,
      node: work.plan.node || env.instance.split('.')[0]!,
      index: work.plan.index || Number(env.instance.split('.')[1]),
      instance: env.instance,
      cloud: work.plan.cloud,
      state: stateName(work.state),
      reportDir: paths.reportsDir,
      agentSocket: paths.socketPath,
      binDir: paths.binDir,
    },
    work.scale,
  );
  try {
    for (const [index, script] of todo.entries()) {
      const started = Date.now();
      log.info({ source: script.source, index }, 'script started');
      output.note(`${recipe} script ${index + 1}/${todo.length} from ${script.source || 'unknown'} started`);
      const result = await runScript(
        { recipe, index, source: script.source, script: script.script },
        { scriptsDir: paths.scriptsDir, cwd: paths.homeDir, env: childEnv, output, signal: work.signal },
      );
      const durationMs = Date.now() - started;
      if (result.killed) {
        log.warn({ source: script.source, durationMs }, 'script killed');
        output.note(`${recipe} script killed`);
        return 'interrupted';
      }
      if (result.exitCode === 0) {
        log.info({ source: script.source, durationMs }, 'script succeeded');
        continue;
      }
      log.warn({ source: script.source, exitCode: result.exitCode, signal: result.signal, durationMs }, 'script failed');
      const message = failureMessage(env.instance, recipe, script.source, result);
      output.note(message);
      await raiseAbort(env, work, message);
      return 'failed';
    }
    return 'ok';
  } finally {
    await output.close();
  }
}

async function raiseAbort(env: PhaseEnvironment, work: PhaseWork, message: string): Promise<void> {
  try {
    await env.controller.abort(message, work.signal);
  } catch (err) {
    if (!work.signal.aborted) env.log.error({ err: err as Error }, 'raising the abort failed');
  }
}

const TAIL_LINE_CHARS = 300;

/** `web.1: deployment script app/web@3 failed with exit code 2` plus the last lines of output. */
export function failureMessage(instance: string, recipe: string, source: string, result: ScriptResult): string {
  const how = result.startError
    ? `could not start (${result.startError})`
    : result.signal
      ? `was killed by ${result.signal}`
      : `failed with exit code ${result.exitCode}`;
  const head = `${instance}: ${recipe} script ${source || '(unknown source)'} ${how}`;
  if (result.tail.length === 0) return head;
  const tail = result.tail.map((l) => (l.length > TAIL_LINE_CHARS ? l.slice(0, TAIL_LINE_CHARS) + '...' : l));
  return `${head}; last ${tail.length} lines of output:\n${tail.join('\n')}`;
}
